#include "datasets/datasets.h"

#include <gtest/gtest.h>

#include <string>

namespace pg::datasets {
namespace {

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

std::string Fixture(const std::string& name) {
  return std::string(PG_SOURCE_DIR) + "/tests/fixtures/forecast/" + name;
}

TEST(Adapters, LongCsvWithBomCrlfAndQuotedIds) {
  auto d = LoadDataset(Fixture("long.csv"), DataFormat::kLong, "Asia/Shanghai");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->series.size(), 2u);
  EXPECT_EQ(d->series[1].id, "Lot, North");
  EXPECT_EQ(d->series[0].samples[1].time, T("2026-11-28T00:05:00Z"));
  EXPECT_EQ(d->series[1].samples[1].occupied, 7);
  // And back: the long CSV round-trips.
  auto again = ParseLongCsv(ToLongCsv(*d), "Asia/Shanghai");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->series[1].samples[1].time, d->series[1].samples[1].time);
  EXPECT_FALSE(ParseLongCsv("id,when\nF1,x\n", "Asia/Shanghai").ok());
  auto bad = ParseLongCsv("facility_id,time,occupied,capacity\nF1,2026-11-28 08:00,1,2\n", "UTC");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(Adapters, BirminghamLocalTimeDuplicatesAndOutOfRangeCounts) {
  auto d = LoadDataset(Fixture("birmingham.csv"), DataFormat::kBirmingham);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->series.size(), 2u);
  EXPECT_EQ(d->series[1].id, "NIA North");
  const auto& s = d->series[0].samples;
  EXPECT_EQ(s[0].time, T("2016-10-29T07:00:00Z"));  // BST
  EXPECT_EQ(s[4].time, T("2016-10-31T08:00:00Z"));  // GMT
  // Duplicates, counts above capacity and negative counts pass through: the forecaster's grid
  // counts and clamps them (forecast_test's BuildGrid.CountsAndClampsBirminghamsQuirks).
  int duplicates = 0, above = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    duplicates += i > 0 && s[i].time == s[i - 1].time;
    above += s[i].occupied > s[i].capacity;
  }
  EXPECT_EQ(duplicates, 1);
  EXPECT_EQ(above, 1);
  EXPECT_LT(d->series[1].samples[0].occupied, 0);
  EXPECT_EQ(d->max_gap, Minutes(65));  // half-hourly readings
}

TEST(Adapters, GuangzhouDayFirstWideWithCapacities) {
  auto d = LoadDataset(Fixture("guangzhou/occupancy.csv"), DataFormat::kGuangzhou);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->series.size(), 2u);  // Z9 has no capacity
  EXPECT_EQ(d->series[0].id, "C1");
  EXPECT_EQ(d->series[0].samples[1].time, T("2018-06-02T00:00:00+08:00"));
  EXPECT_EQ(d->series[0].samples[1].capacity, 1000);
  EXPECT_EQ(d->series[1].samples[0].occupied, 230);  // above R2's 220: kept for the grid
  EXPECT_EQ(d->skipped_cells, 3);
  EXPECT_EQ(d->calendar, "cn");
}

TEST(Adapters, ParkApiFreeSpacesCarriedForwardAcrossFiles) {
  auto d = LoadDataset(Fixture("parkapi"), DataFormat::kParkApi);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->series.size(), 2u);  // koeln-parken-X has no capacity
  const RawSeries& a = d->series[0];
  EXPECT_EQ(a.id, "dresden-parken-A");
  // 10:00 60 free; 10:05:01 empty + 10:05:02 58 free are one reading; 10:10 carried.
  ASSERT_EQ(a.samples.size(), 5u);
  EXPECT_EQ(a.samples[0].occupied, 40);
  EXPECT_EQ(a.samples[1].time, T("2020-09-01T10:05:01Z"));
  EXPECT_EQ(a.samples[1].occupied, 42);
  EXPECT_EQ(a.samples[2].occupied, 42);
  EXPECT_EQ(a.samples[3].occupied, 50);  // next file, columns in another order
  const RawSeries& b = d->series[1];
  EXPECT_EQ(b.samples.front().occupied, -5);  // 55 free of 50: clamped later by the grid
  EXPECT_GT(d->carried_forward, 0);
  EXPECT_EQ(d->time_zone, "Europe/Berlin");
}

TEST(Adapters, EvTwoCitiesAndAChangingTotal) {
  auto d = LoadDataset(Fixture("ev"), DataFormat::kEv);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->series.size(), 2u);
  EXPECT_EQ(d->series[0].id, "guangzhou-89451");
  EXPECT_EQ(d->series[0].samples[0].capacity, 29);
  EXPECT_EQ(d->series[0].samples[1].capacity, 28);
  EXPECT_EQ(d->series[1].id, "shenzhen-12201");
  EXPECT_EQ(d->series[1].samples[1].occupied, 4);
  EXPECT_EQ(d->series[1].samples[0].time, T("2021-12-10T00:00:00+08:00"));
  EXPECT_EQ(LoadDataset(Fixture("nope.csv"), DataFormat::kLong).status().code(),
            StatusCode::kNotFound);
  EXPECT_FALSE(ParseDataFormat("wide").ok());
}

}  // namespace
}  // namespace pg::datasets
