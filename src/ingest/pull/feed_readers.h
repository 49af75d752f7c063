// What a car-park platform that already publishes says of its sites, read from the field's two
// formats: a DATEX II v3 ParkingStatusPublication and NGSI-LD OffStreetParking/OnStreetParking
// entities (an array, key-values or normalized, as GET /ngsi-ld/v1/entities answers). Typed
// readings only: which of our facilities they are, and what becomes an observation, is
// FeedTranslator's (pull_feed.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace pg::ingest::pull {

struct SiteReading {
  std::string their_id;  // DATEX record id, or NGSI-LD entity id
  std::optional<int> vacant;
  std::optional<int> occupied;
  enum class Opening { kNotSaid, kOpen, kClosed } opening = Opening::kNotSaid;
  bool unknown = false;  // the publisher says it does not know: nothing to believe
  Timestamp time;        // when the publisher observed it
};

// Errors: kInvalidArgument naming what is wrong (not XML, not a status publication, a record
// without an id or a time).
Result<std::vector<SiteReading>> ReadDatex2Status(std::string_view xml);

// Entities of other types are skipped. Errors: kInvalidArgument (not a JSON array of entities).
Result<std::vector<SiteReading>> ReadNgsiLdParking(std::string_view json);

}  // namespace pg::ingest::pull
