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

}  // namespace pg::model
