// The role matrix of docs/api/roles.md, route by route, against a real `parkguide serve` with the
// routes as the server registers them: every write called with no key, a wrong key, a source key
// and each role's key — allowed (never 401/403) or refused (401 without a valid key, 403 with a
// valid one of another role); the keyed reads likewise; every other read public; no write route
// beyond the matrix (every path of the OpenAPI document, every write method); and the document's
// table saying the same as this test's.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "api/http/client.h"
#include "core/clock.h"
#include "core/time.h"
#include "tests/support/cli_city.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

using nlohmann::json;
using testing::LastLine;
using testing::ParkguideBinary;
using testing::RunProgram;

// Who calls. kNone sends no Authorization header; kWrong a well-formed key nobody issued.
enum class Caller { kNone, kWrong, kSource, kOperator, kTrafficCentre, kAdmin, kController };
constexpr Caller kCallers[] = {Caller::kNone,      Caller::kWrong,         Caller::kSource,
                               Caller::kOperator,  Caller::kTrafficCentre, Caller::kAdmin,
                               Caller::kController};

std::string_view Name(Caller c) {
  switch (c) {
    case Caller::kNone:
      return "no key";
    case Caller::kWrong:
      return "wrong key";
    case Caller::kSource:
      return "source";
    case Caller::kOperator:
      return "operator";
    case Caller::kTrafficCentre:
      return "traffic_centre";
    case Caller::kAdmin:
      return "admin";
    case Caller::kController:
      return "controller";
  }
  return "?";
}

// One route of the matrix, with a request that is valid for the callers allowed.
struct Row {
  std::string method;
  std::string pattern;  // as in docs/api/roles.md
  std::string target;
  std::string body;
  std::set<Caller> allowed;
};

std::vector<Row> WriteRows() {
  const std::string now = FormatRfc3339Utc(SystemClock::Instance().Now());
  return {
      {"POST",
       "/api/v1/observations",
       "/api/v1/observations",
       fmt::format(R"({{"observations":[{{"type":"facility_count","facility":"G1","time":"{}",)"
                   R"("free":100}}]}})",
                   now),
       {Caller::kSource}},
      {"POST",
       "/api/v1/facilities/{id}/status",
       "/api/v1/facilities/G1/status",
       R"({"status":"open"})",
       {Caller::kOperator, Caller::kTrafficCentre}},
      {"POST",
       "/api/v1/facilities/{id}/count",
       "/api/v1/facilities/G1/count",
       R"({"free":100})",
       {Caller::kOperator}},
      {"POST",
       "/api/v1/signs/{id}/override",
       "/api/v1/signs/GS1/override",
       R"({"text":"测试","minutes":5,"reason":"matrix"})",
       {Caller::kTrafficCentre}},
      {"DELETE",
       "/api/v1/signs/{id}/override",
       "/api/v1/signs/GS1/override?reason=matrix",
       "",
       {Caller::kTrafficCentre}},
      {"PUT", "/api/v1/sign-rules", "/api/v1/sign-rules", "", {Caller::kTrafficCentre}},
      {"POST",
       "/api/v1/signs/{id}/ack",
       "/api/v1/signs/GS1/ack",
       R"({"seq":1})",
       {Caller::kController}},
      {"POST",
       "/api/v1/controllers/{id}/heartbeat",
       "/api/v1/controllers/VMS-11/heartbeat",
       "{}",
       {Caller::kController}},
      {"POST",
       "/api/v1/keys",
       "/api/v1/keys",
       R"({"name":"made-in-test","role":"admin"})",
       {Caller::kAdmin}},
      // Another's key: only an admin may (a key may rotate itself: checked below).
      {"POST",
       "/api/v1/keys/{name}/rotate",
       "/api/v1/keys/spare/rotate",
       R"({"overlap":"1h"})",
       {Caller::kAdmin}},
      {"DELETE", "/api/v1/keys/{name}", "/api/v1/keys/nobody", "", {Caller::kAdmin}},
      {"POST",
       "/api/v1/sources",
       "/api/v1/sources",
       R"({"id":"made-in-test","scope":"facility:G1","interval_s":60})",
       {Caller::kAdmin}},
      {"DELETE", "/api/v1/sources/{id}/key", "/api/v1/sources/nobody/key", "", {Caller::kAdmin}},
      {"POST",
       "/ngsi-ld/v1/subscriptions",
       "/ngsi-ld/v1/subscriptions",
       R"({"entities":[{"type":"OffStreetParking"}],)"
       R"("notification":{"endpoint":{"uri":"http://127.0.0.1:9/notify"}}})",
       {Caller::kTrafficCentre, Caller::kAdmin}},
      {"DELETE",
       "/ngsi-ld/v1/subscriptions/{id}",
       "/ngsi-ld/v1/subscriptions/urn:ngsi-ld:Subscription:none",
       "",
       {Caller::kTrafficCentre, Caller::kAdmin}},
  };
}

std::vector<Row> KeyedReadRows() {
  return {{"GET",
           "/api/v1/ingest/errors",
           "/api/v1/ingest/errors",
           "",
           {Caller::kTrafficCentre, Caller::kAdmin}},
          {"GET", "/api/v1/audit", "/api/v1/audit", "", {Caller::kTrafficCentre, Caller::kAdmin}},
          {"GET", "/api/v1/keys", "/api/v1/keys", "", {Caller::kAdmin}},
          {"GET", "/api/v1/sources", "/api/v1/sources", "", {Caller::kAdmin}},
          {"GET",
           "/ngsi-ld/v1/subscriptions",
           "/ngsi-ld/v1/subscriptions",
           "",
           {Caller::kTrafficCentre, Caller::kAdmin}},
          {"GET",
           "/ngsi-ld/v1/subscriptions/{id}",
           "/ngsi-ld/v1/subscriptions/urn:ngsi-ld:Subscription:none",
           "",
           {Caller::kTrafficCentre, Caller::kAdmin}},
          {"GET",
           "/api/v1/session",
           "/api/v1/session",
           "",
           {Caller::kOperator, Caller::kTrafficCentre, Caller::kAdmin, Caller::kController}}};
}

class RolesMatrix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    city_dir = new testing::TempDir();
    const std::string db = testing::MakeFixtureCity(*city_dir);
    caller_keys = new std::map<Caller, std::string>();
    (*caller_keys)[Caller::kWrong] = "pgk_0123456789ab_ThisKeyWasNeverIssuedByAnybodyAtAll0123456";
    (*caller_keys)[Caller::kSource] = testing::AddSource(*city_dir, db, "gates", "facility:G1");
    (*caller_keys)[Caller::kOperator] =
        AddKey(db, {"--name", "acme", "--role", "operator", "--facilities", "G1"});
    (*caller_keys)[Caller::kTrafficCentre] =
        AddKey(db, {"--name", "duty", "--role", "traffic_centre"});
    (*caller_keys)[Caller::kAdmin] = AddKey(db, {"--name", "root", "--role", "admin"});
    (*caller_keys)[Caller::kController] = AddKey(db, {"--name", "VMS-11", "--role", "controller"});
    AddKey(db, {"--name", "spare", "--role", "traffic_centre"});
    running_server = new testing::Server(testing::StartServe(*city_dir, db, "serve.log"));
  }
  static void TearDownTestSuite() {
    delete running_server;
    delete caller_keys;
    delete city_dir;
  }

  static std::string AddKey(const std::string& db, std::vector<std::string> args) {
    args.insert(args.begin(), {ParkguideBinary(), "key", "add", "--db", db});
    auto r = RunProgram(args, city_dir->File("key.log"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return LastLine(r.output);
  }

  static api::http::ClientResponse Call(Caller who, const std::string& method,
                                        const std::string& target, const std::string& body) {
    api::http::HeaderList headers{{"Content-Type", "application/json"}};
    if (who != Caller::kNone)
      headers.emplace_back("Authorization", "Bearer " + caller_keys->at(who));
    auto r =
        api::http::HttpRequest(method, "127.0.0.1", running_server->port, target, body, headers);
    EXPECT_TRUE(r.ok()) << method << " " << target << ": " << r.status().ToString();
    return r.ok() ? *r : api::http::ClientResponse{};
  }

  // Calls `row` as every caller and checks each answer.
  static void CheckRow(const Row& row) {
    for (Caller who : kCallers) {
      auto r = Call(who, row.method, row.target, row.body);
      const std::string what =
          fmt::format("{} {} as {}: {} {}", row.method, row.target, Name(who), r.status, r.body);
      if (who == Caller::kNone || who == Caller::kWrong) {
        EXPECT_EQ(r.status, 401) << what;
      } else if (row.allowed.contains(who)) {
        EXPECT_NE(r.status, 401) << what;
        EXPECT_NE(r.status, 403) << what;
        EXPECT_LT(r.status, 500) << what;
      } else {
        EXPECT_EQ(r.status, 403) << what;
      }
    }
  }

  static json OpenApi() {
    auto r = api::http::HttpGet("127.0.0.1", running_server->port, "/api/v1/openapi.json");
    EXPECT_TRUE(r.ok());
    return r.ok() ? json::parse(r->body, nullptr, false) : json();
  }

  static testing::TempDir* city_dir;
  static std::map<Caller, std::string>* caller_keys;
  static testing::Server* running_server;
};

testing::TempDir* RolesMatrix::city_dir = nullptr;
std::map<Caller, std::string>* RolesMatrix::caller_keys = nullptr;
testing::Server* RolesMatrix::running_server = nullptr;

TEST_F(RolesMatrix, EveryWriteWithEveryRoleIsAllowedOrRefused) {
  ASSERT_NE(running_server->port, 0);
  // PUT sign-rules with the rules as they are: a valid body that changes nothing.
  auto rules = api::http::HttpGet("127.0.0.1", running_server->port, "/api/v1/sign-rules");
  ASSERT_TRUE(rules.ok());
  for (Row row : WriteRows()) {
    if (row.pattern == "/api/v1/sign-rules") row.body = rules->body;
    SCOPED_TRACE(row.method + " " + row.pattern);
    CheckRow(row);
  }
}

TEST_F(RolesMatrix, TheRoutesOwnChecksComeAfterTheRoles) {
  // An operator's key names its facilities.
  EXPECT_EQ(Call(Caller::kOperator, "POST", "/api/v1/facilities/G2/status", R"({"status":"open"})")
                .status,
            403);
  EXPECT_EQ(Call(Caller::kOperator, "POST", "/api/v1/facilities/G2/count", R"({"free":1})").status,
            403);
  // The traffic centre closes any car park.
  EXPECT_EQ(
      Call(Caller::kTrafficCentre, "POST", "/api/v1/facilities/G2/status", R"({"status":"open"})")
          .status,
      200);
  // A source writes only its scope.
  const std::string g2 = fmt::format(
      R"({{"observations":[{{"type":"facility_count","facility":"G2","time":"{}","free":1}}]}})",
      FormatRfc3339Utc(SystemClock::Instance().Now()));
  EXPECT_EQ(Call(Caller::kSource, "POST", "/api/v1/observations", g2).status, 403);
  // A controller speaks only for itself.
  EXPECT_EQ(Call(Caller::kController, "POST", "/api/v1/controllers/VMS-99/heartbeat", "{}").status,
            403);
  // Any key may rotate itself, and only itself unless it is an admin's.
  EXPECT_EQ(Call(Caller::kOperator, "POST", "/api/v1/keys/duty/rotate", "{}").status, 403);
  auto own = Call(Caller::kOperator, "POST", "/api/v1/keys/acme/rotate", R"({"overlap":"1h"})");
  ASSERT_EQ(own.status, 200) << own.body;
  const std::string next = json::parse(own.body)["key"];
  api::http::HeaderList headers{{"Authorization", "Bearer " + next}};
  auto with_new =
      api::http::HttpRequest("POST", "127.0.0.1", running_server->port,
                             "/api/v1/facilities/G1/status", R"({"status":"open"})", headers);
  ASSERT_TRUE(with_new.ok());
  EXPECT_EQ(with_new->status, 200) << "the new key works at once";
  EXPECT_EQ(Call(Caller::kOperator, "POST", "/api/v1/facilities/G1/status", R"({"status":"open"})")
                .status,
            200)
      << "and the old one during the overlap";
  // But only the current key rotates: a replaced one (perhaps the leaked one) must not mint a
  // successor and end the holder's new key.
  auto by_old = Call(Caller::kOperator, "POST", "/api/v1/keys/acme/rotate", R"({"overlap":"0"})");
  EXPECT_EQ(by_old.status, 403) << by_old.body;
  auto still_new =
      api::http::HttpRequest("POST", "127.0.0.1", running_server->port,
                             "/api/v1/facilities/G1/status", R"({"status":"open"})", headers);
  ASSERT_TRUE(still_new.ok());
  EXPECT_EQ(still_new->status, 200) << "the holder's new key still works";
}

TEST_F(RolesMatrix, TheKeyedReadsAreForTheirRolesAndEveryOtherReadIsPublic) {
  std::set<std::string> keyed;
  for (const Row& row : KeyedReadRows()) {
    SCOPED_TRACE(row.pattern);
    CheckRow(row);
    keyed.insert(row.pattern);
  }
  json doc = OpenApi();
  ASSERT_TRUE(doc.contains("paths"));
  const std::map<std::string, std::string> examples = {{"/api/v1/facilities/{id}", "G1"},
                                                       {"/api/v1/chargers/{id}", "GC1"},
                                                       {"/api/v1/signs/{id}", "GS1"},
                                                       {"/api/v1/charger-sites/{site}", "G1-EV"},
                                                       {"/api/v1/analytics/{section}", "summary"}};
  for (const auto& [path, item] : doc["paths"].items()) {
    if (!item.contains("get") || keyed.contains(path) || path == "/api/v1/stream") continue;
    std::string target = path;
    for (const auto& [prefix, id] : examples) {
      if (target.starts_with(prefix.substr(0, prefix.find('{')))) {
        target = std::regex_replace(target, std::regex(R"(\{[a-z]+\})"), id);
      }
    }
    target = std::regex_replace(target, std::regex(R"(\{[a-z]+\})"), "x");
    auto r = Call(Caller::kNone, "GET", target, "");
    EXPECT_NE(r.status, 401) << target << ": " << r.body;
    EXPECT_NE(r.status, 403) << target << ": " << r.body;
  }
}

TEST_F(RolesMatrix, ASessionSaysWhoTheKeyIs) {
  auto op = Call(Caller::kOperator, "GET", "/api/v1/session", "");
  ASSERT_EQ(op.status, 200) << op.body;
  const json who = json::parse(op.body);
  EXPECT_EQ(who["name"], "acme");
  EXPECT_EQ(who["role"], "operator");
  EXPECT_EQ(who["facilities"], json::array({"G1"}));
  EXPECT_EQ(json::parse(Call(Caller::kAdmin, "GET", "/api/v1/session", "").body)["role"], "admin");
  EXPECT_EQ(Call(Caller::kNone, "GET", "/api/v1/session", "").status, 401);
}

// An admin connects a new feed from the dashboard: the key it is shown writes at once, is never
// shown again, and stops at once when revoked.
TEST_F(RolesMatrix, ASourceAddedOverHttpWritesAtOnceUntilItsKeyIsRevoked) {
  auto added =
      Call(Caller::kAdmin, "POST", "/api/v1/sources",
           R"({"id":"lane-7","kind":"sensor_gateway","scope":"facility:G1","interval_s":30,)"
           R"("description":"east gate loop"})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.Header("cache-control"), "no-store");
  const std::string key = json::parse(added.body)["key"];
  ASSERT_TRUE(key.starts_with("pgk_")) << added.body;
  auto send = [&](const std::string& facility) {
    const std::string now = FormatRfc3339Utc(SystemClock::Instance().Now());
    return api::http::HttpRequest(
        "POST", "127.0.0.1", running_server->port, "/api/v1/observations",
        fmt::format(R"({{"observations":[{{"type":"facility_count","facility":"{}","time":"{}",)"
                    R"("free":42}}]}})",
                    facility, now),
        {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}});
  };
  auto sent = send("G1");
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->status, 200) << sent->body;
  auto listed = json::parse(Call(Caller::kAdmin, "GET", "/api/v1/sources", "").body);
  bool found = false;
  for (const json& s : listed["items"]) {
    EXPECT_FALSE(s.dump().find("pgk_") != std::string::npos) << "a key in the list: " << s;
    if (s["id"] == "lane-7") {
      found = true;
      EXPECT_EQ(s["key"], "active");
      EXPECT_EQ(s["scope"], "facility:G1");
    }
  }
  EXPECT_TRUE(found) << listed;
  auto dup = Call(Caller::kAdmin, "POST", "/api/v1/sources", R"({"id":"lane-7","scope":"all"})");
  EXPECT_EQ(dup.status, 409) << dup.body;
  auto typo =
      Call(Caller::kAdmin, "POST", "/api/v1/sources", R"({"id":"lane-8","scope":"facility:NOPE"})");
  EXPECT_EQ(typo.status, 400) << typo.body;
  EXPECT_NE(typo.body.find("\"scope\""), std::string::npos) << typo.body;

  auto revoked = Call(Caller::kAdmin, "DELETE", "/api/v1/sources/lane-7/key", "");
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  auto refused = send("G1");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401) << refused->body;
  auto audit = Call(Caller::kAdmin, "GET", "/api/v1/audit?limit=50", "");
  EXPECT_NE(audit.body.find("source:lane-7"), std::string::npos) << audit.body;
  EXPECT_EQ(audit.body.find(key), std::string::npos) << "the key is never in the audit log";
}

TEST_F(RolesMatrix, NoWriteRouteIsLeftOutOfTheMatrix) {
  std::set<std::pair<std::string, std::string>> rows;
  for (const Row& row : WriteRows()) rows.insert({row.method, row.pattern});
  json doc = OpenApi();
  ASSERT_TRUE(doc.contains("paths"));
  for (const auto& [path, item] : doc["paths"].items()) {
    const std::string target = std::regex_replace(path, std::regex(R"(\{[a-z]+\})"), "x");
    for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
      std::string lower = method;
      for (char& c : lower) c = static_cast<char>(std::tolower(c));
      const bool listed = rows.contains({method, path});
      EXPECT_EQ(item.contains(lower), listed)
          << method << " " << path << ": the OpenAPI document and the matrix disagree";
      if (listed) continue;
      // Not a write route of the matrix: the server has none there either.
      EXPECT_EQ(Call(Caller::kNone, method, target, "{}").status, 405) << method << " " << path;
    }
  }
}

// The table of docs/api/roles.md: (method, path) → the callers it lets in ("public" for a public
// read). The "who may call it" column is read up to a ';' (what follows is a route's own rule).
std::map<std::pair<std::string, std::string>, std::set<std::string>> DocumentedMatrix() {
  std::ifstream in(std::string(PG_SOURCE_DIR) + "/docs/api/roles.md");
  std::map<std::pair<std::string, std::string>, std::set<std::string>> out;
  std::string line;
  const std::regex row(R"(^\| (GET|POST|PUT|DELETE|PATCH) \| (\S+) \| ([^|]+) \| ([^|]+) \|)");
  const std::regex word("operator|traffic_centre|admin|controller|source");
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    std::set<std::string> who;
    if (m[3].str().starts_with("read")) who.insert("public");
    std::string roles = m[4].str().substr(0, m[4].str().find(';'));
    for (std::sregex_iterator it(roles.begin(), roles.end(), word), end; it != end; ++it) {
      who.insert(it->str());
    }
    out[{m[1].str(), m[2].str()}] = who;
  }
  return out;
}

TEST(RolesDocument, TheTableOfDocsApiRolesIsThisTestsMatrix) {
  auto documented = DocumentedMatrix();
  ASSERT_FALSE(documented.empty()) << "docs/api/roles.md has no matrix";
  std::vector<Row> rows = WriteRows();
  for (Row& r : KeyedReadRows()) rows.push_back(std::move(r));
  for (const Row& row : rows) {
    std::set<std::string> expected;
    for (Caller c : row.allowed) expected.insert(std::string(Name(c)));
    const std::pair<std::string, std::string> route{row.method, row.pattern};
    EXPECT_EQ(documented[route], expected) << row.method << " " << row.pattern;
  }
  // Every route the OpenAPI document describes is in the table.
  std::ifstream in(std::string(PG_SOURCE_DIR) + "/docs/api/openapi.json");
  json doc = json::parse(in, nullptr, false);
  ASSERT_TRUE(doc.contains("paths"));
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(c));
      EXPECT_TRUE(documented.contains({upper, path})) << upper << " " << path;
    }
  }
}

}  // namespace
}  // namespace pg
