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

// A bay sensor's state change: the bay became occupied (an arrival) or free (a departure) at
// `time`. Sessions, dwell and overstays are read from consecutive events of one bay.
struct BayEvent {
  BayId bay;
  Timestamp time;
  bool occupied = false;
  friend bool operator==(const BayEvent&, const BayEvent&) = default;
};

// A charger connector's OCPP status from `time` until the next record of the same connector
// (fault hours and time to restore).
struct ChargerStatusEvent {
  ChargerId charger;
  int connector = 0;  // 0: the whole charger
  Timestamp time;
  ChargerStatus status = ChargerStatus::kAvailable;
  friend bool operator==(const ChargerStatusEvent&, const ChargerStatusEvent&) = default;
};

}  // namespace pg::model
