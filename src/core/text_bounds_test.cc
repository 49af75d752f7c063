#include "core/text_bounds.h"

#include <gtest/gtest.h>

#include <string>

#include "core/time.h"

namespace pg {
namespace {

struct PlainTextCase {
  const char* what;
  std::string text;
  size_t max_chars;
  bool ok;
  const char* reason_has;  // a part of the refusal's message
};

TEST(TextBounds, PlainTextIsUtf8WithinItsLengthAndHoldsNoControlCharacter) {
  const PlainTextCase cases[] = {
      {"empty", "", 5, true, ""},
      {"ascii at the limit", "abcde", 5, true, ""},
      {"one over", "abcdef", 5, false, "longer than 5 characters (it has 6)"},
      {"CJK counts characters, not bytes", "事故请绕行", 5, true, ""},
      {"CJK one over", "事故请绕行了", 5, false, "longer than 5"},
      {"emoji is one character", "\xF0\x9F\x9A\x97", 1, true, ""},
      {"newline", "a\nb", 10, false, "U+000A) at character 2"},
      {"tab", "\tx", 10, false, "U+0009) at character 1"},
      {"NUL", std::string("a\0b", 3), 10, false, "U+0000"},
      {"escape (terminal)", "\x1b[2J", 10, false, "U+001B"},
      {"DEL", "a\x7f", 10, false, "U+007F"},
      {"C1 (NEL)", "a\xC2\x85", 10, false, "U+0085"},
      {"just past C1 (NBSP)", "a\xC2\xA0", 10, true, ""},
      {"malformed byte", "ab\xff", 10, false, "not UTF-8 text (byte 3"},
      {"cut-off sequence", "a\xE4\xBA", 10, false, "not UTF-8"},
      {"overlong slash", "\xC0\xAF", 10, false, "not UTF-8"},
      {"surrogate", "\xED\xA0\x80", 10, false, "not UTF-8"},
  };
  for (const auto& c : cases) {
    Status s = CheckPlainText(c.text, "reason", c.max_chars);
    EXPECT_EQ(s.ok(), c.ok) << c.what << ": " << s.ToString();
    if (!c.ok) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.what;
      EXPECT_EQ(s.field(), "reason") << c.what;
      EXPECT_NE(s.message().find(c.reason_has), std::string::npos) << c.what << ": " << s.message();
    }
  }
}

TEST(TextBounds, ARefusalNeverRepeatsTheText) {
  std::string huge(100'000, 'x');
  Status s = CheckPlainText(huge, "name", kMaxNameChars);
  ASSERT_FALSE(s.ok());
  EXPECT_LT(s.message().size(), 100u) << s.message();
}

TEST(TextBounds, BoundedTextCutsAndReplacesWhatAnOlderVersionStored) {
  EXPECT_EQ(BoundedText("door open", 200), "door open");
  EXPECT_EQ(BoundedText("事故请绕行", 5), "事故请绕行");
  EXPECT_EQ(BoundedText("事故请绕行了", 5), "事故请绕…");
  EXPECT_EQ(BoundedText("a\nb\x1b", 10),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  EXPECT_EQ(BoundedText("a\xff", 10), "a\xEF\xBF\xBD");
  const std::string huge = std::string(size_t{20} << 20, 'x');
  std::string cut = BoundedText(huge, 200);
  EXPECT_EQ(CountChars(cut), 200u);
  EXPECT_TRUE(CheckPlainText(cut, "x", 200).ok());
}

TEST(TextBounds, CountCharsCountsCodePoints) {
  EXPECT_EQ(CountChars(""), 0u);
  EXPECT_EQ(CountChars("abc"), 3u);
  EXPECT_EQ(CountChars("停车场"), 3u);
  EXPECT_EQ(CountChars("a\xff\xfe"), 3u);
}

// An RFC 3339 time is at most kMaxWordChars long, and a refusal quotes only the start of it.
TEST(TextBounds, TimesAreBoundedAndRefusalsQuoteOnlyTheirStart) {
  EXPECT_TRUE(ParseRfc3339("2026-11-28T08:00:00.123456789+08:00").ok());
  std::string long_fraction = "2026-11-28T08:00:00." + std::string(100, '0') + "Z";
  auto refused = ParseRfc3339(long_fraction);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("longer than 64"), std::string::npos)
      << refused.status().message();
  auto garbage = ParseRfc3339(std::string(1'000'000, 'y'));
  ASSERT_FALSE(garbage.ok());
  EXPECT_LT(garbage.status().message().size(), 200u);
}

}  // namespace
}  // namespace pg
