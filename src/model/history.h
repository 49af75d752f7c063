// History records: what the store keeps of the past for charts, forecasts and reports.
#pragma once

#include "core/time.h"
#include "model/city_model.h"

namespace pg::model {

// The occupancy of one facility at one instant (whole facility, all classes).
struct OccupancySample {
  FacilityId facility;
  Timestamp time;
  int occupied = 0;
  int capacity = 0;
  friend bool operator==(const OccupancySample&, const OccupancySample&) = default;
};

// A summary of one facility's (or charger site's) occupancy over one interval [start, start +
// step): time-weighted mean, extremes, and how much of the interval had fresh data.
struct OccupancyRollup {
  enum class Kind { kFacility, kChargerSite };
  Kind kind = Kind::kFacility;
  std::string id;  // facility id or charger site
  Timestamp start;
  std::chrono::seconds step{300};
  int min_occupied = 0;
  double mean_occupied = 0;
  int max_occupied = 0;
  int capacity = 0;
  double coverage = 0;  // 0..1: share of the interval with a known, fresh value
  friend bool operator==(const OccupancyRollup&, const OccupancyRollup&) = default;
};

// The occupancy of one charging site at one instant: connectors not available to a new driver
// (charging, preparing, finishing, reserved, suspended, unavailable or faulted) out of all its
// connectors. A site is the chargers sharing Charger::site (or one charger with no site).
struct ChargerSiteSample {
  std::string site;
  Timestamp time;
  int busy = 0;
  int connectors = 0;
  friend bool operator==(const ChargerSiteSample&, const ChargerSiteSample&) = default;
};

}  // namespace pg::model
