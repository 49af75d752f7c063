#include "simulation/driver.h"

#include <gtest/gtest.h>

#include "tests/support/simulation_city.h"

namespace pg::simulation {
namespace {

using testing::DemoSimulation;

// A driver whose destination is at facility `anchor`, knowing every facility.
DriverMemory KnowsAll(const SimCity& city, int anchor) {
  DriverMemory m;
  m.dest = city.facilities[anchor].location;
  for (size_t f = 0; f < city.facilities.size(); ++f) m.Learn(city, static_cast<int>(f));
  return m;
}

TEST(NextKnownTarget, TakesTheNearestThenCirclesOnAndBack) {
  const SimCity& city = DemoSimulation().city;
  DriverParams p;
  DriverMemory m = KnowsAll(city, 0);
  ASSERT_EQ(m.known[0], 0);
  EXPECT_EQ(NextKnownTarget(city, m, -1, 0, p), 0);
  m.full_seen_ms[0] = 0;
  const int second = NextKnownTarget(city, m, 0, 1000, p);
  EXPECT_EQ(second, m.known[1]);
  // Every candidate within walking distance found full: back to the one found full longest ago.
  for (int f : m.known) {
    if (HaversineMeters(city.facilities[f].location, m.dest) <= p.max_walk_m) {
      m.full_seen_ms[f] = f == 0 ? 0 : 5000;
    }
  }
  EXPECT_EQ(NextKnownTarget(city, m, second, 6000, p), 0);
  // Memory fades: after full_memory_ms the nearest is tried again.
  EXPECT_EQ(NextKnownTarget(city, m, second, p.full_memory_ms + 1, p), 0);
}

TEST(NextKnownTarget, KnowsNothingMeansNoTarget) {
  DriverMemory m;
  EXPECT_EQ(NextKnownTarget(DemoSimulation().city, m, -1, 0, {}), -1);
}

signs::SignContent Content(std::vector<signs::LineKind> kinds, int count = 12) {
  signs::SignContent c;
  for (auto k : kinds) {
    signs::LineContent line;
    line.kind = k;
    line.count = k == signs::LineKind::kCount ? count : 0;
    c.lines.push_back(line);
  }
  return c;
}

model::Sign SignOf(const SimCity& city, std::vector<std::vector<int>> lines) {
  model::Sign s;
  for (const auto& members : lines) {
    model::SignLine line;
    for (int f : members) line.facilities.push_back(city.facilities[f].facility->id);
    s.lines.push_back(line);
  }
  return s;
}

TEST(ReadSign, FollowsAShownFacilityNearerTheDestination) {
  const SimCity& city = DemoSimulation().city;
  DriverParams p;
  DriverMemory m;
  m.dest = city.facilities[0].location;
  m.Learn(city, 0);
  // The driver only knows facility 0; heading for a farther one it knows, the sign shows 0 free.
  const int far = m.known[0];
  const auto sign = SignOf(city, {{0}});
  m.known.clear();
  m.Learn(city, far == 0 ? 1 : far);
  const int current = m.known[0];
  const int next = ReadSign(city, sign, Content({signs::LineKind::kCount}), m, current, 0, p);
  EXPECT_EQ(next, current == 0 ? current : 0);
  EXPECT_TRUE(m.Knows(0));
}

TEST(ReadSign, ShownFullSendsTheDriverOnAndIsRemembered) {
  const SimCity& city = DemoSimulation().city;
  DriverParams p;
  DriverMemory m = KnowsAll(city, 0);
  const auto sign = SignOf(city, {{0}});
  const int next = ReadSign(city, sign, Content({signs::LineKind::kFull}), m, 0, 100, p);
  EXPECT_NE(next, 0);
  EXPECT_EQ(next, m.known[1]);
  EXPECT_TRUE(m.RecentlyFull(0, 200, p));
}

// Every facility near the destination was found full; the driver circles back to the one found
// full longest ago. A sign that says nothing new about it must not send it to another full one
// (two such facilities swapped at every sign passed: the signs run on Liechtenstein never ended).
TEST(ReadSign, ADriverCirclingBackToAFacilityFoundFullKeepsGoing) {
  const SimCity& city = DemoSimulation().city;
  DriverParams p;
  DriverMemory m = KnowsAll(city, 0);
  int others = 0;
  for (int f : m.known) {
    if (HaversineMeters(city.facilities[f].location, m.dest) > p.max_walk_m) continue;
    m.full_seen_ms[f] = f == 0 ? 0 : 500;
    others += f == 0 ? 0 : 1;
  }
  ASSERT_GT(others, 0);
  ASSERT_EQ(NextKnownTarget(city, m, -1, 1000, p), 0);  // the one found full longest ago
  const auto sign = SignOf(city, {{m.known[1]}});
  EXPECT_EQ(ReadSign(city, sign, Content({signs::LineKind::kFull}), m, 0, 1000, p), 0);
  EXPECT_EQ(ReadSign(city, sign, Content({signs::LineKind::kCount}, 0), m, 0, 1000, p), 0);
  // Shown full now, it moves on.
  const auto own = SignOf(city, {{0}});
  EXPECT_NE(ReadSign(city, own, Content({signs::LineKind::kFull}), m, 0, 1000, p), 0);
}

TEST(ReadSign, AGroupLineTeachesButDoesNotRedirect) {
  const SimCity& city = DemoSimulation().city;
  DriverParams p;
  DriverMemory m;
  m.dest = city.facilities[0].location;
  const auto sign = SignOf(city, {{0, 1}});
  const int next = ReadSign(city, sign, Content({signs::LineKind::kCount}), m, 5, 0, p);
  EXPECT_EQ(next, 5);
  EXPECT_TRUE(m.Knows(0));
}

TEST(GuidanceSwitch, ChangesOnlyMaterially) {
  DriverParams p;  // floor 0.3, gain 60 s
  DriverMemory m;
  const std::vector<GuideOption> calm = {{1, 0.9, 100'000}, {2, 0.9, 130'000}};
  EXPECT_EQ(GuidanceSwitch(calm, 2, m, 0, p), 2);  // better by 30 s only: keep
  const std::vector<GuideOption> gain = {{1, 0.9, 100'000}, {2, 0.9, 170'000}};
  EXPECT_EQ(GuidanceSwitch(gain, 2, m, 0, p), 1);  // better by 70 s: switch
  const std::vector<GuideOption> risky = {{1, 0.9, 100'000}, {2, 0.2, 110'000}};
  EXPECT_EQ(GuidanceSwitch(risky, 2, m, 0, p), 1);  // P(free) fell below 0.3: switch
  const std::vector<GuideOption> gone = {{1, 0.9, 100'000}};
  EXPECT_EQ(GuidanceSwitch(gone, 2, m, 0, p), 1);  // ranked out: switch
  m.full_seen_ms[1] = 0;
  EXPECT_EQ(GuidanceSwitch(gain, 2, m, 1000, p), 2);  // the better one was just found full
  EXPECT_EQ(FirstUsable(gain, m, 1000, p), 2);
  EXPECT_EQ(FirstUsable({}, m, 1000, p), -1);
}

}  // namespace
}  // namespace pg::simulation
