#include "state/live_state.h"

#include <gtest/gtest.h>

namespace pg::state {
namespace {

using model::Observation;
using model::ObservationType;

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

std::shared_ptr<const registry::Registry> MakeRegistry(const std::string& opening_hours = "") {
  model::RegistryData data;
  model::City city;
  city.id = "test";
  city.name.en = "Test";
  data.city = city;
  model::Facility f;
  f.id = model::FacilityId("F1");
  f.location = {34, 113};
  f.capacity.total = 100;
  f.capacity.by_category[model::SpaceCategory::kEv] = 10;
  f.opening_hours = opening_hours;
  data.facilities.push_back(f);
  model::Source s;
  s.id = model::SourceId("gate");
  s.scope.all = true;
  s.expected_interval = std::chrono::seconds(60);
  data.sources.push_back(s);
  return *registry::Registry::Build(std::move(data));
}

Observation Count(const char* time, std::optional<int> free, std::optional<int64_t> seq = {}) {
  Observation o;
  o.type = ObservationType::kFacilityCount;
  o.source = model::SourceId("gate");
  o.time = T(time);
  o.target = "F1";
  o.free = free;
  o.seq = seq;
  return o;
}

FacilityView View(LiveState& state, const char* now) {
  auto reg = state.registry();
  return ViewFacility(*reg, *state.Snapshot(), *reg->FindFacility(model::FacilityId("F1")), T(now));
}

TEST(LiveState, OlderObservationNeverOverwritesNewer) {
  LiveState state(MakeRegistry());
  EXPECT_EQ(state.Apply(Count("2026-11-28T08:05:00Z", 30)).result, ApplyResult::kApplied);
  EXPECT_EQ(state.Apply(Count("2026-11-28T08:00:00Z", 90)).result, ApplyResult::kOutOfOrder);
  FacilityView v = View(state, "2026-11-28T08:06:00Z");
  EXPECT_EQ(v.free, 30);
  EXPECT_EQ(v.occupied, 70);
}

TEST(LiveState, SameSourceAndSeqIsAcceptedOnce) {
  LiveState state(MakeRegistry());
  EXPECT_EQ(state.Apply(Count("2026-11-28T08:00:00Z", 30, 17)).result, ApplyResult::kApplied);
  EXPECT_EQ(state.Apply(Count("2026-11-28T08:01:00Z", 20, 17)).result, ApplyResult::kDuplicate);
  EXPECT_EQ(View(state, "2026-11-28T08:01:00Z").free, 30);
}

TEST(LiveState, CountsOutsideCapacityAreClampedAndFlagged) {
  LiveState state(MakeRegistry());
  ApplyOutcome o = state.Apply(Count("2026-11-28T08:00:00Z", 130));  // free > capacity
  EXPECT_TRUE(o.clamped);
  EXPECT_EQ(View(state, "2026-11-28T08:00:30Z").free, 100);
  o = state.Apply(Count("2026-11-28T08:01:00Z", -5));
  EXPECT_TRUE(o.clamped);
  FacilityView v = View(state, "2026-11-28T08:01:30Z");
  EXPECT_EQ(v.free, 0);
  EXPECT_EQ(v.state, OccupancyState::kFull);
}

TEST(LiveState, StaleDataIsUnknownNeverFree) {
  LiveState state(MakeRegistry());
  state.Apply(Count("2026-11-28T08:00:00Z", 50));
  // Interval 60 s × factor 3: fresh until 08:03.
  EXPECT_EQ(View(state, "2026-11-28T08:03:00Z").state, OccupancyState::kOpen);
  FacilityView v = View(state, "2026-11-28T08:03:01Z");
  EXPECT_EQ(v.state, OccupancyState::kUnknown);
  EXPECT_FALSE(v.free.has_value());
  EXPECT_FALSE(v.occupied.has_value());
}

TEST(LiveState, NoDataAtAllIsUnknown) {
  LiveState state(MakeRegistry());
  EXPECT_EQ(View(state, "2026-11-28T08:00:00Z").state, OccupancyState::kUnknown);
}

TEST(LiveState, EntriesAndExitsMoveTheCount) {
  LiveState state(MakeRegistry());
  state.Apply(Count("2026-11-28T08:00:00Z", 95));  // 5 occupied
  Observation entry = Count("2026-11-28T08:00:10Z", std::nullopt);
  entry.type = ObservationType::kEntry;
  entry.count = 3;
  state.Apply(entry);
  Observation exit = entry;
  exit.type = ObservationType::kExit;
  exit.time = T("2026-11-28T08:00:20Z");
  exit.count = 1;
  state.Apply(exit);
  EXPECT_EQ(View(state, "2026-11-28T08:00:30Z").occupied, 7);
}

TEST(LiveState, AlmostFullAndFullByOperator) {
  LiveState state(MakeRegistry());
  state.Apply(Count("2026-11-28T08:00:00Z", 8));
  EXPECT_EQ(View(state, "2026-11-28T08:00:30Z").state, OccupancyState::kAlmostFull);
  Observation full = Count("2026-11-28T08:00:40Z", std::nullopt);
  full.type = ObservationType::kFacilityStatus;
  full.facility_status = model::FacilityStatus::kFull;
  state.Apply(full);
  EXPECT_EQ(View(state, "2026-11-28T08:00:50Z").state, OccupancyState::kFull);
}

TEST(LiveState, ClosedOutsideOpeningHoursAndByOperator) {
  // 2026-11-28 is a Saturday; 08:00Z is 16:00 in Shanghai.
  LiveState state(MakeRegistry("Mo-Fr 08:00-20:00"));
  state.Apply(Count("2026-11-28T08:00:00Z", 50));
  EXPECT_EQ(View(state, "2026-11-28T08:00:30Z").state, OccupancyState::kClosed);

  LiveState open_state(MakeRegistry());
  open_state.Apply(Count("2026-11-28T08:00:00Z", 50));
  Observation closed = Count("2026-11-28T08:00:10Z", std::nullopt);
  closed.type = ObservationType::kFacilityStatus;
  closed.facility_status = model::FacilityStatus::kClosed;
  open_state.Apply(closed);
  FacilityView v = View(open_state, "2026-11-28T08:00:30Z");
  EXPECT_EQ(v.state, OccupancyState::kClosed);
  EXPECT_FALSE(v.free.has_value());
}

TEST(LiveState, PerClassCountsAndUnknownTargets) {
  LiveState state(MakeRegistry());
  state.Apply(Count("2026-11-28T08:00:00Z", 50));
  Observation ev = Count("2026-11-28T08:00:00Z", std::nullopt);
  ev.occupied = 4;
  ev.category = model::SpaceCategory::kEv;
  state.Apply(ev);
  FacilityView v = View(state, "2026-11-28T08:00:30Z");
  ASSERT_EQ(v.by_category.size(), 1u);
  EXPECT_EQ(v.by_category[0].free, 6);
  EXPECT_EQ(v.by_category[0].capacity, 10);
  Observation stray = Count("2026-11-28T08:00:00Z", 1);
  stray.target = "F404";
  EXPECT_EQ(state.Apply(stray).result, ApplyResult::kUnknownTarget);
}

TEST(LiveState, SnapshotsAreImmutableAndListenersHearChanges) {
  LiveState state(MakeRegistry());
  int heard = 0;
  state.Subscribe([&](const LiveChange& c) {
    ++heard;
    EXPECT_EQ(c.observation.target, "F1");
  });
  state.Apply(Count("2026-11-28T08:00:00Z", 50));
  auto before = state.Snapshot();
  state.Apply(Count("2026-11-28T08:01:00Z", 40));
  EXPECT_EQ(before->facilities.at("F1").total->occupied, 50);
  EXPECT_EQ(state.Snapshot()->facilities.at("F1").total->occupied, 60);
  EXPECT_GT(state.Snapshot()->version, before->version);
  EXPECT_EQ(heard, 2);
}

}  // namespace
}  // namespace pg::state
