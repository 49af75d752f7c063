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
TEST(AppendJsonString, EscapesAndKeepsValidUtf8AndReplacesMalformedBytes) {
  std::string out;
  AppendJsonString(out, "停车 \"A\\B\"\n\t\x01\x7f");
  EXPECT_EQ(out, "\"停车 \\\"A\\\\B\\\"\\n\\t\\u0001\\u007f\"");
  out.clear();
  AppendJsonString(out,
                   "a\xff"
                   "b\xe5\x81");  // a stray byte, then a truncated sequence
  EXPECT_EQ(out,
            "\"a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(ParseHostPort, TakesHostPortBracketedIpv6AndADefaultPort) {
  using Address = std::pair<std::string, int>;
  EXPECT_EQ(*ParseHostPort("127.0.0.1:8080", 0, "listen"), Address("127.0.0.1", 8080));
  EXPECT_EQ(*ParseHostPort("[::1]:9000", 0, "listen"), Address("::1", 9000));
  EXPECT_EQ(*ParseHostPort("[::]", 80, "listen"), Address("::", 80));
  EXPECT_EQ(*ParseHostPort(" broker ", 1883, "mqtt"), Address("broker", 1883));
}

TEST(ParseHostPort, RefusesWhatIsNotAnAddressNamingTheField) {
  for (const char* bad :
       {"h:0", "h:65536", "h:x", ":80", "", "::1:80", "[::1", "[::1]80", "0.0.0.0"}) {
    auto r = ParseHostPort(bad, 0, "listen");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().field(), "listen") << bad;
  }
}

}  // namespace pg
