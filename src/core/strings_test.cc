#include "core/strings.h"

#include <gtest/gtest.h>

namespace pg {
namespace {

TEST(Strings, SplitKeepsEmptyFields) {
  auto parts = SplitString("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
}

TEST(Strings, StrictNumbersRejectTrailingText) {
  EXPECT_EQ(ParseInt(" 42 "), 42);
  EXPECT_FALSE(ParseInt("approx 50").has_value());
  EXPECT_FALSE(ParseInt("50 spaces").has_value());
  EXPECT_EQ(ParseDouble("2.2"), 2.2);
  EXPECT_FALSE(ParseDouble("2.2m").has_value());
  EXPECT_FALSE(ParseDouble("nan").has_value());
}

}  // namespace
}  // namespace pg
