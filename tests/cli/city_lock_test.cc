// One writer per city, through the real binary (core/city_lock.h): a second `serve` or `demo` of
// the same database, or a write command beside a server, is refused at once with the holder's pid
// and command and touches nothing; the server keeps every observation it acknowledged; a server
// killed with SIGKILL leaves no lock behind; readers run beside a server and say it is live; two
// spellings of one path are one city.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <tuple>

#include "api/http/client.h"
#include "core/city_lock.h"
#include "core/time.h"
#include "store/store.h"
#include "tests/support/cli_city.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

namespace fs = std::filesystem;
using testing::AddSource;
using testing::BackgroundProgram;
using testing::LastLine;
using testing::ParkguideBinary;
using testing::RunProgram;
using testing::Server;
using testing::StartServe;

// A refused writer ends at once; a generous bound that a second server running never meets.
constexpr auto kRefusedWithin = std::chrono::seconds(10);

// Every file under `dir`: name → (inode, size, modification time in ns).
using Listing = std::map<std::string, std::tuple<ino_t, off_t, int64_t>>;
Listing ListFiles(const std::string& dir) {
  Listing out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    struct stat st {};
    if (::stat(e.path().c_str(), &st) != 0) continue;
    out[fs::relative(e.path(), dir).string()] = {
        st.st_ino, st.st_size, int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec};
  }
  return out;
}

// Posts `count` facility counts of G1 with sequence numbers after `*seq`; true when all were
// acknowledged (200, all accepted).
bool PostCounts(uint16_t port, const std::string& key, int count, int64_t* seq) {
  const auto base = std::chrono::system_clock::now() - std::chrono::seconds(30);
  std::string body = R"({"observations":[)";
  for (int i = 0; i < count; ++i) {
    ++*seq;
    auto t = std::chrono::floor<std::chrono::milliseconds>(base + std::chrono::milliseconds(*seq));
    body += fmt::format(
        R"({}{{"type":"facility_count","facility":"G1","time":"{}","occupied":{},"seq":{}}})",
        i ? "," : "", FormatRfc3339Utc(Timestamp(t.time_since_epoch())), *seq % 800, *seq);
  }
  body += "]}";
  auto r = api::http::HttpRequest("POST", "127.0.0.1", port, "/api/v1/observations", body,
                                  {{"Authorization", "Bearer " + key}});
  if (!r.ok() || r->status != 200) return false;
  return nlohmann::json::parse(r->body)["accepted"] == count;
}

nlohmann::json SourceHealth(uint16_t port, const std::string& id) {
  auto r = api::http::HttpGet("127.0.0.1", port, "/api/v1/sources/health");
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return {};
  auto body = nlohmann::json::parse(r->body);
  for (const auto& s : body["sources"]) {
    if (s["id"] == id) return s;
  }
  return {};
}

// Runs a command that must be refused: it ends within kRefusedWithin, with status 1, naming the
// holder's pid and command. Returns its output.
std::string ExpectRefused(const testing::TempDir& dir, std::vector<std::string> args, pid_t holder,
                          const std::string& holder_command) {
  args.insert(args.begin(), ParkguideBinary());
  BackgroundProgram second(args, dir.File("refused.log"));
  const auto started = std::chrono::steady_clock::now();
  const int code = second.WaitForExit(kRefusedWithin);
  const auto took = std::chrono::steady_clock::now() - started;
  // A second writer that ran anyway is stopped as an operator would stop it: cleanly (it then
  // checkpoints and prunes the journal under the first one's feet).
  if (code == -1) second.SignalAndWait(SIGTERM, std::chrono::seconds(30));
  const std::string log = second.Log();
  EXPECT_EQ(code, 1) << "a second writer must end at once, refused\n" << log;
  EXPECT_LT(took, std::chrono::seconds(5)) << log;
  EXPECT_NE(log.find(fmt::format("is in use by pid {} (parkguide {}", holder, holder_command)),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("nothing was changed"), std::string::npos) << log;
  return log;
}

// Every observation acknowledged so far is in the live state of the server on `port`.
void ExpectAllAcknowledged(uint16_t port, int64_t seq, const std::string& log) {
  auto health = SourceHealth(port, "gates");
  ASSERT_FALSE(health.is_null()) << log;
  EXPECT_GE(health["accepted"].get<int64_t>(), seq) << log;
  EXPECT_EQ(health["last_seq"].get<int64_t>(), seq) << log;
  auto f = api::http::HttpGet("127.0.0.1", port, "/api/v1/facilities/G1");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(nlohmann::json::parse(f->body)["live"]["occupied"], seq % 800) << f->body;
}

TEST(CityLockCli, ASecondServeIsRefusedAndEveryAcknowledgedObservationSurvives) {
  testing::TempDir dir;
  std::string db = testing::MakeFixtureCity(dir);
  std::string key = AddSource(dir, db, "gates");
  Server first = StartServe(dir, db, "serve1.log");
  ASSERT_NE(first.port, 0);
  int64_t seq = 0;
  ASSERT_TRUE(PostCounts(first.port, key, 50, &seq)) << first.program->Log();

  const Listing journal_before = ListFiles(db + ".journal");
  ASSERT_FALSE(journal_before.empty());
  const std::string lock_before = testing::ReadFile(db + ".lock");
  ExpectRefused(dir, {"serve", "--db", db, "--port", "0"}, first.program->pid(), "serve --db");
  EXPECT_EQ(ListFiles(db + ".journal"), journal_before) << "the refused server touched the journal";
  EXPECT_EQ(testing::ReadFile(db + ".lock"), lock_before);

  // The first server crashes: what it acknowledged after the refusal lives in its journal alone.
  ASSERT_TRUE(PostCounts(first.port, key, 50, &seq)) << first.program->Log();
  EXPECT_EQ(first.program->SignalAndWait(SIGKILL, std::chrono::seconds(10)), 128 + SIGKILL);
  Server second = StartServe(dir, db, "serve2.log");
  ASSERT_NE(second.port, 0);
  ExpectAllAcknowledged(second.port, seq, second.program->Log());

  // And a clean stop and start keep everything too.
  ASSERT_TRUE(PostCounts(second.port, key, 50, &seq)) << second.program->Log();
  EXPECT_EQ(second.program->SignalAndWait(SIGTERM, std::chrono::seconds(30)), 0);
  Server third = StartServe(dir, db, "serve3.log");
  ASSERT_NE(third.port, 0);
  ExpectAllAcknowledged(third.port, seq, third.program->Log());
  EXPECT_EQ(third.program->SignalAndWait(SIGTERM, std::chrono::seconds(30)), 0);
}

TEST(CityLockCli, WriteCommandsBesideAServerAreRefusedAndChangeNothing) {
  testing::TempDir dir;
  std::string db = testing::MakeFixtureCity(dir);
  Server server = StartServe(dir, db, "serve.log");
  ASSERT_NE(server.port, 0);
  const Listing journal_before = ListFiles(db + ".journal");

  ExpectRefused(
      dir, {"import-registry", testing::WriteFixtureSurvey(dir, "bigger.geojson", 900), "--db", db},
      server.program->pid(), "serve --db");
  ExpectRefused(dir, {"build-roads", testing::FixturePath("osm/roads_town.osm"), "--db", db},
                server.program->pid(), "serve --db");
  ExpectRefused(dir, {"calendar", "--db", db, "--reset"}, server.program->pid(), "serve --db");
  EXPECT_FALSE(fs::exists(dir.File("city.graph"))) << "build-roads wrote the graph";
  EXPECT_EQ(ListFiles(db + ".journal"), journal_before);
  auto store = store::OpenSqliteStoreReadOnly(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto registry = (*store)->LoadRegistry();
  ASSERT_TRUE(registry.ok());
  for (const auto& f : registry->facilities) {
    if (f.id.str() == "G1") {
      EXPECT_EQ(f.capacity.total, 800) << "the refused import wrote";
    }
  }
  EXPECT_FALSE((*store)->GetSetting("forecast.calendar")->has_value());
  EXPECT_EQ(server.program->SignalAndWait(SIGTERM, std::chrono::seconds(30)), 0);

  // Once the server has stopped, the same import goes through: the lock ends with its holder.
  auto import =
      RunProgram({ParkguideBinary(), "import-registry", dir.File("bigger.geojson"), "--db", db},
                 dir.File("import2.log"));
  EXPECT_EQ(import.exit_code, 0) << import.output;
}

TEST(CityLockCli, AServerKilledWithSigkillLeavesNoLockBehind) {
  testing::TempDir dir;
  std::string db = testing::MakeFixtureCity(dir);
  Server first = StartServe(dir, db, "serve1.log");
  ASSERT_NE(first.port, 0);
  EXPECT_EQ(first.program->SignalAndWait(SIGKILL, std::chrono::seconds(10)), 128 + SIGKILL);
  ASSERT_NE(testing::ReadFile(db + ".lock").find(fmt::format("pid={}", first.program->pid())),
            std::string::npos)
      << "the killed server's record stays in the file";

  const auto started = std::chrono::steady_clock::now();
  Server second = StartServe(dir, db, "serve2.log");
  EXPECT_NE(second.port, 0) << second.program->Log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
  EXPECT_NE(testing::ReadFile(db + ".lock").find(fmt::format("pid={}", second.program->pid())),
            std::string::npos);
  EXPECT_EQ(second.program->SignalAndWait(SIGTERM, std::chrono::seconds(30)), 0);
}

TEST(CityLockCli, ReadersAndKeyChangesRunBesideAServerAndSayTheCityIsLive) {
  testing::TempDir dir;
  std::string db = testing::MakeFixtureCity(dir);
  Server server = StartServe(dir, db, "serve.log");
  ASSERT_NE(server.port, 0);
  const std::string note = fmt::format(
      "parkguide: note: {} is in use by pid {} (parkguide serve --db {} --port 0) since ", db,
      server.program->pid(), db);

  auto list = RunProgram({ParkguideBinary(), "source", "list", "--db", db}, dir.File("list.log"));
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find(note), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("reading a live city; figures may change while this runs"),
            std::string::npos)
      << list.output;
  auto calendar = RunProgram({ParkguideBinary(), "calendar", "--db", db}, dir.File("cal.log"));
  EXPECT_EQ(calendar.exit_code, 0) << calendar.output;
  EXPECT_NE(calendar.output.find(note), std::string::npos) << calendar.output;

  // A new source's key works on the running server without a restart.
  auto added = RunProgram({ParkguideBinary(), "source", "add", "--db", db, "--id", "late", "--kind",
                           "operator_system", "--scope", "all", "--interval", "60"},
                          dir.File("add.log"));
  ASSERT_EQ(added.exit_code, 0) << added.output;
  EXPECT_NE(added.output.find("writing beside it"), std::string::npos) << added.output;
  const std::string key = LastLine(added.output);
  int64_t seq = 0;
  bool accepted = false;
  for (int i = 0; i < 100 && !(accepted = PostCounts(server.port, key, 1, &seq)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(accepted) << server.program->Log();
  EXPECT_EQ(server.program->SignalAndWait(SIGTERM, std::chrono::seconds(30)), 0);

  // Without a server, no note.
  list = RunProgram({ParkguideBinary(), "source", "list", "--db", db}, dir.File("list2.log"));
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_EQ(list.output.find("note:"), std::string::npos) << list.output;
}

TEST(CityLockCli, TwoSpellingsOfOneDatabaseAreOneCity) {
  testing::TempDir dir;
  std::string db = testing::MakeFixtureCity(dir);
  fs::create_directory_symlink(dir.path(), dir.path() / "link");
  Server server = StartServe(dir, (dir.path() / "link" / "city.db").string(), "serve.log");
  ASSERT_NE(server.port, 0);
  const std::string relative = fs::relative(db, fs::current_path()).string();
  ASSERT_NE(relative.front(), '/');
  for (const std::string& spelling :
       {db, relative, (dir.path() / "link" / "." / "city.db").string()}) {
    ExpectRefused(dir, {"serve", "--db", spelling, "--port", "0"}, server.program->pid(),
                  "serve --db");
  }
  EXPECT_EQ(server.program->SignalAndWait(SIGTERM, std::chrono::seconds(30)), 0);
}

int64_t SchemaVersionOf(const std::string& db) {
  sqlite3* conn = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(conn, "PRAGMA user_version", -1, &st, nullptr);
  sqlite3_step(st);
  const int64_t version = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(conn);
  return version;
}

// A reader never migrates a live city's schema; with nobody writing, it upgrades it as a write
// command would.
TEST(CityLockCli, AReaderMigratesAnOlderSchemaOnlyWhenNobodyWritesTheCity) {
  testing::TempDir dir;
  std::string db = testing::MakeFixtureCity(dir);
  {  // Back to schema 4, as a parkguide before the weekly report left it.
    sqlite3* conn = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &conn), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(conn,
                           "DROP TABLE bay_events; DROP TABLE charger_status; DROP TABLE counters; "
                           "DROP TABLE api_keys; DROP TABLE audit_log; PRAGMA user_version=4;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(conn);
  }
  {
    // An older parkguide serving it, as far as the lock says.
    auto holder = CityLock::Acquire(db, "parkguide serve --db city.db (an older build)");
    ASSERT_TRUE(holder.ok()) << holder.status().ToString();
    auto list = RunProgram({ParkguideBinary(), "source", "list", "--db", db}, dir.File("l1.log"));
    EXPECT_EQ(list.exit_code, 1) << list.output;
    EXPECT_NE(list.output.find("has schema version 4"), std::string::npos) << list.output;
    EXPECT_NE(list.output.find("another process is using it, so it is left as it is"),
              std::string::npos)
        << list.output;
    auto revoke =
        RunProgram({ParkguideBinary(), "source", "revoke", "--db", db, "--id", "pdl-gates"},
                   dir.File("r1.log"));
    EXPECT_EQ(revoke.exit_code, 1) << revoke.output;
    EXPECT_NE(revoke.output.find("so it is left as it is: stop that process"), std::string::npos)
        << revoke.output;
    EXPECT_EQ(SchemaVersionOf(db), 4);
  }
  auto list = RunProgram({ParkguideBinary(), "source", "list", "--db", db}, dir.File("l2.log"));
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_EQ(SchemaVersionOf(db), store::SqliteSchemaVersion());
}

// `make demo` twice in one checkout: both use the default database path.
TEST(CityLockCli, ASecondDemoOfOneDatabaseIsRefusedAndTheFirstKeepsRunning) {
  testing::TempDir dir;
  const std::string db = dir.File("demo/demo.db");
  Server first = testing::StartServer(
      dir, {"demo", "--db", db, "--port", "0", "--history-days", "1"}, "demo1.log");
  ASSERT_NE(first.port, 0);
  const Listing journal_before = ListFiles(db + ".journal");
  const Listing files_before = ListFiles(db + ".files");

  ExpectRefused(dir, {"demo", "--db", db, "--port", "0", "--history-days", "1"},
                first.program->pid(), "demo --db");
  // The first demo writes its journal all the time: its files are still the same files.
  const Listing journal_after = ListFiles(db + ".journal");
  for (const auto& [name, entry] : journal_before) {
    if (name.find("checkpoint") != std::string::npos) continue;
    ASSERT_TRUE(journal_after.contains(name)) << name << " was removed";
    EXPECT_EQ(std::get<0>(journal_after.at(name)), std::get<0>(entry)) << name << " was replaced";
    EXPECT_GE(std::get<1>(journal_after.at(name)), std::get<1>(entry)) << name << " was truncated";
  }
  EXPECT_EQ(ListFiles(db + ".files"), files_before) << "the demo city was regenerated";

  auto health = api::http::HttpGet("127.0.0.1", first.port, "/api/v1/facilities?limit=1");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  EXPECT_TRUE(first.program->WaitForExit(std::chrono::milliseconds(0)) == -1)
      << "the first demo is still running\n"
      << first.program->Log();
  EXPECT_EQ(first.program->SignalAndWait(SIGTERM, std::chrono::seconds(30)), 0);
}

}  // namespace
}  // namespace pg
