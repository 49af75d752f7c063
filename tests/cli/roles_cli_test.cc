// Roles as the people holding the keys see them, through the real binary: `parkguide key` adds,
// lists, rotates and revokes role keys; a running server picks each change up by itself; a
// car-park operator closes and reopens its own facility; `parkguide audit` shows every change.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "api/http/client.h"
#include "tests/support/cli_city.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

using testing::LastLine;
using testing::ParkguideBinary;
using testing::RunProgram;

// `parkguide key <args…> --db db`.
testing::CommandResult Key(const testing::TempDir& dir, const std::string& db,
                           std::vector<std::string> args, const std::string& log) {
  args.insert(args.begin(), {ParkguideBinary(), "key"});
  args.insert(args.begin() + 3, {"--db", db});
  return RunProgram(args, dir.File(log));
}

int Call(const char* method, uint16_t port, const std::string& target, const std::string& key,
         const std::string& body) {
  api::http::HeaderList headers{{"Content-Type", "application/json"}};
  if (!key.empty()) headers.emplace_back("Authorization", "Bearer " + key);
  auto r = api::http::HttpRequest(method, "127.0.0.1", port, target, body, headers);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->status : 0;
}
int Post(uint16_t port, const std::string& target, const std::string& key,
         const std::string& body) {
  return Call("POST", port, target, key, body);
}

// Polls until `ok` holds (a server reloads keys every 2 s); false after 30 s.
template <typename F>
bool Eventually(F ok) {
  for (int i = 0; i < 300; ++i) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(KeyCli, AddListRotateAndRevokeNeverShowingAStoredKey) {
  testing::TempDir dir;
  std::string db = testing::MakeFixtureCity(dir);
  auto add = Key(dir, db, {"add", "--name", "acme", "--role", "operator", "--facilities", "G1"},
                 "add.log");
  ASSERT_EQ(add.exit_code, 0) << add.output;
  std::string key = LastLine(add.output);
  EXPECT_TRUE(std::regex_match(key, std::regex(R"(pgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43})"))) << key;

  auto bad =
      Key(dir, db, {"add", "--name", "x", "--role", "operator", "--facilities", "NOPE"}, "bad.log");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("--facilities: no facility 'NOPE'"), std::string::npos) << bad.output;
  auto role = Key(dir, db, {"add", "--name", "x", "--role", "root"}, "role.log");
  EXPECT_EQ(role.exit_code, 1);
  EXPECT_NE(role.output.find("--role: 'root'"), std::string::npos) << role.output;
  auto twice = Key(dir, db, {"add", "--name", "acme", "--role", "admin"}, "twice.log");
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.output.find("rotate or revoke it"), std::string::npos) << twice.output;

  auto rotate = Key(dir, db, {"rotate", "--name", "acme", "--overlap", "1h"}, "rotate.log");
  ASSERT_EQ(rotate.exit_code, 0) << rotate.output;
  std::string next = LastLine(rotate.output);
  EXPECT_NE(next, key);
  auto list = Key(dir, db, {"list"}, "list.log");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("valid until"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("current"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("G1"), std::string::npos) << list.output;
  EXPECT_EQ(list.output.find(key.substr(17)), std::string::npos) << "the secret never shows";
  EXPECT_EQ(list.output.find(next.substr(17)), std::string::npos) << "the secret never shows";

  auto revoke = Key(dir, db, {"revoke", "--name", "acme"}, "revoke.log");
  EXPECT_EQ(revoke.exit_code, 0) << revoke.output;
  EXPECT_NE(revoke.output.find("2 generations"), std::string::npos) << revoke.output;
  list = Key(dir, db, {"list"}, "list2.log");
  EXPECT_NE(list.output.find("revoked"), std::string::npos) << list.output;
}

// A status write says which operator word it replaced: what an undo sends back (the live state
// cannot tell: counts and opening hours decide it too).
TEST(FacilityStatusWrites, SayWhatTheyReplaced) {
  testing::TempDir dir;
  std::string db = testing::MakeFixtureCity(dir);
  auto add = Key(dir, db, {"add", "--name", "acme", "--role", "operator", "--facilities", "G1"},
                 "add.log");
  ASSERT_EQ(add.exit_code, 0) << add.output;
  const std::string key = LastLine(add.output);
  testing::Server server = testing::StartServe(dir, db, "serve.log");
  ASSERT_NE(server.port, 0);
  auto set = [&](const char* status) {
    auto r = api::http::HttpRequest(
        "POST", "127.0.0.1", server.port, "/api/v1/facilities/G1/status",
        fmt::format(R"({{"status":"{}"}})", status),
        {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}});
    EXPECT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
    return r.ok() ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json();
  };
  EXPECT_EQ(set("full")["previous_status"], "open");
  EXPECT_EQ(set("closed")["previous_status"], "full");  // not "closed" or the state shown
  EXPECT_EQ(set("open")["previous_status"], "closed");
}

TEST(KeyCli, ARunningServerTakesNewRotatedAndRevokedKeysWithoutARestart) {
  testing::TempDir dir;
  std::string db = testing::MakeFixtureCity(dir);
  testing::Server server = testing::StartServe(dir, db, "serve.log");
  ASSERT_NE(server.port, 0);
  const std::string close = R"({"status":"closed"})";
  const std::string open = R"({"status":"open"})";
  EXPECT_EQ(Post(server.port, "/api/v1/facilities/G1/status", "", close), 401);

  // Added while it runs: usable at once (an unknown key reloads the keys).
  auto add = Key(dir, db, {"add", "--name", "acme", "--role", "operator", "--facilities", "G1"},
                 "add.log");
  ASSERT_EQ(add.exit_code, 0) << add.output;
  std::string key = LastLine(add.output);
  EXPECT_EQ(Post(server.port, "/api/v1/facilities/G1/status", key, close), 200);
  auto g1 = api::http::HttpGet("127.0.0.1", server.port, "/api/v1/facilities/G1");
  ASSERT_TRUE(g1.ok());
  EXPECT_EQ(nlohmann::json::parse(g1->body)["live"]["state"], "closed") << g1->body;
  // Counts are the operator's only; the traffic centre's writes are not.
  EXPECT_EQ(Post(server.port, "/api/v1/facilities/G1/count", key, R"({"free": 12})"), 200);
  EXPECT_EQ(Call("PUT", server.port, "/api/v1/sign-rules", key, "{}"), 403);

  // Rotated: both keys work during the overlap (the new one within a second: an unknown key
  // reloads the keys at most once a second).
  auto rotate = Key(dir, db, {"rotate", "--name", "acme", "--overlap", "1h"}, "rotate.log");
  ASSERT_EQ(rotate.exit_code, 0) << rotate.output;
  std::string next = LastLine(rotate.output);
  EXPECT_TRUE(Eventually(
      [&] { return Post(server.port, "/api/v1/facilities/G1/status", next, open) == 200; }));
  EXPECT_EQ(Post(server.port, "/api/v1/facilities/G1/status", key, open), 200);

  // Revoked: refused within seconds, both generations.
  ASSERT_EQ(Key(dir, db, {"revoke", "--name", "acme"}, "revoke.log").exit_code, 0);
  EXPECT_TRUE(Eventually(
      [&] { return Post(server.port, "/api/v1/facilities/G1/status", next, open) == 401; }));
  EXPECT_EQ(Post(server.port, "/api/v1/facilities/G1/status", key, open), 401);

  // Every one of those changes is in the audit log, the API's and the command line's.
  nlohmann::json closed;
  nlohmann::json items;
  EXPECT_TRUE(Eventually([&] {
    auto audit =
        RunProgram({ParkguideBinary(), "audit", "--db", db, "--json"}, dir.File("audit.log"));
    if (audit.exit_code != 0) return false;
    items = nlohmann::json::parse(audit.output.substr(audit.output.find('{')), nullptr, false);
    if (!items.is_object()) return false;
    items = items["items"];
    for (const auto& e : items) {
      if (e["action"] == "POST /api/v1/facilities/{id}/status" &&
          e["request"]["body"] == nlohmann::json::parse(close)) {
        closed = e;
      }
    }
    return !closed.is_null();
  }));
  EXPECT_EQ(closed["actor"], "acme");
  EXPECT_EQ(closed["role"], "operator");
  EXPECT_EQ(closed["remote"], "127.0.0.1");
  EXPECT_EQ(closed["target"], "facility:G1");
  EXPECT_EQ(closed["after"]["state"], "closed") << closed;
  EXPECT_EQ(closed["outcome"], "200 OK");
  std::vector<std::string> commands;
  for (const auto& e : items) {
    if (e["role"] == "cli") commands.push_back(e["action"].get<std::string>());
  }
  EXPECT_EQ(commands,
            (std::vector<std::string>{"key revoke", "key rotate", "key add", "import-registry"}))
      << items.dump(1);
  auto mine = RunProgram({ParkguideBinary(), "audit", "--db", db, "--actor", "acme"},
                         dir.File("audit-acme.log"));
  EXPECT_EQ(mine.exit_code, 0) << mine.output;
  EXPECT_NE(mine.output.find("acme (operator) from 127.0.0.1: POST /api/v1/facilities/{id}/count "
                             "facility:G1 -> 200 OK"),
            std::string::npos)
      << mine.output;
  EXPECT_EQ(mine.output.find("cli:"), std::string::npos) << mine.output;
  EXPECT_EQ(mine.output.find(key.substr(17)), std::string::npos) << "never a key";
}

}  // namespace
}  // namespace pg
