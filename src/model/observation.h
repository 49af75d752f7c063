// Observation: one normalised piece of live data from any source (SPEC §3, wire form in §9).
//
// A flat value type so that it journals and copies cheaply; which fields matter depends on
// `type` (see the comments). Adapters in ingest/ produce these; state/ applies them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"
#include "model/city_model.h"

namespace pg::model {

enum class ObservationType {
  kFacilityCount,   // free and/or occupied, optionally for one space category
  kEntry,           // `count` vehicles entered
  kExit,            // `count` vehicles left
  kBay,             // bay_occupied
  kCharger,         // connector, charger_status
  kFacilityStatus,  // facility_status
};

// Operator-declared state of a facility.
enum class FacilityStatus { kOpen, kClosed, kFull };

// The largest `seq` and `boot` accepted: 2^53 − 1, the largest integer every JSON reader
// (JavaScript's included) carries exactly. A larger one would also sit a source's counter out of
// reach of its real values (docs/api/ingest.md, "Sequence numbers").
inline constexpr int64_t kMaxSeq = (int64_t{1} << 53) - 1;

struct Observation {
  ObservationType type = ObservationType::kFacilityCount;
  SourceId source;
  Timestamp time;
  std::optional<int64_t> seq;  // per source, increasing; absent when the source has none
  // The source's boot (restart) counter, increased by the source on every restart; a new value
  // starts a new run of `seq`. Only with `seq`. 0..kMaxSeq.
  std::optional<int64_t> boot;
  std::string target;  // facility, bay or charger id, by type

  // kFacilityCount
  std::optional<int> free;
  std::optional<int> occupied;
  std::optional<SpaceCategory> category;  // absent: the whole facility
  // kEntry / kExit
  int count = 1;
  // kBay
  bool bay_occupied = false;
  // kCharger
  int connector = 0;  // 0: the whole charger (OCPP's connectorId 0)
  ChargerStatus charger_status = ChargerStatus::kAvailable;
  // kFacilityStatus
  FacilityStatus facility_status = FacilityStatus::kOpen;

  friend bool operator==(const Observation&, const Observation&) = default;
};

}  // namespace pg::model
