#include "signs/display_rules.h"

#include <gtest/gtest.h>

namespace pg::signs {
namespace {

Timestamp Local(const char* text) { return *ParseRfc3339(text); }

const date::time_zone& Shanghai() { return **LookupTimeZone("Asia/Shanghai"); }

TEST(Threshold, CountsAndSharesBecomeFreeSpaceLevels) {
  // 90 % occupied of 100: entered at 10 free or fewer; 85 % left at 15 free or more.
  EXPECT_EQ(Threshold::OccupiedPercent(90).EnterAtFree(100), 10);
  EXPECT_EQ(Threshold::OccupiedPercent(85).LeaveAtFree(100), 15);
  // Of 7 spaces, 90 % means 6.3 cars: entered only when all 7 are taken; 85 % (5.95) is left
  // at 5 cars, i.e. 2 free.
  EXPECT_EQ(Threshold::OccupiedPercent(90).EnterAtFree(7), 0);
  EXPECT_EQ(Threshold::OccupiedPercent(85).LeaveAtFree(7), 2);
  EXPECT_EQ(Threshold::Free(5).EnterAtFree(7), 5);
  EXPECT_EQ(Threshold::Free(5).LeaveAtFree(1000), 5);
}

TEST(Threshold, ParsesCountsAndShares) {
  EXPECT_EQ(*ParseThreshold("5"), Threshold::Free(5));
  EXPECT_EQ(*ParseThreshold(" 92.5 % "), Threshold::OccupiedPercent(92.5));
  EXPECT_EQ(FormatThreshold(Threshold::OccupiedPercent(92.5)), "92.5%");
  EXPECT_FALSE(ParseThreshold("-1").ok());
  EXPECT_FALSE(ParseThreshold("120%").ok());
  EXPECT_FALSE(ParseThreshold("five").ok());
}

TEST(Weekdays, RangesListsAndWrapRoundTheWeek) {
  EXPECT_EQ(*ParseWeekdays("Mo-Fr"), 0x1f);
  EXPECT_EQ(*ParseWeekdays("Sa-Mo"), 0x61);
  EXPECT_EQ(FormatWeekdays(*ParseWeekdays("Mo-We,Fr,Su")), "Mo-We,Fr,Su");
  EXPECT_FALSE(ParseWeekdays("Mo-Xx").ok());
  EXPECT_FALSE(ParseWeekdays("").ok());
}

TEST(GuidancePlan, AWindowPastMidnightBelongsToTheDayItStarts) {
  SignConfig config;
  GuidancePlan p;
  p.id = "late";
  p.facilities = {model::FacilityId("F1")};
  p.weekdays = *ParseWeekdays("Fr");
  p.start_minute = 22 * 60;
  p.end_minute = 2 * 60;
  p.action = PlanAction::kFull;
  config.plans = {p};
  auto active = [&](const char* t) {
    return ActivePlansAt(config, Local(t), Shanghai()).contains("F1");
  };
  // 2026-12-04 is a Friday.
  EXPECT_FALSE(active("2026-12-04T21:59:59+08:00"));
  EXPECT_TRUE(active("2026-12-04T22:00:00+08:00"));
  EXPECT_TRUE(active("2026-12-05T01:59:59+08:00"));  // Saturday, in Friday's window
  EXPECT_FALSE(active("2026-12-05T02:00:00+08:00"));
  EXPECT_FALSE(active("2026-12-04T01:00:00+08:00"));  // Friday early: Thursday's window
  EXPECT_FALSE(active("2026-12-05T23:00:00+08:00"));  // Saturday's own window: not a Friday
}

TEST(GuidancePlan, DatesBoundTheDaysAWindowMayStart) {
  GuidancePlan p;
  p.from_date = "2026-12-24";
  p.to_date = "2026-12-24";
  p.start_minute = 18 * 60;
  p.end_minute = 60;
  LocalTime eve{2026, 12, 24, 3, 19 * 60};
  LocalTime before{2026, 12, 23, 2, 19 * 60};
  LocalTime after_midnight{2026, 12, 25, 4, 30};
  EXPECT_TRUE(p.ActiveAt(eve, before));
  EXPECT_TRUE(p.ActiveAt(after_midnight, eve));
  EXPECT_FALSE(p.ActiveAt(before, LocalTime{2026, 12, 22, 1, 0}));
}

TEST(SignConfig, LineRulesAreDefaultsThenFacilityThenSign) {
  SignConfig config;
  config.defaults.buffer = 1;
  config.facility_rules["F1"].buffer = 2;
  config.facility_rules["F1"].floor = 7;
  config.sign_rules["S1"].buffer = 9;
  model::Sign sign;
  sign.id = model::SignId("S1");
  model::SignLine one{{model::FacilityId("F1")}, model::Arrow::kLeft, {}};
  model::SignLine group{
      {model::FacilityId("F1"), model::FacilityId("F2")}, model::Arrow::kLeft, {}};
  DisplayRules r = config.RulesFor(sign, one);
  EXPECT_EQ(r.buffer, 9);
  EXPECT_EQ(r.floor, 7);
  // A group line does not take one member's rules.
  EXPECT_EQ(config.RulesFor(sign, group).floor, 0);
  sign.id = model::SignId("S2");
  EXPECT_EQ(config.RulesFor(sign, one).buffer, 2);
}

TEST(SignConfig, JsonRoundTripsAndNamesTheBadMember) {
  auto j = nlohmann::json::parse(R"({
    "defaults": {"full_increasing": 0, "full_decreasing": 4, "almost_full_increasing": "90%",
                 "almost_full_decreasing": "85%", "buffer": 1},
    "facilities": {"F1": {"full_decreasing": "95%"}},
    "signs": {"S1": {"buffer": 10, "floor": 20, "floor_band": 5}},
    "plans": [{"id": "event", "name": {"zh": "演唱会", "en": "Concert"}, "facilities": ["F1"],
               "days": "Fr,Sa", "window": "18:00-23:30", "from_date": "2026-12-01",
               "action": "reserve", "reserve": 120},
              {"id": "works", "facilities": ["F2"], "window": "00:00-24:00", "action": "text",
               "text": {"zh": "施工", "en": "WORKS"}}]})");
  auto config = SignConfigFromJson(j);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->defaults.full_decreasing, Threshold::Free(4));
  EXPECT_EQ(config->facility_rules.at("F1").full_decreasing, Threshold::OccupiedPercent(95));
  ASSERT_EQ(config->plans.size(), 2u);
  EXPECT_EQ(config->plans[0].weekdays, *ParseWeekdays("Fr,Sa"));
  EXPECT_EQ(config->plans[0].start_minute, 18 * 60);
  EXPECT_EQ(config->plans[0].end_minute, 23 * 60 + 30);
  EXPECT_EQ(config->plans[1].text.en, "WORKS");
  auto again = SignConfigFromJson(ToJson(*config));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *config);
  EXPECT_TRUE(ValidateSignConfig(*config).empty());

  auto bad = SignConfigFromJson(nlohmann::json::parse(
      R"({"plans": [{"id": "p", "facilities": ["F1"], "window": "18:00", "action": "full"}]})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "plans[0].window");
  bad = SignConfigFromJson(nlohmann::json::parse(R"({"signs": {"S1": {"buffer": "lots"}}})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "signs.S1.buffer");
}

// Every text, id, count and number of the rules has a bound (docs/api/signs.md, "Limits").
TEST(SignConfig, EveryMemberHasABoundAndTheRefusalNamesIt) {
  using nlohmann::json;
  auto plan = [](const json& changes) {
    json p = {{"id", "p"}, {"facilities", {"F1"}}, {"action", "text"}, {"text", "施工"}};
    p.update(changes);
    return json{{"plans", {p}}};
  };
  json many_plans = json{{"plans", json::array()}};
  for (size_t i = 0; i <= kMaxPlans; ++i) {
    many_plans["plans"].push_back(plan({{"id", "p" + std::to_string(i)}})["plans"][0]);
  }
  json many_facilities = json::object();
  for (size_t i = 0; i <= kMaxRuleEntries; ++i) many_facilities["F" + std::to_string(i)] = {};
  struct Case {
    const char* what;
    json rules;
    const char* field;  // nullptr: accepted
  };
  const Case cases[] = {
      {"a plain plan", plan(json::object()), nullptr},
      {"text of 64 characters", plan({{"text", {{"en", std::string(64, 'T')}}}}), nullptr},
      {"text of 65 characters", plan({{"text", {{"en", std::string(65, 'T')}}}}),
       "plans[0].text.en"},
      {"text as one string, too long", plan({{"text", std::string(65, 'T')}}), "plans[0].text"},
      {"a control character in the text", plan({{"text", {{"zh", "施\u001b工"}}}}),
       "plans[0].text.zh"},
      {"a name of 100,000 characters", plan({{"name", {{"en", std::string(100'000, 'n')}}}}),
       "plans[0].name.en"},
      {"a plan id that is not an id", plan({{"id", "p 1"}}), "plans[0].id"},
      {"a plan id of 1 MB", plan({{"id", std::string(1 << 20, 'p')}}), "plans[0].id"},
      {"a facility that is not a string", plan({{"facilities", {7}}}), "plans[0].facilities"},
      {"a facility id with a slash", plan({{"facilities", {"F/1"}}}), "plans[0].facilities"},
      {"a window of 1 MB", plan({{"window", std::string(1 << 20, '1')}}), "plans[0].window"},
      {"reserve of 2^40", plan({{"action", "reserve"}, {"reserve", int64_t{1} << 40}}),
       "plans[0].reserve"},
      {"a buffer of 2^64 - 1", json{{"defaults", {{"buffer", UINT64_MAX}}}}, "defaults.buffer"},
      {"a threshold of 2^40", json{{"defaults", {{"full_increasing", int64_t{1} << 40}}}},
       "defaults.full_increasing"},
      {"a sign key that is not an id", json{{"signs", {{"S 1", json::object()}}}}, "signs"},
      {"too many facility entries", json{{"facilities", many_facilities}}, "facilities"},
      {"too many plans", many_plans, "plans"},
  };
  for (const auto& c : cases) {
    auto config = SignConfigFromJson(c.rules);
    if (c.field == nullptr) {
      EXPECT_TRUE(config.ok()) << c.what << ": " << config.status().ToString();
    } else {
      EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument) << c.what;
      EXPECT_EQ(config.status().field(), c.field) << c.what << ": " << config.status().ToString();
      EXPECT_LT(config.status().message().size(), 300u) << c.what;
    }
  }
}

TEST(SignConfig, ValidationRefusesABandThatWouldFlicker) {
  SignConfig config;
  config.defaults.full_increasing = Threshold::Free(5);
  config.defaults.full_decreasing = Threshold::Free(5);
  config.sign_rules["S1"].almost_full_decreasing = Threshold::OccupiedPercent(95);
  GuidancePlan p;
  p.id = "p";
  p.action = PlanAction::kReserve;
  config.plans = {p};
  auto problems = ValidateSignConfig(config);
  std::vector<std::string> fields;
  for (const auto& s : problems) fields.push_back(s.field());
  EXPECT_EQ(fields,
            (std::vector<std::string>{"defaults.full_decreasing", "signs.S1.full_decreasing",
                                      "signs.S1.almost_full_decreasing", "plans[0].facilities",
                                      "plans[0].reserve"}));
}

}  // namespace
}  // namespace pg::signs
