#include "model/validation.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pg::model
