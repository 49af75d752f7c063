// RunSimulation: one agent-based run of a city's parking search under one policy — the
// instrument behind `parkguide simulate` (docs/simulation.md).
//
// Simulated drivers depart from origins on the city's car graph towards destinations of the
// demand model (demand.h), drive the graph in simulated time (free-flow segment times and turn
// costs of the graph) to a facility, park when it has a free space, and otherwise search on by
// their policy:
//   kNone      the nearest known facility to the destination, then the next (driver.h);
//   kSigns     as kNone, also reading the guidance signs they pass (sign_board.h), whose content
//              the real sign rule computes from the live state;
//   kGuidance  parkguide's guidance in process (guide_adapter.h) at departure, every
//              requery_ms on the way (switching when the answer changes materially) and after
//              finding a facility full.
// Background cars keep the facilities at the requested occupancy; the live state (and through
// it the signs and guidance) is fed only by the simulated sensors through the ingestion path
// (sensor_feed.h). Time is a FakeClock advanced event by event; everything is a deterministic
// function of (city, policy, seed, params), and the drivers and background cars of one seed are
// the same under every policy (common random numbers).
//
// Search (the metrics' definition): it starts when a driver first comes within search_radius_m
// of its destination, or first reaches a facility, whichever is earlier, and ends when it parks.
// A driver searching longer than give_up_ms gives up (counted as not parked within 20 minutes,
// its search time censored at give_up_ms).
//
// Thread-safety: runs on the calling thread; separate runs may run on separate threads over the
// same SimCity.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simulation/demand.h"
#include "simulation/driver.h"
#include "simulation/sensor_feed.h"
#include "simulation/sim_city.h"

namespace pg::simulation {

enum class Policy { kNone, kSigns, kGuidance };
std::string_view Name(Policy p);  // "none", "signs", "guidance"
std::optional<Policy> ParsePolicy(std::string_view text);

struct SimulationParams {
  DemandParams demand;
  FeedParams feed;
  DriverParams driver;
  double warmup_minutes = 30;    // background only, before the first departure
  double search_radius_m = 500;  // the destination area
  int64_t give_up_ms = 45 * 60'000;
  int64_t full_check_ms = 30'000;  // lost at a full car park (queue, turning); 0 on-street
  int64_t sign_refresh_ms = 10'000;
  // A driver whose only choice is the facility it just found full circles the block: this long,
  // this far, then tries it again.
  int64_t circle_ms = 60'000;
  double circle_m = 400;
  // The run's start: the window's local weekday date is fixed (a Wednesday) so runs compare.
  std::string date = "2026-03-04";
};

struct DriverOutcome {
  bool searched = false;  // reached the destination area or a facility
  bool parked = false;
  bool gave_up = false;
  double search_s = 0;
  double cruise_m = 0;           // driven while searching
  double walk_m = 0;             // parked facility → destination on foot (parked drivers)
  bool full_on_arrival = false;  // reached at least one full facility
  int facilities_tried = 0;
  int guidance_queries = 0;
  int switches = 0;  // targets changed on the way (signs or guidance)
};

struct RunResult {
  Policy policy = Policy::kNone;
  uint64_t seed = 0;
  std::vector<DriverOutcome> drivers;
  std::vector<float> cruise_m_by_segment;  // car segments: metres driven while searching
  double occupancy_mean = 0;               // capacity-weighted, sampled each minute of the window
  double full_time_share = 0;              // share of facility-minutes full, same sampling
  int facilities = 0;
  int facilities_fed = 0;
  int signs = 0;
  bool signs_generated = false;
  FeedStats feed;
  double wall_s = 0;
};

// Errors: kFailedPrecondition for kGuidance without a guide; those of the demand model and the
// sensor feed.
Result<RunResult> RunSimulation(const SimCity& city, Policy policy, uint64_t seed,
                                const SimulationParams& params);

}  // namespace pg::simulation
