// MQTT end to end against a real mosquitto broker: valid messages reach the state, invalid ones
// the dead-letter store, and nothing a broker acknowledged is lost across a broker restart —
// neither while parkguide is connected nor while it is away.
#include "ingest/mqtt/mqtt_subscriber.h"

#include <gtest/gtest.h>
#include <mosquitto.h>

#include <fmt/format.h>
#include <atomic>
#include <thread>

#include "tests/support/mosquitto_broker.h"
#include "tests/support/temp_dir.h"

namespace pg::ingest {
namespace {

Timestamp T(const char* text) { return *ParseRfc3339(text); }

// A plain QoS 1 publisher that waits for the broker's PUBACK of every message.
class Publisher {
 public:
  explicit Publisher(uint16_t port) {
    mosquitto_lib_init();
    mosq_ = mosquitto_new(nullptr, true, this);
    mosquitto_publish_callback_set(
        mosq_, [](mosquitto*, void* self, int) { ++static_cast<Publisher*>(self)->acked_; });
    connected_ = mosquitto_connect(mosq_, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS;
    mosquitto_loop_start(mosq_);
  }
  ~Publisher() {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }
  bool connected() const { return connected_; }
  void Publish(const std::string& topic, const std::string& payload) {
    ++sent_;
    mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                      payload.data(), 1, false);
  }
  // Waits until the broker acknowledged everything sent.
  bool AllAcked() {
    for (int i = 0; i < 200 && acked_ < sent_; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return acked_ == sent_;
  }

 private:
  mosquitto* mosq_ = nullptr;
  bool connected_ = false;
  std::atomic<int> sent_{0};
  std::atomic<int> acked_{0};
};

std::shared_ptr<const registry::Registry> MakeRegistry() {
  model::RegistryData data;
  model::City city;
  city.id = "mqttville";
  data.city = city;
  for (const char* id : {"F1", "F2"}) {
    model::Facility f;
    f.id = model::FacilityId(id);
    f.capacity.total = 1000;
    data.facilities.push_back(f);
  }
  return *registry::Registry::Build(std::move(data));
}

struct Node {
  Node(const testing::TempDir& dir, uint16_t port, std::vector<store::SourceRecord> sources)
      : clock(T("2026-11-28T08:30:00+08:00")), state(MakeRegistry(), {}, &clock) {
    store = std::move(*store::OpenSqliteStore(dir.File("city.db")));
    pipeline = std::move(*IngestPipeline::Open(FileSystem::Default(), {.dir = dir.File("journal")},
                                               state, {}, nullptr));
    keys.Load(sources, state.index());
    service = std::make_unique<IngestService>(state, keys, *pipeline, clock);
    MqttOptions options;
    options.port = port;
    options.city = "mqttville";
    subscriber = std::make_unique<MqttSubscriber>(options, *service, *store, clock);
  }
  ~Node() {
    subscriber->Stop();
    pipeline->Stop();
  }
  // Starts the subscriber and waits for the broker's SUBACK: a message published before any
  // subscription (or persistent session) exists has nobody to go to.
  bool StartAndWaitSubscribed() {
    if (!subscriber->Start().ok()) return false;
    for (int i = 0; i < 400 && !subscriber->stats().subscribed; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return subscriber->stats().subscribed;
  }
  // Waits until `accepted` observations of `source` are in the state.
  bool WaitForAccepted(const std::string& source, uint64_t accepted) {
    for (int i = 0; i < 400; ++i) {
      auto snap = state.Snapshot();
      const auto* s = snap->FindSource(source);
      if (s && s->accepted >= accepted) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

  FakeClock clock;
  state::LiveState state;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<IngestPipeline> pipeline;
  KeyRing keys;
  std::unique_ptr<IngestService> service;
  std::unique_ptr<MqttSubscriber> subscriber;
};

std::string Message(const std::string& key, int seq, const char* facility = "F1") {
  return fmt::format(
      R"({{"key":"{}","observations":[{{"type":"facility_count","facility":"{}","time":"2026-11-28T08:00:00+08:00","occupied":{},"seq":{}}}]}})",
      key, facility, seq % 1000, seq);
}

class MqttTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::MosquittoBinary().empty()) GTEST_SKIP() << "mosquitto is not installed";
    broker_ = std::make_unique<testing::MosquittoBroker>(dir_.File("broker"));
    ASSERT_TRUE(broker_->Start()) << broker_->Log();
    key_ = IssueKey();
    model::Source s;
    s.id = model::SourceId("gw");
    s.scope.facilities = {model::FacilityId("F1")};
    sources_ = {{s, key_.stored, {}}};
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::MosquittoBroker> broker_;
  IssuedKey key_;
  std::vector<store::SourceRecord> sources_;
  const std::string topic_ = "parkguide/mqttville/obs/gw";
};

TEST_F(MqttTest, ValidMessagesReachTheStateAndInvalidOnesTheDeadLetters) {
  Node node(dir_, broker_->port(), sources_);
  ASSERT_TRUE(node.StartAndWaitSubscribed());
  Publisher pub(broker_->port());
  ASSERT_TRUE(pub.connected());
  pub.Publish(topic_, Message(key_.key, 1));
  pub.Publish(topic_, Message("pgk_000000000000_wrong", 2));               // bad key
  pub.Publish(topic_, Message(key_.key, 3, "F2"));                         // out of scope
  pub.Publish(topic_, R"({"key":")" + key_.key + R"(","type":"entry"})");  // invalid item
  pub.Publish("parkguide/mqttville/obs/other", Message(key_.key, 4));      // foreign topic
  pub.Publish(topic_, "{not json");
  ASSERT_TRUE(pub.AllAcked());
  ASSERT_TRUE(node.WaitForAccepted("gw", 1));
  for (int i = 0; i < 100 && node.subscriber->stats().dead_letters < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  auto letters = node.store->LoadDeadLetters(10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 5u);
  std::string reasons;
  for (const auto& d : *letters) reasons += d.reason + "\n";
  EXPECT_NE(reasons.find("no valid \"key\""), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("outside the scope"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("observations[0].time"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("topic names source 'other'"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("not valid JSON"), std::string::npos) << reasons;
  EXPECT_EQ(node.state.Snapshot()->FindFacility("F1")->total.occupied, 1);
}

TEST_F(MqttTest, NothingAcknowledgedIsLostAcrossABrokerRestart) {
  {
    // First connection creates the persistent session, then parkguide goes away.
    Node node(dir_, broker_->port(), sources_);
    ASSERT_TRUE(node.StartAndWaitSubscribed());
    Publisher pub(broker_->port());
    pub.Publish(topic_, Message(key_.key, 1));
    ASSERT_TRUE(pub.AllAcked());
    ASSERT_TRUE(node.WaitForAccepted("gw", 1));
  }
  {
    // While parkguide is away the broker takes messages for it, then restarts.
    Publisher pub(broker_->port());
    for (int seq = 2; seq <= 101; ++seq) pub.Publish(topic_, Message(key_.key, seq));
    ASSERT_TRUE(pub.AllAcked());
  }
  broker_->Stop();
  ASSERT_TRUE(broker_->Start()) << broker_->Log();
  Node node(dir_, broker_->port(), sources_);
  ASSERT_TRUE(node.subscriber->Start().ok());
  ASSERT_TRUE(node.WaitForAccepted("gw", 101))
      << "messages queued before the restart arrive; received " << node.subscriber->stats().received
      << ", dead " << node.subscriber->stats().dead_letters << ", accepted "
      << node.state.Snapshot()->FindSource("gw")->accepted << "\n"
      << broker_->Log();

  // And a restart while connected: the subscriber reconnects and carries on.
  broker_->Stop();
  ASSERT_TRUE(broker_->Start()) << broker_->Log();
  Publisher pub(broker_->port());
  ASSERT_TRUE(pub.connected());
  for (int seq = 102; seq <= 151; ++seq) pub.Publish(topic_, Message(key_.key, seq));
  ASSERT_TRUE(pub.AllAcked());
  ASSERT_TRUE(node.WaitForAccepted("gw", 151)) << broker_->Log();
  EXPECT_EQ(node.state.Snapshot()->FindSource("gw")->last_seq, 151);
  EXPECT_GE(node.subscriber->stats().connects, 2u);
}

}  // namespace
}  // namespace pg::ingest
