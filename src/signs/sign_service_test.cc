#include "signs/sign_service.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <condition_variable>

#include "core/text_bounds.h"
#include "events/event_bus.h"
#include "signs/controller_sim.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::signs {
namespace {

using model::FacilityId;
using model::SignId;

Timestamp T0() { return *ParseRfc3339("2026-11-30T08:00:00+08:00"); }

std::shared_ptr<const registry::Registry> MakeRegistry() {
  model::RegistryData data;
  model::City city;
  city.id = "test";
  data.city = city;
  for (const char* id : {"F1", "F2"}) {
    model::Facility f;
    f.id = FacilityId(id);
    f.location = {34, 113};
    f.capacity.total = 100;
    data.facilities.push_back(f);
  }
  model::Source s;
  s.id = model::SourceId("gate");
  s.scope.all = true;
  s.expected_interval = std::chrono::seconds(60);
  data.sources.push_back(s);
  model::Sign sign;
  sign.id = SignId("S1");
  sign.location = {34, 113};
  sign.level = model::SignLevel::kRoute;
  sign.lines = {{{FacilityId("F1")}, model::Arrow::kLeft, {"一号", "One"}},
                {{FacilityId("F2")}, model::Arrow::kRight, {"二号", "Two"}}};
  sign.controller_id = "C1";
  data.signs.push_back(sign);
  return *registry::Registry::Build(std::move(data));
}

// Records what is published, in order.
class Recorder final : public SignPublisher {
 public:
  Status Publish(const SignMessage& m) override {
    std::lock_guard lock(mutex_);
    messages_.push_back(m);
    cv_.notify_all();
    return fail_ ? Unavailable("broker down") : Status::Ok();
  }
  std::vector<SignMessage> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  bool WaitFor(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
  }
  void set_fail(bool fail) { fail_ = fail; }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<SignMessage> messages_;
  std::atomic<bool> fail_{false};
};

class SignServiceTest : public ::testing::Test {
 protected:
  SignServiceTest() : clock_(T0()), live_(MakeRegistry(), {}, &clock_, &bus_) {
    store_ = std::move(*store::OpenSqliteStore(dir_.File("city.db")));
  }

  std::unique_ptr<SignService> MakeService(SignServiceOptions options = {}) {
    options.min_publish_interval = std::chrono::milliseconds(0);
    auto s = std::make_unique<SignService>(options, clock_, *store_, FromLiveState(live_));
    EXPECT_TRUE(s->Load().ok());
    s->AddPublisher(recorder_);
    return s;
  }

  void Count(const char* facility, int free) {
    model::Observation o;
    o.type = model::ObservationType::kFacilityCount;
    o.source = model::SourceId("gate");
    o.time = clock_.Now();
    o.seq = ++seq_;
    o.target = facility;
    o.free = free;
    ASSERT_EQ(live_.Apply(o).result, state::ApplyResult::kApplied);
  }

  testing::TempDir dir_;
  FakeClock clock_;
  events::EventBus bus_;
  state::LiveState live_;
  std::unique_ptr<store::Store> store_;
  Recorder recorder_;
  int64_t seq_ = 0;
};

TEST_F(SignServiceTest, RestartResumesSeqAndHysteresisWithoutFlicker) {
  {
    auto service = MakeService();
    Count("F1", 0);
    Count("F2", 50);
    service->Step();
    EXPECT_EQ(Describe(service->Current(SignId("S1"))->content), "FULL, 50 green");
    EXPECT_EQ(service->Current(SignId("S1"))->seq, 1);
  }
  // A new process: same store, the count is now inside FULL's band (2 < 3 free).
  clock_.Advance(std::chrono::seconds(5));
  Count("F1", 2);
  auto service = MakeService();
  auto before = service->Current(SignId("S1"));
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->seq, 1);
  EXPECT_EQ(Describe(before->content), "FULL, 50 green");
  service->Step();
  auto after = service->Current(SignId("S1"));
  EXPECT_EQ(Describe(after->content), "FULL, 50 green");  // not "2 amber": memory resumed
  EXPECT_EQ(after->seq, 1);                               // nothing new to publish
}

TEST_F(SignServiceTest, StartRepublishesWhatIsShownWithTheSameSeq) {
  auto service = MakeService();
  Count("F1", 40);
  Count("F2", 40);
  service->Step();
  ASSERT_EQ(recorder_.messages().size(), 1u);
  service->RepublishAll();
  service->Step();
  auto messages = recorder_.messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1].seq, 1);
  EXPECT_EQ(messages[1].payload, messages[0].payload);
  EXPECT_EQ(messages[1].controller_id, "C1");
  // The payload is the controller contract's: no basis, the sign's format.
  auto j = nlohmann::json::parse(messages[0].payload);
  EXPECT_EQ(j["sign"], "S1");
  EXPECT_EQ(j["seq"], 1);
  EXPECT_EQ(j["digits"], 3);
  EXPECT_EQ(j["time"], "2026-11-30T08:00:00+08:00");
  EXPECT_EQ(j["lines"][0]["text"]["en"], "40");
  EXPECT_EQ(j["lines"][1]["label"]["zh"], "二号");
  EXPECT_FALSE(j["lines"][0].contains("basis"));
}

TEST_F(SignServiceTest, PublishFailuresAreCountedAndContentStillRecorded) {
  auto service = MakeService();
  recorder_.set_fail(true);
  Count("F1", 40);
  service->Step();
  EXPECT_EQ(service->stats().publish_failures, 1u);
  auto record = store_->SignDisplayAt(SignId("S1"), clock_.Now());
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->seq, 1);
}

TEST_F(SignServiceTest, AcknowledgementsOfUnpublishedSeqsAreRefused) {
  auto service = MakeService();
  Count("F1", 40);
  service->Step();
  EXPECT_FALSE(service->OnAck(SignId("S1"), 2, clock_.Now()));
  EXPECT_FALSE(service->OnAck(SignId("nope"), 1, clock_.Now()));
  EXPECT_TRUE(service->OnAck(SignId("S1"), 1, clock_.Now()));
  service->Step();
  EXPECT_EQ((*store_->SignDisplayAt(SignId("S1"), clock_.Now()))->acknowledged, clock_.Now());
  EXPECT_FALSE(service->OnHeartbeat("C9", clock_.Now()));
}

TEST_F(SignServiceTest, ControllerFaultsAndItsGoingAwayAreLogged) {
  auto service = MakeService();
  Count("F1", 40);
  service->Step();
  ASSERT_TRUE(service->OnHeartbeat("C1", clock_.Now(), {"LED module 3 dark"}));
  ASSERT_TRUE(service->OnAck(SignId("S1"), 1, clock_.Now()));
  service->Step();
  EXPECT_EQ(service->Current(SignId("S1"))->health.state, HealthState::kOnline);
  EXPECT_EQ(service->Current(SignId("S1"))->health.controller_faults,
            std::vector<std::string>{"LED module 3 dark"});
  service->OnControllerGone("C1", clock_.Now(), "MQTT connection lost (last will)");
  clock_.Advance(std::chrono::seconds(1));
  service->Step();
  auto health = service->Current(SignId("S1"))->health;
  EXPECT_EQ(health.state, HealthState::kOffline);
  EXPECT_NE(health.reason.find("last will"), std::string::npos);
  auto faults = *store_->LoadSignFaults(SignId("S1"), Timestamp{}, clock_.Now() + Seconds(1), 10);
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0].kind, "controller_fault");
  EXPECT_EQ(faults[0].detail, "LED module 3 dark");
  EXPECT_EQ(faults[1].kind, "offline");
}

TEST_F(SignServiceTest, OverridesAreValidatedAndAudited) {
  auto service = MakeService();
  OverrideRequest r;
  r.sign = SignId("S1");
  r.text = {"施工", "WORKS"};
  r.reason = "road works";
  r.by = "ops-1";
  r.expires = clock_.Now() + std::chrono::minutes(30);
  r.line = 2;
  EXPECT_EQ(service->SetOverride(r).status().field(), "line");
  r.line = 1;
  r.reason.clear();
  EXPECT_EQ(service->SetOverride(r).status().field(), "reason");
  r.reason = "road works";
  r.expires = clock_.Now();
  EXPECT_EQ(service->SetOverride(r).status().field(), "expires");
  r.expires = clock_.Now() + std::chrono::hours(24 * 8);
  EXPECT_EQ(service->SetOverride(r).status().field(), "expires");
  r.expires = clock_.Now() + std::chrono::minutes(30);
  r.sign = SignId("S9");
  EXPECT_EQ(service->SetOverride(r).status().code(), StatusCode::kNotFound);
  r.sign = SignId("S1");
  auto first = service->SetOverride(r);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  r.text = {"封路", "ROAD CLOSED"};
  auto second = service->SetOverride(r);  // same line: replaces the first
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(service->Current(SignId("S1"))->overrides.size(), 1u);
  auto audit = *store_->LoadSignOverrides(nullptr, false, 10);
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[1].id, first->id);
  EXPECT_EQ(audit[1].end_reason, fmt::format("replaced by override {}", second->id));
  EXPECT_EQ(*service->ClearOverrides(SignId("S1"), std::nullopt, "ops-2", "reopened"), 1);
  EXPECT_EQ(*service->ClearOverrides(SignId("S1"), std::nullopt, "ops-2", "again"), 0);
}

// Finding (issue 16): a 20 MB fault list in one heartbeat became the sign's health and stayed in
// the fault log. Whatever a channel that cannot refuse (MQTT) delivers, what is kept is bounded.
TEST_F(SignServiceTest, AHugeFaultListIsKeptCutToTheLimits) {
  auto service = MakeService();
  Count("F1", 40);
  service->Step();
  std::vector<std::string> faults(100'000, std::string(200, 'x'));
  faults[0] = std::string(1'000'000, 'y');
  faults[1] = "door\nopen\x1b[2J";
  ASSERT_TRUE(service->OnHeartbeat("C1", clock_.Now(), std::move(faults)));
  service->Step();
  auto kept = service->Current(SignId("S1"))->health.controller_faults;
  ASSERT_EQ(kept.size(), kMaxControllerFaults);
  for (const auto& f : kept) EXPECT_TRUE(CheckPlainText(f, "f", kMaxFaultChars).ok()) << f;
  auto log = *store_->LoadSignFaults(SignId("S1"), Timestamp{}, clock_.Now() + Seconds(1), 10);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_LE(CountChars(log[0].detail), kMaxFaultDetailChars);
}

TEST(ControllerFaults, AreCheckedByCountLengthAndCharacters) {
  struct Case {
    const char* what;
    std::vector<std::string> faults;
    const char* field;  // nullptr: accepted
  };
  const Case cases[] = {
      {"none", {}, nullptr},
      {"32 of 200 characters", std::vector<std::string>(32, std::string(200, 'f')), nullptr},
      {"33 faults", std::vector<std::string>(33, "f"), "faults"},
      {"one of 201 characters", {"ok", std::string(201, 'f')}, "faults[1]"},
      {"a control character", {"LED\x07"}, "faults[0]"},
      {"a C1 control character", {"LED\xC2\x9B"}, "faults[0]"},
      {"not UTF-8", {"LED\xFF"}, "faults[0]"},
  };
  for (const auto& c : cases) {
    Status s = CheckControllerFaults(c.faults);
    if (c.field == nullptr) {
      EXPECT_TRUE(s.ok()) << c.what << ": " << s.ToString();
      EXPECT_EQ(BoundControllerFaults(c.faults), c.faults) << c.what;
    } else {
      EXPECT_EQ(s.field(), c.field) << c.what;
      EXPECT_TRUE(CheckControllerFaults(BoundControllerFaults(c.faults)).ok()) << c.what;
    }
  }
}

// Finding (issue 16): control characters in an override's text reached the sign controllers, and
// a 1 MB reason was stored.
TEST_F(SignServiceTest, OverrideTextsAndReasonsAreBoundedPlainText) {
  auto service = MakeService();
  OverrideRequest r;
  r.sign = SignId("S1");
  r.by = "ops-1";
  r.expires = clock_.Now() + std::chrono::minutes(30);
  r.line = 0;
  struct Case {
    const char* what;
    model::LocalizedName text;
    std::string reason;
    const char* field;  // nullptr: accepted
  };
  const Case cases[] = {
      {"ordinary", {"施工", "WORKS"}, "road works", nullptr},
      {"64 characters", {std::string(64, 'z'), ""}, "road works", nullptr},
      {"65 characters", {"", std::string(65, 'e')}, "road works", "text.en"},
      {"an escape sequence", {"\x1b[5m施工", ""}, "road works", "text.zh"},
      {"a newline", {"", "ROAD\nCLOSED"}, "road works", "text.en"},
      {"a reason of 500", {"施工", ""}, std::string(500, 'r'), nullptr},
      {"a reason of 1 MB", {"施工", ""}, std::string(1 << 20, 'r'), "reason"},
      {"a bell in the reason", {"施工", ""}, "road\aworks", "reason"},
  };
  for (const auto& c : cases) {
    r.text = c.text;
    r.reason = c.reason;
    auto set = service->SetOverride(r);
    if (c.field == nullptr) {
      EXPECT_TRUE(set.ok()) << c.what << ": " << set.status().ToString();
    } else {
      EXPECT_EQ(set.status().code(), StatusCode::kInvalidArgument) << c.what;
      EXPECT_EQ(set.status().field(), c.field) << c.what;
    }
  }
  auto cleared = service->ClearOverrides(SignId("S1"), std::nullopt, "ops-1", "ok\x1b");
  EXPECT_EQ(cleared.status().field(), "reason");
  EXPECT_EQ(service->Current(SignId("S1"))->overrides.size(), 1u) << "nothing ended";
}

TEST_F(SignServiceTest, ConfigIsValidatedStoredAndReloaded) {
  auto service = MakeService();
  SignConfig bad;
  bad.facility_rules["F9"].buffer = 3;
  Status s = service->SetConfig(bad);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.field(), "facilities.F9");
  SignConfig good;
  good.sign_rules["S1"].buffer = 10;
  ASSERT_TRUE(service->SetConfig(good).ok());
  Count("F1", 40);
  Count("F2", 40);
  service->Step();
  EXPECT_EQ(Describe(service->Current(SignId("S1"))->content), "30 green, 30 green");
  auto reloaded = MakeService();
  EXPECT_EQ(*reloaded->config(), good);
}

TEST_F(SignServiceTest, TheWorkerPublishesAChangeWithoutWaitingForItsScan) {
  SystemClock& clock = SystemClock::Instance();
  SignServiceOptions options;
  options.min_publish_interval = std::chrono::milliseconds(0);
  options.scan_interval = std::chrono::hours(1);  // only the change itself can wake it
  SignService service(options, clock, *store_, FromLiveState(live_));
  ASSERT_TRUE(service.Load().ok());
  service.AddPublisher(recorder_);
  uint64_t subscription = bus_.SubscribeFrom(std::nullopt, [&](const events::EventPtr& e) {
    service.OnEvent(*e);
    return true;
  });
  service.Start();
  ASSERT_TRUE(recorder_.WaitFor(1, std::chrono::seconds(5)));  // the first round: "--, --"
  model::Observation o;
  o.type = model::ObservationType::kFacilityCount;
  o.source = model::SourceId("gate");
  o.time = clock.Now();
  o.target = "F1";
  o.free = 33;
  live_.Apply(o);
  ASSERT_TRUE(recorder_.WaitFor(2, std::chrono::seconds(10)));
  bus_.Unsubscribe(subscription);
  service.Stop();
  auto messages = recorder_.messages();
  EXPECT_EQ(Describe(*SignContentFromJson(nlohmann::json::parse(messages.back().payload))),
            "33 green, --");
}

}  // namespace
}  // namespace pg::signs

namespace pg::signs {
namespace {

// An EV line of a car park that does not count its EV spaces shows its chargers' connectors a
// new driver may use; a car park that counts them shows its count; none believed: unknown.
TEST(EvLines, ShowTheChargersWhereTheCarParkDoesNotCountItsEvSpaces) {
  const Timestamp now = *ParseRfc3339("2026-11-30T10:00:00+08:00");
  model::RegistryData data;
  model::City city;
  city.id = "ev";
  data.city = city;
  model::Facility f;
  f.id = model::FacilityId("F");
  f.location = {34.0, 113.8};
  f.capacity.total = 100;
  f.capacity.by_category[model::SpaceCategory::kEv] = 10;
  data.facilities.push_back(f);
  for (const char* id : {"C1", "C2"}) {
    model::Charger c;
    c.id = model::ChargerId(id);
    c.facility = f.id;
    c.location = f.location;
    c.connectors = {{1, model::ConnectorType::kGbtDc, 60}, {2, model::ConnectorType::kGbtDc, 60}};
    data.chargers.push_back(c);
  }
  model::Source s;
  s.id = model::SourceId("src");
  s.scope.all = true;
  s.expected_interval = std::chrono::seconds(60);
  data.sources.push_back(s);
  state::LiveState live(*registry::Registry::Build(data));
  auto apply = [&](model::ObservationType type, const char* target, auto&& set) {
    model::Observation o;
    o.type = type;
    o.source = s.id;
    o.time = now - std::chrono::seconds(10);
    o.target = target;
    set(o);
    live.Apply(o);
  };
  apply(model::ObservationType::kFacilityCount, "F", [](auto& o) { o.occupied = 50; });
  auto ev_of = [&] {
    state::FacilityView v = FromLiveState(live)().view(f, now);
    for (const auto& c : v.by_category) {
      if (c.category == model::SpaceCategory::kEv) return std::optional(c);
    }
    return std::optional<state::FacilityView::Category>();
  };
  EXPECT_FALSE(ev_of() && ev_of()->free) << "no charger reported yet: unknown";
  apply(model::ObservationType::kCharger, "C1", [](auto& o) {
    o.connector = 1;
    o.charger_status = model::ChargerStatus::kAvailable;
  });
  apply(model::ObservationType::kCharger, "C1", [](auto& o) {
    o.connector = 2;
    o.charger_status = model::ChargerStatus::kCharging;
  });
  ASSERT_TRUE(ev_of());
  EXPECT_EQ(ev_of()->free, 1);      // C1's connector 1; C2 never reported counts as not free
  EXPECT_EQ(ev_of()->capacity, 4);  // every connector in service
  apply(model::ObservationType::kFacilityCount, "F", [](auto& o) {
    o.category = model::SpaceCategory::kEv;
    o.occupied = 3;
  });
  ASSERT_TRUE(ev_of());
  EXPECT_EQ(ev_of()->free, 7);  // the car park counts its EV spaces: the count wins
}

}  // namespace
}  // namespace pg::signs
