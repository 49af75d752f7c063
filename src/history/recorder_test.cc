#include "history/recorder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::history {
namespace {

using std::chrono::minutes;

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

model::RegistryData City() {
  model::RegistryData data;
  model::City city;
  city.id = "t";
  data.city = city;
  model::Facility f;
  f.id = model::FacilityId("F1");
  f.location = {34.0, 113.8};
  f.capacity.total = 100;
  data.facilities.push_back(f);
  model::Bay bay;
  bay.id = model::BayId("B1");
  bay.facility = f.id;
  bay.location = f.location;
  data.bays.push_back(bay);
  model::Source gate;
  gate.id = model::SourceId("gate");
  gate.scope.all = true;
  gate.expected_interval = std::chrono::hours(1);  // nothing goes stale in these tests
  data.sources.push_back(gate);
  return data;
}

class RecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *store::OpenSqliteStore(dir_.File("city.db"));
    ASSERT_TRUE(store_->WriteRegistry(City(), store::RegistryWriteMode::kUpsert).ok());
    live_ = std::make_unique<state::LiveState>(*registry::Registry::Build(City()),
                                               state::LiveRules{}, &clock_, &bus_);
    bus_.SubscribeFrom(std::nullopt, [this](const events::EventPtr& e) {
      std::lock_guard lock(mu_);
      events_.push_back(e);
      return true;
    });
    recorder_ = std::make_unique<Recorder>(*live_, *store_, clock_);
  }

  void Occupied(const char* time, int occupied) {
    model::Observation o;
    o.type = model::ObservationType::kFacilityCount;
    o.source = model::SourceId("gate");
    o.time = T(time);
    o.target = "F1";
    o.occupied = occupied;
    clock_.Set(T(time));
    live_->Apply(o);
  }

  // Hands the recorder the bus's events so far, as its subscription would.
  void Deliver(size_t expected) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mu_);
        if (events_.size() >= expected) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard lock(mu_);
    ASSERT_EQ(events_.size(), expected);
    for (const auto& e : events_) recorder_->OnEvent(*e);
    events_.clear();
  }

  testing::TempDir dir_;
  FakeClock clock_{T("2026-11-28T08:00:00Z")};
  events::EventBus bus_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<state::LiveState> live_;
  std::unique_ptr<Recorder> recorder_;
  std::mutex mu_;
  std::vector<events::EventPtr> events_;  // guarded by mu_
};

TEST_F(RecorderTest, AChangeBetweenTicksEntersTheRollupAtTheTimeItHappened) {
  Occupied("2026-11-28T08:00:00Z", 40);
  Deliver(1);
  recorder_->Tick();
  Occupied("2026-11-28T08:01:00Z", 80);  // 40 for one minute, then 80 for four
  Deliver(1);
  clock_.Set(T("2026-11-28T08:05:00Z"));
  recorder_->Tick();
  auto rollups = store_->LoadRollups(model::OccupancyRollup::Kind::kFacility, "F1", minutes(5),
                                     T("2026-11-28T08:00:00Z"), T("2026-11-28T08:10:00Z"));
  ASSERT_TRUE(rollups.ok()) << rollups.status().ToString();
  ASSERT_EQ(rollups->size(), 1u);
  EXPECT_EQ((*rollups)[0].start, T("2026-11-28T08:00:00Z"));
  EXPECT_DOUBLE_EQ((*rollups)[0].mean_occupied, 72.0) << "sampled at the ticks alone it is 40";
  EXPECT_EQ((*rollups)[0].min_occupied, 40);
  EXPECT_EQ((*rollups)[0].max_occupied, 80);
  EXPECT_DOUBLE_EQ((*rollups)[0].coverage, 1.0);
}

TEST_F(RecorderTest, EachSlotIsSampledOnce) {
  Occupied("2026-11-28T08:00:00Z", 40);
  recorder_->Tick();
  Occupied("2026-11-28T08:02:00Z", 60);  // same slot: not sampled again
  recorder_->Tick();
  Occupied("2026-11-28T08:05:10Z", 70);
  recorder_->Tick();
  auto samples = store_->LoadOccupancy(model::FacilityId("F1"), T("2026-11-28T07:00:00Z"),
                                       T("2026-11-28T09:00:00Z"));
  ASSERT_TRUE(samples.ok());
  ASSERT_EQ(samples->size(), 2u);
  EXPECT_EQ((*samples)[0].time, T("2026-11-28T08:00:00Z"));
  EXPECT_EQ((*samples)[0].occupied, 40);
  EXPECT_EQ((*samples)[1].time, T("2026-11-28T08:05:00Z"));
  EXPECT_EQ((*samples)[1].occupied, 70);
}

TEST_F(RecorderTest, BayChangesAndRunningTotalsAreStored) {
  std::atomic<int64_t> answered{5};
  recorder_->AddTotalCounter({"guidance.queries", &answered});
  model::Observation o;
  o.type = model::ObservationType::kBay;
  o.source = model::SourceId("gate");
  o.time = T("2026-11-28T08:00:00Z");
  o.target = "B1";
  o.bay_occupied = true;
  live_->Apply(o);
  recorder_->Tick();
  answered = 7;
  recorder_->Tick();
  recorder_->Tick();  // nothing new: nothing added
  auto bays = store_->LoadBayEvents(T("2026-11-28T07:00:00Z"), T("2026-11-28T09:00:00Z"));
  ASSERT_TRUE(bays.ok());
  ASSERT_EQ(bays->size(), 1u);
  EXPECT_EQ((*bays)[0].bay.str(), "B1");
  auto total =
      store_->CounterSum("guidance.queries", T("2026-11-28T07:00:00Z"), T("2026-11-28T09:00:00Z"));
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(*total, 7);
}

}  // namespace
}  // namespace pg::history
