// OccupancyHistory: each series round-trips, is queried by half-open range in its documented
// order, and an append of an existing key replaces the row.
#include <chrono>
#include <vector>

#include "store/testing/conformance.h"

namespace pg::store::conformance {
namespace {

using model::FacilityId;
using std::chrono::minutes;
using std::chrono::seconds;
using Kind = model::OccupancyRollup::Kind;

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OccupancyHistoryConformance);

TEST_P(OccupancyHistoryConformance, OccupancyIsQueriedByHalfOpenRange) {
  auto none = store().LatestOccupancyTime();
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
  std::vector<model::OccupancySample> samples;
  samples.reserve(10);
  for (int i = 0; i < 10; ++i) {
    samples.push_back({FacilityId("F1"), FromUnixMillis(int64_t{i} * 1000), i, 100});
  }
  ASSERT_TRUE(store().AppendOccupancy(samples).ok());
  auto got = *store().LoadOccupancy(FacilityId("F1"), FromUnixMillis(2000), FromUnixMillis(5000));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got.front().occupied, 2);
  EXPECT_EQ(got.back().occupied, 4);
  EXPECT_EQ(**store().LatestOccupancyTime(), FromUnixMillis(9000));
  EXPECT_TRUE(
      store().LoadOccupancy(FacilityId("F2"), FromUnixMillis(0), FromUnixMillis(10'000))->empty());
}

TEST_P(OccupancyHistoryConformance, AnOccupancySampleAtAnExistingTimeReplacesIt) {
  std::vector<model::OccupancySample> first = {{FacilityId("F1"), FromUnixMillis(1000), 5, 100}};
  std::vector<model::OccupancySample> again = {{FacilityId("F1"), FromUnixMillis(1000), 7, 100}};
  ASSERT_TRUE(store().AppendOccupancy(first).ok());
  ASSERT_TRUE(store().AppendOccupancy(again).ok());
  auto got = *store().LoadOccupancy(FacilityId("F1"), FromUnixMillis(0), FromUnixMillis(2000));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], again[0]);
}

TEST_P(OccupancyHistoryConformance, ChargerSiteHistoryRoundTrips) {
  std::vector<model::ChargerSiteSample> s = {{"S1", T("2026-11-28T08:00:00Z"), 2, 4},
                                             {"S1", T("2026-11-28T08:05:00Z"), 3, 4},
                                             {"S2", T("2026-11-28T08:00:00Z"), 0, 2}};
  ASSERT_TRUE(store().AppendChargerSiteOccupancy(s).ok());
  s[1].busy = 4;  // same (site, time): replaced
  ASSERT_TRUE(store().AppendChargerSiteOccupancy({&s[1], 1}).ok());
  auto back =
      store().LoadChargerSiteOccupancy("S1", T("2026-11-28T00:00:00Z"), T("2026-11-29T00:00:00Z"));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0], s[0]);
  EXPECT_EQ((*back)[1].busy, 4);
}

TEST_P(OccupancyHistoryConformance, BayEventsAreOrderedByBayThenTime) {
  Timestamp t0 = FromUnixMillis(1'000'000);
  std::vector<model::BayEvent> bays = {{model::BayId("B2"), t0, true},
                                       {model::BayId("B1"), t0 + minutes(5), true},
                                       {model::BayId("B1"), t0 + minutes(9), false}};
  ASSERT_TRUE(store().AppendBayEvents(bays).ok());
  auto read = store().LoadBayEvents(t0, t0 + minutes(9));
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 2u);  // by bay, then time; the end is excluded
  EXPECT_EQ((*read)[0], bays[1]);
  EXPECT_EQ((*read)[1], bays[0]);
}

TEST_P(OccupancyHistoryConformance, ChargerStatusRoundTrips) {
  Timestamp t0 = FromUnixMillis(1'000'000);
  std::vector<model::ChargerStatusEvent> statuses = {
      {model::ChargerId("C1"), 1, t0, model::ChargerStatus::kFaulted},
      {model::ChargerId("C1"), 1, t0 + minutes(1), model::ChargerStatus::kAvailable}};
  ASSERT_TRUE(store().AppendChargerStatus(statuses).ok());
  auto loaded = store().LoadChargerStatus(t0, t0 + minutes(2));
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, statuses);
}

TEST_P(OccupancyHistoryConformance, RollupsRoundTripByIdAndForEveryId) {
  Timestamp t0 = FromUnixMillis(1'000'000);
  std::vector<model::OccupancyRollup> rollups(3);
  rollups[0].id = "F2";
  rollups[1].id = "F1";
  rollups[2].id = "F1";
  rollups[0].start = rollups[1].start = t0;
  rollups[2].start = t0 + minutes(5);
  for (auto& r : rollups) {
    r.capacity = 10;
    r.min_occupied = 2;
    r.mean_occupied = 2.5;
    r.max_occupied = 3;
    r.coverage = 1;
  }
  ASSERT_TRUE(store().AppendRollups(rollups).ok());
  auto all = store().LoadAllRollups(Kind::kFacility, seconds(300), t0, t0 + minutes(5));
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "F1");
  EXPECT_EQ((*all)[1], rollups[0]);
  auto f1 = store().LoadRollups(Kind::kFacility, "F1", seconds(300), t0, t0 + minutes(10));
  ASSERT_TRUE(f1.ok());
  ASSERT_EQ(f1->size(), 2u);
  EXPECT_EQ((*f1)[0], rollups[1]);
  EXPECT_EQ((*f1)[1], rollups[2]);
  // Another kind or step is another series.
  EXPECT_TRUE(
      store().LoadRollups(Kind::kChargerSite, "F1", seconds(300), t0, t0 + minutes(10))->empty());
  EXPECT_TRUE(
      store().LoadRollups(Kind::kFacility, "F1", seconds(900), t0, t0 + minutes(10))->empty());
  // The same (kind, id, step, start) replaces.
  rollups[1].max_occupied = 9;
  ASSERT_TRUE(store().AppendRollups({&rollups[1], 1}).ok());
  f1 = store().LoadRollups(Kind::kFacility, "F1", seconds(300), t0, t0 + minutes(5));
  ASSERT_TRUE(f1.ok());
  ASSERT_EQ(f1->size(), 1u);
  EXPECT_EQ((*f1)[0].max_occupied, 9);
}

}  // namespace
}  // namespace pg::store::conformance
