// Journal damage as an operator meets it, through the real binary: the server starts degraded
// with every intact observation, /health and /metrics say what was lost, `parkguide journal
// check` explains it and `parkguide journal ack` clears it while the server runs; a damaged
// checkpoint after a clean stop falls back to the previous one.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/http/client.h"
#include "core/time.h"
#include "tests/support/cli_city.h"
#include "tests/support/file_damage.h"

namespace pg {
namespace {

namespace fsys = std::filesystem;
using testing::ParkguideBinary;
using testing::RunProgram;

// Posts one batch per observation (one journal record each): G1 occupied = seq, observed a
// minute ago plus seq milliseconds (fresh, so the live count shows).
void PostCounts(uint16_t port, const std::string& key, int first, int last) {
  static const auto base = std::chrono::floor<std::chrono::milliseconds>(
      std::chrono::system_clock::now() - std::chrono::minutes(1));
  for (int seq = first; seq <= last; ++seq) {
    Timestamp t((base + std::chrono::milliseconds(seq)).time_since_epoch());
    auto body = fmt::format(
        R"({{"observations":[{{"type":"facility_count","facility":"G1","time":"{}","occupied":{},"seq":{}}}]}})",
        FormatRfc3339Utc(t), seq, seq);
    auto r = api::http::HttpRequest("POST", "127.0.0.1", port, "/api/v1/observations", body,
                                    {{"Authorization", "Bearer " + key}});
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << r->body;
  }
}

nlohmann::json GetJson(uint16_t port, const std::string& path) {
  auto r = api::http::HttpGet("127.0.0.1", port, path);
  EXPECT_TRUE(r.ok());
  return r.ok() ? nlohmann::json::parse(r->body) : nlohmann::json();
}

std::vector<std::string> FilesIn(const std::string& dir, std::string_view prefix) {
  std::vector<std::string> out;
  for (const auto& e : fsys::directory_iterator(dir)) {
    if (e.path().filename().string().starts_with(prefix)) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

using testing::FlipByte;

TEST(JournalDamage, ServerStartsDegradedWithEveryIntactObservationAndAckClearsIt) {
  testing::TempDir dir;
  std::string db = testing::MakeFixtureCity(dir);
  std::string key = testing::AddSource(dir, db, "gates");
  {
    auto server = testing::StartServe(dir, db, "serve1.log");
    ASSERT_NE(server.port, 0);
    PostCounts(server.port, key, 1, 50);
    // Killed: the records stay in the segment (a clean stop would checkpoint them).
    EXPECT_EQ(server.program->SignalAndWait(SIGKILL, std::chrono::seconds(10)), 128 + SIGKILL);
  }
  auto segments = FilesIn(db + ".journal", "seg-");
  ASSERT_FALSE(segments.empty());
  std::string biggest = *std::max_element(segments.begin(), segments.end(), [](auto& a, auto& b) {
    return fsys::file_size(a) < fsys::file_size(b);
  });
  FlipByte(biggest, fsys::file_size(biggest) / 2);

  auto server = testing::StartServe(dir, db, "serve2.log");
  ASSERT_NE(server.port, 0) << "damage is no reason to refuse";
  auto health = GetJson(server.port, "/health");
  EXPECT_EQ(health["status"], "degraded") << health.dump();
  ASSERT_EQ(health["problems"].size(), 1u) << health.dump();
  EXPECT_EQ(health["problems"][0]["component"], "journal");
  EXPECT_EQ(health["problems"][0]["kind"], "loss");
  EXPECT_EQ(health["problems"][0]["detail"]["lost_records"], 1);
  // Everything after the damaged record was kept: the newest count is the live one.
  auto g1 = GetJson(server.port, "/api/v1/facilities/G1");
  EXPECT_EQ(g1["live"]["occupied"], 50) << g1.dump();
  auto metrics = api::http::HttpGet("127.0.0.1", server.port, "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("parkguide_journal_records_lost_unacknowledged 1"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("parkguide_health_degraded 1"), std::string::npos);
  EXPECT_EQ(FilesIn(db + ".journal/quarantine", "seg-").size(), 1u);

  // Beside the live server, read-only.
  auto check =
      RunProgram({ParkguideBinary(), "journal", "check", "--db", db}, dir.File("check.log"));
  EXPECT_EQ(check.exit_code, 1) << check.output;
  EXPECT_NE(check.output.find("NOT ACKNOWLEDGED"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("lost records:"), std::string::npos) << check.output;
  auto ack = RunProgram({ParkguideBinary(), "journal", "ack", "--db", db, "--by", "night shift",
                         "--note", "disk checked"},
                        dir.File("ack.log"));
  EXPECT_EQ(ack.exit_code, 0) << ack.output;
  EXPECT_NE(ack.output.find("acknowledged #1"), std::string::npos) << ack.output;
  std::string status;
  for (int i = 0; i < 100 && status != "ok"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = GetJson(server.port, "/health")["status"];
  }
  EXPECT_EQ(status, "ok") << "acknowledged without a restart";
  auto again = RunProgram({ParkguideBinary(), "journal", "check", "--db", db, "--json"},
                          dir.File("check2.log"));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  auto doc = nlohmann::json::parse(again.output.substr(again.output.find('{')));
  EXPECT_EQ(doc["incidents"][0]["acknowledged"]["by"], "night shift");
  EXPECT_EQ(server.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);
}

// Finding: a clean stop kept one checkpoint and no segment, so a flipped byte in it was fatal.
TEST(JournalDamage, DamagedCheckpointAfterCleanStopsFallsBackToThePreviousOne) {
  testing::TempDir dir;
  std::string db = testing::MakeFixtureCity(dir);
  std::string key = testing::AddSource(dir, db, "gates");
  for (int run = 0; run < 2; ++run) {
    auto server = testing::StartServe(dir, db, fmt::format("serve{}.log", run));
    ASSERT_NE(server.port, 0);
    PostCounts(server.port, key, run * 10 + 1, run * 10 + 10);
    EXPECT_EQ(server.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);
  }
  auto checkpoints = FilesIn(db + ".journal", "checkpoint-");
  ASSERT_EQ(checkpoints.size(), 2u) << "two clean stops keep two checkpoints";
  FlipByte(checkpoints.back(), fsys::file_size(checkpoints.back()) - 2);

  auto server = testing::StartServe(dir, db, "serve-after.log");
  ASSERT_NE(server.port, 0) << server.program->Log();
  auto g1 = GetJson(server.port, "/api/v1/facilities/G1");
  EXPECT_EQ(g1["live"]["occupied"], 20) << g1.dump();
  auto health = GetJson(server.port, "/health");
  EXPECT_EQ(health["status"], "degraded");
  ASSERT_EQ(health["problems"].size(), 1u) << health.dump();
  EXPECT_EQ(health["problems"][0]["kind"], "damage") << "nothing lost, but the disk is suspect";
  EXPECT_EQ(server.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);
}

// A wrong --journal path, an unmounted disk or a deleted journal must not start a new, empty
// journal beside the real one: the database notes how far the journal was durable.
TEST(JournalDamage, EmptyJournalOfACityWithDurableRecordsIsRefusedUntilTheLossIsAccepted) {
  testing::TempDir dir;
  std::string db = testing::MakeFixtureCity(dir);
  std::string key = testing::AddSource(dir, db, "gates");
  {
    auto server = testing::StartServe(dir, db, "serve1.log");
    ASSERT_NE(server.port, 0);
    PostCounts(server.port, key, 1, 5);
    EXPECT_EQ(server.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);
  }
  fsys::rename(db + ".journal", dir.File("elsewhere"));
  auto refused =
      RunProgram({ParkguideBinary(), "serve", "--db", db, "--port", "0"}, dir.File("refused.log"));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("is empty, but the city recorded observations"), std::string::npos)
      << refused.output;
  EXPECT_FALSE(fsys::exists(db + ".journal/damage.json")) << "nothing written on refusal";

  auto right = testing::StartServe(dir, db, "right.log", {"--journal", dir.File("elsewhere")});
  ASSERT_NE(right.port, 0) << "the journal where it really is";
  EXPECT_EQ(GetJson(right.port, "/health")["status"], "ok");
  EXPECT_EQ(GetJson(right.port, "/api/v1/facilities/G1")["live"]["occupied"], 5);
  EXPECT_EQ(right.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);

  fsys::remove_all(dir.File("elsewhere"));
  auto accepted = testing::StartServe(dir, db, "accepted.log", {"--accept-journal-loss"});
  ASSERT_NE(accepted.port, 0);
  auto health = GetJson(accepted.port, "/health");
  EXPECT_EQ(health["status"], "degraded");
  EXPECT_EQ(health["problems"][0]["kind"], "loss") << health.dump();
  EXPECT_EQ(accepted.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);
}

}  // namespace
}  // namespace pg
