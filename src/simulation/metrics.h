// The metrics of a simulation (docs/simulation.md "Metrics"): per run (one seed), then per policy
// over seeds with a 95% confidence interval — Student's t over the per-seed values, clipped to
// the metric's range, so the interval says how much the figure moves from one random city day
// to the next.
//
// Per run, over the drivers that searched (reached the destination area or a facility):
//   mean_search_s, p90_search_s  search time (p90 by linear interpolation between order
//                                statistics); a driver that gave up counts the give-up time
//   cruise_m                     metres driven while searching
//   walk_m                       facility → destination on foot, over the drivers that parked
//   full_on_arrival              share that reached at least one full facility
//   not_parked_20min             share not parked within 20 minutes of searching
//   mean_search_no_full_s        search time of the drivers that met no full facility: what a
//                                policy that never sends anyone to a full one could approach
//
// Thread-safety: plain functions and values.
#pragma once

#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "simulation/simulation.h"

namespace pg::simulation {

struct Estimate {
  double value = 0;
  std::optional<std::pair<double, double>> ci95;  // none with fewer than two seeds
};

struct RunMetrics {
  double mean_search_s = 0;
  double p90_search_s = 0;
  double cruise_m = 0;
  double walk_m = 0;
  double full_on_arrival = 0;
  double not_parked_20min = 0;
  double mean_search_no_full_s = 0;
  int drivers = 0;
  int searched = 0;
  int parked = 0;
};

struct PolicyMetrics {
  Policy policy = Policy::kNone;
  int seeds = 0;
  Estimate mean_search_s, p90_search_s, cruise_m, walk_m, full_on_arrival, not_parked_20min;
  Estimate mean_search_no_full_s;
  double drivers_per_seed = 0;
  double searched_share = 0;
  double occupancy_mean = 0;   // over seeds
  double full_time_share = 0;  // over seeds
  double guidance_queries_per_driver = 0;
  double switches_per_driver = 0;
  int facilities = 0, facilities_fed = 0, signs = 0;
  bool signs_generated = false;
  double wall_s = 0;                       // summed over seeds
  std::vector<double> search_s;            // every searching driver of every seed (distributions)
  std::vector<float> cruise_m_by_segment;  // summed over seeds
};

// The q-quantile (0..1) by linear interpolation between order statistics (NumPy's default);
// 0 for an empty set.
double Quantile(std::vector<double> values, double q);

// The mean and its 95% interval mean ± t(0.975, n−1)·s/√n over per-seed values, clipped to the
// metric's range [lo, hi] (a share cannot leave 0–1, a time or distance cannot be negative;
// with few seeds the t interval is wide enough to cross those bounds).
Estimate MeanWithCi(std::span<const double> per_seed, double lo = 0,
                    double hi = std::numeric_limits<double>::infinity());

RunMetrics Summarise(const RunResult& run);

// REQUIRES: every run is of `policy`.
PolicyMetrics Aggregate(Policy policy, std::span<const RunResult> runs);

}  // namespace pg::simulation
