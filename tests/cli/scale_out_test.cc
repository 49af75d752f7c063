// A city served by several nodes on loopback, through the real binary: one PostgreSQL store, a
// NATS JetStream bus, two `parkguide serve --store … --bus …` nodes and a load balancer
// (haproxy). What the issue asks of them: ingest through one node, read through another; a node
// killed mid-stream and restarted loses nothing acknowledged and converges; the bus stopped
// briefly makes ingest answer 503 and then resume; the writer's duties move to the other node
// when it goes; reads through the load balancer go on when a node is killed.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/http/client.h"
#include "core/clock.h"
#include "core/time.h"
#include "tests/support/cli_city.h"
#include "tests/support/nats_server.h"
#include "tests/support/postgres_server.h"

namespace pg {
namespace {

using testing::ParkguideBinary;
using testing::RunProgram;
using testing::Server;

class ScaleOut : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::SharedPostgresServer() == nullptr) {
      GTEST_SKIP() << "no PostgreSQL: " << testing::PostgresUnavailableReason();
    }
    if (testing::NatsServerBinary().empty()) GTEST_SKIP() << "nats-server is not installed";
    nats_ = std::make_unique<testing::NatsServer>(dir_.File("nats"));
    ASSERT_TRUE(nats_->Start());
    store_ = testing::SharedPostgresServer()->FreshSchemaUri();
    auto import =
        Parkguide("node1", {"import-registry", testing::WriteFixtureSurvey(dir_, "c.geojson")});
    ASSERT_EQ(import.exit_code, 0) << import.output;
    auto add = Parkguide("node1", {"source", "add", "--id", "gates", "--kind", "operator_system",
                                   "--scope", "all", "--interval", "60"});
    ASSERT_EQ(add.exit_code, 0) << add.output;
    key_ = testing::LastLine(add.output);
  }

  std::string Db(const std::string& node) {
    std::filesystem::create_directories(dir_.File(node));
    return dir_.File(node + "/city.db");
  }
  testing::CommandResult Parkguide(const std::string& node, std::vector<std::string> args) {
    args.insert(args.begin(), ParkguideBinary());
    args.insert(args.end(), {"--db", Db(node), "--store", store_});
    return RunProgram(args, dir_.File(node + "-command.log"));
  }
  Server Node(const std::string& node, const std::string& log) {
    return testing::StartServe(dir_, Db(node), log, {"--store", store_, "--bus", nats_->Url()});
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::NatsServer> nats_;
  std::string store_;
  std::string key_;
};

// POSTs G1's count with `seq`; the HTTP status (-1 when there was no answer).
int PostCount(uint16_t port, const std::string& key, int64_t seq) {
  const std::string body = fmt::format(
      R"({{"observations":[{{"type":"facility_count","facility":"G1","time":"{}",)"
      R"("occupied":{},"seq":{}}}]}})",
      FormatRfc3339Utc(SystemClock::Instance().Now() - std::chrono::seconds(1)), seq % 800, seq);
  auto r = api::http::HttpRequest("POST", "127.0.0.1", port, "/api/v1/observations", body,
                                  {{"Authorization", "Bearer " + key}},
                                  std::chrono::milliseconds(10'000));
  return r.ok() ? r->status : -1;
}

// Ends a client thread when the test ends, also when an assertion ends it early.
struct StopAndJoin {
  std::atomic<bool>& stop;
  std::thread& thread;
  ~StopAndJoin() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
};

nlohmann::json SourceHealth(uint16_t port) {
  auto r = api::http::HttpGet("127.0.0.1", port, "/api/v1/sources/health");
  if (!r.ok() || r->status != 200) return {};
  auto body = nlohmann::json::parse(r->body);
  for (const auto& s : body["sources"]) {
    if (s["id"] == "gates") return s;
  }
  return {};
}

// Waits until the node's source health shows `seq` applied.
bool WaitForSeq(uint16_t port, int64_t seq) {
  for (int i = 0; i < 100; ++i) {
    auto h = SourceHealth(port);
    if (!h.is_null() && h["last_seq"].is_number() && h["last_seq"].get<int64_t>() >= seq) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int64_t LiveOccupied(uint16_t port) {
  auto r = api::http::HttpGet("127.0.0.1", port, "/api/v1/facilities/G1");
  if (!r.ok()) return -1;
  auto live = nlohmann::json::parse(r->body)["live"]["occupied"];
  return live.is_number() ? live.get<int64_t>() : -1;
}

TEST_F(ScaleOut, AKilledNodeLosesNothingAcknowledgedAndTheNodesConverge) {
  Server one = Node("node1", "node1-a.log");
  Server two = Node("node2", "node2-a.log");
  ASSERT_TRUE(one.port && two.port);
  EXPECT_TRUE(one.program->WaitForLog("this node is the city's writer", std::chrono::seconds(5)))
      << one.program->Log();

  // A source streams to node 1 and records what was acknowledged; node 1 is killed mid-stream.
  std::atomic<int64_t> acked{0};
  std::atomic<bool> stop{false};
  std::thread client([&] {
    for (int64_t seq = 1; !stop; ++seq) {
      if (PostCount(one.port, key_, seq) != 200) return;
      acked = seq;
    }
  });
  StopAndJoin end_client{stop, client};
  for (int i = 0; i < 100 && acked < 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_GT(acked.load(), 0) << one.program->Log();
  EXPECT_EQ(one.program->SignalAndWait(SIGKILL, std::chrono::seconds(10)), 128 + SIGKILL);
  stop = true;
  client.join();
  const int64_t last_acked = acked;

  // Read through the other node: everything acknowledged is there; it takes over the writing.
  ASSERT_TRUE(WaitForSeq(two.port, last_acked)) << two.program->Log();
  EXPECT_TRUE(two.program->WaitForLog("this node is the city's writer", std::chrono::seconds(10)))
      << two.program->Log();
  // Ingest goes on through node 2 while node 1 is away.
  const int64_t later = last_acked + 10;
  ASSERT_EQ(PostCount(two.port, key_, later), 200);

  // Node 1 comes back, follows on from its checkpoint, and holds what node 2 holds.
  Server again = Node("node1", "node1-b.log");
  ASSERT_NE(again.port, 0);
  ASSERT_TRUE(WaitForSeq(again.port, later)) << again.program->Log();
  auto h1 = SourceHealth(again.port);
  auto h2 = SourceHealth(two.port);
  EXPECT_EQ(h1["last_seq"], h2["last_seq"]);
  EXPECT_EQ(h1["accepted"], h2["accepted"]) << h1.dump() << "\n" << h2.dump();
  EXPECT_GE(h1["accepted"].get<int64_t>(), last_acked + 1);
  EXPECT_EQ(LiveOccupied(again.port), later % 800);
  EXPECT_EQ(LiveOccupied(two.port), later % 800);
  EXPECT_EQ(again.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);
  EXPECT_EQ(two.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);
}

TEST_F(ScaleOut, WhileTheBusIsDownIngestAnswers503ThenResumes) {
  Server one = Node("node1", "node1.log");
  Server two = Node("node2", "node2.log");
  ASSERT_TRUE(one.port && two.port);
  ASSERT_EQ(PostCount(one.port, key_, 1), 200);
  nats_->Stop();
  // Refused, with a hint when to retry; nothing of it is applied anywhere.
  int status = 0;
  for (int i = 0; i < 50 && status != 503; ++i) {
    status = PostCount(one.port, key_, 2);
    if (status != 503) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 503) << one.program->Log();
  auto refused = api::http::HttpRequest(
      "POST", "127.0.0.1", two.port, "/api/v1/observations",
      R"({"observations":[{"type":"entry","facility":"G1","time":"2026-01-01T00:00:00Z"}]})",
      {{"Authorization", "Bearer " + key_}});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 503);
  EXPECT_FALSE(refused->Header("retry-after").empty()) << refused->body;
  EXPECT_EQ(SourceHealth(two.port)["last_seq"], 1);

  ASSERT_TRUE(nats_->Start());
  status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = PostCount(two.port, key_, 3);
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 200) << two.program->Log();
  EXPECT_TRUE(WaitForSeq(one.port, 3)) << one.program->Log();
  EXPECT_EQ(LiveOccupied(one.port), 3);
}

// The bus on three servers, every message on all three (--bus-replicas 3): one server is killed
// mid-stream and its disk wiped — worse than a power cut, which loses what it had not synced —
// and nothing acknowledged is lost: the other two hold it, the wiped one catches up, and a new
// node that reads the whole stream holds the same state.
TEST_F(ScaleOut, ABusServerThatLosesItsDiskLosesNothingAcknowledged) {
  testing::NatsCluster cluster(dir_.File("cluster"));
  ASSERT_TRUE(cluster.Start());
  auto node = [&](const std::string& name, const std::string& log) {
    return testing::StartServe(dir_, Db(name), log,
                               {"--store", store_, "--bus", cluster.Urls(), "--bus-replicas", "3"});
  };
  Server one = node("node1", "node1.log");
  ASSERT_NE(one.port, 0);
  std::atomic<int64_t> acked{0};
  std::atomic<bool> stop{false};
  std::thread client([&] {
    // A source as it should be: a refused batch is sent again, the same seq, until accepted.
    for (int64_t seq = 1; !stop; ++seq) {
      while (!stop && PostCount(one.port, key_, seq) != 200) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (!stop) acked = seq;
    }
  });
  StopAndJoin end_client{stop, client};
  auto wait_for_acks = [&](int64_t n) {
    for (int i = 0; i < 1200 && acked < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return acked >= n;
  };
  ASSERT_TRUE(wait_for_acks(100)) << one.program->Log();
  cluster.Kill(0);
  cluster.WipeStore(0);
  ASSERT_TRUE(wait_for_acks(acked + 100)) << "ingest stopped with one bus server of three gone\n"
                                          << one.program->Log();
  cluster.StartNode(0);
  ASSERT_TRUE(cluster.WaitHealthy());
  ASSERT_TRUE(wait_for_acks(acked + 50));
  stop = true;
  client.join();
  const int64_t last = acked;

  Server fresh = node("node3", "node3.log");  // no checkpoint: the whole stream
  ASSERT_NE(fresh.port, 0);
  ASSERT_TRUE(WaitForSeq(fresh.port, last)) << fresh.program->Log();
  EXPECT_EQ(SourceHealth(fresh.port)["accepted"], SourceHealth(one.port)["accepted"]);
  EXPECT_GE(SourceHealth(fresh.port)["accepted"].get<int64_t>(), last);
  EXPECT_EQ(LiveOccupied(fresh.port), LiveOccupied(one.port));
}

// Sign changes go to the writer, whose sign worker alone shows them: another node refuses them
// (503, saying where to send them) rather than store what would not show.
TEST_F(ScaleOut, SignChangesAreTakenByTheWriterAndRefusedElsewhere) {
  auto key = Parkguide("node1", {"key", "add", "--name", "centre", "--role", "traffic_centre"});
  ASSERT_EQ(key.exit_code, 0) << key.output;
  const std::string centre = testing::LastLine(key.output);
  Server one = Node("node1", "node1.log");
  ASSERT_TRUE(one.program->WaitForLog("this node is the city's writer", std::chrono::seconds(5)));
  Server two = Node("node2", "node2.log");
  ASSERT_TRUE(one.port && two.port);
  auto blank = [&](uint16_t port) {
    return api::http::HttpRequest("POST", "127.0.0.1", port, "/api/v1/signs/GS1/override",
                                  R"({"blank": true, "minutes": 5, "reason": "drill"})",
                                  {{"Authorization", "Bearer " + centre}});
  };
  auto refused = blank(two.port);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 503) << refused->body;
  EXPECT_NE(refused->body.find("not the city's writer"), std::string::npos) << refused->body;
  auto taken = blank(one.port);
  ASSERT_TRUE(taken.ok());
  EXPECT_LT(taken->status, 300) << taken->body;
}

// haproxy in front of two nodes: reads go on while one is killed.
TEST_F(ScaleOut, ReadsThroughALoadBalancerGoOnWhenANodeIsKilled) {
  if (!std::filesystem::exists("/usr/sbin/haproxy")) GTEST_SKIP() << "haproxy is not installed";
  Server one = Node("node1", "node1.log");
  Server two = Node("node2", "node2.log");
  ASSERT_TRUE(one.port && two.port);
  const uint16_t front = testing::FreeLoopbackPort();
  std::ofstream(dir_.File("haproxy.cfg")) << fmt::format(
      "defaults\n  mode http\n  timeout connect 1s\n  timeout client 10s\n  timeout server 10s\n"
      "  retries 3\n  option redispatch 1\n"
      "frontend city\n  bind 127.0.0.1:{}\n  default_backend nodes\n"
      "backend nodes\n  balance roundrobin\n  option httpchk GET /health\n"
      "  default-server inter 500ms fall 1 rise 2\n"
      "  server node1 127.0.0.1:{} check\n  server node2 127.0.0.1:{} check\n",
      front, one.port, two.port);
  testing::BackgroundProgram haproxy({"/usr/sbin/haproxy", "-db", "-f", dir_.File("haproxy.cfg")},
                                     dir_.File("haproxy.log"));
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    up = testing::PortAccepts(front);
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(up) << haproxy.Log();
  int ok = 0, failed = 0;
  for (int i = 0; i < 200; ++i) {
    if (i == 50) one.program->SignalAndWait(SIGKILL, std::chrono::seconds(10));
    auto r = api::http::HttpGet("127.0.0.1", front, "/api/v1/facilities/G1");
    (r.ok() && r->status == 200 ? ok : failed)++;
  }
  EXPECT_EQ(failed, 0) << haproxy.Log();
  EXPECT_EQ(ok, 200);
}

}  // namespace
}  // namespace pg
