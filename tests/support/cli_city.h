// A small real city for whole-binary tests: the survey fixture imported with `parkguide
// import-registry` (facility G1, 800 spaces, open around the clock), sources made with `parkguide
// source add`, and `parkguide serve` (or `demo`) started on a free port.
//
//   testing::TempDir dir;
//   std::string db = testing::MakeFixtureCity(dir);
//   std::string key = testing::AddSource(dir, db, "gates");
//   testing::Server server = testing::StartServe(dir, db, "serve.log");
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg::testing {

inline std::string FixturePath(const std::string& rel) {
  return std::string(PG_SOURCE_DIR) + "/tests/fixtures/" + rel;
}

// The survey fixture's city as `dir`/`name`, G1 open around the clock with `capacity` spaces:
// tests that read its live count must not depend on the hour they run (a closed car park hides
// its count).
inline std::string WriteFixtureSurvey(const TempDir& dir, const std::string& name,
                                      int capacity = 800) {
  std::ifstream in(FixturePath("survey/city.geojson"));
  std::string survey((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = survey.find(from);
    EXPECT_NE(at, std::string::npos) << "the fixture changed: " << from;
    if (at != std::string::npos) survey.replace(at, from.size(), to);
  };
  replace(R"("opening_hours": "Mo-Su 09:00-22:30")", R"("opening_hours": "24/7")");
  replace(R"("capacity": {"total": 800)", fmt::format(R"("capacity": {{"total": {})", capacity));
  std::ofstream(dir.File(name)) << survey;
  return dir.File(name);
}

// That city imported into `dir`/city.db.
inline std::string MakeFixtureCity(const TempDir& dir) {
  std::string db = dir.File("city.db");
  auto r = RunProgram(
      {ParkguideBinary(), "import-registry", WriteFixtureSurvey(dir, "city.geojson"), "--db", db},
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
                      dir.File("add-" + id + ".log"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return LastLine(r.output);
}

struct Server {
  std::unique_ptr<BackgroundProgram> program;
  uint16_t port = 0;
};

// The port a server's log says it serves on; 0 when it says none.
inline uint16_t PortIn(const std::string& log) {
  std::smatch m;
  if (!std::regex_search(log, m, std::regex(R"(serving \S+ on http://[^:]+:(\d+)/)"))) return 0;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

// `parkguide <args…>` (serve, demo) once it says it is serving; port 0 when it did not.
inline Server StartServer(const TempDir& dir, std::vector<std::string> args,
                          const std::string& log) {
  args.insert(args.begin(), ParkguideBinary());
  Server s;
  s.program = std::make_unique<BackgroundProgram>(args, dir.File(log));
  EXPECT_TRUE(s.program->WaitForLog("serving", std::chrono::seconds(120))) << s.program->Log();
  s.port = PortIn(s.program->Log());
  return s;
}

// `parkguide serve --db db --port 0 [extra…]`.
inline Server StartServe(const TempDir& dir, const std::string& db, const std::string& log,
                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"serve", "--db", db, "--port", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return StartServer(dir, std::move(args), log);
}

}  // namespace pg::testing
