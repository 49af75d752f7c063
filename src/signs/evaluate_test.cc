#include "signs/evaluate.h"

#include <gtest/gtest.h>

#include <map>

namespace pg::signs {
namespace {

using model::Arrow;
using model::FacilityId;
using state::FacilityView;
using state::OccupancyState;

FacilityView Open(int free, int capacity) {
  FacilityView v;
  v.state = OccupancyState::kOpen;
  v.free = free;
  v.occupied = capacity - free;
  v.capacity = capacity;
  return v;
}

FacilityView WithState(OccupancyState s, int capacity = 100) {
  FacilityView v;
  v.state = s;
  v.capacity = capacity;
  return v;
}

class Board {
 public:
  explicit Board(model::Sign sign) : sign_(std::move(sign)) {}

  std::map<std::string, FacilityView> views;
  SignConfig config;
  ActivePlans plans;
  std::vector<ActiveOverride> overrides;
  SignMemory memory;

  SignContent Show() {
    EvalInput in;
    in.sign = &sign_;
    in.config = &config;
    in.views = [this](const FacilityId& id) -> const FacilityView* {
      auto it = views.find(id.str());
      return it == views.end() ? nullptr : &it->second;
    };
    in.plans = &plans;
    in.overrides = overrides;
    return EvaluateSign(in, memory);
  }
  std::string Describe() { return signs::Describe(Show()); }

 private:
  model::Sign sign_;
};

model::Sign MakeSign(model::SignLevel level, std::vector<model::SignLine> lines, int digits = 3) {
  model::Sign s;
  s.id = model::SignId("S");
  s.level = level;
  s.lines = std::move(lines);
  s.digits = digits;
  return s;
}

TEST(EvaluateSign, GroupSumCountsOnlyFreshMembers) {
  Board b(MakeSign(model::SignLevel::kArea,
                   {{{FacilityId("A"), FacilityId("B"), FacilityId("C")}, Arrow::kLeft, {}}}));
  b.views["A"] = Open(120, 400);
  b.views["B"] = Open(30, 200);
  b.views["C"] = WithState(OccupancyState::kUnknown, 300);
  SignContent c = b.Show();
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].kind, LineKind::kCount);
  EXPECT_EQ(c.lines[0].count, 150);
  EXPECT_EQ(c.lines[0].basis.fresh, 2);
  EXPECT_EQ(c.lines[0].basis.stale, 1);
  EXPECT_EQ(c.lines[0].basis.capacity, 600);  // the stale member's capacity is not counted
  // Every member stale: unknown, never a number.
  b.views["A"] = WithState(OccupancyState::kUnknown);
  b.views["B"] = WithState(OccupancyState::kUnknown);
  EXPECT_EQ(b.Describe(), "--");
  // Every member closed: CLOSED. One closed and one stale: still unknown.
  for (auto id : {"A", "B", "C"}) b.views[id] = WithState(OccupancyState::kClosed);
  EXPECT_EQ(b.Describe(), "CLOSED");
  b.views["C"] = WithState(OccupancyState::kUnknown);
  EXPECT_EQ(b.Describe(), "--");
}

TEST(EvaluateSign, ClassLineShowsTheClassCountAndItsStaleness) {
  Board b(
      MakeSign(model::SignLevel::kEntrance,
               {{{FacilityId("F")}, Arrow::kStraight, {}},
                {{FacilityId("F")}, Arrow::kStraight, {"充电", "EV"}, model::SpaceCategory::kEv}}));
  FacilityView v = Open(80, 400);
  v.by_category.push_back({model::SpaceCategory::kEv, 12, 8, 20});
  b.views["F"] = v;
  EXPECT_EQ(b.Describe(), "80 green, 12 green");
  b.views["F"].by_category[0].free = std::nullopt;  // the EV count went stale
  EXPECT_EQ(b.Describe(), "80 green, --");
}

TEST(EvaluateSign, OperatorFullShowsFullWhateverTheCount) {
  Board b(MakeSign(model::SignLevel::kRoute, {{{FacilityId("F")}, Arrow::kLeft, {}}}));
  FacilityView v = Open(40, 100);
  v.state = OccupancyState::kFull;  // the operator said full with 40 counted free
  b.views["F"] = v;
  EXPECT_EQ(b.Describe(), "FULL");
  // Once the operator lifts it, leaving FULL takes the decreasing threshold like any count.
  b.views["F"] = Open(2, 100);
  EXPECT_EQ(b.Describe(), "FULL");
  b.views["F"] = Open(3, 100);
  EXPECT_EQ(b.Describe(), "3 amber");
}

TEST(EvaluateSign, CountIsCappedToTheDigitsOfTheBoard) {
  Board b(MakeSign(model::SignLevel::kRoute, {{{FacilityId("F")}, Arrow::kLeft, {}}}, 2));
  b.views["F"] = Open(1500, 2000);
  SignContent c = b.Show();
  EXPECT_EQ(c.lines[0].count, 99);
  EXPECT_EQ(c.lines[0].text.en, "99");
  EXPECT_EQ(*c.lines[0].basis.free, 1500);
}

TEST(EvaluateSign, OverrideOfOneLineWinsOverOneOfTheWholeSign) {
  Board b(MakeSign(model::SignLevel::kRoute, {{{FacilityId("F")}, Arrow::kLeft, {}},
                                              {{FacilityId("G")}, Arrow::kRight, {}}}));
  b.views["F"] = Open(50, 100);
  b.views["G"] = Open(60, 100);
  b.overrides = {{7, std::nullopt, false, {"事故", "ACCIDENT"}}, {8, 1, true, {}}};
  SignContent c = b.Show();
  EXPECT_EQ(Describe(c), "\"事故/ACCIDENT\", BLANK");
  EXPECT_EQ(c.lines[0].basis.override_id, 7);
  EXPECT_EQ(c.lines[1].basis.override_id, 8);
  // The memory followed the counts underneath: FULL is there the moment the override goes.
  b.views["F"] = Open(0, 100);
  b.Show();
  b.views["F"] = Open(2, 100);
  b.overrides.clear();
  EXPECT_EQ(b.Describe(), "FULL, 60 green");
}

TEST(EvaluateSign, PlansReserveForceAndSpeakForOneFacilityOnly) {
  Board b(
      MakeSign(model::SignLevel::kArea, {{{FacilityId("F")}, Arrow::kLeft, {}},
                                         {{FacilityId("F"), FacilityId("G")}, Arrow::kRight, {}}}));
  b.views["F"] = Open(150, 400);
  b.views["G"] = Open(70, 100);
  auto plan = [](const char* id, PlanAction action) {
    GuidancePlan p;
    p.id = id;
    p.action = action;
    return p;
  };
  GuidancePlan reserve = plan("event", PlanAction::kReserve);
  reserve.reserve = 100;
  b.plans["F"] = {&reserve};
  SignContent c = b.Show();
  EXPECT_EQ(Describe(c), "50 green, 120 green");
  EXPECT_EQ(c.lines[0].basis.reserved, 100);
  EXPECT_EQ(c.lines[0].basis.plans, std::vector<std::string>{"event"});
  GuidancePlan text = plan("vip", PlanAction::kText);
  text.text = {"贵宾", "VIP"};
  b.plans["F"] = {&text};
  EXPECT_EQ(b.Describe(), "\"贵宾/VIP\", 70 green");
  GuidancePlan closed = plan("shut", PlanAction::kClosed);
  b.plans["F"] = {&closed};
  b.plans["G"] = {&closed};
  EXPECT_EQ(b.Describe(), "CLOSED, CLOSED");
}

}  // namespace
}  // namespace pg::signs
