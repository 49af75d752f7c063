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
