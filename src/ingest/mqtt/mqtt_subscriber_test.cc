// MQTT end to end against a real mosquitto broker: valid messages reach the state, invalid ones
// the dead-letter store (without their keys), and nothing a broker acknowledged is lost — across
// a broker restart, neither while parkguide is connected nor while it is away; in a flood at the
// broker's default queue settings while parkguide is slow; and an oversize message is
// dead-lettered unread.
#include "ingest/mqtt/mqtt_subscriber.h"

#include <gtest/gtest.h>
#include <mosquitto.h>

#include <fmt/format.h>
#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include "store/store.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mosquitto_broker.h"
#include "tests/support/mqtt_publisher.h"
#include "tests/support/temp_dir.h"

namespace pg::ingest {
namespace {

Timestamp T(const char* text) { return *ParseRfc3339(text); }

constexpr int kFloodBays = 5000;

using Publisher = testing::MqttPublisher;

std::shared_ptr<const registry::Registry> MakeRegistry() {
  model::RegistryData data;
  model::City city;
  city.id = "mqttville";
  data.city = city;
  for (const char* id : {"F1", "F2", "Z1"}) {
    model::Facility f;
    f.id = model::FacilityId(id);
    f.capacity.total = std::string(id) == "Z1" ? kFloodBays : 1000;
    data.facilities.push_back(f);
  }
  // A zone of sensed bays, one per message of the flood test.
  for (int i = 0; i < kFloodBays; ++i) {
    model::Bay b;
    b.id = model::BayId(fmt::format("B{}", i));
    b.facility = model::FacilityId("Z1");
    data.bays.push_back(b);
  }
  return *registry::Registry::Build(std::move(data));
}

struct Node {
  Node(const testing::TempDir& dir, uint16_t port, std::vector<store::SourceRecord> sources,
       MqttOptions options = {}, FileSystem& fs = FileSystem::Default())
      : clock(T("2026-11-28T08:30:00+08:00")), state(MakeRegistry(), {}, &clock) {
    store = std::move(*store::OpenSqliteStore(dir.File("city.db")));
    pipeline =
        std::move(*IngestPipeline::Open(fs, {.dir = dir.File("journal")}, state, {}, nullptr));
    keys.Load(sources, state.index());
    service = std::make_unique<IngestService>(state, keys, *pipeline, clock);
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
  // Waits until every message received is accounted for (accepted or dead-lettered) and
  // `received` of them were; false on timeout.
  bool WaitForAllHandled(uint64_t received, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto s = subscriber->stats();
      if (s.received >= received && s.accepted + s.dead_letters == s.received) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

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

TEST(TopicSource, IsTheOneNonEmptySegmentAfterThePrefix) {
  constexpr std::string_view kPrefix = "parkguide/demo/obs/";
  EXPECT_EQ(TopicSource("parkguide/demo/obs/gate-1", kPrefix), "gate-1");
  for (std::string_view topic :
       {"parkguide/demo/obs/", "parkguide/demo/obs/a/b", "parkguide/demo/obs/gate/",
        "parkguide/other/obs/gate", "parkguide/demo/obs", ""}) {
    EXPECT_FALSE(TopicSource(topic, kPrefix).has_value()) << topic;
  }
}

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
  // The messages that carried the source's key are kept without it.
  const std::string secret = key_.key.substr(17);
  for (const auto& d : *letters) {
    EXPECT_EQ(d.payload.find(secret), std::string::npos) << d.payload;
    if (d.payload.find("\"key\"") != std::string::npos) {
      EXPECT_NE(d.payload.find("[REDACTED]"), std::string::npos) << d.payload;
    }
  }
}

// The topic's last segment names the source: an id of at most 64 characters
// (docs/api/ingest.md, "Limits"); anything else is a dead letter whose kept topic is cut.
TEST_F(MqttTest, ATopicWhoseSourceIsNoIdIsADeadLetterWithItsTopicCut) {
  Node node(dir_, broker_->port(), sources_);
  ASSERT_TRUE(node.StartAndWaitSubscribed());
  Publisher pub(broker_->port());
  ASSERT_TRUE(pub.connected());
  pub.Publish("parkguide/mqttville/obs/" + std::string(10'000, 'g'), Message(key_.key, 1));
  pub.Publish("parkguide/mqttville/obs/g w", Message(key_.key, 2));
  pub.Publish(topic_, Message(key_.key, 3));
  ASSERT_TRUE(pub.AllAcked());
  ASSERT_TRUE(node.WaitForAccepted("gw", 1));
  for (int i = 0; i < 100 && node.subscriber->stats().dead_letters < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  auto letters = node.store->LoadDeadLetters(10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 2u);
  for (const auto& d : *letters) {
    EXPECT_NE(d.reason.find("a source id: 1–64"), std::string::npos) << d.reason;
    EXPECT_LE(d.topic.size(), 200u * 3);
    EXPECT_TRUE(d.source.empty());
  }
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

std::string BayMessage(const std::string& key, int bay) {
  return fmt::format(R"({{"key":"{}","observations":[{{"type":"bay","bay":"B{}",)"
                     R"("time":"2026-11-28T08:00:00+08:00","occupied":true}}]}})",
                     key, bay);
}

// The same flood with parkguide's defaults and a normal disk: its queue (10,000) takes the whole
// burst, so every message is applied; the time is what one subscriber sustains.
TEST_F(MqttTest, AFloodAtBrokerDefaultsIsAllAppliedWhenTheQueueHoldsIt) {
  broker_ = std::make_unique<testing::MosquittoBroker>(dir_.File("default-broker"),
                                                       testing::BrokerQueueing::kMosquittoDefaults);
  ASSERT_TRUE(broker_->Start()) << broker_->Log();
  IssuedKey key = IssueKey();
  model::Source s;
  s.id = model::SourceId("flood");
  s.scope.all = true;
  Node node(dir_, broker_->port(), {{s, key.stored, {}}});
  ASSERT_TRUE(node.StartAndWaitSubscribed());
  Publisher pub(broker_->port());
  ASSERT_TRUE(pub.connected());
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kFloodBays; ++i)
    pub.Publish("parkguide/mqttville/obs/flood", BayMessage(key.key, i));
  ASSERT_TRUE(pub.AllAcked(std::chrono::seconds(120))) << pub.acked() << " acknowledged";
  ASSERT_TRUE(node.WaitForAllHandled(kFloodBays, std::chrono::seconds(120)))
      << "received " << node.subscriber->stats().received << "\n"
      << broker_->Log();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  MqttStats stats = node.subscriber->stats();
  EXPECT_EQ(stats.accepted, uint64_t{kFloodBays});
  EXPECT_EQ(stats.dead_letters, 0u);
  auto journal = node.pipeline->stats();
  std::printf("flood, defaults: %d messages in %.2f s (%.0f/s), %llu journal syncs\n", kFloodBays,
              seconds, kFloodBays / seconds, static_cast<unsigned long long>(journal.syncs));
}

// The finding: at mosquitto's default settings (1,000 messages queued per subscriber), a
// subscriber whose network thread waits for a slow journal made the broker drop messages it had
// acknowledged to their publisher. Now every one is applied or dead-lettered, with a reason.
TEST_F(MqttTest, AFloodAtBrokerDefaultsWhileParkguideIsSlowLosesNothingSilently) {
  broker_ = std::make_unique<testing::MosquittoBroker>(dir_.File("default-broker"),
                                                       testing::BrokerQueueing::kMosquittoDefaults);
  ASSERT_TRUE(broker_->Start()) << broker_->Log();
  IssuedKey key = IssueKey();
  model::Source s;
  s.id = model::SourceId("flood");
  s.scope.all = true;
  // Slow: every journal fsync takes 20 ms, and few messages may be in flight or queued.
  testing::FaultInjectionFileSystem slow_disk;
  slow_disk.SetSyncDelay(std::chrono::milliseconds(20));
  MqttOptions options;
  options.max_in_flight = 32;
  options.max_queued_messages = 200;
  Node node(dir_, broker_->port(), {{s, key.stored, {}}}, options, slow_disk);
  ASSERT_TRUE(node.StartAndWaitSubscribed());

  Publisher pub(broker_->port());
  ASSERT_TRUE(pub.connected());
  const std::string topic = "parkguide/mqttville/obs/flood";
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kFloodBays; ++i) pub.Publish(topic, BayMessage(key.key, i));
  ASSERT_TRUE(pub.AllAcked(std::chrono::seconds(120))) << pub.acked() << " acknowledged";
  ASSERT_TRUE(node.WaitForAllHandled(kFloodBays, std::chrono::seconds(120)))
      << "received " << node.subscriber->stats().received << " of " << kFloodBays
      << " the broker acknowledged\n"
      << broker_->Log();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  MqttStats stats = node.subscriber->stats();
  EXPECT_EQ(stats.received, uint64_t{kFloodBays}) << broker_->Log();
  EXPECT_EQ(stats.accepted + stats.dead_letters, uint64_t{kFloodBays});
  EXPECT_GT(stats.shed, 0u) << "the test did not make parkguide slow enough to shed";
  EXPECT_EQ(stats.dead_letters, stats.shed) << "nothing else was wrong with the messages";

  // Each observation is in the live state or in a dead letter saying why — never both.
  auto letters = node.store->LoadDeadLetters(kFloodBays);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), stats.dead_letters);
  std::set<std::string> dead;
  for (const auto& d : *letters) {
    EXPECT_TRUE(d.reason.starts_with("shed: ingest queue full")) << d.reason;
    EXPECT_EQ(d.payload.find(key.key.substr(17)), std::string::npos) << "the key is not kept";
    auto at = d.payload.find("\"bay\":\"");
    ASSERT_NE(at, std::string::npos) << d.payload;
    dead.insert(d.payload.substr(at + 7, d.payload.find('"', at + 7) - at - 7));
  }
  auto snap = node.state.Snapshot();
  int live = 0;
  for (int i = 0; i < kFloodBays; ++i) {
    std::string bay = fmt::format("B{}", i);
    const auto* b = snap->FindBay(bay);
    ASSERT_NE(b, nullptr) << bay;
    bool applied = b->known && b->occupied;
    live += applied;
    EXPECT_NE(applied, dead.contains(bay)) << bay << (applied ? " applied and dead" : " lost");
  }
  EXPECT_EQ(uint64_t(live), stats.accepted);
  std::printf("flood: %d messages in %.2f s: %llu accepted, %llu shed\n", kFloodBays, seconds,
              static_cast<unsigned long long>(stats.accepted),
              static_cast<unsigned long long>(stats.shed));
}

TEST_F(MqttTest, AnOversizeMessageIsDeadLetteredUnreadWithARedactedPrefix) {
  MqttOptions options;
  options.max_message_bytes = 64 << 10;
  Node node(dir_, broker_->port(), sources_, options);
  ASSERT_TRUE(node.StartAndWaitSubscribed());
  Publisher pub(broker_->port());
  ASSERT_TRUE(pub.connected());
  std::string big = R"({"key":")" + key_.key + R"(","observations":[)";
  while (big.size() < (100 << 10)) big += Message(key_.key, 1).substr(0, 100) + ",";
  pub.Publish(topic_, big);                   // 100 KiB of not even valid JSON
  pub.Publish(topic_, Message(key_.key, 2));  // and the next message still goes through
  ASSERT_TRUE(pub.AllAcked());
  ASSERT_TRUE(node.WaitForAllHandled(2, std::chrono::seconds(20)));
  MqttStats stats = node.subscriber->stats();
  EXPECT_EQ(stats.oversize, 1u);
  EXPECT_EQ(stats.accepted, 1u);
  auto letters = node.store->LoadDeadLetters(10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 1u);
  const auto& d = (*letters)[0];
  EXPECT_NE(d.reason.find("oversize: the message has 10"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("over the limit of 65536; it was not read"), std::string::npos)
      << d.reason;
  EXPECT_LE(d.payload.size(), 1024u);
  EXPECT_TRUE(d.payload.starts_with(R"({"key":"[REDACTED]","observations":[)")) << d.payload;
  EXPECT_EQ(d.payload.find(key_.key.substr(17)), std::string::npos);
}

}  // namespace
}  // namespace pg::ingest
