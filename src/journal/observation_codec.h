// The payload of a kObservations journal record: one accepted batch of observations in a compact
// binary form (docs/formats/journal.md, "Observation batch").
//
//   std::string payload = EncodeObservationBatch(meta, batch);
//   PG_ASSIGN_OR_RETURN(ObservationBatch decoded, DecodeObservationBatch(payload));
//
// Ids are stored as strings, not registry indices, so a journal stays readable after the
// registry changes. Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/observation.h"

namespace pg::journal {

// How a batch reached parkguide.
enum class Channel : uint8_t {
  kHttp = 1,
  kMqtt = 2,
  kReplay = 3,
  kInternal = 4,
  kOcpp = 5,
  kPull = 6
};

struct BatchMeta {
  Channel channel = Channel::kHttp;
  Timestamp received;  // the server's clock when the batch was accepted
  // The silence after which the batch's source may restart its seq counter (state/sequence.h),
  // as it was when the batch was accepted, so a replay decides the same. 0: never — what a
  // version-1 record decodes to (the rule did not exist).
  std::chrono::milliseconds seq_restart_after{0};
  // The payload version it was decoded from (EncodeObservationBatch writes the newest): a
  // version-1 batch is replayed with the sequence rule of its time (state::BatchContext).
  int version = 2;
};

struct ObservationBatch {
  BatchMeta meta;
  std::vector<model::Observation> observations;
};

// Appends the encoding of `batch` to `out` (always the newest version).
void EncodeObservationBatch(const BatchMeta& meta, std::span<const model::Observation> batch,
                            std::string& out);
// Reads every version written so far. Errors: kDataLoss naming the offset when the payload is
// not a valid encoding.
Result<ObservationBatch> DecodeObservationBatch(std::string_view payload);

}  // namespace pg::journal
