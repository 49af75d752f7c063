// The regression guard on the ranking (docs/simulation.md "Regression guard"): on the generated
// demo city, parkguide's guidance must cut the mean search time against driving to the nearest
// known facility by a wide margin. Plus the run's own invariants: determinism, every driver
// accounted for, the live state fed only through the ingestion path.
#include "simulation/simulation.h"

#include <gtest/gtest.h>

#include "simulation/metrics.h"
#include "tests/support/simulation_city.h"

namespace pg::simulation {
namespace {

using testing::DemoSimulation;
using testing::MakeDemoSimulationCity;

SimulationParams SmallRun() {
  SimulationParams p;
  p.demand.drivers = 400;
  p.demand.window_hours = 1;
  return p;
}

TEST(Simulation, IsDeterministicForASeed) {
  auto a = RunSimulation(DemoSimulation().city, Policy::kGuidance, 7, SmallRun());
  auto b = RunSimulation(DemoSimulation().city, Policy::kGuidance, 7, SmallRun());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(a->drivers.size(), b->drivers.size());
  for (size_t i = 0; i < a->drivers.size(); ++i) {
    EXPECT_EQ(a->drivers[i].search_s, b->drivers[i].search_s) << "driver " << i;
    EXPECT_EQ(a->drivers[i].cruise_m, b->drivers[i].cruise_m) << "driver " << i;
  }
  EXPECT_EQ(a->cruise_m_by_segment, b->cruise_m_by_segment);
}

TEST(Simulation, AccountsForEveryDriverAndFeedsStateThroughIngestion) {
  auto run = RunSimulation(DemoSimulation().city, Policy::kNone, 3, SmallRun());
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->drivers.size(), 400u);
  int settled = 0;
  for (const auto& o : run->drivers) settled += (o.parked || o.gave_up) ? 1 : 0;
  EXPECT_EQ(settled, 400);
  EXPECT_GT(run->feed.observations, 1000u);
  EXPECT_EQ(run->feed.refused, 0u);
  EXPECT_GT(run->facilities_fed, 0);
  EXPECT_LT(run->facilities_fed, run->facilities);  // a share has no live feed
  // The background holds the requested range (with the drivers on top).
  EXPECT_GT(run->occupancy_mean, 0.80);
  EXPECT_LT(run->occupancy_mean, 0.98);
}

// The guard on the ranking. The scenario is the demo city at its peak (facilities at 95–99%), and
// the guide values the driver's time at ¥300/h, so that price hardly weighs against availability:
// the guard is on what live data buys in search time, not on the price trade-off, which the
// simulated drivers of the other policies do not make (docs/simulation.md, "Regression guard").
// Measured (400 drivers, 1 h, seed pairs 1–2, 3–4, 5–6): guidance cut the mean search time by
// 14–19% and full-on-arrival by 37–50% against none. The margins asserted are half of the
// smallest cuts measured, so seed noise does not trip them and a loss of the live-data effect does.
// `none` and `guidance` on `city` at 95–99 % occupancy, seeds 1 and 2 of SmallRun.
struct PeakResult {
  PolicyMetrics none, guided;
};
PeakResult RunAtThePeak(const SimCity& city) {
  SimulationParams run = SmallRun();
  run.demand.occupancy_low = 0.95;
  run.demand.occupancy_high = 0.99;
  std::vector<RunResult> none, guided;
  for (uint64_t seed : {1, 2}) {
    auto n = RunSimulation(city, Policy::kNone, seed, run);
    auto g = RunSimulation(city, Policy::kGuidance, seed, run);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    if (!n.ok() || !g.ok()) return {};
    none.push_back(std::move(*n));
    guided.push_back(std::move(*g));
  }
  return {Aggregate(Policy::kNone, none), Aggregate(Policy::kGuidance, guided)};
}

TEST(Simulation, GuidanceCutsSearchTimeAndFullArrivalsOnTheDemoCityAtItsPeak) {
  guidance::GuidanceParams params;
  params.value_of_time_fen_per_hour = 30'000;
  const auto demo = MakeDemoSimulationCity(params);
  const PeakResult r = RunAtThePeak(demo->city);
  EXPECT_LT(r.guided.mean_search_s.value, 0.93 * r.none.mean_search_s.value)
      << "none " << r.none.mean_search_s.value << " s, guidance " << r.guided.mean_search_s.value
      << " s";
  EXPECT_LT(r.guided.full_on_arrival.value, 0.75 * r.none.full_on_arrival.value)
      << "none " << r.none.full_on_arrival.value << ", guidance " << r.guided.full_on_arrival.value;
}

// The same guard with the guide's own parameters (no value-of-time trick): a ranking that sends
// drivers to full car parks (issue 14, finding 1) made guidance far worse than none on Monaco and
// Liechtenstein (docs/simulation.md). Measured after the cost-model fix (400 drivers, 1 h, seeds
// 1–2, 95–99%): none 92.0 s and 17.7% full on arrival, guidance 78.6 s and 11.1% (cuts of 15%
// and 37%). The margins asserted are about half of those cuts.
TEST(Simulation, GuidanceWithItsDefaultCostModelBeatsNoneOnTheDemoCity) {
  const PeakResult r = RunAtThePeak(DemoSimulation().city);
  EXPECT_LT(r.guided.mean_search_s.value, 0.93 * r.none.mean_search_s.value)
      << "none " << r.none.mean_search_s.value << " s, guidance " << r.guided.mean_search_s.value
      << " s";
  EXPECT_LT(r.guided.full_on_arrival.value, 0.8 * r.none.full_on_arrival.value)
      << "none " << r.none.full_on_arrival.value << ", guidance " << r.guided.full_on_arrival.value;
}

}  // namespace
}  // namespace pg::simulation
