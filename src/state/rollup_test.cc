#include "state/rollup.h"

#include <gtest/gtest.h>

namespace pg::state {
namespace {

Timestamp T(const char* text) { return *ParseRfc3339(text); }
using Kind = model::OccupancyRollup::Kind;

TEST(RollupBuilder, TimeWeightedMeanMinMaxAndCoverage) {
  RollupBuilder b;
  b.Add(Kind::kFacility, "F1", T("2026-11-28T08:00:00Z"), 100, 600);
  b.Add(Kind::kFacility, "F1", T("2026-11-28T08:01:00Z"), 200, 600);  // held 4 minutes
  b.Add(Kind::kFacility, "F1", T("2026-11-28T08:05:00Z"), 50, 600);
  auto r = b.Flush(T("2026-11-28T08:06:00Z"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].start, T("2026-11-28T08:00:00Z"));
  EXPECT_EQ(r[0].min_occupied, 100);
  EXPECT_EQ(r[0].max_occupied, 200);
  EXPECT_DOUBLE_EQ(r[0].mean_occupied, (100.0 * 1 + 200.0 * 4) / 5);
  EXPECT_DOUBLE_EQ(r[0].coverage, 1.0);
  EXPECT_EQ(r[0].capacity, 600);
}

TEST(RollupBuilder, UnknownTimeLowersCoverageAndLongGapsHoldOnlyMaxHold) {
  RollupBuilder b(std::chrono::minutes(5), std::chrono::minutes(2));
  b.Add(Kind::kFacility, "F1", T("2026-11-28T08:00:00Z"), 10, 100);
  b.Add(Kind::kFacility, "F1", T("2026-11-28T08:03:00Z"), std::nullopt, 100);
  auto r = b.Flush(T("2026-11-28T08:20:00Z"));
  ASSERT_EQ(r.size(), 1u) << "buckets without any known value are not written";
  EXPECT_DOUBLE_EQ(r[0].coverage, 2.0 / 5);  // held 2 minutes only
  EXPECT_DOUBLE_EQ(r[0].mean_occupied, 10);
}

TEST(RollupBuilder, SeriesAreIndependentAndFlushIsIncremental) {
  RollupBuilder b;
  b.Add(Kind::kFacility, "F1", T("2026-11-28T08:00:00Z"), 1, 10);
  b.Add(Kind::kChargerSite, "S1", T("2026-11-28T08:02:30Z"), 3, 4);
  EXPECT_TRUE(b.Flush(T("2026-11-28T08:04:59Z")).empty());
  auto r = b.Flush(T("2026-11-28T08:10:00Z"));
  ASSERT_EQ(r.size(), 4u);  // two buckets each
  int sites = 0;
  for (const auto& x : r) sites += x.kind == Kind::kChargerSite;
  EXPECT_EQ(sites, 2);
}

// Regression: the hold was measured from each bucket's start, so a value held forever.
TEST(RollupBuilder, AValueHoldsMaxHoldAcrossBucketsThenStops) {
  RollupBuilder b(std::chrono::minutes(5), std::chrono::minutes(12));
  b.Add(Kind::kFacility, "F1", T("2026-11-28T08:00:00Z"), 7, 10);
  auto r = b.Flush(T("2026-11-28T09:00:00Z"));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_DOUBLE_EQ(r[0].coverage, 1.0);
  EXPECT_DOUBLE_EQ(r[1].coverage, 1.0);
  EXPECT_DOUBLE_EQ(r[2].coverage, 2.0 / 5);
}

}  // namespace
}  // namespace pg::state
