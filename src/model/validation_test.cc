#include "model/validation.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/text_bounds.h"

namespace pg::model {
namespace {

Facility GoodFacility() {
  Facility f;
  f.id = FacilityId("F1");
  f.name.zh = "北门停车场";
  f.location = {34.03, 113.85};
  f.capacity.total = 100;
  f.capacity.by_category[SpaceCategory::kDisabled] = 4;
  f.opening_hours = "Mo-Su 06:00-23:00";
  return f;
}

bool HasField(const std::vector<Status>& problems, std::string_view field) {
  for (const auto& s : problems) {
    if (s.field() == field) return true;
  }
  return false;
}

TEST(Validation, AGoodFacilityHasNoProblems) { EXPECT_TRUE(Validate(GoodFacility()).empty()); }

TEST(Validation, EachBadFieldIsNamed) {
  Facility f = GoodFacility();
  f.id = FacilityId("bad id!");
  f.location.lat = 123;
  f.capacity.total = 10;
  f.capacity.by_category[SpaceCategory::kEv] = 11;
  f.opening_hours = "whenever";
  f.max_height_m = 0;
  auto problems = Validate(f);
  EXPECT_TRUE(HasField(problems, "id"));
  EXPECT_TRUE(HasField(problems, "location"));
  EXPECT_TRUE(HasField(problems, "capacity:ev"));
  EXPECT_TRUE(HasField(problems, "opening_hours"));
  EXPECT_TRUE(HasField(problems, "max_height"));
}

TEST(Validation, RegistryReferencesMustResolve) {
  RegistryData data;
  data.facilities.push_back(GoodFacility());
  Bay bay;
  bay.id = BayId("B1");
  bay.facility = FacilityId("NOPE");
  bay.location = {34.03, 113.85};
  data.bays.push_back(bay);
  auto problems = ValidateRegistry(data, {});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].entry_kind, "bay");
  EXPECT_EQ(problems[0].status.field(), "facility");
  // Known to the store already: fine.
  EXPECT_TRUE(ValidateRegistry(data, {FacilityId("NOPE")}).empty());
}

TEST(Validation, DuplicateIdsAreReported) {
  RegistryData data;
  data.facilities = {GoodFacility(), GoodFacility()};
  auto problems = ValidateRegistry(data, {});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].index, 1u);
  EXPECT_EQ(problems[0].status.code(), StatusCode::kAlreadyExists);
}

TEST(Validation, AClassLineNamesOneFacility) {
  Sign s;
  s.id = SignId("S3");
  s.location = {34.03, 113.85};
  s.level = SignLevel::kEntrance;
  s.lines = {{{FacilityId("F1")}, Arrow::kStraight, {"充电", "EV"}, SpaceCategory::kEv}};
  EXPECT_TRUE(Validate(s).empty());
  s.level = SignLevel::kArea;
  s.lines[0].facilities.push_back(FacilityId("F2"));
  auto problems = Validate(s);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field(), "lines");
  EXPECT_NE(problems[0].message().find("exactly one facility"), std::string::npos);
}

TEST(Validation, InServiceSurveyChargerNeedsItsDate) {
  Charger c;
  c.id = ChargerId("C1");
  c.location = {34.0, 113.8};
  c.connectors = {{1, ConnectorType::kGbtDc, 60}};
  c.lifecycle = Lifecycle::kInService;
  EXPECT_TRUE(HasField(Validate(c), "in_service_date"));
  c.in_service_date = "2026-02-30";
  EXPECT_TRUE(HasField(Validate(c), "in_service_date"));
  c.in_service_date = "2026-02-03";
  EXPECT_TRUE(Validate(c).empty());
}

// Every text and count of an entry has a bound a real city never reaches; each case names the
// field refused, so the survey can point at its column.
struct BoundCase {
  const char* what;
  std::function<void(Facility&)> change;
  const char* field;  // nullptr: still valid
};

TEST(Validation, FacilityFieldsHaveBounds) {
  const std::string long_name(201, 'n');
  const std::string cjk_200 = [] {
    std::string s;
    for (int i = 0; i < 200; ++i) s += "停";
    return s;
  }();
  const BoundCase cases[] = {
      {"a name of 200 characters (600 bytes)", [&](Facility& f) { f.name.zh = cjk_200; }, nullptr},
      {"a name of 201 characters", [&](Facility& f) { f.name.en = long_name; }, "name.en"},
      {"a name of 100,000 characters", [](Facility& f) { f.name.zh = std::string(100'000, 'x'); },
       "name.zh"},
      {"a newline in a name", [](Facility& f) { f.name.zh = "北门\n停车场"; }, "name.zh"},
      {"an escape sequence in the operator", [](Facility& f) { f.operator_name = "\x1b[31mX"; },
       "operator"},
      {"a long district", [&](Facility& f) { f.district = long_name; }, "district"},
      {"opening hours of 501 characters",
       [](Facility& f) { f.opening_hours = std::string(501, ' '); }, "opening_hours"},
      {"an outline of 20,001 points",
       [](Facility& f) {
         f.outline.assign(20'001, {34.03, 113.85});
       },
       "outline"},
      {"101 entrances",
       [](Facility& f) {
         for (int i = 0; i < 101; ++i) f.entrances.push_back({"e" + std::to_string(i), {34, 113}});
       },
       "entrances"},
      {"an entrance id with a tab",
       [](Facility& f) {
         f.entrances.push_back({"e\t1", {34, 113}});
       },
       "entrances"},
      {"a capacity of 1,000,001", [](Facility& f) { f.capacity.total = 1'000'001; }, "capacity"},
      {"49 tariff bands",
       [](Facility& f) {
         f.tariff = Tariff{};
         f.tariff->bands.assign(49, TariffBand{0, 60, 100});
       },
       "tariff"},
      {"a currency that is not a code",
       [](Facility& f) {
         f.tariff = Tariff{};
         f.tariff->currency = "元";
       },
       "tariff"},
      {"10,001 yuan an hour",
       [](Facility& f) {
         f.tariff = Tariff{};
         f.tariff->bands = {{0, 1440, 1'000'100}};
       },
       "price_per_hour"},
      {"free minutes past a day",
       [](Facility& f) {
         f.tariff = Tariff{};
         f.tariff->free_minutes = 1441;
       },
       "free_minutes"},
  };
  for (const auto& c : cases) {
    Facility f = GoodFacility();
    c.change(f);
    auto problems = Validate(f);
    if (c.field == nullptr) {
      EXPECT_TRUE(problems.empty()) << c.what << ": " << problems.front().ToString();
    } else {
      EXPECT_TRUE(HasField(problems, c.field)) << c.what;
      for (const auto& p : problems) EXPECT_LT(p.message().size(), 300u) << c.what;
    }
  }
}

TEST(Validation, SignsBayChargersSourcesAndCitiesHaveBounds) {
  Sign s;
  s.id = SignId("S1");
  s.location = {34.03, 113.85};
  s.lines = {{{FacilityId("F1")}, Arrow::kLeft, {"一号", "One"}}};
  ASSERT_TRUE(Validate(s).empty());
  s.controller_id = "VMS/#";  // a topic segment: no MQTT wildcards or levels
  EXPECT_TRUE(HasField(Validate(s), "controller_id"));
  s.controller_id = "VMS-CTL-S1";
  s.lines[0].label.en = "LEFT\r\nRIGHT";
  EXPECT_TRUE(HasField(Validate(s), "lines"));
  s.lines.assign(33, {{FacilityId("F1")}, Arrow::kLeft, {"一号", "One"}});
  EXPECT_TRUE(HasField(Validate(s), "lines"));

  Bay b;
  b.id = BayId("B1");
  b.facility = FacilityId("F1");
  b.location = {34.03, 113.85};
  b.sensor_id = std::string(65, 's');
  EXPECT_TRUE(HasField(Validate(b), "sensor_id"));

  Charger c;
  c.id = ChargerId("C1");
  c.location = {34.0, 113.8};
  c.in_service_date = "2026-02-03";
  c.connectors = {{256, ConnectorType::kGbtDc, 60}};
  EXPECT_TRUE(HasField(Validate(c), "connectors"));
  c.connectors = {{1, ConnectorType::kGbtDc, 60}};
  c.site = std::string(65, 's');
  EXPECT_TRUE(HasField(Validate(c), "site"));

  Source src;
  src.id = SourceId("gate");
  src.scope.all = true;
  src.description = std::string(501, 'd');
  EXPECT_TRUE(HasField(Validate(src), "description"));
  src.description = "gate system\x07";
  EXPECT_TRUE(HasField(Validate(src), "description"));
  src.description = "gate system";
  src.scope = SourceScope{};
  src.scope.operators = {" "};
  EXPECT_TRUE(HasField(Validate(src), "scope")) << "a blank operator name is no scope";
  src.scope.operators = {"Acme Parking"};
  EXPECT_TRUE(Validate(src).empty());

  City city;
  city.id = std::string(65, 'c');
  city.name.en = "Testville";
  EXPECT_TRUE(HasField(Validate(city), "id"));
  city.id = "testville";
  city.districts.push_back({"gulou", {std::string(201, 'g'), ""}, {}});
  EXPECT_TRUE(HasField(Validate(city), "districts"));
}

// What an older version stored without bounds is cut for every reader; valid text is untouched.
TEST(Validation, CutToBoundsCutsOnlyWhatValidationWouldRefuse) {
  RegistryData data;
  Facility f = GoodFacility();
  f.name.en = std::string(100'000, 'n');
  f.operator_name = "Acme\x1b[31m";
  data.facilities.push_back(f);
  Sign s;
  s.id = SignId("S1");
  s.lines = {{{FacilityId("F1")}, Arrow::kLeft, {"一号\n", "One"}}};
  data.signs.push_back(s);
  CutToBounds(data);
  EXPECT_EQ(data.facilities[0].name.zh, "北门停车场");
  EXPECT_EQ(CountChars(data.facilities[0].name.en), kMaxNameChars);
  EXPECT_EQ(data.facilities[0].operator_name, "Acme\xEF\xBF\xBD[31m");
  EXPECT_EQ(data.signs[0].lines[0].label.zh, "一号\xEF\xBF\xBD");
  EXPECT_EQ(data.signs[0].lines[0].label.en, "One");
  EXPECT_TRUE(Validate(data.facilities[0]).empty());
}

}  // namespace
}  // namespace pg::model
