// `parkguide report` as an operator runs it: a city, history replayed from a file, the report of
// one week as HTML and PDF; bad arguments are refused naming the argument.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

using testing::ParkguideBinary;
using testing::RunProgram;

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// The survey fixture's city (facility G1, 800 spaces) with two weeks of hourly counts replayed.
std::string MakeCity(const testing::TempDir& dir) {
  std::string db = dir.File("city.db");
  auto r =
      RunProgram({ParkguideBinary(), "import-registry",
                  std::string(PG_SOURCE_DIR) + "/tests/fixtures/survey/city.geojson", "--db", db},
                 dir.File("import.log"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::ofstream csv(dir.File("history.csv"));
  csv << "facility_id,time,occupied,capacity\n";
  for (int day = 9; day <= 22; ++day) {
    for (int hour = 0; hour < 24; ++hour) {
      int occupied = hour >= 9 && hour < 18 ? 760 : 200;
      csv << fmt::format("G1,2026-11-{:02}T{:02}:00:00+08:00,{},800\n", day, hour, occupied);
    }
  }
  csv.close();
  r = RunProgram({ParkguideBinary(), "replay", dir.File("history.csv"), "--format", "csv", "--db",
                  db, "--hold", "60"},
                 dir.File("replay.log"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return db;
}

TEST(ReportCli, WritesTheWeeksReportAsHtmlAndPdf) {
  testing::TempDir dir;
  std::string db = MakeCity(dir);
  std::string html = dir.File("report-2026-W47-en.html");
  auto r = RunProgram({ParkguideBinary(), "report", "--db", db, "--week", "2026-W47", "--lang",
                       "en", "--format", "html", "--out", html},
                      dir.File("report.log"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string text = ReadAll(html);
  EXPECT_NE(text.find("Weekly parking and charging report"), std::string::npos);
  EXPECT_NE(text.find("2026-W47"), std::string::npos);
  if (!std::filesystem::exists("/usr/bin/chromium")) {
    GTEST_SKIP() << "no /usr/bin/chromium: the PDF part is skipped (scripts/install-deps.sh)";
  }
  std::string pdf = dir.File("report-2026-W47-zh.pdf");
  r = RunProgram({ParkguideBinary(), "report", "--db", db, "--week", "2026-W47", "--lang", "zh",
                  "--format", "pdf", "--out", pdf},
                 dir.File("pdf.log"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadAll(pdf).substr(0, 5), "%PDF-");
}

TEST(ReportCli, BadArgumentsAreNamed) {
  testing::TempDir dir;
  std::string db = MakeCity(dir);
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  const Case cases[] = {
      {{"--week", "2026-47"}, "--week: '2026-47' is not an ISO week"},
      {{"--week", "2026-W47", "--lang", "fr"}, "--lang: 'fr' is not a report language"},
      {{"--week", "2026-W47", "--format", "docx"}, "--format: 'docx' is not a report format"},
      {{"--week", "2026-W47", "--district", "nowhere"}, "--district: no facility or charger"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {ParkguideBinary(), "report",          "--db", db,
                                     "--out",           dir.File("x.html")};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto r = RunProgram(argv, dir.File("bad.log"));
    EXPECT_EQ(r.exit_code, 1) << c.expected;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace pg
