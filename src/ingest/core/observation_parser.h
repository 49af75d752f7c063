// Parsing the observation wire format of SPEC §9 into model::Observation, with every problem
// of every item reported — the batch is validated whole, so a client fixes all at once.
//
//   ParseOptions options{.source = principal.source, .now = clock.Now()};
//   PG_ASSIGN_OR_RETURN(ParsedBatch batch, ParseObservations(request.body, options));
//   if (!batch.errors.empty()) return Render400(batch.errors);
//
// Accepted documents: {"observations": [ … ]} (HTTP and MQTT), a single observation object, or
// a bare array of them (MQTT). A root member "key" is returned for MQTT's key-in-payload
// authentication. Unknown members are ignored (forward compatibility); numbers must be whole.
// simdjson's on-demand parser does the work: no DOM is built (docs/api/ingest.md).
//
// Thread-safety: reentrant; each thread keeps its own parser.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/observation.h"

namespace pg::ingest {

// One problem of one item, for problem+json's invalid_params.
struct ItemError {
  size_t index = 0;   // position in the batch
  std::string field;  // "time", "free", … ; "" for the item as a whole
  std::string reason;
  std::string Name() const;  // "observations[3].time"
};

struct ParseOptions {
  model::SourceId source;  // the authenticated source; every item gets it
  Timestamp now;           // items later than now + max_future are refused
  std::chrono::seconds max_future{300};
  size_t max_items = 10'000;
};

struct ParsedBatch {
  std::vector<model::Observation> observations;  // in order; complete only when errors is empty
  std::vector<ItemError> errors;                 // in item order
  std::optional<std::string> key;                // the root "key" member, when present
  // The most an item refused as too far in the future was ahead of the server's clock (0: none
  // was): many sources refused so is the sign of a server clock that is behind.
  Milliseconds ahead_of_clock{0};
};

// Errors (the document as a whole): kInvalidArgument when it is not JSON or has no
// observations; kResourceExhausted (field "observations") when it holds more than max_items.
Result<ParsedBatch> ParseObservations(std::string_view json, const ParseOptions& options);

// The root "key" member of a message (MQTT's key-in-payload authentication), found without
// building the document: simdjson on-demand reads the root's member names and skips their values,
// so a message can be authenticated before it is parsed. nullopt when the root is not an object
// or has no "key". Errors: kInvalidArgument when the text is not JSON as far as it was read, or
// when "key" is not a string (field "key").
Result<std::optional<std::string>> FindRootKey(std::string_view json);

// The wire form of observations, {"observations":[…]} — what ParseObservations reads back
// (times in UTC, the source left out: the key names it). For clients: the demo's feed, replays,
// benchmarks and tests.
std::string ToWireJson(std::span<const model::Observation> observations);

}  // namespace pg::ingest
