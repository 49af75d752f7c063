// Backup and restore as an operator runs them: a backup of a city while it serves and takes
// observations, restored elsewhere, answers the same; restore never overwrites; a file that is
// not a backup is refused naming it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api/http/client.h"
#include "core/time.h"
#include "tests/support/cli_city.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

using testing::ParkguideBinary;
using testing::RunProgram;

nlohmann::json GetJson(uint16_t port, const std::string& target) {
  auto r = api::http::HttpGet("127.0.0.1", port, target);
  EXPECT_TRUE(r.ok()) << target;
  if (!r.ok()) return nullptr;
  EXPECT_EQ(r->status, 200) << target << ": " << r->body;
  return nlohmann::json::parse(r->body, nullptr, false);
}

void PostCount(uint16_t port, const std::string& key, int free, int seq) {
  const std::string body = fmt::format(
      R"({{"observations":[{{"type":"facility_count","facility":"G1","time":"{}","free":{},"seq":{}}}]}})",
      FormatRfc3339Utc(std::chrono::time_point_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now())),
      free, seq);
  auto r = api::http::HttpRequest("POST", "127.0.0.1", port, "/api/v1/observations", body,
                                  {{"Authorization", "Bearer " + key}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
}

TEST(BackupCli, ABackupTakenWhileServingRestoresElsewhereWithTheSameAnswers) {
  testing::TempDir dir;
  const std::string db = testing::MakeFixtureCity(dir);
  const std::string key = testing::AddSource(dir, db, "gates");
  std::filesystem::create_directories(db + ".reports");
  std::ofstream(db + ".reports/report-2026-W48-en.html") << "<html>week 48</html>";
  const std::string archive = dir.File("city-backup.tar");
  nlohmann::json facility_before, city_before;
  {
    testing::Server server = testing::StartServe(dir, db, "serve.log");
    ASSERT_NE(server.port, 0);
    for (int i = 1; i <= 20; ++i) PostCount(server.port, key, 700 - i, i);
    auto r = RunProgram({ParkguideBinary(), "backup", "--db", db, "--out", archive},
                        dir.File("backup.log"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("city.db.journal"), std::string::npos) << r.output;
    facility_before = GetJson(server.port, "/api/v1/facilities/G1");
    city_before = GetJson(server.port, "/api/v1/city");
    // Written after the backup: not in it.
    PostCount(server.port, key, 5, 21);
    EXPECT_EQ(server.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);
  }
  EXPECT_EQ(facility_before["live"]["free"], 680);

  std::filesystem::create_directories(dir.File("elsewhere"));
  const std::string restored = dir.File("elsewhere/restored.db");
  auto r = RunProgram({ParkguideBinary(), "restore", archive, "--db", restored},
                      dir.File("restore.log"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(restored + ".reports/report-2026-W48-en.html"));

  testing::Server again = testing::StartServe(dir, restored, "restored.log");
  ASSERT_NE(again.port, 0);
  auto facility_after = GetJson(again.port, "/api/v1/facilities/G1");
  EXPECT_EQ(facility_after["live"]["free"], facility_before["live"]["free"]);
  EXPECT_EQ(facility_after["live"]["updated"], facility_before["live"]["updated"]);
  EXPECT_EQ(GetJson(again.port, "/api/v1/city"), city_before);
  // The source's key came along: the restored city takes its next count.
  PostCount(again.port, key, 600, 22);
  EXPECT_EQ(GetJson(again.port, "/api/v1/facilities/G1")["live"]["free"], 600);

  // Restore never overwrites, and says what is there.
  auto twice =
      RunProgram({ParkguideBinary(), "restore", archive, "--db", restored}, dir.File("twice.log"));
  EXPECT_EQ(twice.exit_code, 1) << twice.output;
  EXPECT_NE(twice.output.find("exists"), std::string::npos) << twice.output;
}

TEST(BackupCli, WhatIsNotABackupIsRefusedNamingIt) {
  testing::TempDir dir;
  std::ofstream(dir.File("notes.tar")) << "my notes, not an archive";
  auto r =
      RunProgram({ParkguideBinary(), "restore", dir.File("notes.tar"), "--db", dir.File("x.db")},
                 dir.File("a.log"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("tar failed"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.File("x.db")));

  auto missing = RunProgram(
      {ParkguideBinary(), "backup", "--db", dir.File("none.db"), "--out", dir.File("b.tar")},
      dir.File("b.log"));
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("none.db: no such database"), std::string::npos) << missing.output;
  EXPECT_FALSE(std::filesystem::exists(dir.File("b.tar")));
}

}  // namespace
}  // namespace pg
