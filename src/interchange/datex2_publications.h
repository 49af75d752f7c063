// DATEX II v3 parking publications (CEN/TS 16157-6): the static ParkingTablePublication and the
// dynamic ParkingStatusPublication, valid against the DATEX II 3.1 schemas (docs/interchange.md
// "DATEX II" maps each field and says what cannot be mapped).
//
//   interchange::Datex2Publisher publisher{.national_identifier = "xuchang-pgis"};
//   interchange::RecordVersions versions;   // lives as long as the server
//   std::string table = interchange::ParkingTablePublication(input, publisher, versions);
//   std::string status = interchange::ParkingStatusPublication(input, publisher, versions);
//
// One UrbanParkingSite record per facility (id = facility id). A record's version is a digest of
// its content, so it changes exactly when the record does and is the same across restarts; the
// status publication references the table and each record by id and version.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "interchange/export_input.h"

namespace pg::interchange {

struct Datex2Publisher {
  std::string country = "CN";       // ISO 3166-1 alpha-2 of the publisher
  std::string national_identifier;  // empty: "parkguide-<city id>"
};

// When this server first published each version of each record (DATEX's version times): a
// record keeps its version time until its content changes.
class RecordVersions {
 public:
  // The time `id` was first seen at `version`; `now` for a new version.
  Timestamp VersionTime(const std::string& id, const std::string& version, Timestamp now);

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<std::string, Timestamp>> seen_;  // guarded by mu_
};

// The occupied count of a facility some minutes before ExportInput::now (15 by default, what
// the trend compares), or nullopt when not recorded.
using EarlierOccupancy = std::function<std::optional<int>(const model::FacilityId&)>;
inline constexpr std::chrono::minutes kTrendWindow{15};

std::string ParkingTablePublication(const ExportInput& in, const Datex2Publisher& publisher,
                                    RecordVersions& versions);

// The status of every facility as state::ViewFacility decides it at `in.now`: a facility whose
// state is unknown (stale or never counted) says so and gives no counts. `earlier` gives the
// occupancy trend; unset: every trend is unknown.
std::string ParkingStatusPublication(const ExportInput& in, const Datex2Publisher& publisher,
                                     RecordVersions& versions,
                                     const EarlierOccupancy& earlier = {});

// DATEX's occupancy trend of a change of `delta` occupied spaces over kTrendWindow at
// `capacity`: "increasing" or "decreasing" beyond 2 % of capacity, else "stable".
std::string_view OccupancyTrend(int delta, int capacity);

}  // namespace pg::interchange
