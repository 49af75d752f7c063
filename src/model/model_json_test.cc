#include "model/model_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>

namespace pg::model {
namespace {

TEST(ModelJson, FacilityRoundTrips) {
  Facility f;
  f.id = FacilityId("F1");
  f.name = {"北门停车场", "North Gate Car Park"};
  f.kind = FacilityKind::kUnderground;
  f.location = {34.03, 113.85};
  f.outline = {{34.03, 113.85}, {34.031, 113.85}, {34.031, 113.851}, {34.03, 113.85}};
  f.entrances = {{"e1", {34.0301, 113.8501}, EntranceKind::kVehicle}};
  f.capacity.total = 600;
  f.capacity.by_category[SpaceCategory::kEv] = 20;
  f.operator_name = "许昌城投";
  f.opening_hours = "24/7";
  Tariff t;
  t.free_minutes = 15;
  t.bands = {{480, 1200, 600}, {1200, 480, 200}};
  t.daily_cap_fen = 4000;
  f.tariff = t;
  f.max_height_m = 2.2;
  f.access = Access::kCustomers;
  f.origin = Origin::kOsm;
  f.osm_ref = "w1";
  auto back = FacilityFromJson(ToJson(f));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, f);
  EXPECT_EQ(ToJson(f)["tariff"]["bands"][0]["price_per_hour"], 6.0);
}

TEST(ModelJson, BadMembersAreNamed) {
  auto r = FacilityFromJson(
      nlohmann::json::parse(R"({"id":"F1","kind":"castle","location":{"lat":1,"lon":2}})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "kind");
  auto r2 = FacilityFromJson(nlohmann::json::parse(R"({"id":"F1","kind":"surface"})"));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().field(), "location");
  auto r3 = FacilityFromJson(nlohmann::json::parse(
      R"({"id":"F1","kind":"surface","location":{"lat":1,"lon":2},"capacity":{"total":"many"}})"));
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.status().field(), "capacity.total");
}

TEST(ModelJson, TimesOfDayParseWithinTheDay) {
  EXPECT_EQ(*ParseMinuteOfDay("08:30", "from"), 510);
  EXPECT_EQ(*ParseMinuteOfDay("24:00", "to"), 1440);
  for (const char* bad : {"24:01", "25:00", "8:60", "-1:00", "08:5", "0830"}) {
    auto m = ParseMinuteOfDay(bad, "from");
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_EQ(m.status().field(), "from");
  }
  // Found by fuzz/tariff_fuzzer (fuzz/regressions/tariff): an hour this large overflowed
  // hours * 60 (undefined behaviour) before the range check.
  auto huge = ParseMinuteOfDay("222222222222222200:00", "from");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kInvalidArgument);
}

TEST(ModelJson, ScopesParseAndFormat) {
  auto s = ParseScope("facility:F1,facility:F2,operator:CityParking");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->facilities.size(), 2u);
  EXPECT_EQ(FormatScope(*s), "facility:F1,facility:F2,operator:CityParking");
  EXPECT_TRUE(ParseScope("all")->all);
  EXPECT_FALSE(ParseScope("planet:earth").ok());
  EXPECT_FALSE(ParseScope("facility:").ok());
}

TEST(ModelJson, SignAndChargerRoundTrip) {
  Sign s;
  s.id = SignId("S1");
  s.name.en = "Main St";
  s.location = {34, 113};
  s.level = SignLevel::kArea;
  s.lines = {{{FacilityId("F1"), FacilityId("F2")}, Arrow::kLeft, {"东区", "East"}},
             {{FacilityId("F3")}, Arrow::kRight, {"充电", "EV"}, SpaceCategory::kEv}};
  auto sb = SignFromJson(ToJson(s));
  ASSERT_TRUE(sb.ok());
  EXPECT_EQ(*sb, s);
  Charger c;
  c.id = ChargerId("C1");
  c.facility = FacilityId("F1");
  c.location = {34, 113};
  c.connectors = {{1, ConnectorType::kGbtDc, 120}, {2, ConnectorType::kGbtAc, 7}};
  c.lifecycle = Lifecycle::kPlanned;
  c.planned_date = "2026-03-01";
  auto cb = ChargerFromJson(ToJson(c));
  ASSERT_TRUE(cb.ok());
  EXPECT_EQ(*cb, c);
}

// Whole numbers are read exactly or refused: never narrowed to int, never wrapped from unsigned.
TEST(ModelJson, WholeNumbersAreReadExactlyOrRefused) {
  struct Case {
    const char* json;
    int64_t low, high;
    std::optional<int64_t> expected;
  };
  const Case cases[] = {
      {"3", 0, 5, 3},
      {"0", 0, 5, 0},
      {"6", 0, 5, std::nullopt},
      {"-1", 0, 5, std::nullopt},
      {"1099511627776", 0, 2, std::nullopt},  // 2^40: once narrowed to line 0
      {"1099511627776", 0, INT64_MAX, int64_t{1} << 40},
      {"18446744073709551615", INT64_MIN, INT64_MAX, std::nullopt},  // 2^64 − 1, once -1
      {"9223372036854775807", 0, INT64_MAX, INT64_MAX},
      {"-9223372036854775808", INT64_MIN, 0, INT64_MIN},
      {"1.0", 0, 5, std::nullopt},
      {"1.5", 0, 5, std::nullopt},
      {"\"1\"", 0, 5, std::nullopt},
      {"true", 0, 5, std::nullopt},
      {"null", 0, 5, std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(WholeNumberIn(nlohmann::json::parse(c.json), c.low, c.high), c.expected) << c.json;
  }
}

TEST(ModelJson, AHugePriceIsHeldAtItsBoundNotWrapped) {
  EXPECT_EQ(YuanToFen(6.5), 650);
  EXPECT_EQ(YuanToFen(1e300), int64_t{1'000'000'000'000});
  EXPECT_EQ(YuanToFen(-1e300), -int64_t{1'000'000'000'000});
  EXPECT_EQ(YuanToFen(std::nan("")), 0);
}

}  // namespace
}  // namespace pg::model
