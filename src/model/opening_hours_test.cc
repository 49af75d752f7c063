#include "model/opening_hours.h"

#include <gtest/gtest.h>

namespace pg::model {
namespace {

constexpr int kMo = 0, kFr = 4, kSa = 5, kSu = 6;
constexpr int H(int h, int m = 0) { return h * 60 + m; }

TEST(OpeningHours, EmptyAndTwentyFourSevenAreAlwaysOpen) {
  for (const char* text : {"", "24/7", "Mo-Su 00:00-24:00"}) {
    auto oh = OpeningHours::Parse(text);
    ASSERT_TRUE(oh.ok()) << text;
    EXPECT_TRUE(oh->IsAlwaysOpen()) << text;
    EXPECT_TRUE(oh->IsOpen(kSu, H(3)));
  }
}

TEST(OpeningHours, WeekdayRulesAndLaterRulesOverride) {
  auto oh = OpeningHours::Parse("Mo-Sa 08:00-20:00; Sa 10:00-14:00");
  ASSERT_TRUE(oh.ok());
  EXPECT_TRUE(oh->IsOpen(kMo, H(8)));
  EXPECT_FALSE(oh->IsOpen(kMo, H(20)));  // end is exclusive
  EXPECT_FALSE(oh->IsOpen(kSa, H(9)));   // Saturday replaced by the later rule
  EXPECT_TRUE(oh->IsOpen(kSa, H(13, 59)));
  EXPECT_FALSE(oh->IsOpen(kSu, H(12)));  // no rule names Sunday: closed
}

TEST(OpeningHours, SpansPastMidnightCarryIntoTheNextDay) {
  auto oh = OpeningHours::Parse("Fr 18:00-02:00");
  ASSERT_TRUE(oh.ok());
  EXPECT_TRUE(oh->IsOpen(kFr, H(23)));
  EXPECT_TRUE(oh->IsOpen(kSa, H(1, 30)));
  EXPECT_FALSE(oh->IsOpen(kSa, H(2)));
}

TEST(OpeningHours, OffAndSeveralSpans) {
  auto oh = OpeningHours::Parse("Mo-Fr 07:00-12:00,14:00-19:00; Su off");
  ASSERT_TRUE(oh.ok());
  EXPECT_TRUE(oh->IsOpen(kMo, H(11)));
  EXPECT_FALSE(oh->IsOpen(kMo, H(13)));
  EXPECT_FALSE(oh->IsOpen(kSu, H(11)));
  EXPECT_EQ(oh->MinutesUntilChange(kMo, H(11)), 60);
}

TEST(OpeningHours, PublicHolidayRulesAreAcceptedButNotApplied) {
  auto oh = OpeningHours::Parse("Mo-Fr 08:00-18:00; PH off");
  ASSERT_TRUE(oh.ok());
  EXPECT_TRUE(oh->IsOpen(kMo, H(9)));
}

TEST(OpeningHours, UnsupportedSyntaxNamesTheToken) {
  auto oh = OpeningHours::Parse("Jan-Mar Mo-Fr 08:00-18:00");
  ASSERT_FALSE(oh.ok());
  EXPECT_NE(oh.status().message().find("Jan-Mar"), std::string::npos);
  EXPECT_FALSE(OpeningHours::Parse("Mo-Fr 8-18").ok());
  EXPECT_FALSE(OpeningHours::Parse("sunrise-sunset").ok());
}

}  // namespace
}  // namespace pg::model
