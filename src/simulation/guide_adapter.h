// The one place the simulation calls parkguide's guidance (guidance::Guide, the code behind
// GET /api/v1/guidance), kept thin so a change of the Guide's API touches this file alone.
//
// Thread-safety: plain function; the Guide is thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "core/geo.h"
#include "core/status.h"
#include "forecast/service.h"
#include "simulation/sim_city.h"
#include "state/live_state.h"

namespace pg::simulation {

// One ranked option of an answer, as the simulated driver uses it.
struct GuideOption {
  int facility = -1;     // index into SimCity::facilities
  double p_free = 0;     // at arrival
  int64_t total_ms = 0;  // the expected cost the guide ranks by
};

struct GuideAsk {
  LatLon origin;
  LatLon dest;
  double stay_minutes = 60;
  double max_walk_m = 1000;
  int limit = 5;
};

// The guide's answer, best first, restricted to simulated facilities.
// Errors: those of Guide::Answer (no road near the origin or destination).
Result<std::vector<GuideOption>> AskGuide(const SimCity& city, const GuideAsk& ask,
                                          const state::LiveSnapshot& snapshot,
                                          const state::LiveRules& rules, Timestamp now,
                                          const forecast::ArrivalForecaster* forecaster);

}  // namespace pg::simulation
