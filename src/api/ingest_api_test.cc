#include "api/ingest_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/http/client.h"
#include "api/http/testing/http_test_support.h"
#include "api/live_json.h"
#include "api/read_api.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::api {
namespace {

using nlohmann::json;

Timestamp T(const char* text) { return *ParseRfc3339(text); }

class IngestApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *store::OpenSqliteStore(dir_.File("city.db"));
    model::RegistryData data;
    model::City city;
    city.id = "t";
    data.city = city;
    auto add = [&](const char* id, double lat, double lon) {
      model::Facility f;
      f.id = model::FacilityId(id);
      f.location = {lat, lon};
      f.capacity.total = 100;
      data.facilities.push_back(f);
    };
    add("F1", 34.00, 113.80);
    add("F2", 34.50, 113.90);
    registry_ = *registry::Registry::Build(data);
    live_ = std::make_unique<state::LiveState>(registry_, state::LiveRules{}, &clock_, &bus_);
    pipeline_ = std::move(*ingest::IngestPipeline::Open(
        FileSystem::Default(), {.dir = dir_.File("journal")}, *live_, {}, nullptr));
    key_ = ingest::IssueKey();
    model::Source s;
    s.id = model::SourceId("gate");
    s.scope.facilities = {model::FacilityId("F1")};
    keys_.Load({{s, key_.stored, {}}}, live_->index());
    service_ = std::make_unique<ingest::IngestService>(*live_, keys_, *pipeline_, clock_);
    server_ = std::make_unique<http::Server>(http::ServerOptions{});
    operator_key_ = StaticKeyAuthorizer::NewKey();
    authorizer_ = std::make_unique<StaticKeyAuthorizer>(
        std::vector{StaticKeyAuthorizer::KeyFor("duty", Role::kTrafficCentre, operator_key_)});
    RegisterIngestApi(
        *server_, {service_.get(), live_.get(), &bus_, store_.get(), &clock_, authorizer_.get()});
    ApiContext read;
    read.live = live_.get();
    read.store = store_.get();
    read.clock = &clock_;
    RegisterReadApi(*server_, read);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Stop();
    pipeline_->Stop();
  }

  http::ClientResponse Post(const std::string& body, const std::string& key) {
    auto r = http::HttpRequest("POST", "127.0.0.1", server_->port(), "/api/v1/observations", body,
                               {{"Authorization", "Bearer " + key}});
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : http::ClientResponse{};
  }
  static std::string Count(const char* facility, int free, const char* time) {
    return std::string(R"({"observations":[{"type":"facility_count","facility":")") + facility +
           R"(","time":")" + time + R"(","free":)" + std::to_string(free) + "}]}";
  }

  testing::TempDir dir_;
  FakeClock clock_{T("2026-11-28T08:01:00+08:00")};
  events::EventBus bus_{65536, RenderLiveEvent};
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<const registry::Registry> registry_;
  std::unique_ptr<state::LiveState> live_;
  std::unique_ptr<ingest::IngestPipeline> pipeline_;
  ingest::IssuedKey key_;
  ingest::KeyRing keys_;
  std::unique_ptr<ingest::IngestService> service_;
  std::string operator_key_;
  std::unique_ptr<StaticKeyAuthorizer> authorizer_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(IngestApiTest, AcceptedBatchAnswersTheSpecCounts) {
  auto r = Post(Count("F1", 40, "2026-11-28T08:00:00+08:00"), key_.key);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"accepted":1,"duplicate":0,"out_of_order":0})"));
}

TEST_F(IngestApiTest, ABatchWithoutAValidKeyIsRefusedBeforeItsBodyIsRead) {
  for (const char* authorization : {"", "Authorization: Bearer pgk_000000000000_nope\r\n"}) {
    // 16 MiB declared and never sent: the 401 cannot have waited for it.
    http::test_support::RawClient c(server_->port());
    ASSERT_TRUE(c.Send(std::string("POST /api/v1/observations HTTP/1.1\r\nHost: x\r\n") +
                       authorization + "Content-Length: 16777216\r\n\r\n"));
    auto reply = c.ReadReply();
    EXPECT_EQ(reply.status, 401) << authorization;
    EXPECT_TRUE(c.WaitForClose()) << authorization;
  }
  EXPECT_EQ(server_->stats().body_bytes_buffered, 0u);
  // With the key, the same route reads the body.
  EXPECT_EQ(Post(Count("F1", 40, "2026-11-28T08:00:00+08:00"), key_.key).status, 200);
}

TEST_F(IngestApiTest, ProblemsNameEveryBadItem) {
  auto r = Post(R"({"observations":[{"type":"entry","facility":"F1"},{"type":"x"}]})", key_.key);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("content-type"), "application/problem+json");
  auto p = json::parse(r.body);
  EXPECT_EQ(p["type"], "urn:parkguide:problem:invalid-observations");
  ASSERT_EQ(p["invalid_params"].size(), 3u) << r.body;
  EXPECT_EQ(p["invalid_params"][0]["name"], "observations[0].time");
  EXPECT_EQ(p["invalid_params"][1]["name"], "observations[1].type");

  r = Post(Count("F1", 40, "2026-11-28T08:00:00+08:00"), "pgk_000000000000_nope");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.Header("www-authenticate").find("Bearer"), std::string::npos);

  r = Post(Count("F2", 40, "2026-11-28T08:00:00+08:00"), key_.key);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::parse(r.body)["invalid_params"][0]["name"], "observations[0].facility");

  r = Post("[1,2", key_.key);
  EXPECT_EQ(r.status, 400);
}

TEST_F(IngestApiTest, StreamStartsWithASnapshotThenChangesAndResumesFromLastEventId) {
  auto client =
      http::SseClient::Connect("127.0.0.1", server_->port(), "/api/v1/stream?facility=F1");
  ASSERT_TRUE(client.ok());
  ASSERT_EQ((*client)->status(), 200);
  auto first = (*client)->Next(std::chrono::seconds(5));
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->event, "facility");
  EXPECT_FALSE((*first)->id.has_value()) << "snapshot events carry no id";
  EXPECT_NE((*first)->data.find(R"("state":"unknown")"), std::string::npos);
  auto sync = (*client)->Next(std::chrono::seconds(5));
  ASSERT_TRUE(sync.ok() && sync->has_value());
  EXPECT_EQ((*sync)->event, "sync") << "only F1: the filter dropped F2";

  ASSERT_EQ(Post(Count("F1", 40, "2026-11-28T08:00:00+08:00"), key_.key).status, 200);
  auto change = (*client)->Next(std::chrono::seconds(5));
  ASSERT_TRUE(change.ok() && change->has_value());
  EXPECT_EQ((*change)->event, "facility");
  ASSERT_TRUE((*change)->id.has_value());
  EXPECT_NE((*change)->data.find(R"("free":40)"), std::string::npos) << (*change)->data;
  std::string last_id = *(*change)->id;
  (*client)->Close();

  // Changes while away come back on resumption, nothing before them.
  ASSERT_EQ(Post(Count("F1", 30, "2026-11-28T08:00:10+08:00"), key_.key).status, 200);
  ASSERT_EQ(Post(Count("F1", 20, "2026-11-28T08:00:20+08:00"), key_.key).status, 200);
  auto resumed = http::ReadEvents("127.0.0.1", server_->port(), "/api/v1/stream",
                                  [](const auto& events) { return events.size() >= 2; },
                                  std::chrono::seconds(5), {{"Last-Event-ID", last_id}});
  ASSERT_TRUE(resumed.ok());
  ASSERT_EQ(resumed->events.size(), 2u);
  EXPECT_NE(resumed->events[0].data.find(R"("free":30)"), std::string::npos);
  EXPECT_NE(resumed->events[1].data.find(R"("free":20)"), std::string::npos);
  EXPECT_EQ(std::stoull(*resumed->events[1].id), std::stoull(last_id) + 2);
}

// A stream client filters on at most 1,000 facilities, each an id; an observation's ids are ids
// of at most 64 characters, refused without being repeated (docs/api/ingest.md, "Limits").
TEST_F(IngestApiTest, StreamFiltersAndObservationIdsHaveBounds) {
  std::string many = "F0";
  for (int i = 1; i <= 1000; ++i) many += ",F" + std::to_string(i);
  for (auto [target, refused] :
       {std::pair{"/api/v1/stream?facility=" + many, "facility: at most 1000 ids"},
        std::pair{std::string("/api/v1/stream?facility=F1,F%0A2"),
                  "facility: 'F\xEF\xBF\xBD"
                  "2' may contain only letters, digits and _ - . :"}}) {
    auto r = http::HttpRequest("GET", "127.0.0.1", server_->port(), target, "", {});
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 400) << target;
    auto p = json::parse(r->body)["invalid_params"][0];
    EXPECT_EQ(p["name"].get<std::string>() + ": " + p["reason"].get<std::string>(), refused);
  }
  auto r =
      Post(Count(std::string(1 << 20, 'F').c_str(), 40, "2026-11-28T08:00:00+08:00"), key_.key);
  EXPECT_EQ(r.status, 400);
  EXPECT_LT(r.body.size(), 1000u) << "the refusal does not repeat the megabyte id";
  EXPECT_EQ(json::parse(r.body)["invalid_params"][0]["name"], "observations[0].facility");
}

TEST_F(IngestApiTest, TheStreamAndGetWriteTheSameLiveObject) {
  auto client =
      http::SseClient::Connect("127.0.0.1", server_->port(), "/api/v1/stream?facility=F1");
  ASSERT_TRUE(client.ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE((*client)->Next(std::chrono::seconds(5)).ok());
  ASSERT_EQ(Post(Count("F1", 40, "2026-11-28T08:00:00+08:00"), key_.key).status, 200);
  auto change = (*client)->Next(std::chrono::seconds(5));
  ASSERT_TRUE(change.ok() && change->has_value());
  const json streamed = json::parse((*change)->data);
  EXPECT_EQ(streamed["facility"], "F1");

  auto got = http::HttpGet("127.0.0.1", server_->port(), "/api/v1/facilities/F1");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_EQ(json::parse(got->body)["live"], streamed["live"]);
  EXPECT_EQ(streamed["live"]["free"], 40);
}

TEST_F(IngestApiTest, SourceHealthReportsCountsAndAnomalies) {
  ASSERT_EQ(Post(Count("F1", 140, "2026-11-28T08:00:00+08:00"), key_.key).status, 200);
  auto r = http::HttpGet("127.0.0.1", server_->port(), "/api/v1/sources/health");
  ASSERT_TRUE(r.ok());
  auto health = json::parse(r->body);
  ASSERT_EQ(health["sources"].size(), 1u);
  const auto& s = health["sources"][0];
  EXPECT_EQ(s["id"], "gate");
  EXPECT_EQ(s["status"], "ok");
  EXPECT_EQ(s["accepted"], 1);
  EXPECT_EQ(s["anomalies"]["underflow"], 1);
}

http::ClientResponse GetErrors(uint16_t port, const std::string& authorization) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!authorization.empty()) headers.emplace_back("Authorization", authorization);
  auto r = http::HttpRequest("GET", "127.0.0.1", port, "/api/v1/ingest/errors", "", headers);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : http::ClientResponse{};
}

TEST_F(IngestApiTest, RejectedInputNeedsAnOperatorKeyAndNeverShowsACredential) {
  store::DeadLetter d;
  d.received = clock_.Now();
  d.channel = "mqtt";
  d.topic = "parkguide/t/obs/gate";
  d.source = "gate";
  d.reason = "1 problems in the message; observations[0].time: required";
  d.payload = R"({"key":")" + key_.key + R"(","observations":[{"type":"entry"}]})";
  ASSERT_TRUE(store_->AppendDeadLetter(d).ok());

  auto anonymous = GetErrors(server_->port(), "");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(json::parse(anonymous.body)["status"], 401);
  EXPECT_EQ(anonymous.body.find("observations"), std::string::npos) << anonymous.body;
  EXPECT_EQ(GetErrors(server_->port(), "Bearer " + key_.key).status, 401)
      << "a source key is not an operator key";
  EXPECT_EQ(GetErrors(server_->port(), "Bearer 0000").status, 401);

  auto r = GetErrors(server_->port(), "Bearer " + operator_key_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto items = json::parse(r.body)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["payload"], R"({"key":"[REDACTED]","observations":[{"type":"entry"}]})");
  EXPECT_EQ(r.body.find(key_.key.substr(17)), std::string::npos) << r.body;
}

TEST_F(IngestApiTest, RejectedInputWithBytesThatAreNotUtf8IsShownWithReplacementCharacters) {
  store::DeadLetter d;
  d.received = clock_.Now();
  d.channel = "mqtt";
  d.topic = "parkguide/t/obs/\xff";
  d.reason = "not valid JSON";
  d.payload = "{\"name\":\"caf\xc3\xa9 \xff\xfe\xe5\x81\"}";  // a stray byte, a cut sequence
  ASSERT_TRUE(store_->AppendDeadLetter(d).ok());
  // A stored text over what a response carries: cut at a character, not inside one.
  d.reason = std::string(100'000, 'x');
  d.reason.replace(65'535, 3, "停");  // a 3-byte character across the 64 KiB cut
  d.payload = "{}";
  ASSERT_TRUE(store_->AppendDeadLetter(d).ok());

  auto r = GetErrors(server_->port(), "Bearer " + operator_key_);
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  auto items = json::parse(r.body)["items"];  // valid UTF-8 JSON, or this throws
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1]["payload"], "{\"name\":\"caf\xc3\xa9 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"}");
  EXPECT_EQ(items[1]["topic"], "parkguide/t/obs/\xEF\xBF\xBD");
  EXPECT_EQ(items[0]["reason"], std::string(65'535, 'x') + "…");
}

// Duplicates, seq refusals and recognised restarts show per source, with the last seq, its
// epoch and boot — also for a source whose every observation is refused.
TEST_F(IngestApiTest, SourceHealthShowsDuplicatesSeqRefusalsAndRestarts) {
  auto seq = [](int64_t n, const char* time, std::optional<int64_t> boot = std::nullopt) {
    return R"({"observations":[{"type":"facility_count","facility":"F1","time":")" +
           std::string(time) + R"(","free":5,"seq":)" + std::to_string(n) +
           (boot ? R"(,"boot":)" + std::to_string(*boot) : std::string()) + "}]}";
  };
  ASSERT_EQ(Post(seq(100, "2026-11-28T08:00:00+08:00", 1), key_.key).status, 200);
  auto dup = Post(seq(100, "2026-11-28T08:00:01+08:00", 1), key_.key);
  EXPECT_EQ(json::parse(dup.body)["duplicate"], 1) << dup.body;
  auto refused = Post(seq(9'223'372'036'854'775'807, "2026-11-28T08:00:02+08:00"), key_.key);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(json::parse(refused.body)["invalid_params"][0]["name"], "observations[0].seq");
  auto ahead = Post(seq(100 + 1'000'001, "2026-11-28T08:00:03+08:00", 1), key_.key);
  EXPECT_EQ(ahead.status, 400) << ahead.body;
  ASSERT_EQ(Post(seq(1, "2026-11-28T08:00:04+08:00", 2), key_.key).status, 200);

  auto r = http::HttpGet("127.0.0.1", server_->port(), "/api/v1/sources/health");
  ASSERT_TRUE(r.ok());
  const auto s = json::parse(r->body)["sources"][0];
  EXPECT_EQ(s["duplicate"], 1) << s.dump();
  EXPECT_EQ(s["seq_refused"], 2) << "beyond 2^53 - 1, and too far ahead";
  EXPECT_EQ(s["seq_restarts"], 1);
  EXPECT_EQ(s["seq_epoch"], 2);
  EXPECT_EQ(s["last_seq"], 1);
  EXPECT_EQ(s["boot"], 2);
  EXPECT_EQ(s["last_seq_advanced"], "2026-11-28T08:01:00+08:00");
}

}  // namespace
}  // namespace pg::api
