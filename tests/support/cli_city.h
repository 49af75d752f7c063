// A small real city for whole-binary tests: the survey fixture imported with `parkguide
// import-registry` (facility G1, 800 spaces, open around the clock), sources made with `parkguide
// source add`, and `parkguide serve` started on a free port.
//
//   testing::TempDir dir;
//   std::string db = testing::MakeFixtureCity(dir);
//   std::string key = testing::AddSource(dir, db, "gates");
//   testing::Server server = testing::StartServe(dir, db, "serve.log");
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <string>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg::testing {

inline std::string FixturePath(const std::string& rel) {
  return std::string(PG_SOURCE_DIR) + "/tests/fixtures/" + rel;
}

// The survey fixture's city in `dir`/city.db, G1 open around the clock: tests that read its live
// count must not depend on the hour they run (a closed car park hides its count).
inline std::string MakeFixtureCity(const TempDir& dir) {
  std::string db = dir.File("city.db");
  std::ifstream in(FixturePath("survey/city.geojson"));
  std::string survey((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string hours = R"("opening_hours": "Mo-Su 09:00-22:30")";
  const size_t at = survey.find(hours);
  EXPECT_NE(at, std::string::npos) << "the fixture's G1 hours changed";
  if (at != std::string::npos) survey.replace(at, hours.size(), R"("opening_hours": "24/7")");
  std::ofstream(dir.File("city.geojson")) << survey;
  auto r = RunProgram({ParkguideBinary(), "import-registry", dir.File("city.geojson"), "--db", db},
                      dir.File("import.log"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return db;
}

inline std::string LastLine(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t.substr(t.rfind('\n') + 1);
}

// A new source's key (`parkguide source add` prints it alone on its last line).
inline std::string AddSource(const TempDir& dir, const std::string& db, const std::string& id,
                             const std::string& scope = "all") {
  auto r = RunProgram({ParkguideBinary(), "source", "add", "--db", db, "--id", id, "--kind",
                       "operator_system", "--scope", scope, "--interval", "60"},
                      dir.File("add.log"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return LastLine(r.output);
}

struct Server {
  std::unique_ptr<BackgroundProgram> program;
  uint16_t port = 0;
};

// `parkguide serve --db db --port 0 [extra…]`, once it says it is serving; port 0 when it did not.
inline Server StartServe(const TempDir& dir, const std::string& db, const std::string& log,
                         const std::vector<std::string>& extra = {}) {
  Server s;
  std::vector<std::string> argv{ParkguideBinary(), "serve", "--db", db, "--port", "0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  s.program = std::make_unique<BackgroundProgram>(argv, dir.File(log));
  EXPECT_TRUE(s.program->WaitForLog("serving", std::chrono::seconds(60))) << s.program->Log();
  std::smatch m;
  std::string text = s.program->Log();
  if (std::regex_search(text, m, std::regex(R"(serving \S+ on http://[^:]+:(\d+)/)"))) {
    s.port = static_cast<uint16_t>(std::stoi(m[1]));
  }
  return s;
}

}  // namespace pg::testing
