#include "core/csv.h"

#include <gtest/gtest.h>

namespace pg {
namespace {

using Cells = std::vector<std::string>;

TEST(Csv, QuotedCellsHoldCommasQuotesAndLineBreaks) {
  auto records = ParseCsv(
      "id,name\r\nF1,\"North Gate, B1\"\r\nF2,\"say \"\"hi\"\"\"\r\n"
      "F3,\"two\r\nlines\"\r\nF4,x\r\n");
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 5u);
  EXPECT_EQ((*records)[1].cells, (Cells{"F1", "North Gate, B1"}));
  EXPECT_EQ((*records)[2].cells, (Cells{"F2", "say \"hi\""}));
  // A line break inside quotes is kept as LF whatever the file used.
  EXPECT_EQ((*records)[3].cells, (Cells{"F3", "two\nlines"}));
}

TEST(Csv, RecordsKnowThePhysicalLineTheyStartOn) {
  auto records = ParseCsv("h\n\"a\nb\nc\"\nnext\n\nlast");
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 5u);
  EXPECT_EQ((*records)[0].line, 1);
  EXPECT_EQ((*records)[1].line, 2);
  EXPECT_EQ((*records)[2].line, 5);
  EXPECT_EQ((*records)[3].line, 6);  // the empty line is a record of one empty cell
  EXPECT_EQ((*records)[3].cells, Cells{""});
  EXPECT_EQ((*records)[4].line, 7);
  EXPECT_EQ((*records)[4].cells, Cells{"last"});
}

TEST(Csv, CrLfLfAndLoneCrEndRecordsAlike) {
  for (std::string_view text : {"a,b\r\nc,d\r\n", "a,b\nc,d\n", "a,b\rc,d\r", "a,b\nc,d"}) {
    auto records = ParseCsv(text);
    ASSERT_TRUE(records.ok());
    ASSERT_EQ(records->size(), 2u) << text;
    EXPECT_EQ((*records)[1].cells, (Cells{"c", "d"}));
    EXPECT_EQ((*records)[1].line, 2);
  }
}

TEST(Csv, EmptyCellsAreKept) {
  auto records = ParseCsv("a,,\"\",d\n");
  ASSERT_TRUE(records.ok());
  EXPECT_EQ((*records)[0].cells, (Cells{"a", "", "", "d"}));
}

TEST(Csv, UnclosedQuoteNamesTheLineItOpenedOn) {
  int line = 0;
  auto records = ParseCsv("a,b\nc,\"open\nstill\n", &line);
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(line, 2);
  EXPECT_NE(records.status().message().find("not closed"), std::string::npos);
}

TEST(Csv, TextAfterAClosingQuoteIsAnError) {
  int line = 0;
  auto records = ParseCsv("a\n\"x\"y,z\n", &line);
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(line, 2);
}

TEST(Csv, ByteOrderMarkIsStripped) {
  EXPECT_EQ(StripUtf8Bom("\xEF\xBB\xBFid"), "id");
  EXPECT_EQ(StripUtf8Bom("id"), "id");
}

TEST(Csv, Utf8IsValidatedWithTheLineOfTheFirstBadByte) {
  EXPECT_TRUE(ValidateUtf8("北门停车场, ok\n").ok());
  int line = 0;
  // "北门" in GBK.
  EXPECT_FALSE(ValidateUtf8("ok\n\xB1\xB1\xC3\xC5\n", &line).ok());
  EXPECT_EQ(line, 2);
  EXPECT_FALSE(ValidateUtf8("\xC0\xAF").ok());      // overlong '/'
  EXPECT_FALSE(ValidateUtf8("\xED\xA0\x80").ok());  // a surrogate
  EXPECT_FALSE(ValidateUtf8("\xE5\x8C").ok());      // cut off at the end
}

TEST(Csv, CellsAreQuotedOnlyWhenNeeded) {
  EXPECT_EQ(CsvCell("plain 北门"), "plain 北门");
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvCell("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvCell(" padded"), "\" padded\"");
  EXPECT_EQ(CsvLine({"a", "b,c", ""}), "a,\"b,c\",\r\n");
}

TEST(Csv, WhatIsWrittenParsesBack) {
  Cells cells{"", "a,b", "\"", "x\ny", " s ", "北门"};
  auto records = ParseCsv(CsvLine(cells) + CsvLine(cells));
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].cells, cells);
  EXPECT_EQ((*records)[1].line, 3);
}

}  // namespace
}  // namespace pg
