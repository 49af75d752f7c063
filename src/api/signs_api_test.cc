#include "api/signs_api.h"

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "api/http/client.h"
#include "api/openapi.h"
#include "core/crs.h"
#include "core/text_bounds.h"
#include "events/event_bus.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::api {
namespace {

using nlohmann::json;

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

constexpr const char* kOperatorKey = "operator-secret";
constexpr const char* kControllerKey = "controller-secret";
constexpr const char* kOtherControllerKey = "other-controller-secret";

class SignsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteStoreOptions store_options;
    store_options.busy_timeout = std::chrono::milliseconds(200);
    store_options.clock = &clock_;
    store_ = *store::OpenSqliteStore(dir_.File("city.db"), store_options);
    model::RegistryData data;
    model::City city;
    city.id = "testville";
    data.city = city;
    for (const char* id : {"F1", "F2"}) {
      model::Facility f;
      f.id = model::FacilityId(id);
      f.location = {34.0, 113.8};
      f.capacity.total = 100;
      data.facilities.push_back(f);
    }
    model::Sign s;
    s.id = model::SignId("S1");
    s.location = {34.0, 113.8};
    s.level = model::SignLevel::kRoute;
    s.lines = {{{model::FacilityId("F1")}, model::Arrow::kLeft, {"一号", "One"}},
               {{model::FacilityId("F2")}, model::Arrow::kRight, {"二号", "Two"}}};
    s.controller_id = "C1";
    data.signs.push_back(s);
    model::Source src;
    src.id = model::SourceId("gate");
    src.scope.all = true;
    src.expected_interval = std::chrono::seconds(60);
    data.sources.push_back(src);
    live_ = std::make_unique<state::LiveState>(*registry::Registry::Build(data), state::LiveRules{},
                                               &clock_, &bus_);
    signs::SignServiceOptions options;
    options.min_publish_interval = std::chrono::milliseconds(0);
    signs_ = std::make_unique<signs::SignService>(options, clock_, *store_,
                                                  signs::FromLiveState(*live_));
    ASSERT_TRUE(signs_->Load().ok());
    subscription_ = bus_.SubscribeFrom(std::nullopt, [this](const events::EventPtr& e) {
      signs_->OnEvent(*e);
      return true;
    });
    authorizer_ = std::make_unique<StaticKeyAuthorizer>(std::vector<StaticKeyAuthorizer::Key>{
        StaticKeyAuthorizer::KeyFor("ops-1", Role::kTrafficCentre, kOperatorKey),
        StaticKeyAuthorizer::KeyFor("C1", Role::kController, kControllerKey),
        StaticKeyAuthorizer::KeyFor("C2", Role::kController, kOtherControllerKey)});
    SignsApiContext context;
    context.live = live_.get();
    context.signs = signs_.get();
    context.store = store_.get();
    context.clock = &clock_;
    context.authorizer = authorizer_.get();
    http::ServerOptions server_options;
    server_options.bind_address = "127.0.0.1";
    server_ = std::make_unique<http::Server>(server_options);
    RegisterSignsApi(*server_, context);
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    server_->Stop();
    bus_.Unsubscribe(subscription_);
  }

  void Count(const char* facility, int free) {
    model::Observation o;
    o.type = model::ObservationType::kFacilityCount;
    o.source = model::SourceId("gate");
    o.time = clock_.Now();
    o.target = facility;
    o.free = free;
    ASSERT_EQ(live_->Apply(o).result, state::ApplyResult::kApplied);
    // The service hears of it through the bus's thread; the tests step it by hand.
    uint64_t id = live_->Snapshot()->event_id;
    for (int i = 0; i < 1000 && signs_->last_event_id() < id; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_GE(signs_->last_event_id(), id);
  }

  http::ClientResponse Call(const std::string& method, const std::string& target,
                            const std::string& body = "", const char* key = nullptr,
                            http::HeaderList headers = {}) {
    if (key) headers.emplace_back("Authorization", std::string("Bearer ") + key);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    auto r = http::HttpRequest(method, "127.0.0.1", server_->port(), target, body, headers);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }
  http::ClientResponse Get(const std::string& target, http::HeaderList headers = {}) {
    return Call("GET", target, "", nullptr, std::move(headers));
  }

  testing::TempDir dir_;
  FakeClock clock_{T("2026-11-30T08:00:00+08:00")};
  events::EventBus bus_;
  uint64_t subscription_ = 0;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<state::LiveState> live_;
  std::unique_ptr<signs::SignService> signs_;
  std::unique_ptr<StaticKeyAuthorizer> authorizer_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(SignsApiTest, ASignShowsItsContentHealthAndETag) {
  Count("F1", 40);
  Count("F2", 0);
  signs_->Step();
  auto r = Get("/api/v1/signs/S1");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("etag"), "\"1\"");
  auto j = json::parse(r.body);
  EXPECT_EQ(j["id"], "S1");
  EXPECT_EQ(j["content"]["seq"], 1);
  EXPECT_EQ(j["content"]["published"], "2026-11-30T08:00:00+08:00");
  EXPECT_EQ(j["content"]["lines"][0]["kind"], "count");
  EXPECT_EQ(j["content"]["lines"][0]["count"], 40);
  EXPECT_EQ(j["content"]["lines"][0]["basis"]["free"], 40);
  EXPECT_EQ(j["content"]["lines"][1]["text"]["zh"], "满");
  EXPECT_EQ(j["health"]["status"], "unknown");
  // The controller already shows seq 1: not modified.
  auto same = Get("/api/v1/signs/S1", {{"If-None-Match", "\"1\""}});
  EXPECT_EQ(same.status, 304);
  EXPECT_EQ(same.Header("etag"), "\"1\"");
  auto list = json::parse(Get("/api/v1/signs?level=2").body);
  EXPECT_EQ(list["total"], 1);
  EXPECT_EQ(list["items"][0]["content"]["lines"][1]["kind"], "full");
  EXPECT_EQ(json::parse(Get("/api/v1/signs?level=1").body)["total"], 0);
  auto bad = Get("/api/v1/signs?level=4");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["invalid_params"][0]["name"], "level");
  EXPECT_EQ(Get("/api/v1/signs/NOPE").status, 404);
  EXPECT_EQ(Get("/api/v1/signs/S1?wait=61").status, 400);
}

TEST_F(SignsApiTest, LongPollAnswersWithTheNextContentOrNotModified) {
  Count("F1", 40);
  signs_->Step();
  // Nothing changes within the wait: 304 when it runs out.
  auto idle = Get("/api/v1/signs/S1?wait=1", {{"If-None-Match", "\"1\""}});
  EXPECT_EQ(idle.status, 304);
  http::ClientResponse answer;
  std::thread controller([&] {
    answer = Get("/api/v1/signs/S1?wait=30", {{"If-None-Match", "\"1\""}});
  });
  // Give the request time to be waiting, then change the sign.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  clock_.Advance(std::chrono::seconds(10));
  Count("F1", 12);
  signs_->Step();
  controller.join();
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.Header("etag"), "\"2\"");
  EXPECT_EQ(json::parse(answer.body)["content"]["lines"][0]["count"], 12);
}

// A controller long-polling in GCJ-02 gets its answer in GCJ-02, and one in WGS-84 beside it
// in WGS-84: waiters are kept apart by the crs they asked for.
TEST_F(SignsApiTest, SignsAreShownInTheCrsAskedAlsoToLongPollers) {
  Count("F1", 40);
  signs_->Step();
  const LatLon gcj = Wgs84ToGcj02({34.0, 113.8});
  auto list = json::parse(Get("/api/v1/signs?crs=gcj02").body);
  EXPECT_NEAR(list["items"][0]["location"]["lat"].get<double>(), gcj.lat, 1e-9);
  EXPECT_EQ(Get("/api/v1/signs/S1?crs=mars").status, 400);
  http::ClientResponse in_gcj, in_wgs;
  std::thread a([&] {
    in_gcj = Get("/api/v1/signs/S1?wait=30&crs=gcj02", {{"If-None-Match", "\"1\""}});
  });
  std::thread b([&] { in_wgs = Get("/api/v1/signs/S1?wait=30", {{"If-None-Match", "\"1\""}}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  clock_.Advance(std::chrono::seconds(10));
  Count("F1", 12);
  signs_->Step();
  a.join();
  b.join();
  ASSERT_EQ(in_gcj.status, 200);
  ASSERT_EQ(in_wgs.status, 200);
  EXPECT_NEAR(json::parse(in_gcj.body)["location"]["lon"].get<double>(), gcj.lon, 1e-9);
  EXPECT_DOUBLE_EQ(json::parse(in_wgs.body)["location"]["lon"].get<double>(), 113.8);
}

TEST_F(SignsApiTest, OverridesNeedAnOperatorKeyAndAreAudited) {
  Count("F1", 40);
  Count("F2", 60);
  signs_->Step();
  std::string body = R"({"line": 1, "text": {"zh": "事故", "en": "ACCIDENT"}, "minutes": 30,
                         "reason": "crash on Xihu Rd"})";
  auto none = Call("POST", "/api/v1/signs/S1/override", body);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Header("www-authenticate"), "Bearer realm=\"parkguide\"");
  EXPECT_EQ(Call("POST", "/api/v1/signs/S1/override", body, kControllerKey).status, 403);
  auto no_expiry = Call("POST", "/api/v1/signs/S1/override", R"({"blank": true, "reason": "test"})",
                        kOperatorKey);
  EXPECT_EQ(no_expiry.status, 400);
  EXPECT_EQ(json::parse(no_expiry.body)["invalid_params"][0]["name"], "expires");
  auto set = Call("POST", "/api/v1/signs/S1/override", body, kOperatorKey);
  ASSERT_EQ(set.status, 201) << set.body;
  auto o = json::parse(set.body);
  EXPECT_EQ(o["by"], "ops-1");
  EXPECT_EQ(o["expires"], "2026-11-30T08:30:00+08:00");
  signs_->Step();
  auto shown = json::parse(Get("/api/v1/signs/S1").body);
  EXPECT_EQ(shown["content"]["lines"][1]["text"]["en"], "ACCIDENT");
  EXPECT_EQ(shown["overrides"][0]["reason"], "crash on Xihu Rd");
  auto cleared =
      Call("DELETE", "/api/v1/signs/S1/override?line=1&reason=road%20clear", "", kOperatorKey);
  ASSERT_EQ(cleared.status, 200);
  EXPECT_EQ(json::parse(cleared.body)["ended"], 1);
  auto audit = json::parse(Get("/api/v1/signs/S1/overrides").body);
  ASSERT_EQ(audit["items"].size(), 1u);
  EXPECT_EQ(audit["items"][0]["ended_by"], "ops-1");
  EXPECT_EQ(audit["items"][0]["end_reason"], "road clear");
}

// Another process holds the database's write lock: an operator's override is refused with 503
// and a Retry-After that grows while the lock lasts, reads go on, and the override works once
// the lock is gone — no restart.
TEST_F(SignsApiTest, AWriteWhileTheDatabaseIsLockedIs503WithAGrowingRetryAfter) {
  Count("F1", 40);
  signs_->Step();
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("city.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE; INSERT OR REPLACE INTO settings VALUES('x','y')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const std::string body = R"({"blank": true, "minutes": 30, "reason": "works"})";
  auto first = Call("POST", "/api/v1/signs/S1/override", body, kOperatorKey);
  EXPECT_EQ(first.status, 503) << first.body;
  EXPECT_EQ(first.Header("retry-after"), "1");
  EXPECT_EQ(first.Header("content-type"), "application/problem+json");
  clock_.Advance(std::chrono::seconds(30));
  auto later = Call("POST", "/api/v1/signs/S1/override", body, kOperatorKey);
  EXPECT_EQ(later.status, 503);
  EXPECT_EQ(later.Header("retry-after"), "15");
  EXPECT_EQ(Get("/api/v1/signs/S1/history").status, 200) << "reads do not wait for the lock";
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  EXPECT_EQ(Call("POST", "/api/v1/signs/S1/override", body, kOperatorKey).status, 201);

  // Clearing it while the lock is back fails whole: the override stays in force (and on
  // record), rather than vanish from the sign and return at the next start.
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE; INSERT OR REPLACE INTO settings VALUES('x','y')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_EQ(Call("DELETE", "/api/v1/signs/S1/override", "", kOperatorKey).status, 503);
  EXPECT_EQ(json::parse(Get("/api/v1/signs/S1").body)["overrides"].size(), 1u);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  auto cleared = Call("DELETE", "/api/v1/signs/S1/override", "", kOperatorKey);
  EXPECT_EQ(cleared.status, 200);
  EXPECT_EQ(json::parse(cleared.body)["ended"], 1);
}

TEST_F(SignsApiTest, OnlyTheSignsOwnControllerAcknowledgesAndHeartBeats) {
  Count("F1", 40);
  signs_->Step();
  EXPECT_EQ(Call("POST", "/api/v1/signs/S1/ack", R"({"seq": 1})", kOtherControllerKey).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/signs/S1/ack", R"({"seq": 1})", kOperatorKey).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/signs/S1/ack", R"({"seq": 9})", kControllerKey).status, 409);
  EXPECT_EQ(Call("POST", "/api/v1/signs/S1/ack", R"({})", kControllerKey).status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/signs/S1/ack", R"({"seq": 1})", kControllerKey).status, 204);
  EXPECT_EQ(Call("POST", "/api/v1/controllers/C1/heartbeat", R"({"faults": ["door open"]})",
                 kControllerKey)
                .status,
            204);
  EXPECT_EQ(Call("POST", "/api/v1/controllers/C2/heartbeat", "", kControllerKey).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/controllers/C2/heartbeat", "", kOtherControllerKey).status, 404);
  signs_->Step();
  auto health = json::parse(Get("/api/v1/signs/S1").body)["health"];
  EXPECT_EQ(health["status"], "online");
  EXPECT_EQ(health["acked_seq"], 1);
  EXPECT_EQ(health["controller_faults"][0], "door open");
  auto faults = json::parse(Get("/api/v1/signs/S1/faults").body);
  ASSERT_EQ(faults["items"].size(), 1u);
  EXPECT_EQ(faults["items"][0]["kind"], "controller_fault");
  EXPECT_EQ(faults["items"][0]["detail"], "door open");
}

TEST_F(SignsApiTest, HistoryAnswersWhatWasShownAtAnInstantAndOverARange) {
  Count("F1", 40);
  signs_->Step();
  clock_.Advance(std::chrono::minutes(5));
  Count("F1", 0);
  signs_->Step();
  auto at = json::parse(Get("/api/v1/signs/S1/history?at=2026-11-30T08:04:59.999%2B08:00").body);
  EXPECT_EQ(at["shown"]["seq"], 1);
  EXPECT_EQ(at["shown"]["lines"][0]["count"], 40);
  EXPECT_EQ(at["shown"]["cause"]["kind"], "observation");
  EXPECT_EQ(at["shown"]["cause"]["facility"], "F1");
  EXPECT_EQ(at["shown"]["cause"]["source"], "gate");
  auto later = json::parse(Get("/api/v1/signs/S1/history?at=2026-11-30T08:05:00%2B08:00").body);
  EXPECT_EQ(later["shown"]["lines"][0]["kind"], "full");
  auto before = json::parse(Get("/api/v1/signs/S1/history?at=2026-11-29T23:59:59Z").body);
  EXPECT_TRUE(before["shown"].is_null());
  auto range = json::parse(Get("/api/v1/signs/S1/history").body);
  ASSERT_EQ(range["items"].size(), 2u);
  EXPECT_EQ(range["items"][1]["time"], "2026-11-30T08:05:00+08:00");
  EXPECT_EQ(range["truncated"], false);
  auto one = json::parse(Get("/api/v1/signs/S1/history?limit=1").body);
  EXPECT_EQ(one["items"].size(), 1u);
  EXPECT_EQ(one["truncated"], true);
  EXPECT_EQ(Get("/api/v1/signs/S1/history?from=yesterday").status, 400);
  EXPECT_EQ(Get("/api/v1/signs/NOPE/history").status, 404);
}

TEST_F(SignsApiTest, RulesAreReadByAllAndChangedByOperators) {
  auto rules = json::parse(Get("/api/v1/sign-rules").body);
  EXPECT_EQ(rules["defaults"]["full_decreasing"], 3);
  std::string bad = R"({"defaults": {"full_increasing": 5, "full_decreasing": 2}})";
  EXPECT_EQ(Call("PUT", "/api/v1/sign-rules", bad).status, 401);
  auto refused = Call("PUT", "/api/v1/sign-rules", bad, kOperatorKey);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(json::parse(refused.body)["invalid_params"][0]["name"], "defaults.full_decreasing");
  std::string good = R"({"signs": {"S1": {"buffer": 5}},
                         "plans": [{"id": "p", "facilities": ["F1"], "window": "00:00-24:00",
                                    "action": "closed"}]})";
  auto ok = Call("PUT", "/api/v1/sign-rules", good, kOperatorKey);
  ASSERT_EQ(ok.status, 200) << ok.body;
  Count("F1", 40);
  Count("F2", 40);
  signs_->Step();
  auto shown = json::parse(Get("/api/v1/signs/S1").body)["content"]["lines"];
  EXPECT_EQ(shown[0]["kind"], "closed");
  EXPECT_EQ(shown[1]["count"], 35);
  EXPECT_EQ(json::parse(Get("/api/v1/sign-rules").body)["plans"][0]["id"], "p");
}

// The one invalid_params entry of a 400 answer: "<name>: <reason>".
std::string RefusedParam(const http::ClientResponse& r) {
  if (r.status != 400) return "status " + std::to_string(r.status) + ": " + r.body;
  auto params = json::parse(r.body)["invalid_params"];
  if (params.size() != 1) return "invalid_params: " + params.dump();
  return params[0]["name"].get<std::string>() + ": " + params[0]["reason"].get<std::string>();
}

// Finding (issue 16): a 20 MB heartbeat (its fault list) made GET /api/v1/signs 20 MB and stayed
// in the fault log. It is refused whole, nothing of it is kept, and the answers stay small (10 MB
// here: the test server's body limit is 16 MiB).
TEST_F(SignsApiTest, AHugeFaultListIsRefusedAndTheAnswersStaySmall) {
  Count("F1", 40);
  signs_->Step();
  json huge = {{"faults", json::array()}};
  for (int i = 0; i < 50'000; ++i) huge["faults"].push_back(std::string(200, 'x'));
  auto refused = Call("POST", "/api/v1/controllers/C1/heartbeat", huge.dump(), kControllerKey);
  EXPECT_EQ(RefusedParam(refused), "faults: at most 32 faults (it has 50000)");
  json long_one = {{"faults", {std::string(10 << 20, 'y')}}};
  refused = Call("POST", "/api/v1/controllers/C1/heartbeat", long_one.dump(), kControllerKey);
  EXPECT_EQ(RefusedParam(refused), "faults[0]: is longer than 200 characters (it has 10485760)");
  signs_->Step();
  auto list = Get("/api/v1/signs");
  EXPECT_LT(list.body.size(), 10'000u);
  EXPECT_TRUE(json::parse(list.body)["items"][0]["health"]["controller_faults"].empty());
  auto faults = Get("/api/v1/signs/S1/faults");
  EXPECT_TRUE(json::parse(faults.body)["items"].empty());
}

// What an older version stored unbounded is shown cut to today's limits.
TEST_F(SignsApiTest, OversizedRecordsAnOlderVersionStoredAreShownCut) {
  store::SignFaultRecord fault{model::SignId("S1"), clock_.Now(), "controller_fault",
                               std::string(20 << 20, 'z')};
  ASSERT_TRUE(store_->AppendSignFault(fault).ok());
  store::SignOverrideRecord o;
  o.sign = model::SignId("S1");
  o.kind = "text";
  o.text = {"事故\x1b[5m", std::string(1000, 'A')};
  o.reason = std::string(1 << 20, 'r');
  o.created_by = "ops-old";
  o.created = clock_.Now();
  o.expires = clock_.Now() + std::chrono::hours(1);
  ASSERT_TRUE(store_->AddSignOverride(o).ok());
  auto faults = Get("/api/v1/signs/S1/faults");
  EXPECT_LT(faults.body.size(), 30'000u);
  auto detail = json::parse(faults.body)["items"][0]["detail"].get<std::string>();
  EXPECT_EQ(CountChars(detail), signs::kMaxFaultDetailChars);
  auto at = Get("/api/v1/signs/S1/history?at=2026-11-30T08:00:01%2B08:00");
  EXPECT_LT(at.body.size(), 30'000u);
  auto audit = Get("/api/v1/signs/S1/overrides");
  EXPECT_LT(audit.body.size(), 3'000u);
  auto item = json::parse(audit.body)["items"][0];
  EXPECT_EQ(item["text"]["zh"], "事故\xEF\xBF\xBD[5m");
  EXPECT_EQ(CountChars(item["text"]["en"].get<std::string>()), signs::kMaxSignTextChars);
  EXPECT_EQ(CountChars(item["reason"].get<std::string>()), kMaxReasonChars);
}

// Findings (issue 16): an override "line" of 2^40 was applied to line 0, control characters in
// its text reached the controllers, and a 1 MB reason was stored. Each member is read as exactly
// what it must be; a refusal names it and nothing is set.
TEST_F(SignsApiTest, EveryOverrideMemberIsReadExactlyAndBounded) {
  Count("F1", 40);
  signs_->Step();
  auto body = [](json changes) {
    json b = {{"line", 1},
              {"text", {{"zh", "事故"}, {"en", "ACCIDENT"}}},
              {"minutes", 30},
              {"reason", "crash on Xihu Rd"}};
    for (auto& [k, v] : changes.items()) b[k] = v;
    return b.dump();
  };
  struct Case {
    const char* what;
    std::string body;
    const char* refused;  // "name: reason"
  };
  const Case cases[] = {
      {"line 2^40", body({{"line", int64_t{1} << 40}}), "line: sign 'S1' has lines 0–1"},
      {"line 2^32 (0 as a 32-bit int)", body({{"line", int64_t{1} << 32}}),
       "line: sign 'S1' has lines 0–1"},
      {"line 2^64 - 1 (-1 as int64)", body({{"line", UINT64_MAX}}),
       "line: sign 'S1' has lines 0–1"},
      {"line 2 of 2 lines", body({{"line", 2}}), "line: sign 'S1' has lines 0–1"},
      {"line -1", body({{"line", -1}}), "line: sign 'S1' has lines 0–1"},
      {"line 1.0", body({{"line", 1.0}}), "line: sign 'S1' has lines 0–1"},
      {"line \"1\"", body({{"line", "1"}}), "line: sign 'S1' has lines 0–1"},
      {"an escape sequence in the text", body({{"text", {{"zh", "事故\x1b[2J"}}}}),
       "text.zh: holds a control character (U+001B) at character 3: plain text only"},
      {"a newline in the text", body({{"text", "ROAD\nCLOSED"}}),
       "text.zh: holds a control character (U+000A) at character 5: plain text only"},
      {"a C1 character in the text",
       body({{"text",
              {{"en",
                "A\xC2\x9B"
                "B"}}}}),
       "text.en: holds a control character (U+009B) at character 2: plain text only"},
      {"text of 65 characters", body({{"text", {{"en", std::string(65, 'A')}}}}),
       "text.en: is longer than 64 characters (it has 65)"},
      {"text that is a number", body({{"text", {{"en", 7}}}}), "text.en: must be a string"},
      {"a reason of 1 MB", body({{"reason", std::string(1 << 20, 'r')}}),
       "reason: is longer than 500 characters (it has 1048576)"},
      {"a bell in the reason", body({{"reason", "crash\a"}}),
       "reason: holds a control character (U+0007) at character 6: plain text only"},
      {"a reason that is not a string", body({{"reason", json::array()}}),
       "reason: must be a string"},
      {"no reason", body({{"reason", nullptr}}), "reason: an override needs a reason"},
      {"blank as a string", body({{"blank", "yes"}}), "blank: must be true or false"},
      {"minutes 2^62", body({{"minutes", int64_t{1} << 62}}),
       "minutes: must be a whole number in 1–527040"},
      {"minutes 0", body({{"minutes", 0}}), "minutes: must be a whole number in 1–527040"},
      {"minutes past the longest override", body({{"minutes", 8 * 24 * 60}}),
       "expires: an override lasts at most 168 hours"},
      {"expires of 1 MB", body({{"minutes", nullptr}, {"expires", std::string(1 << 20, '2')}}),
       "expires: is longer than 64 characters: not an RFC 3339 time such as "
       "2026-11-28T08:00:00+08:00"},
      {"expires as a number", body({{"minutes", nullptr}, {"expires", 5}}),
       "expires: must be an RFC 3339 time"},
  };
  for (const auto& c : cases) {
    auto r = Call("POST", "/api/v1/signs/S1/override", c.body, kOperatorKey);
    EXPECT_EQ(RefusedParam(r), c.refused) << c.what;
  }
  EXPECT_TRUE(json::parse(Get("/api/v1/signs/S1/overrides").body)["items"].empty());
  auto ok = Call("POST", "/api/v1/signs/S1/override", body({{"line", 0}}), kOperatorKey);
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["line"], 0);
}

TEST_F(SignsApiTest, ClearingAcknowledgingAndHeartBeatingAreBoundedToo) {
  Count("F1", 40);
  signs_->Step();
  struct Case {
    const char* what;
    std::string method, target, body;
    const char* key;
    const char* refused;
  };
  const Case cases[] = {
      {"clear line 2 of 2 lines", "DELETE", "/api/v1/signs/S1/override?line=2", "", kOperatorKey,
       "line: '2' is not a whole number in 0–1"},
      {"clear line 2^40", "DELETE", "/api/v1/signs/S1/override?line=1099511627776", "",
       kOperatorKey, "line: '1099511627776' is not a whole number in 0–1"},
      {"a clearing reason with a newline", "DELETE", "/api/v1/signs/S1/override?reason=a%0Ab", "",
       kOperatorKey, "reason: holds a control character (U+000A) at character 2: plain text only"},
      {"a clearing reason that is not UTF-8", "DELETE", "/api/v1/signs/S1/override?reason=%FF", "",
       kOperatorKey, "reason: is not UTF-8 text (byte 1 of it)"},
      {"a clearing reason of 501 characters in the body", "DELETE", "/api/v1/signs/S1/override",
       json{{"reason", std::string(501, 'r')}}.dump(), kOperatorKey,
       "reason: is longer than 500 characters (it has 501)"},
      {"seq 2^64 - 1", "POST", "/api/v1/signs/S1/ack", R"({"seq": 18446744073709551615})",
       kControllerKey, "seq: the seq of the content shown is required, a whole number from 1"},
      {"seq 1.5", "POST", "/api/v1/signs/S1/ack", R"({"seq": 1.5})", kControllerKey,
       "seq: the seq of the content shown is required, a whole number from 1"},
      {"seq 0", "POST", "/api/v1/signs/S1/ack", R"({"seq": 0})", kControllerKey,
       "seq: the seq of the content shown is required, a whole number from 1"},
      {"33 faults", "POST", "/api/v1/controllers/C1/heartbeat",
       json{{"faults", std::vector<std::string>(33, "f")}}.dump(), kControllerKey,
       "faults: at most 32 faults (it has 33)"},
      {"a fault that is not a text", "POST", "/api/v1/controllers/C1/heartbeat",
       R"({"faults": ["ok", {"code": 7}]})", kControllerKey, "faults[1]: must be a text"},
      {"a fault with an escape sequence", "POST", "/api/v1/controllers/C1/heartbeat",
       json{{"faults", {"LED\x1b[2J"}}}.dump(), kControllerKey,
       "faults[0]: holds a control character (U+001B) at character 4: plain text only"},
      {"a fault of 201 characters", "POST", "/api/v1/controllers/C1/heartbeat",
       json{{"faults", {std::string(201, 'f')}}}.dump(), kControllerKey,
       "faults[0]: is longer than 200 characters (it has 201)"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(RefusedParam(Call(c.method, c.target, c.body, c.key)), c.refused) << c.what;
  }
  EXPECT_EQ(Call("POST", "/api/v1/controllers/C1/heartbeat",
                 json{{"faults", std::vector<std::string>(32, std::string(200, 'f'))}}.dump(),
                 kControllerKey)
                .status,
            204)
      << "32 faults of 200 characters are within the bounds";
}

TEST_F(SignsApiTest, QueryParametersOfTheSignRoutesAreBounded) {
  const std::string long_time = "?at=" + std::string(100, '2');
  struct Case {
    std::string target;
    const char* refused;
  };
  const Case cases[] = {
      {"/api/v1/signs?limit=1099511627776",
       "limit: '1099511627776' is not a whole number in 1–1000"},
      {"/api/v1/signs?offset=-1", "offset: '-1' is not a whole number in 0–1073741824"},
      {"/api/v1/signs?level=4", "level: '4' is not a whole number in 1–3"},
      {"/api/v1/signs/S1?wait=61", "wait: '61' is not a whole number in 0–60"},
      {"/api/v1/signs/S1/history?limit=10001", "limit: '10001' is not a whole number in 1–10000"},
      {"/api/v1/signs/S1/history" + long_time,
       "at: is longer than 64 characters: not an RFC 3339 time such as 2026-11-28T08:00:00+08:00"},
      {"/api/v1/signs/S1/faults?limit=0", "limit: '0' is not a whole number in 1–10000"},
      {"/api/v1/signs/S1/overrides?limit=10001", "limit: '10001' is not a whole number in 1–10000"},
  };
  for (const auto& c : cases) EXPECT_EQ(RefusedParam(Get(c.target)), c.refused) << c.target;
}

// Finding (issue 16): a plan name of 100,000 characters was stored with the rules.
TEST_F(SignsApiTest, SignRulesWithTextsOverTheirBoundsAreRefused) {
  auto rules = [](json plan) {
    json p = {{"id", "p"},
              {"facilities", {"F1"}},
              {"window", "00:00-24:00"},
              {"action", "text"},
              {"text", "施工"}};
    for (auto& [k, v] : plan.items()) p[k] = v;
    return json{{"plans", {p}}}.dump();
  };
  EXPECT_EQ(
      RefusedParam(Call("PUT", "/api/v1/sign-rules",
                        rules({{"name", {{"en", std::string(100'000, 'n')}}}}), kOperatorKey)),
      "plans[0].name.en: is longer than 200 characters (it has 100000)");
  EXPECT_EQ(RefusedParam(Call("PUT", "/api/v1/sign-rules", rules({{"text", {{"zh", "施工\x07"}}}}),
                              kOperatorKey)),
            "plans[0].text.zh: holds a control character (U+0007) at character 3: plain text only");
  EXPECT_EQ(Call("PUT", "/api/v1/sign-rules", rules(json::object()), kOperatorKey).status, 200);
}

TEST(SignsApiDocument, TheOpenApiDocumentDescribesEverySignRoute) {
  auto doc = json::parse(OpenApiDocument());
  for (auto [path, method] : {std::pair{"/api/v1/signs", "get"},
                              {"/api/v1/signs/{id}", "get"},
                              {"/api/v1/signs/{id}/history", "get"},
                              {"/api/v1/signs/{id}/faults", "get"},
                              {"/api/v1/signs/{id}/overrides", "get"},
                              {"/api/v1/signs/{id}/override", "post"},
                              {"/api/v1/signs/{id}/override", "delete"},
                              {"/api/v1/signs/{id}/ack", "post"},
                              {"/api/v1/controllers/{id}/heartbeat", "post"},
                              {"/api/v1/sign-rules", "get"},
                              {"/api/v1/sign-rules", "put"}}) {
    EXPECT_TRUE(doc["paths"].contains(path) && doc["paths"][path].contains(method))
        << method << " " << path;
  }
}

}  // namespace
}  // namespace pg::api
