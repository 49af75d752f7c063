// The sign link and the reference controller over a real MQTT broker (tests/support/
// mqtt_broker.h): retained contents, acknowledgements, heartbeats, a hung controller and one
// that vanishes (its last will).
#include "signs/mqtt_sign_link.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "events/event_bus.h"
#include "store/store.h"
#include "tests/support/mosquitto_broker.h"
#include "tests/support/temp_dir.h"

namespace pg::signs {
namespace {

using model::SignId;

template <typename Condition>
bool Eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

// Every test has its own city, so retained messages of one test (on a broker CI shares between
// tests and runs) never reach another.
std::string CityId() {
  static int n = 0;
  return fmt::format("mqttville-{}-{}", ::getpid(), ++n);
}

std::shared_ptr<const registry::Registry> MakeRegistry(const std::string& city_id) {
  model::RegistryData data;
  model::City city;
  city.id = city_id;
  data.city = city;
  model::Facility f;
  f.id = model::FacilityId("F1");
  f.location = {34, 113};
  f.capacity.total = 100;
  data.facilities.push_back(f);
  model::Source s;
  s.id = model::SourceId("gate");
  s.scope.all = true;
  data.sources.push_back(s);
  model::Sign sign;
  sign.id = SignId("S1");
  sign.location = {34, 113};
  sign.lines = {{{model::FacilityId("F1")}, model::Arrow::kLeft, {"一号", "One"}}};
  sign.controller_id = "C1";
  data.signs.push_back(sign);
  return *registry::Registry::Build(std::move(data));
}

class MqttSignsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::MosquittoBinary().empty()) GTEST_SKIP() << "mosquitto is not installed";
    broker_ = std::make_unique<testing::MosquittoBroker>(dir_.File("broker"));
    ASSERT_TRUE(broker_->Start()) << broker_->Log();
    store_ = std::move(*store::OpenSqliteStore(dir_.File("city.db")));
    SignServiceOptions options;
    options.min_publish_interval = std::chrono::milliseconds(0);
    options.ack_timeout = std::chrono::milliseconds(800);
    options.heartbeat_timeout = std::chrono::seconds(3);
    options.scan_interval = std::chrono::milliseconds(100);
    service_ = std::make_unique<SignService>(options, SystemClock::Instance(), *store_,
                                             FromLiveState(live_));
    ASSERT_TRUE(service_->Load().ok());
    subscription_ = bus_.SubscribeFrom(std::nullopt, [this](const events::EventPtr& e) {
      service_->OnEvent(*e);
      return true;
    });
    auto link = MqttSignLink::Start(Mqtt("server"), city_, *service_, SystemClock::Instance());
    ASSERT_TRUE(link.ok()) << link.status().ToString();
    link_ = std::move(*link);
    ASSERT_TRUE(link_->client().WaitConnected(std::chrono::seconds(10)));
    service_->AddPublisher(*link_);
    MqttReferenceController::Options c;
    c.mqtt = Mqtt("C1");
    c.city = city_;
    c.controller_id = "C1";
    c.signs = {"S1"};
    c.heartbeat = std::chrono::milliseconds(200);
    auto controller = MqttReferenceController::Start(c);
    ASSERT_TRUE(controller.ok()) << controller.status().ToString();
    controller_ = std::move(*controller);
    ASSERT_TRUE(controller_->client().WaitConnected(std::chrono::seconds(10)));
    service_->Start();
  }

  void TearDown() override {
    bus_.Unsubscribe(subscription_);
    if (service_) service_->Stop();
    controller_.reset();
    link_.reset();
  }

  mqtt::Options Mqtt(const std::string& who) {
    mqtt::Options o;
    o.host = "127.0.0.1";
    o.port = broker_->port();
    // Unique per test run, so a shared broker (CI) never mixes two runs' sessions.
    o.client_id = fmt::format("pg-test-{}-{}", who, city_);
    o.keepalive_s = 5;
    return o;
  }

  void Count(int free) {
    model::Observation o;
    o.type = model::ObservationType::kFacilityCount;
    o.source = model::SourceId("gate");
    o.time = SystemClock::Instance().Now();
    o.target = "F1";
    o.free = free;
    ASSERT_EQ(live_.Apply(o).result, state::ApplyResult::kApplied);
  }

  std::string Shows() {
    auto shown = controller_->Showing("S1");
    return shown ? Describe(shown->content) : "(nothing)";
  }
  HealthState Health() { return service_->Current(SignId("S1"))->health.state; }

  testing::TempDir dir_;
  std::unique_ptr<testing::MosquittoBroker> broker_;
  std::string city_ = CityId();
  events::EventBus bus_;
  uint64_t subscription_ = 0;
  state::LiveState live_{MakeRegistry(city_), {}, nullptr, &bus_};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SignService> service_;
  std::unique_ptr<MqttSignLink> link_;
  std::unique_ptr<MqttReferenceController> controller_;
};

TEST_F(MqttSignsTest, ContentsAreRetainedAndTheControllerAcknowledges) {
  Count(40);
  ASSERT_TRUE(Eventually([&] { return Shows() == "40 green"; })) << Shows();
  ASSERT_TRUE(Eventually([&] { return Health() == HealthState::kOnline; }));
  int64_t seq = service_->Current(SignId("S1"))->seq;
  ASSERT_TRUE(Eventually([&] {
    auto r = store_->SignDisplayAt(SignId("S1"), SystemClock::Instance().Now());
    return r.ok() && *r && (*r)->seq == seq && (*r)->acknowledged.has_value();
  }));
  // A controller that connects later gets the content from the broker, retained.
  std::mutex mu;
  std::string retained;
  mqtt::Handlers handlers;
  handlers.on_message = [&](std::string_view, std::string_view payload, bool is_retained) {
    std::lock_guard lock(mu);
    if (is_retained) retained = std::string(payload);
  };
  auto late = mqtt::Client::Start(Mqtt("late"), std::move(handlers));
  ASSERT_TRUE(late.ok());
  ASSERT_TRUE((*late)->Subscribe(SignTopic(city_, "S1"), 1).ok());
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return !retained.empty();
  }));
  auto j = nlohmann::json::parse(retained);
  EXPECT_EQ(j["seq"], seq);
  EXPECT_EQ(j["lines"][0]["count"], 40);
}

TEST_F(MqttSignsTest, AHungControllerGoesOfflineAndReturns) {
  Count(40);
  ASSERT_TRUE(Eventually([&] { return Shows() == "40 green"; }));
  ASSERT_TRUE(Eventually([&] { return Health() == HealthState::kOnline; }));
  controller_->Pause(true);
  Count(15);
  ASSERT_TRUE(Eventually([&] { return Health() == HealthState::kOffline; }));
  EXPECT_NE(service_->Current(SignId("S1"))->health.reason.find("not acknowledged"),
            std::string::npos);
  EXPECT_EQ(Shows(), "40 green");  // the board still shows the old count
  controller_->Pause(false);
  ASSERT_TRUE(Eventually([&] { return Health() == HealthState::kOnline; }));
  EXPECT_EQ(Shows(), "15 green");
  // The fault log is written after the state change, outside the service's lock.
  std::vector<store::SignFaultRecord> faults;
  ASSERT_TRUE(Eventually([&] {
    faults = *store_->LoadSignFaults(SignId("S1"), Timestamp{},
                                     SystemClock::Instance().Now() + Seconds(1), 10);
    return faults.size() >= 2u;
  })) << faults.size();
  EXPECT_EQ(faults[0].kind, "offline");
  EXPECT_EQ(faults[1].kind, "online");
}

TEST_F(MqttSignsTest, AControllerThatVanishesIsOfflineByItsLastWillAndReconnects) {
  Count(40);
  ASSERT_TRUE(Eventually([&] { return Shows() == "40 green"; }));
  ASSERT_TRUE(Eventually([&] { return Health() == HealthState::kOnline; }));
  controller_->client().DropConnectionForTest();
  ASSERT_TRUE(Eventually([&] {
    auto s = service_->Current(SignId("S1"));
    return s->health.state == HealthState::kOffline &&
           s->health.reason.find("last will") != std::string::npos;
  }));
  // libmosquitto reconnects by itself; the controller says "online" and heart-beats again.
  ASSERT_TRUE(Eventually([&] { return Health() == HealthState::kOnline; }));
}

}  // namespace
}  // namespace pg::signs
