#include "simulation/sign_board.h"

#include <gtest/gtest.h>

#include "tests/support/simulation_city.h"

namespace pg::simulation {
namespace {

using testing::DemoSimulation;

TEST(GenerateSignPlan, PutsAnEntranceSignAtEveryCarParkAndRouteAndAreaSignsAround) {
  const SimCity& city = DemoSimulation().city;
  const SignPlan plan = GenerateSignPlan(city);
  EXPECT_TRUE(plan.generated);
  ASSERT_EQ(plan.signs.size(), plan.segments.size());
  int off_street = 0;
  for (const auto& f : city.facilities) off_street += f.on_street ? 0 : 1;
  int levels[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < plan.signs.size(); ++i) {
    const model::Sign& s = plan.signs[i];
    ++levels[static_cast<int>(s.level)];
    ASSERT_FALSE(s.lines.empty());
    EXPECT_LE(s.lines.size(), 4u);
    if (s.level == model::SignLevel::kArea) continue;
    for (const auto& line : s.lines) EXPECT_EQ(line.facilities.size(), 1u);
  }
  EXPECT_EQ(levels[3], off_street);
  EXPECT_GT(levels[2], 0);
  EXPECT_GT(levels[1], 0);
  EXPECT_LE(levels[1], 8);
}

TEST(PlanSigns, UsesTheRegistrysOwnSignsWhenItHasThem) {
  const SimCity& city = DemoSimulation().city;
  ASSERT_FALSE(city.registry_signs.empty());
  const SignPlan plan = PlanSigns(city);
  EXPECT_FALSE(plan.generated);
  EXPECT_EQ(plan.signs.size() + plan.left_out, city.registry_signs.size());
}

TEST(SignBoard, ShowsWhatTheLiveStateSays) {
  const SimCity& city = DemoSimulation().city;
  SignPlan plan = GenerateSignPlan(city);
  const model::FacilityId id = plan.signs[0].lines[0].facilities[0];
  const int f = city.IndexOf(id.str());
  SignBoard board(city, std::move(plan));
  state::LiveState live(city.registry);
  const Timestamp now = *ParseRfc3339("2026-03-04T10:00:00+08:00");
  model::Observation o;
  o.source = model::SourceId("test");
  o.time = now;
  o.target = id.str();
  o.occupied = city.facilities[f].capacity;
  o.free = 0;
  live.DeclareSource(o.source, std::chrono::seconds(60));
  live.Apply(o);
  board.Refresh(*live.Snapshot(), now);
  EXPECT_EQ(board.content(0).lines[0].kind, signs::LineKind::kFull);
  o.occupied = city.facilities[f].capacity - 40;
  o.free = 40;
  o.time = now + std::chrono::seconds(30);
  live.Apply(o);
  board.Refresh(*live.Snapshot(), now + std::chrono::seconds(31));
  EXPECT_EQ(board.content(0).lines[0].kind, signs::LineKind::kCount);
  EXPECT_FALSE(board.SignsOn(board.plan().segments[0]).empty());
}

}  // namespace
}  // namespace pg::simulation
