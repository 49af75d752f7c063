// Live ingestion as an operator and a client see it, through the real binary: `parkguide source`
// and its keys; the crash test (a client streams observations over HTTP, the server is killed
// with SIGKILL mid-stream and restarted, and every acknowledged observation is there).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "api/http/test_client.h"
#include "core/time.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

using testing::ParkguideBinary;
using testing::RunProgram;

std::string Fixture(const std::string& rel) {
  return std::string(PG_SOURCE_DIR) + "/tests/fixtures/" + rel;
}

// A database with the survey fixture's city (facility G1, 800 spaces), G1 open around the clock:
// these tests read its live count, which a car park closed at the hour the test runs hides.
std::string MakeCity(const testing::TempDir& dir) {
  std::string db = dir.File("city.db");
  std::ifstream in(Fixture("survey/city.geojson"));
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

std::string LastLine(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t.substr(t.rfind('\n') + 1);
}

std::string AddSource(const testing::TempDir& dir, const std::string& db, const std::string& id,
                      const std::string& scope = "all") {
  auto r = RunProgram({ParkguideBinary(), "source", "add", "--db", db, "--id", id, "--kind",
                       "operator_system", "--scope", scope, "--interval", "60"},
                      dir.File("add.log"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return LastLine(r.output);
}

TEST(SourceCli, AddPrintsTheKeyAloneOnItsLastLineListNeverShowsItRevokeEndsIt) {
  testing::TempDir dir;
  std::string db = MakeCity(dir);
  std::string key = AddSource(dir, db, "gates", "facility:G1");
  EXPECT_TRUE(std::regex_match(key, std::regex(R"(pgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43})"))) << key;

  auto list = RunProgram({ParkguideBinary(), "source", "list", "--db", db}, dir.File("list.log"));
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.output.find("gates"), std::string::npos);
  EXPECT_NE(list.output.find("facility:G1"), std::string::npos);
  EXPECT_EQ(list.output.find(key.substr(17)), std::string::npos) << "the secret never shows";

  auto again = RunProgram(
      {ParkguideBinary(), "source", "add", "--db", db, "--id", "gates", "--scope", "all"},
      dir.File("again.log"));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("already has a key"), std::string::npos) << again.output;

  auto bad = RunProgram(
      {ParkguideBinary(), "source", "add", "--db", db, "--id", "x", "--scope", "facility:NOPE"},
      dir.File("bad.log"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("--scope: no facility 'NOPE'"), std::string::npos) << bad.output;

  auto revoke = RunProgram({ParkguideBinary(), "source", "revoke", "--db", db, "--id", "gates"},
                           dir.File("revoke.log"));
  EXPECT_EQ(revoke.exit_code, 0) << revoke.output;
  list = RunProgram({ParkguideBinary(), "source", "list", "--db", db}, dir.File("list.log"));
  EXPECT_NE(list.output.find("revoked"), std::string::npos) << list.output;
}

struct Server {
  std::unique_ptr<testing::BackgroundProgram> program;
  uint16_t port = 0;
};

Server StartServe(const testing::TempDir& dir, const std::string& db, const std::string& log) {
  Server s;
  s.program = std::make_unique<testing::BackgroundProgram>(
      std::vector<std::string>{ParkguideBinary(), "serve", "--db", db, "--port", "0"},
      dir.File(log));
  EXPECT_TRUE(s.program->WaitForLog("serving", std::chrono::seconds(60))) << s.program->Log();
  std::smatch m;
  std::string text = s.program->Log();
  if (std::regex_search(text, m, std::regex(R"(serving \S+ on http://[^:]+:(\d+)/)"))) {
    s.port = static_cast<uint16_t>(std::stoi(m[1]));
  }
  return s;
}

nlohmann::json SourceHealth(uint16_t port, const std::string& id) {
  auto r = api::http::HttpGet("127.0.0.1", port, "/api/v1/sources/health");
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return {};
  auto body = nlohmann::json::parse(r->body);  // named: the loop must not outlive it
  for (const auto& s : body["sources"]) {
    if (s["id"] == id) return s;
  }
  return {};
}

TEST(IngestCrash, EveryAcknowledgedObservationSurvivesSigkillAndRestart) {
  testing::TempDir dir;
  std::string db = MakeCity(dir);
  std::string key = AddSource(dir, db, "crash");
  Server server = StartServe(dir, db, "serve1.log");
  ASSERT_NE(server.port, 0);

  // The client streams batches of 100 on one connection and records what was acknowledged.
  std::atomic<int64_t> acked_max_seq{0};
  std::atomic<int64_t> acked_count{0};
  std::atomic<bool> stop{false};
  std::thread client([&] {
    auto conn = api::http::HttpConnection::Open("127.0.0.1", server.port);
    if (!conn.ok()) return;
    int64_t seq = 0;
    auto base = std::chrono::system_clock::now() - std::chrono::seconds(60);
    while (!stop) {
      std::string body = R"({"observations":[)";
      for (int i = 0; i < 100; ++i) {
        ++seq;
        auto t =
            std::chrono::floor<std::chrono::milliseconds>(base + std::chrono::milliseconds(seq));
        body += fmt::format(
            R"({}{{"type":"facility_count","facility":"G1","time":"{}","occupied":{},"seq":{}}})",
            i ? "," : "", FormatRfc3339Utc(Timestamp(t.time_since_epoch())), seq % 800, seq);
      }
      body += "]}";
      auto r = (*conn)->Request("POST", "/api/v1/observations", body,
                                {{"Authorization", "Bearer " + key}});
      if (!r.ok() || r->status != 200) return;  // the server is gone
      auto counts = nlohmann::json::parse(r->body);
      if (counts["accepted"] != 100) return;
      acked_max_seq = seq;
      acked_count += 100;
    }
  });
  // Let it run, then kill the server mid-stream.
  for (int i = 0; i < 200 && acked_count < 20'000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(acked_count.load(), 0) << server.program->Log();
  EXPECT_EQ(server.program->SignalAndWait(SIGKILL, std::chrono::seconds(10)), 128 + SIGKILL);
  stop = true;
  client.join();
  int64_t acked = acked_count;
  int64_t max_seq = acked_max_seq;

  Server again = StartServe(dir, db, "serve2.log");
  ASSERT_NE(again.port, 0);
  auto health = SourceHealth(again.port, "crash");
  ASSERT_FALSE(health.is_null()) << again.program->Log();
  EXPECT_GE(health["accepted"].get<int64_t>(), acked) << again.program->Log();
  EXPECT_GE(health["last_seq"].get<int64_t>(), max_seq);
  // The facility holds the last acknowledged count or a later one that also became durable.
  auto f = api::http::HttpGet("127.0.0.1", again.port, "/api/v1/facilities/G1");
  ASSERT_TRUE(f.ok());
  int64_t last_seq = health["last_seq"].get<int64_t>();
  EXPECT_EQ(nlohmann::json::parse(f->body)["live"]["occupied"], last_seq % 800) << f->body;
  EXPECT_EQ(again.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);
}

TEST(IngestCli, RevokedKeyStopsWorkingWhileTheServerRuns) {
  testing::TempDir dir;
  std::string db = MakeCity(dir);
  std::string key = AddSource(dir, db, "soon-gone");
  Server server = StartServe(dir, db, "serve.log");
  auto post = [&] {
    auto r = api::http::HttpRequest(
        "POST", "127.0.0.1", server.port, "/api/v1/observations",
        R"({"observations":[{"type":"entry","facility":"G1","time":"2026-01-01T00:00:00Z"}]})",
        {{"Authorization", "Bearer " + key}});
    return r.ok() ? r->status : -1;
  };
  EXPECT_EQ(post(), 200);
  auto r = RunProgram({ParkguideBinary(), "source", "revoke", "--db", db, "--id", "soon-gone"},
                      dir.File("revoke.log"));
  ASSERT_EQ(r.exit_code, 0);
  int status = 0;
  for (int i = 0; i < 100 && (status = post()) == 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 401);
}

TEST(ReplayCli, BackfillsTheLongCsvWithAProgressBarAndReportsQuirks) {
  testing::TempDir dir;
  std::string db = MakeCity(dir);
  {
    std::ofstream csv(dir.File("long.csv"));
    csv << "facility_id,time,occupied,capacity\n";
    for (int i = 0; i < 100; ++i) {
      csv << fmt::format("G1,2026-11-28T{:02}:{:02}:00+08:00,{},800\n", 8 + i / 60, i % 60,
                         i == 50 ? 900 : i);
    }
  }
  auto r =
      RunProgram({ParkguideBinary(), "replay", dir.File("long.csv"), "--format", "csv", "--db", db},
                 dir.File("replay.log"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("100%  100/100 rows"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("100 samples"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("clamped 1 counts above capacity"), std::string::npos) << r.output;
  auto bad = RunProgram(
      {ParkguideBinary(), "replay", dir.File("long.csv"), "--format", "birmingham", "--db", db},
      dir.File("bad.log"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("expected the header SystemCodeNumber"), std::string::npos);
}

// Issue 13, finding 8: one seq of 2^63 − 1 silenced its source for good, across restarts; a
// restarted counter was dropped as duplicates. Through the real binary: the trap and a jump far
// ahead are 400s naming `seq`, `boot` restarts the sequence, and after a SIGKILL (journal
// replay) and a clean restart (checkpoint) the server decides the same and reports the same.
TEST(IngestCli, SeqRefusalsAndCounterRestartsSurviveRestartsAndShowInSourceHealth) {
  testing::TempDir dir;
  std::string db = MakeCity(dir);
  std::string key = AddSource(dir, db, "gw");
  const auto start = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) -
                     std::chrono::minutes(2);
  int tick = 0;
  auto post = [&](uint16_t port, const std::string& seq, std::optional<int> boot) {
    const Timestamp t((start + std::chrono::seconds(++tick)).time_since_epoch());
    std::string body = fmt::format(
        R"({{"observations":[{{"type":"facility_count","facility":"G1","time":"{}","free":{},"seq":{}{}}}]}})",
        FormatRfc3339Utc(t), 700 - tick, seq, boot ? fmt::format(R"(,"boot":{})", *boot) : "");
    auto r = api::http::HttpRequest("POST", "127.0.0.1", port, "/api/v1/observations", body,
                                    {{"Authorization", "Bearer " + key}});
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::pair{r->status, nlohmann::json::parse(r->body)}
                  : std::pair{-1, nlohmann::json()};
  };
  auto expect_refused_seq = [](const std::pair<int, nlohmann::json>& r) {
    EXPECT_EQ(r.first, 400) << r.second.dump();
    ASSERT_EQ(r.second["invalid_params"].size(), 1u) << r.second.dump();
    EXPECT_EQ(r.second["invalid_params"][0]["name"], "observations[0].seq");
  };
  auto expect_counts = [](const std::pair<int, nlohmann::json>& r, int accepted, int duplicate) {
    EXPECT_EQ(r.first, 200) << r.second.dump();
    EXPECT_EQ(r.second["accepted"], accepted) << r.second.dump();
    EXPECT_EQ(r.second["duplicate"], duplicate) << r.second.dump();
  };
  auto expect_sequence = [](const nlohmann::json& h, int64_t last, int64_t boot, int epoch) {
    EXPECT_EQ(h["last_seq"], last) << h.dump();
    EXPECT_EQ(h["boot"], boot) << h.dump();
    EXPECT_EQ(h["seq_epoch"], epoch) << h.dump();
    EXPECT_EQ(h["seq_restarts"], epoch - 1) << h.dump();
  };

  Server server = StartServe(dir, db, "serve1.log");
  ASSERT_NE(server.port, 0);
  expect_refused_seq(post(server.port, "9223372036854775807", std::nullopt));
  expect_counts(post(server.port, "10", std::nullopt), 1, 0);
  expect_refused_seq(post(server.port, "2000010", std::nullopt));
  expect_counts(post(server.port, "11", std::nullopt), 1, 0);
  expect_counts(post(server.port, "3", 1), 1, 0);   // the first boot: a new sequence
  expect_counts(post(server.port, "1", 2), 1, 0);   // rebooted
  expect_counts(post(server.port, "90", 1), 0, 1);  // from before the reboot
  auto health = SourceHealth(server.port, "gw");
  expect_sequence(health, 1, 2, 3);
  EXPECT_EQ(health["seq_refused"], 2);
  EXPECT_EQ(health["duplicate"], 1);
  EXPECT_EQ(server.program->SignalAndWait(SIGKILL, std::chrono::seconds(10)), 128 + SIGKILL);

  Server replayed = StartServe(dir, db, "serve2.log");  // from the journal
  ASSERT_NE(replayed.port, 0);
  health = SourceHealth(replayed.port, "gw");
  expect_sequence(health, 1, 2, 3);
  EXPECT_EQ(health["duplicate"], 1);
  EXPECT_EQ(health["seq_refused"], 0) << "refusals were never journaled: since start";
  expect_counts(post(replayed.port, "1", 2), 0, 1);
  expect_counts(post(replayed.port, "91", 1), 0, 1);
  expect_refused_seq(post(replayed.port, "9007199254740992", 2));
  expect_counts(post(replayed.port, "2", 2), 1, 0);
  EXPECT_EQ(replayed.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);

  Server restored = StartServe(dir, db, "serve3.log");  // from the checkpoint of a clean stop
  ASSERT_NE(restored.port, 0);
  health = SourceHealth(restored.port, "gw");
  expect_sequence(health, 2, 2, 3);
  EXPECT_EQ(health["duplicate"], 3);
  expect_counts(post(restored.port, "2", 2), 0, 1);
  expect_counts(post(restored.port, "1", 3), 1, 0);
  expect_sequence(SourceHealth(restored.port, "gw"), 1, 3, 4);
  EXPECT_EQ(restored.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);
}

}  // namespace
}  // namespace pg
