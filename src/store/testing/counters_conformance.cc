// CounterStore: hourly buckets; a sum over a range without a bucket is absent, not zero.
#include <chrono>

#include "store/testing/conformance.h"

namespace pg::store::conformance {
namespace {

using std::chrono::minutes;

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CounterStoreConformance);

TEST_P(CounterStoreConformance, CountsInHourlyBucketsAndAbsentDiffersFromZero) {
  Timestamp t0 = FromUnixMillis(1'000'000);
  EXPECT_FALSE(store().CounterSum("guidance.queries", t0, t0 + minutes(60))->has_value());
  ASSERT_TRUE(store().AddToCounter("guidance.queries", t0, 2).ok());
  ASSERT_TRUE(store().AddToCounter("guidance.queries", t0 + minutes(1), 3).ok());
  auto sum = store().CounterSum("guidance.queries", FromUnixMillis(0), t0 + minutes(60));
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(*sum, 5);
  // Another counter is not summed with it.
  EXPECT_FALSE(
      store().CounterSum("guidance.other", FromUnixMillis(0), t0 + minutes(60))->has_value());
  // A zero that was counted is present.
  ASSERT_TRUE(store().AddToCounter("guidance.zero", t0, 0).ok());
  EXPECT_EQ(store().CounterSum("guidance.zero", FromUnixMillis(0), t0 + minutes(60))->value_or(-1),
            0);
}

TEST_P(CounterStoreConformance, ARangeTakesTheBucketsStartingInIt) {
  const Timestamp hour = FromUnixMillis(int64_t{3'600'000} * 10);           // 10:00 UTC, 1 Jan 1970
  ASSERT_TRUE(store().AddToCounter("c", hour + minutes(30), 1).ok());       // bucket 10:00
  ASSERT_TRUE(store().AddToCounter("c", hour + minutes(60 + 5), 10).ok());  // bucket 11:00
  EXPECT_EQ(store().CounterSum("c", hour, hour + minutes(60))->value_or(-1), 1);
  EXPECT_EQ(store().CounterSum("c", hour + minutes(60), hour + minutes(120))->value_or(-1), 10);
  EXPECT_EQ(store().CounterSum("c", hour, hour + minutes(120))->value_or(-1), 11);
  // The bucket of 10:30 starts at 10:00, before this range.
  EXPECT_FALSE(store().CounterSum("c", hour + minutes(30), hour + minutes(60))->has_value());
}

}  // namespace
}  // namespace pg::store::conformance
