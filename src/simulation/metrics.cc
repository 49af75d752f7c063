#include "simulation/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pg::simulation {
namespace {

// t(0.975, df) for df = 1..30; beyond, the normal 1.96 is within 2%.
double StudentT975(int df) {
  static constexpr double kT[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df >= 1 && df <= 30) return kT[df - 1];
  return 1.96;
}

double Mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

}  // namespace

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

Estimate MeanWithCi(std::span<const double> v, double lo, double hi) {
  Estimate e;
  if (v.empty()) return e;
  const double n = static_cast<double>(v.size());
  e.value = std::accumulate(v.begin(), v.end(), 0.0) / n;
  if (v.size() < 2) return e;
  double ss = 0;
  for (double x : v) ss += (x - e.value) * (x - e.value);
  const double half =
      StudentT975(static_cast<int>(v.size()) - 1) * std::sqrt(ss / (n - 1)) / std::sqrt(n);
  e.ci95 = std::make_pair(std::max(lo, e.value - half), std::min(hi, e.value + half));
  return e;
}

RunMetrics Summarise(const RunResult& run) {
  RunMetrics m;
  std::vector<double> search, cruise, walk, search_no_full;
  double full = 0, late = 0;
  for (const DriverOutcome& o : run.drivers) {
    ++m.drivers;
    if (!o.searched) continue;
    ++m.searched;
    search.push_back(o.search_s);
    cruise.push_back(o.cruise_m);
    if (o.parked) {
      ++m.parked;
      walk.push_back(o.walk_m);
    }
    full += o.full_on_arrival ? 1 : 0;
    if (!o.full_on_arrival) search_no_full.push_back(o.search_s);
    late += (o.gave_up || o.search_s > 20 * 60) ? 1 : 0;
  }
  m.mean_search_s = Mean(search);
  m.p90_search_s = Quantile(search, 0.9);
  m.mean_search_no_full_s = Mean(search_no_full);
  m.cruise_m = Mean(cruise);
  m.walk_m = Mean(walk);
  if (m.searched > 0) {
    m.full_on_arrival = full / m.searched;
    m.not_parked_20min = late / m.searched;
  }
  return m;
}

PolicyMetrics Aggregate(Policy policy, std::span<const RunResult> runs) {
  PolicyMetrics out;
  out.policy = policy;
  out.seeds = static_cast<int>(runs.size());
  std::vector<double> mean, p90, cruise, walk, full, late, no_full;
  double drivers = 0, searched = 0, queries = 0, switches = 0;
  for (const RunResult& run : runs) {
    const RunMetrics m = Summarise(run);
    mean.push_back(m.mean_search_s);
    p90.push_back(m.p90_search_s);
    cruise.push_back(m.cruise_m);
    walk.push_back(m.walk_m);
    full.push_back(m.full_on_arrival);
    late.push_back(m.not_parked_20min);
    no_full.push_back(m.mean_search_no_full_s);
    drivers += m.drivers;
    searched += m.searched;
    for (const DriverOutcome& o : run.drivers) {
      if (o.searched) out.search_s.push_back(o.search_s);
      queries += o.guidance_queries;
      switches += o.switches;
    }
    out.occupancy_mean += run.occupancy_mean / runs.size();
    out.full_time_share += run.full_time_share / runs.size();
    out.wall_s += run.wall_s;
    out.facilities = run.facilities;
    out.facilities_fed = run.facilities_fed;
    out.signs = run.signs;
    out.signs_generated = run.signs_generated;
    if (out.cruise_m_by_segment.size() < run.cruise_m_by_segment.size()) {
      out.cruise_m_by_segment.resize(run.cruise_m_by_segment.size(), 0);
    }
    for (size_t s = 0; s < run.cruise_m_by_segment.size(); ++s) {
      out.cruise_m_by_segment[s] += run.cruise_m_by_segment[s];
    }
  }
  out.mean_search_s = MeanWithCi(mean);
  out.p90_search_s = MeanWithCi(p90);
  out.cruise_m = MeanWithCi(cruise);
  out.walk_m = MeanWithCi(walk);
  out.full_on_arrival = MeanWithCi(full, 0, 1);
  out.not_parked_20min = MeanWithCi(late, 0, 1);
  out.mean_search_no_full_s = MeanWithCi(no_full);
  if (!runs.empty()) out.drivers_per_seed = drivers / runs.size();
  if (drivers > 0) {
    out.searched_share = searched / drivers;
    out.guidance_queries_per_driver = queries / drivers;
    out.switches_per_driver = switches / drivers;
  }
  return out;
}

}  // namespace pg::simulation
