#include "simulation/demand.h"

#include <gtest/gtest.h>

#include "tests/support/simulation_city.h"

namespace pg::simulation {
namespace {

using testing::DemoSimulation;

TEST(ErlangB, MatchesTheFormulaByHand) {
  EXPECT_DOUBLE_EQ(ErlangB(1, 1), 0.5);           // a / (1 + a)
  EXPECT_DOUBLE_EQ(ErlangB(2, 2), 0.4);           // (a²/2) / (1 + a + a²/2)
  EXPECT_NEAR(ErlangB(3, 3), 4.5 / 13.0, 1e-12);  // (27/6) / (1 + 3 + 4.5 + 4.5)
  EXPECT_DOUBLE_EQ(ErlangB(0, 5), 0);
}

TEST(OfferedLoadFor, InvertsTheCarriedLoad) {
  for (int c : {5, 30, 400}) {
    for (double share : {0.5, 0.85, 0.95}) {
      const double a = OfferedLoadFor(share * c, c);
      EXPECT_NEAR(a * (1 - ErlangB(a, c)), share * c, 1e-6 * c) << c << " " << share;
    }
  }
}

TEST(ResidualStay, IsLongerThanHalfAStayOnAverage) {
  // Length bias: the car found parked is on a longer stay than a random one.
  Rng a(1, "stay"), b(1, "residual");
  double stays = 0, residuals = 0;
  for (int i = 0; i < 20000; ++i) {
    stays += DrawStayMinutes(a, 120);
    residuals += ResidualStayMinutes(b, 120);
  }
  EXPECT_GT(residuals / 20000, 0.6 * stays / 20000);
}

DemandParams Small() {
  DemandParams p;
  p.drivers = 1000;
  return p;
}

TEST(DrawDrivers, IsDeterministicAndPlacesEveryDriverAsDocumented) {
  const SimCity& city = DemoSimulation().city;
  auto a = DrawDrivers(city, Small(), 11);
  auto b = DrawDrivers(city, Small(), 11);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), 1000u);
  int far_enough = 0;
  for (size_t i = 0; i < a->size(); ++i) {
    const DriverPlan& d = (*a)[i];
    EXPECT_EQ(d.depart_ms, (*b)[i].depart_ms);
    EXPECT_EQ(d.dest.lat, (*b)[i].dest.lat);
    if (i > 0) {
      EXPECT_GE(d.depart_ms, (*a)[i - 1].depart_ms);
    }
    EXPECT_LT(d.depart_ms, 2 * 3'600'000);
    // Within the spread of the anchor, plus the snap onto the foot graph.
    EXPECT_LT(HaversineMeters(d.dest, city.facilities[d.anchor].location), 300 + 150);
    const double from = HaversineMeters(d.origin.location, d.dest);
    far_enough += from >= 1000 && from <= 4000 ? 1 : 0;
    ASSERT_FALSE(d.known.empty());
    // The nearest facility to the destination is always known, and known ones are by distance.
    double nearest = 1e18;
    for (const auto& f : city.facilities)
      nearest = std::min(nearest, HaversineMeters(f.location, d.dest));
    EXPECT_DOUBLE_EQ(HaversineMeters(city.facilities[d.known[0]].location, d.dest), nearest);
    for (size_t k = 1; k < d.known.size(); ++k) {
      EXPECT_LE(HaversineMeters(city.facilities[d.known[k - 1]].location, d.dest),
                HaversineMeters(city.facilities[d.known[k]].location, d.dest));
    }
    EXPECT_GE(d.stay_minutes, 5);
    EXPECT_LE(d.stay_minutes, 480);
  }
  EXPECT_GT(far_enough, 950);  // the 4 × 4 km demo city has room for almost every origin
}

TEST(DrawDrivers, DepartsInProportionToTheArrivalCurve) {
  DemandParams p = Small();
  p.drivers = 4000;
  p.start_hour_local = 7;  // 07:00–09:00: the morning ramp of the weekday curve
  auto drivers = DrawDrivers(DemoSimulation().city, p, 5);
  ASSERT_TRUE(drivers.ok());
  int first = 0, second = 0;
  for (const auto& d : *drivers) (d.depart_ms < 3'600'000 ? first : second) += 1;
  double r1 = 0, r2 = 0;
  for (int m = 0; m < 60; ++m) {
    r1 += ArrivalRate(7 + (m + 0.5) / 60);
    r2 += ArrivalRate(8 + (m + 0.5) / 60);
  }
  const double expected_first = 4000 * r1 / (r1 + r2);
  EXPECT_NEAR(first, expected_first, 4 * std::sqrt(expected_first));  // ~4 sd of a binomial
  EXPECT_GT(second, first);
}

TEST(CalibrateBackground, DrawsTargetsInTheRangeAndAPathForTheWholeRun) {
  const SimCity& city = DemoSimulation().city;
  auto drivers = DrawDrivers(city, Small(), 2);
  ASSERT_TRUE(drivers.ok());
  DemandParams p = Small();
  const auto bg = CalibrateBackground(city, *drivers, p, 2, 200);
  ASSERT_EQ(bg.size(), city.facilities.size());
  for (size_t i = 0; i < bg.size(); ++i) {
    EXPECT_GE(bg[i].target_share, 0.85);
    EXPECT_LE(bg[i].target_share, 0.95);
    EXPECT_EQ(bg[i].arrivals_per_min.size(), 41u);  // 200 min in 5-minute steps, and one more
    EXPECT_GT(bg[i].p_full, 0);
    EXPECT_LT(bg[i].p_full, 1);
    EXPECT_LE(bg[i].initial_cars, city.facilities[i].capacity);
    for (double r : bg[i].arrivals_per_min) EXPECT_LE(r, bg[i].max_arrivals_per_min);
  }
  // The same seed gives the same background whatever else happens.
  const auto again = CalibrateBackground(city, *drivers, p, 2, 200);
  EXPECT_EQ(again[3].arrivals_per_min, bg[3].arrivals_per_min);
}

}  // namespace
}  // namespace pg::simulation
