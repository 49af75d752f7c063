#include "core/time.h"

#include <date/tz.h>
#include <gtest/gtest.h>

namespace pg {
namespace {

TEST(Rfc3339, ParsesOffsetsToTheSameInstant) {
  auto a = ParseRfc3339("2026-11-28T08:00:00+08:00");
  auto b = ParseRfc3339("2026-11-28T00:00:00Z");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(FormatRfc3339Utc(*a), "2026-11-28T00:00:00Z");
}

TEST(Rfc3339, KeepsMillisecondsAndNegativeOffsets) {
  auto t = ParseRfc3339("2026-03-01T01:02:03.4567-05:30");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatRfc3339Utc(*t), "2026-03-01T06:32:03.456Z");
}

TEST(Rfc3339, RejectsMissingOffsetAndBadDates) {
  for (const char* bad : {"2026-11-28T08:00:00", "2026-02-30T00:00:00Z", "2026-11-28",
                          "2026-11-28T25:00:00Z", "2026-11-28T08:00:00+0800", "garbage",
                          "2026-11-28T08:00:00Zjunk", ""}) {
    auto r = ParseRfc3339(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(TimeZone, FormatsInShanghaiAndConvertsLocalTime) {
  auto zone = LookupTimeZone("Asia/Shanghai");
  ASSERT_TRUE(zone.ok());
  auto t = *ParseRfc3339("2026-11-28T00:30:00Z");
  EXPECT_EQ(FormatRfc3339(t, **zone), "2026-11-28T08:30:00+08:00");
  LocalTime local = ToLocal(t, **zone);
  EXPECT_EQ(local.day, 28);
  EXPECT_EQ(local.weekday, 5);  // 2026-11-28 is a Saturday
  EXPECT_EQ(local.minute_of_day, 8 * 60 + 30);
  EXPECT_EQ(FromLocal(2026, 11, 28, 8 * 60 + 30, **zone), t);
  EXPECT_FALSE(LookupTimeZone("Mars/Olympus").ok());
}

}  // namespace
}  // namespace pg
