// The audit trail, the write routes' wrapper (Access) and GET /api/v1/audit, on a real server
// and store.
#include "api/access.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <nlohmann/json.hpp>

#include "api/audit_api.h"
#include "api/http/client.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::api {
namespace {

using nlohmann::json;

// An audit store that fails while told to, and counts appends.
class FlakyAuditWriter final : public store::AuditWriter {
 public:
  Status AppendAudit(std::span<const store::AuditEntry> entries) override {
    ++calls;
    if (failing) return Unavailable("disk full");
    for (const auto& e : entries) kept.push_back(e);
    return Status::Ok();
  }
  std::atomic<bool> failing{false};
  std::atomic<int> calls{0};
  std::vector<store::AuditEntry> kept;  // read after Flush
};

store::AuditEntry Entry(const char* actor) {
  store::AuditEntry e;
  e.actor = actor;
  return e;
}

TEST(AuditTrail, EntriesReachTheStoreInOrderAndFlushWaitsForThem) {
  FlakyAuditWriter store;
  FakeClock clock(FromUnixMillis(5000));
  AuditTrail trail(store, clock);
  trail.Record(Entry("a"));
  trail.Record(Entry("b"));
  ASSERT_TRUE(trail.Flush(std::chrono::seconds(10)));
  ASSERT_EQ(store.kept.size(), 2u);
  EXPECT_EQ(store.kept[0].actor, "a");
  EXPECT_EQ(store.kept[1].actor, "b");
  EXPECT_EQ(store.kept[0].time, FromUnixMillis(5000)) << "the time of recording";
  EXPECT_EQ(trail.stats().written, 2u);
}

TEST(AuditTrail, AFailingStoreKeepsEntriesAndTheyAreWrittenWhenItHeals) {
  FlakyAuditWriter store;
  store.failing = true;
  FakeClock clock(FromUnixMillis(0));
  AuditTrail trail(store, clock, {.max_queued = 2, .retry = std::chrono::milliseconds(10)});
  EXPECT_TRUE(trail.HasRoom());
  trail.Record(Entry("a"));
  trail.Record(Entry("b"));
  EXPECT_FALSE(trail.Flush(std::chrono::milliseconds(50)));
  EXPECT_FALSE(trail.HasRoom()) << "a write must not go ahead unrecorded";
  EXPECT_GT(trail.stats().append_failures, 0u);
  store.failing = false;
  ASSERT_TRUE(trail.Flush(std::chrono::seconds(10)));
  EXPECT_EQ(store.kept.size(), 2u);
  EXPECT_TRUE(trail.HasRoom());
}

constexpr const char* kDuty = "duty-secret";
constexpr const char* kAdmin = "admin-secret";
constexpr const char* kCtl = "controller-secret";

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *store::OpenSqliteStore(dir_.File("city.db"));
    model::RegistryData data;
    model::City city;
    city.id = "testville";
    data.city = city;
    live_ = std::make_unique<state::LiveState>(*registry::Registry::Build(data), state::LiveRules{},
                                               &clock_, nullptr);
    authorizer_ = std::make_unique<StaticKeyAuthorizer>(
        std::vector{StaticKeyAuthorizer::KeyFor("duty", Role::kTrafficCentre, kDuty),
                    StaticKeyAuthorizer::KeyFor("root", Role::kAdmin, kAdmin),
                    StaticKeyAuthorizer::KeyFor("C1", Role::kController, kCtl)});
    trail_ = std::make_unique<AuditTrail>(*store_, clock_);
    access_ = std::make_unique<Access>(*authorizer_, trail_.get());
    server_ = std::make_unique<http::Server>(http::ServerOptions{});
    // A thing with a value the writes change.
    access_->Route(*server_, "PUT", "/things/{id}",
                   [this](const http::Request& req) {
                     if (req.body == "bad") {
                       return http::Response::Problem(400, "Bad Request", "value: not a number",
                                                      "value");
                     }
                     value_ = req.body;
                     return http::Response::Json(200, "{}");
                   },
                   {Role::kTrafficCentre,
                    AuditedChange{Target("thing", "id"),
                                  [this](const http::Request&) {
                                    return json{{"value", value_}};
                                  }},
                    {}});
    // The same, answered later (as the ingest pipeline does).
    access_->Route(*server_, "POST", "/later",
                   [this](const http::Request& req) {
                     auto pending = std::make_shared<http::PendingResponse>();
                     later_ = pending;
                     value_ = req.body;
                     return http::Response::Later(pending);
                   },
                   {Role::kTrafficCentre, AuditedChange{Target("later"), nullptr}, {}});
    access_->Route(*server_, "POST", "/beat",
                   [](const http::Request&) { return http::Response::Json(200, "{}"); },
                   {Role::kController, std::nullopt, "telemetry"});
    RegisterAuditApi(*server_, {store_.get(), live_.get(), authorizer_.get()});
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Stop();
    trail_->Stop();
  }

  http::ClientResponse Call(const std::string& method, const std::string& target, const char* key,
                            const std::string& body = "") {
    http::HeaderList headers;
    if (key) headers.emplace_back("Authorization", std::string("Bearer ") + key);
    auto r = http::HttpRequest(method, "127.0.0.1", server_->port(), target, body, headers);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }
  json Audit(const std::string& query = "") {
    auto r = Call("GET", "/api/v1/audit" + query, kAdmin);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false)["items"];
  }

  testing::TempDir dir_;
  FakeClock clock_{FromUnixMillis(1'800'000'000'000)};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<state::LiveState> live_;
  std::unique_ptr<StaticKeyAuthorizer> authorizer_;
  std::unique_ptr<AuditTrail> trail_;
  std::unique_ptr<Access> access_;
  std::unique_ptr<http::Server> server_;
  std::string value_ = "0";
  std::shared_ptr<http::PendingResponse> later_;
};

TEST_F(AccessTest, EveryAdmittedWriteIsRecordedWithWhoWhatWhereBeforeAndAfter) {
  EXPECT_EQ(Call("PUT", "/things/T1?why=test", kDuty, R"({"v": 7})").status, 200);
  EXPECT_EQ(Call("PUT", "/things/T1", kDuty, "bad").status, 400);
  json items = Audit();
  ASSERT_EQ(items.size(), 2u) << items;
  const json& bad = items[0];  // newest first
  EXPECT_EQ(bad["outcome"], "400 Bad Request: value: not a number");
  EXPECT_EQ(bad["request"], json({{"body", "bad"}}));
  const json& ok = items[1];
  EXPECT_EQ(ok["actor"], "duty");
  EXPECT_EQ(ok["role"], "traffic_centre");
  EXPECT_EQ(ok["remote"], "127.0.0.1");
  EXPECT_EQ(ok["action"], "PUT /things/{id}");
  EXPECT_EQ(ok["target"], "thing:T1");
  EXPECT_EQ(ok["request"], json({{"query", "why=test"}, {"body", {{"v", 7}}}}));
  EXPECT_EQ(ok["before"], json({{"value", "0"}}));
  EXPECT_EQ(ok["after"], json({{"value", R"({"v": 7})"}}));
  EXPECT_EQ(ok["outcome"], "200 OK");
  EXPECT_EQ(ok["time"], "2027-01-15T16:00:00+08:00") << "the city's zone (UTC+8 default)";
}

TEST_F(AccessTest, RefusedAtTheDoorAndTelemetryAreNotRecorded) {
  EXPECT_EQ(Call("PUT", "/things/T1", nullptr, "1").status, 401);
  EXPECT_EQ(Call("PUT", "/things/T1", kCtl, "1").status, 403);
  EXPECT_EQ(Call("POST", "/beat", kCtl).status, 200);
  EXPECT_EQ(value_, "0");
  EXPECT_TRUE(Audit().empty());
  auto routes = access_->routes();
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_TRUE(routes[0].audited);
  EXPECT_FALSE(routes[2].audited);
  EXPECT_EQ(routes[2].unaudited, "telemetry");
  EXPECT_EQ(routes[2].roles, RoleSet(Role::kController));
}

TEST_F(AccessTest, ADeferredAnswerIsRecordedWhenItIsGiven) {
  std::thread answer([this] {
    while (!later_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    later_->Respond(http::Response::Json(202, "{}"));
  });
  EXPECT_EQ(Call("POST", "/later", kDuty, "x").status, 202);
  answer.join();
  json items = Audit();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["outcome"], "202 Accepted");
  EXPECT_EQ(items[0]["target"], "later");
  EXPECT_TRUE(items[0]["before"].is_null());
}

// A write is answered only once its entry is in the audit log: while the log cannot be written
// the caller waits (the change is made, its record retried), and is answered when it heals.
TEST(AccessAudit, AWriteIsAnsweredOnlyOnceItsEntryIsInTheLog) {
  FlakyAuditWriter store;
  store.failing = true;
  FakeClock clock(FromUnixMillis(0));
  AuditTrail trail(store, clock, {.max_queued = 100, .retry = std::chrono::milliseconds(20)});
  StaticKeyAuthorizer authorizer(
      {StaticKeyAuthorizer::KeyFor("duty", Role::kTrafficCentre, kDuty)});
  Access access(authorizer, &trail);
  http::Server server(http::ServerOptions{});
  std::atomic<int> changes{0};
  access.Route(server, "PUT", "/things/{id}",
               [&](const http::Request&) {
                 ++changes;
                 return http::Response::Json(200, "{}");
               },
               {Role::kTrafficCentre, AuditedChange{Target("thing", "id"), nullptr}, {}});
  ASSERT_TRUE(server.Start().ok());
  auto answer = std::async(std::launch::async, [&] {
    return http::HttpRequest("PUT", "127.0.0.1", server.port(), "/things/T1", "1",
                             {{"Authorization", std::string("Bearer ") + kDuty}});
  });
  EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "answered before its audit entry was written";
  EXPECT_EQ(changes, 1);
  EXPECT_GT(store.calls, 1) << "the entry is retried";
  auto meanwhile = http::HttpRequest("PUT", "127.0.0.1", server.port(), "/things/T2", "2",
                                     {{"Authorization", std::string("Bearer ") + kDuty}});
  ASSERT_TRUE(meanwhile.ok()) << meanwhile.status().ToString();
  EXPECT_EQ(meanwhile->status, 503) << "refused at once while the log cannot be written";
  EXPECT_EQ(changes, 1) << "and not made";
  store.failing = false;
  auto r = answer.get();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(store.kept.size(), 1u);
  EXPECT_EQ(store.kept[0].target, "thing:T1");
  server.Stop();
  trail.Stop();
}

// Entries the trail could not write before it stopped are lost, and their recorders are told.
TEST(AuditTrail, RecordersOfEntriesLostAtStopAreTold) {
  FlakyAuditWriter store;
  store.failing = true;
  FakeClock clock(FromUnixMillis(0));
  AuditTrail trail(store, clock, {.max_queued = 10, .retry = std::chrono::milliseconds(10)});
  std::atomic<int> written{0};
  std::atomic<int> lost{0};
  auto tell = [&](bool w) { ++(w ? written : lost); };
  trail.Record(Entry("a"), tell);
  trail.Stop();
  trail.Record(Entry("b"), tell);
  EXPECT_EQ(written, 0);
  EXPECT_EQ(lost, 2);
}

TEST_F(AccessTest, TheAuditLogIsForTheTrafficCentreAndAdminsAndFilters) {
  EXPECT_EQ(Call("GET", "/api/v1/audit", nullptr).status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/audit", kCtl).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/audit", kDuty).status, 200);
  EXPECT_EQ(Call("PUT", "/things/A", kDuty, "1").status, 200);
  clock_.Advance(std::chrono::minutes(10));
  EXPECT_EQ(Call("PUT", "/things/B", kDuty, "2").status, 200);
  EXPECT_EQ(Audit("?limit=1")[0]["target"], "thing:B");
  EXPECT_EQ(Audit("?since=2027-01-15T08:05:00Z").size(), 1u);
  EXPECT_EQ(Audit("?actor=duty").size(), 2u);
  EXPECT_TRUE(Audit("?actor=root").empty());
  EXPECT_EQ(Call("GET", "/api/v1/audit?limit=0", kAdmin).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/audit?since=yesterday", kAdmin).status, 400);
}

}  // namespace
}  // namespace pg::api
