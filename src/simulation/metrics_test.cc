#include "simulation/metrics.h"

#include <gtest/gtest.h>

namespace pg::simulation {
namespace {

TEST(Quantile, InterpolatesLinearlyBetweenOrderStatistics) {
  EXPECT_DOUBLE_EQ(Quantile({4, 1, 3, 2}, 0.9), 3.7);  // position 2.7 of 1,2,3,4
  EXPECT_DOUBLE_EQ(Quantile({5}, 0.9), 5);
  EXPECT_DOUBLE_EQ(Quantile({}, 0.9), 0);
  EXPECT_DOUBLE_EQ(Quantile({10, 20}, 0.5), 15);
}

TEST(MeanWithCi, IsStudentsIntervalOverSeeds) {
  // Mean 2, sample sd 1, t(0.975, 2) = 4.303: half-width 4.303 / sqrt(3) = 2.48434.
  const double v[] = {1, 2, 3};
  const Estimate e = MeanWithCi(v, -10, 10);
  EXPECT_DOUBLE_EQ(e.value, 2);
  ASSERT_TRUE(e.ci95);
  EXPECT_NEAR(e.ci95->first, 2 - 2.48434, 1e-5);
  EXPECT_NEAR(e.ci95->second, 2 + 2.48434, 1e-5);
}

TEST(MeanWithCi, ClipsTheIntervalToTheMetricsRange) {
  const double shares[] = {0.0, 0.3};  // t(0.975, 1) makes ±1.9: far outside 0–1
  const Estimate share = MeanWithCi(shares, 0, 1);
  ASSERT_TRUE(share.ci95);
  EXPECT_DOUBLE_EQ(share.ci95->first, 0);
  EXPECT_DOUBLE_EQ(share.ci95->second, 1);
  const double seconds[] = {10, 200};
  const Estimate time = MeanWithCi(seconds);
  ASSERT_TRUE(time.ci95);
  EXPECT_DOUBLE_EQ(time.ci95->first, 0);
  EXPECT_GT(time.ci95->second, 105);
}

TEST(MeanWithCi, HasNoIntervalForOneSeed) {
  const double v[] = {7};
  const Estimate e = MeanWithCi(v);
  EXPECT_DOUBLE_EQ(e.value, 7);
  EXPECT_FALSE(e.ci95);
}

DriverOutcome Parked(double search_s, double cruise_m, double walk_m, bool full) {
  DriverOutcome o;
  o.searched = o.parked = true;
  o.search_s = search_s;
  o.cruise_m = cruise_m;
  o.walk_m = walk_m;
  o.full_on_arrival = full;
  return o;
}

TEST(Summarise, CountsOnlyDriversThatSearchedAndWalksOnlyOfThoseParked) {
  RunResult run;
  run.drivers.push_back(Parked(60, 500, 100, false));
  run.drivers.push_back(Parked(1500, 4000, 300, true));  // parked after 25 min: late
  DriverOutcome gave_up;
  gave_up.searched = gave_up.gave_up = true;
  gave_up.search_s = 2700;
  gave_up.cruise_m = 9000;
  gave_up.full_on_arrival = true;
  run.drivers.push_back(gave_up);
  run.drivers.push_back(DriverOutcome{});  // never reached the area: not counted
  const RunMetrics m = Summarise(run);
  EXPECT_EQ(m.drivers, 4);
  EXPECT_EQ(m.searched, 3);
  EXPECT_EQ(m.parked, 2);
  EXPECT_DOUBLE_EQ(m.mean_search_s, (60 + 1500 + 2700) / 3.0);
  EXPECT_DOUBLE_EQ(m.p90_search_s, 1500 + 0.8 * 1200);  // position 1.8 of 60, 1500, 2700
  EXPECT_DOUBLE_EQ(m.cruise_m, (500 + 4000 + 9000) / 3.0);
  EXPECT_DOUBLE_EQ(m.walk_m, 200);
  EXPECT_DOUBLE_EQ(m.full_on_arrival, 2 / 3.0);
  EXPECT_DOUBLE_EQ(m.not_parked_20min, 2 / 3.0);
  EXPECT_DOUBLE_EQ(m.mean_search_no_full_s, 60);  // the one that met no full facility
}

TEST(Aggregate, TakesTheIntervalOverPerSeedValues) {
  std::vector<RunResult> runs(2);
  runs[0].drivers = {Parked(100, 0, 0, false), Parked(300, 0, 0, true)};   // mean 200
  runs[1].drivers = {Parked(400, 0, 0, false), Parked(400, 0, 0, false)};  // mean 400
  const PolicyMetrics p = Aggregate(Policy::kNone, runs);
  EXPECT_EQ(p.seeds, 2);
  EXPECT_DOUBLE_EQ(p.mean_search_s.value, 300);
  // sd of {200, 400} is 141.42; t(0.975, 1) = 12.706; half = 12.706 · 141.42 / √2 = 1270.6.
  ASSERT_TRUE(p.mean_search_s.ci95);
  EXPECT_DOUBLE_EQ(p.mean_search_s.ci95->first, 0);  // clipped: a time is never negative
  EXPECT_NEAR(p.mean_search_s.ci95->second, 300 + 1270.6, 0.01);
  EXPECT_DOUBLE_EQ(p.full_on_arrival.value, 0.25);
  EXPECT_EQ(p.search_s.size(), 4u);
}

}  // namespace
}  // namespace pg::simulation
