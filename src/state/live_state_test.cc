#include "state/live_state.h"
#include "state/live_change.h"

#include <gtest/gtest.h>

#include <map>

#include <algorithm>
#include <any>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

namespace pg::state {
namespace {

using model::Observation;
using model::ObservationType;

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

std::shared_ptr<const registry::Registry> MakeRegistry(const std::string& opening_hours = "",
                                                       bool with_capacity = true) {
  model::RegistryData data;
  model::City city;
  city.id = "test";
  city.name.en = "Test";
  data.city = city;
  model::Facility f;
  f.id = model::FacilityId("F1");
  f.location = {34, 113};
  if (with_capacity) {
    f.capacity.total = 100;
    f.capacity.by_category[model::SpaceCategory::kEv] = 10;
  }
  f.opening_hours = opening_hours;
  data.facilities.push_back(f);
  model::Facility zone;
  zone.id = model::FacilityId("Z1");
  zone.kind = model::FacilityKind::kOnStreet;
  zone.location = {34.001, 113.001};
  zone.capacity.total = 4;
  data.facilities.push_back(zone);
  for (int i = 1; i <= 4; ++i) {
    model::Bay b;
    b.id = model::BayId("B" + std::to_string(i));
    b.facility = zone.id;
    data.bays.push_back(b);
  }
  model::Charger c;
  c.id = model::ChargerId("C1");
  c.facility = f.id;
  c.connectors = {{1, model::ConnectorType::kGbtDc, 60}, {2, model::ConnectorType::kGbtAc, 7}};
  data.chargers.push_back(c);
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

// An OSM car park often has no capacity: a gate system's "42 free" must not read as full. Its
// capacity is taken as at least the most free spaces reported, until the registry gives one.
TEST(LiveState, FreeCountsOfAFacilityWithoutCapacityAreNotFull) {
  LiveState state(MakeRegistry("", /*with_capacity=*/false));
  ApplyOutcome o = state.Apply(Count("2026-11-28T08:00:00Z", 42));
  EXPECT_FALSE(o.clamped);
  FacilityView v = View(state, "2026-11-28T08:00:30Z");
  EXPECT_EQ(v.free, 42);
  EXPECT_EQ(v.state, OccupancyState::kOpen);
  state.Apply(Count("2026-11-28T08:10:00Z", 10));
  v = View(state, "2026-11-28T08:10:30Z");
  EXPECT_EQ(v.free, 10);
  EXPECT_EQ(v.capacity, 42);
  EXPECT_EQ(v.occupied, 32);
  state.Apply(Count("2026-11-28T08:20:00Z", 0));
  EXPECT_EQ(View(state, "2026-11-28T08:20:30Z").state, OccupancyState::kFull);

  // Cars counted, capacity unknown: the free spaces are unknown, not none.
  LiveState occupied_only(MakeRegistry("", /*with_capacity=*/false));
  Observation cars = Count("2026-11-28T08:00:00Z", std::nullopt);
  cars.occupied = 40;
  occupied_only.Apply(cars);
  v = View(occupied_only, "2026-11-28T08:00:30Z");
  EXPECT_EQ(v.state, OccupancyState::kUnknown);
  EXPECT_FALSE(v.free.has_value());
  EXPECT_EQ(v.occupied, 40);
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

TEST(LiveState, SnapshotsAreImmutable) {
  LiveState state(MakeRegistry());
  state.Apply(Count("2026-11-28T08:00:00Z", 50));
  auto before = state.Snapshot();
  state.Apply(Count("2026-11-28T08:01:00Z", 40));
  EXPECT_EQ(before->FindFacility("F1")->total.occupied, 50);
  EXPECT_EQ(state.Snapshot()->FindFacility("F1")->total.occupied, 60);
  EXPECT_GT(state.Snapshot()->version, before->version);
  EXPECT_EQ(state.Snapshot().get(), state.Snapshot().get()) << "no copy when nothing changed";
}

Observation Event(ObservationType type, const char* time, int count) {
  Observation o = Count(time, std::nullopt);
  o.type = type;
  o.count = count;
  return o;
}

TEST(LiveState, AuthoritativeCountCorrectsEntryExitDriftAndRecordsTheSize) {
  LiveState state(MakeRegistry());
  state.Apply(Count("2026-11-28T08:00:00Z", 90));  // 10 occupied
  state.Apply(Event(ObservationType::kEntry, "2026-11-28T08:01:00Z", 5));
  state.Apply(Event(ObservationType::kExit, "2026-11-28T08:02:00Z", 1));
  EXPECT_EQ(View(state, "2026-11-28T08:02:10Z").occupied, 14);
  state.Apply(Count("2026-11-28T08:03:00Z", 88));  // the gate system's own count: 12
  auto snap = state.Snapshot();
  EXPECT_EQ(snap->FindFacility("F1")->total.occupied, 12);
  ASSERT_EQ(snap->corrections.size(), 1u);
  EXPECT_EQ(snap->corrections[0].size(), -2);
  EXPECT_EQ(snap->corrections[0].facility, "F1");
  EXPECT_EQ(snap->FindSource("gate")->corrections, 1u);
  EXPECT_EQ(snap->FindSource("gate")->correction_spaces, 2u);
  // A count following a count is no correction.
  state.Apply(Count("2026-11-28T08:04:00Z", 80));
  EXPECT_EQ(state.Snapshot()->corrections.size(), 1u);
  // An entry older than the newest count is already in it.
  EXPECT_EQ(state.Apply(Event(ObservationType::kEntry, "2026-11-28T08:03:30Z", 1)).result,
            ApplyResult::kOutOfOrder);
}

TEST(LiveState, ScheduledResetSetsTheOffsetOfCarsKnownToStay) {
  LiveRules rules;
  rules.reset_minute_of_day = 3 * 60;  // 03:00 Shanghai = 19:00Z the day before
  rules.reset_offsets["F1"] = 7;
  LiveState state(MakeRegistry(), rules);
  state.Apply(Count("2026-11-28T10:00:00Z", 60));                           // 40 occupied
  state.Apply(Event(ObservationType::kEntry, "2026-11-28T12:00:00Z", 30));  // drifted to 70
  state.Apply(Event(ObservationType::kExit, "2026-11-28T15:00:00Z", 50));   // 20
  // The first event after 03:00 local resets to the offset, then applies.
  state.Apply(Event(ObservationType::kEntry, "2026-11-28T20:00:00Z", 2));
  auto snap = state.Snapshot();
  EXPECT_EQ(snap->FindFacility("F1")->total.occupied, 9);
  ASSERT_EQ(snap->corrections.size(), 1u);
  EXPECT_EQ(snap->corrections[0].kind, Correction::Kind::kReset);
  EXPECT_EQ(snap->corrections[0].before, 20);
  EXPECT_EQ(snap->corrections[0].after, 7);
  // No second reset the same night.
  state.Apply(Event(ObservationType::kEntry, "2026-11-28T21:00:00Z", 1));
  EXPECT_EQ(state.Snapshot()->FindFacility("F1")->total.occupied, 10);
  EXPECT_EQ(state.Snapshot()->corrections.size(), 1u);
}

TEST(LiveState, ClampsAreCountedOnTheSourceAsUnderflowOrOverflow) {
  LiveState state(MakeRegistry());
  state.Apply(Count("2026-11-28T08:00:00Z", 130));  // free > capacity: occupied −30
  state.Apply(Count("2026-11-28T08:01:00Z", -5));   // occupied 105
  auto source = *state.Snapshot()->FindSource("gate");
  EXPECT_EQ(source.underflow, 1u);
  EXPECT_EQ(source.overflow, 1u);
  EXPECT_EQ(source.accepted, 2u);
}

Observation BayObs(const char* bay, const char* time, bool occupied) {
  Observation o;
  o.type = ObservationType::kBay;
  o.source = model::SourceId("gate");
  o.target = bay;
  o.time = T(time);
  o.bay_occupied = occupied;
  return o;
}

TEST(LiveState, BaySensorsAggregateToTheirZone) {
  LiveState state(MakeRegistry());
  for (int i = 1; i <= 4; ++i) {
    std::string id = "B" + std::to_string(i);
    state.Apply(BayObs(id.c_str(), "2026-11-28T08:00:00Z", i <= 3));
  }
  auto reg = state.registry();
  const auto* zone = reg->FindFacility(model::FacilityId("Z1"));
  FacilityView v = ViewFacility(*reg, *state.Snapshot(), *zone, T("2026-11-28T08:00:10Z"));
  EXPECT_EQ(v.occupied, 3);
  EXPECT_EQ(v.free, 1);
  state.Apply(BayObs("B2", "2026-11-28T08:01:00Z", false));
  state.Apply(BayObs("B2", "2026-11-28T08:00:30Z", true));  // older: ignored
  v = ViewFacility(*reg, *state.Snapshot(), *zone, T("2026-11-28T08:01:10Z"));
  EXPECT_EQ(v.occupied, 2);
  EXPECT_EQ(state.Snapshot()->FindBay("B2")->since, T("2026-11-28T08:01:00Z"));
}

TEST(LiveState, UnknownConnectorIsNotResolved) {
  LiveState state(MakeRegistry());
  Observation o;
  o.type = ObservationType::kCharger;
  o.source = model::SourceId("gate");
  o.target = "C1";
  o.connector = 3;
  auto r = state.Resolve(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "connector");
  o.connector = 2;
  EXPECT_TRUE(state.Resolve(o).ok());
}

std::vector<Observation> Mixed() {
  std::vector<Observation> v;
  v.push_back(Count("2026-11-28T08:00:00Z", 50, 1));
  v.push_back(Event(ObservationType::kEntry, "2026-11-28T08:00:10Z", 2));
  v.push_back(BayObs("B1", "2026-11-28T08:00:20Z", true));
  v.push_back(BayObs("B3", "2026-11-28T08:00:25Z", true));
  Observation c;
  c.type = ObservationType::kCharger;
  c.source = model::SourceId("chargers");
  c.target = "C1";
  c.connector = 2;
  c.charger_status = model::ChargerStatus::kCharging;
  c.time = T("2026-11-28T08:00:30Z");
  v.push_back(c);
  v.push_back(Count("2026-11-28T08:01:00Z", 45, 2));
  v.push_back(Count("2026-11-28T08:01:00Z", 45, 2));  // duplicate
  v.push_back(Count("2026-11-28T07:01:00Z", 10));     // out of order
  return v;
}

TEST(LiveState, SerializeRestoreRoundTripsToTheSameBytes) {
  LiveState a(MakeRegistry());
  a.ApplyBatch(Mixed(), T("2026-11-28T08:01:05Z"));
  std::string bytes = a.Serialize();
  LiveState b(MakeRegistry());
  ASSERT_TRUE(b.Restore(bytes).ok());
  EXPECT_EQ(b.Serialize(), bytes);
  // And the restored state goes on exactly as the original.
  std::vector<Observation> more = {Count("2026-11-28T08:02:00Z", 44, 3),
                                   Count("2026-11-28T08:02:00Z", 44, 2)};
  a.ApplyBatch(more, T("2026-11-28T08:02:05Z"));
  b.ApplyBatch(more, T("2026-11-28T08:02:05Z"));
  EXPECT_EQ(a.Serialize(), b.Serialize());
  EXPECT_FALSE(b.Restore("garbage").ok());
}

TEST(LiveState, SourcesDeclaredBeforeARestoreKeepTheirSlotsAndIntervals) {
  LiveState a(MakeRegistry());
  a.DeclareSource(model::SourceId("other"), std::chrono::seconds(30));
  a.ApplyBatch(Mixed(), T("2026-11-28T08:01:05Z"));
  const std::string bytes = a.Serialize();
  // b hands out slots in another order before the restore, with its own intervals.
  LiveState b(MakeRegistry());
  b.DeclareSource(model::SourceId("late"), std::chrono::seconds(10));
  b.DeclareSource(model::SourceId("gate"), std::chrono::seconds(120));
  auto before = b.Snapshot();
  std::map<std::string, size_t> slot_before;
  for (size_t i = 0; i < before->sources.size(); ++i) slot_before[before->sources[i].id] = i;
  ASSERT_TRUE(b.Restore(bytes).ok());
  auto after = b.Snapshot();
  for (const auto& [id, slot] : slot_before) {
    ASSERT_LT(slot, after->sources.size());
    EXPECT_EQ(after->sources[slot].id, id) << "slot " << slot << " changed meaning";
  }
  auto expected = a.Snapshot();
  std::map<std::string, const SourceStats*> restored;
  for (const auto& src : after->sources) restored[src.id] = &src;
  for (const auto& src : expected->sources) {
    ASSERT_TRUE(restored.contains(src.id)) << src.id;
    EXPECT_EQ(restored[src.id]->accepted, src.accepted) << src.id;
  }
  EXPECT_EQ(restored["gate"]->expected_interval, std::chrono::seconds(120));  // b's, kept
  EXPECT_EQ(restored["late"]->expected_interval, std::chrono::seconds(10));
  // Every facility still names the source that last counted it.
  ASSERT_EQ(after->facilities.size(), expected->facilities.size());
  for (size_t f = 0; f < after->facilities.size(); ++f) {
    const uint32_t x = expected->facilities[f].last_source, y = after->facilities[f].last_source;
    ASSERT_EQ(x == kNoIndex, y == kNoIndex) << f;
    if (x != kNoIndex) {
      EXPECT_EQ(after->sources[y].id, expected->sources[x].id) << f;
    }
  }
}

TEST(LiveState, ChangesArePublishedOnTheBusOncePerTargetPerBatch) {
  events::EventBus bus;
  FakeClock clock(T("2026-11-28T08:01:10Z"));
  LiveState state(MakeRegistry(), {}, &clock, &bus);
  std::mutex mu;
  std::vector<events::EventPtr> seen;
  bus.SubscribeFrom(std::nullopt, [&](const events::EventPtr& e) {
    std::lock_guard lock(mu);
    seen.push_back(e);
    return true;
  });
  state.ApplyBatch(Mixed(), T("2026-11-28T08:01:05Z"));
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mu);
      if (seen.size() >= 3) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 3u);  // F1, Z1, C1
  EXPECT_EQ(seen[0]->type, "facility");
  EXPECT_EQ(seen[0]->subject, "F1");
  const auto* facility = std::any_cast<FacilityChange>(&seen[0]->payload);
  ASSERT_NE(facility, nullptr);
  EXPECT_EQ(facility->facility->id.str(), "F1");
  EXPECT_EQ(facility->view.free, 45);
  EXPECT_EQ(seen[1]->type, "zone");
  EXPECT_NE(std::any_cast<FacilityChange>(&seen[1]->payload), nullptr);
  EXPECT_EQ(seen[2]->type, "charger");
  const auto* charger = std::any_cast<ChargerChange>(&seen[2]->payload);
  ASSERT_NE(charger, nullptr);
  ASSERT_FALSE(charger->view.reported.empty());
  EXPECT_EQ(charger->view.reported.back().status, model::ChargerStatus::kCharging);
  EXPECT_EQ(seen[2]->id, 3u);
  EXPECT_EQ(state.Snapshot()->event_id, 3u);
}

TEST(LiveState, SilentSourceRaisesAnAlertOnceAndClearsWhenItIsBack) {
  LiveState state(MakeRegistry());
  state.ApplyBatch(std::vector{Count("2026-11-28T08:00:00Z", 50)}, T("2026-11-28T08:00:00Z"));
  EXPECT_TRUE(state.CheckSilence(T("2026-11-28T08:02:00Z")).empty());
  auto alerts = state.CheckSilence(T("2026-11-28T08:03:01Z"));  // 60 s × 3
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].source, "gate");
  EXPECT_TRUE(alerts[0].silent);
  EXPECT_TRUE(state.CheckSilence(T("2026-11-28T08:04:00Z")).empty()) << "raised once";
  state.ApplyBatch(std::vector{Count("2026-11-28T08:05:00Z", 50)}, T("2026-11-28T08:05:00Z"));
  alerts = state.CheckSilence(T("2026-11-28T08:05:01Z"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_FALSE(alerts[0].silent);
}

TEST(LiveState, SourceRateCountsCompleteMinutes) {
  LiveState state(MakeRegistry());
  std::vector<Observation> batch;
  for (int i = 0; i < 30; ++i) batch.push_back(Count("2026-11-28T08:00:00Z", 50));
  state.ApplyBatch(batch, T("2026-11-28T08:00:30Z"));
  const auto* s = state.Snapshot()->FindSource("gate");
  EXPECT_EQ(s->RatePerMinute(T("2026-11-28T08:00:40Z")), 0.0) << "the minute is not complete";
  EXPECT_DOUBLE_EQ(s->RatePerMinute(T("2026-11-28T08:01:10Z")), 3.0);  // 30 over 10 minutes
}

// Slots are numbered in order of first appearance; the bytes must not depend on it.
TEST(LiveState, SerializedBytesDoNotDependOnTheOrderSourcesWereFirstSeen) {
  LiveState a(MakeRegistry());
  LiveState b(MakeRegistry());
  a.DeclareSource(model::SourceId("zeta"), std::chrono::seconds(60));
  a.DeclareSource(model::SourceId("chargers"), std::chrono::seconds(0));
  b.DeclareSource(model::SourceId("chargers"), std::chrono::seconds(0));
  b.DeclareSource(model::SourceId("zeta"), std::chrono::seconds(60));
  a.ApplyBatch(Mixed(), T("2026-11-28T08:01:05Z"));
  b.ApplyBatch(Mixed(), T("2026-11-28T08:01:05Z"));
  EXPECT_EQ(a.Serialize(), b.Serialize());
}

// --- Chargers (ViewCharger) ---

Observation ChargerObs(const char* source, const char* time, int connector,
                       model::ChargerStatus status) {
  Observation o;
  o.type = ObservationType::kCharger;
  o.source = model::SourceId(source);
  o.target = "C1";
  o.connector = connector;
  o.charger_status = status;
  o.time = T(time);
  return o;
}

ChargerView ViewC1(const LiveState& state, const char* now) {
  return ViewCharger(*state.Snapshot(), *state.registry()->FindCharger(model::ChargerId("C1")),
                     T(now));
}

TEST(ViewCharger, NeverReportedIsUnknownAndNothingIsAvailable) {
  LiveState state(MakeRegistry());
  ChargerView v = ViewC1(state, "2026-11-28T08:00:00Z");
  EXPECT_EQ(v.state, ChargerState::kUnknown);
  EXPECT_FALSE(v.available.has_value());
  EXPECT_FALSE(v.ConnectorFree(1).has_value());
}

TEST(ViewCharger, StaleByTheIntervalOfTheSourceThatReportedIt) {
  LiveState state(MakeRegistry());
  // "gate" (all, 60 s) and an OCPP platform that reports every 20 minutes.
  state.DeclareSource(model::SourceId("ocpp"), std::chrono::minutes(20));
  state.Apply(ChargerObs("ocpp", "2026-11-28T08:00:00Z", 1, model::ChargerStatus::kAvailable));
  // 20 min × 3: fresh for an hour, whatever the default interval (5 min) or gate's say.
  ChargerView v = ViewC1(state, "2026-11-28T08:59:00Z");
  EXPECT_EQ(v.state, ChargerState::kFresh);
  EXPECT_EQ(v.available, 1);
  EXPECT_EQ(v.ConnectorFree(1), true);
  EXPECT_FALSE(v.ConnectorFree(2).has_value()) << "never reported";
  v = ViewC1(state, "2026-11-28T09:00:01Z");
  EXPECT_EQ(v.state, ChargerState::kStale);
  EXPECT_FALSE(v.available.has_value());
  EXPECT_FALSE(v.ConnectorFree(1).has_value());
  ASSERT_EQ(v.reported.size(), 1u) << "what was said is still shown";
  // Reported by gate (60 s) instead: stale after 3 minutes.
  state.Apply(ChargerObs("gate", "2026-11-28T09:10:00Z", 2, model::ChargerStatus::kCharging));
  EXPECT_EQ(ViewC1(state, "2026-11-28T09:13:00Z").state, ChargerState::kFresh);
  EXPECT_EQ(ViewC1(state, "2026-11-28T09:13:01Z").state, ChargerState::kStale);
}

TEST(ViewCharger, ASourceNeverHeardOfIsJudgedByTheSourcesThatMayWriteIt) {
  auto base = MakeRegistry();
  model::RegistryData copy;
  copy.facilities.assign(base->facilities().begin(), base->facilities().end());
  copy.chargers.assign(base->chargers().begin(), base->chargers().end());
  model::Source ocpp;
  ocpp.id = model::SourceId("ocpp");
  ocpp.scope.chargers = {model::ChargerId("C1")};
  ocpp.expected_interval = std::chrono::minutes(30);
  copy.sources.push_back(ocpp);
  LiveState state(*registry::Registry::Build(std::move(copy)));
  // An unregistered source writing it (as after a restore from a "PGS2" checkpoint, which did
  // not keep chargers' sources): the longest interval of the sources that may write it.
  state.DeclareSource(model::SourceId("unsaid"), std::chrono::seconds(0));
  state.Apply(ChargerObs("unsaid", "2026-11-28T08:00:00Z", 1, model::ChargerStatus::kAvailable));
  EXPECT_EQ(ViewC1(state, "2026-11-28T09:30:00Z").state, ChargerState::kFresh);
  EXPECT_EQ(ViewC1(state, "2026-11-28T09:30:01Z").state, ChargerState::kStale);
}

TEST(ViewCharger, FaultedAsAWholeOrOnEveryConnectorUntilAConnectorSpeaksAgain) {
  LiveState state(MakeRegistry());
  state.Apply(ChargerObs("gate", "2026-11-28T08:00:00Z", 1, model::ChargerStatus::kAvailable));
  state.Apply(ChargerObs("gate", "2026-11-28T08:00:10Z", 0, model::ChargerStatus::kFaulted));
  ChargerView v = ViewC1(state, "2026-11-28T08:01:00Z");
  EXPECT_EQ(v.state, ChargerState::kFaulted);
  EXPECT_EQ(v.available, 0) << "connector 1's older Available does not count";
  EXPECT_EQ(v.ConnectorFree(1), false);
  EXPECT_EQ(v.ConnectorFree(2), false);
  state.Apply(ChargerObs("gate", "2026-11-28T08:00:20Z", 1, model::ChargerStatus::kAvailable));
  v = ViewC1(state, "2026-11-28T08:01:00Z");
  EXPECT_EQ(v.state, ChargerState::kFresh) << "a newer report: the charger works again";
  EXPECT_EQ(v.available, 1);
  state.Apply(ChargerObs("gate", "2026-11-28T08:00:30Z", 1, model::ChargerStatus::kFaulted));
  state.Apply(ChargerObs("gate", "2026-11-28T08:00:30Z", 2, model::ChargerStatus::kUnavailable));
  EXPECT_EQ(ViewC1(state, "2026-11-28T08:01:00Z").state, ChargerState::kFaulted);
  // A stale fault is stale, not faulted: nothing it said is believed.
  EXPECT_EQ(ViewC1(state, "2026-11-28T08:04:00Z").state, ChargerState::kStale);
}

TEST(ViewCharger, ChargingSitesCountOnlyWhatMayBeBelieved) {
  LiveState state(MakeRegistry());
  state.Apply(ChargerObs("gate", "2026-11-28T08:00:00Z", 1, model::ChargerStatus::kCharging));
  state.Apply(ChargerObs("gate", "2026-11-28T08:00:00Z", 2, model::ChargerStatus::kAvailable));
  auto reg = state.registry();
  auto sites = ChargerSites(*reg, *state.Snapshot(), T("2026-11-28T08:01:00Z"));
  ASSERT_EQ(sites.size(), 1u);
  EXPECT_EQ(sites[0].known, 2);
  EXPECT_EQ(sites[0].busy, 1);
  EXPECT_EQ(sites[0].in_use, 1);
  sites = ChargerSites(*reg, *state.Snapshot(), T("2026-11-28T08:03:01Z"));
  EXPECT_EQ(sites[0].known, 0) << "stale: as unknown as a stale car park";
  state.Apply(ChargerObs("gate", "2026-11-28T08:04:00Z", 0, model::ChargerStatus::kFaulted));
  sites = ChargerSites(*reg, *state.Snapshot(), T("2026-11-28T08:04:30Z"));
  EXPECT_EQ(sites[0].known, 2);
  EXPECT_EQ(sites[0].busy, 2) << "every connector of a faulted charger";
}

TEST(ViewCharger, TheReportingSourceSurvivesACheckpointAndAPgs2CheckpointIsStillRead) {
  LiveState a(MakeRegistry());
  a.DeclareSource(model::SourceId("ocpp"), std::chrono::minutes(20));
  a.Apply(ChargerObs("ocpp", "2026-11-28T08:00:00Z", 1, model::ChargerStatus::kAvailable));
  const std::string bytes = a.Serialize();
  LiveState b(MakeRegistry());
  b.DeclareSource(model::SourceId("ocpp"), std::chrono::minutes(20));
  ASSERT_TRUE(b.Restore(bytes).ok());
  EXPECT_EQ(b.Serialize(), bytes);
  EXPECT_EQ(ViewC1(b, "2026-11-28T08:59:00Z").state, ChargerState::kFresh);
  // "PGS2": the same sections without the chargers' sources.
  LiveState quiet(MakeRegistry());
  quiet.Apply(Count("2026-11-28T08:00:00Z", 50));
  std::string v3 = quiet.Serialize();
  ASSERT_TRUE(v3.starts_with("PGS3"));
  ASSERT_EQ(v3.back(), '\0') << "no charger source: the last section is empty";
  std::string v2 = "PGS2" + v3.substr(4, v3.size() - 5);
  LiveState c(MakeRegistry());
  ASSERT_TRUE(c.Restore(v2).ok());
  EXPECT_EQ(c.Serialize(), v3);
}

void ExpectCharger(const std::any& payload, ChargerState state, std::optional<int> available) {
  const auto* change = std::any_cast<ChargerChange>(&payload);
  ASSERT_NE(change, nullptr);
  EXPECT_EQ(change->view.state, state);
  EXPECT_EQ(change->view.available, available);
}

TEST(ViewCharger, TheStreamsChargerEventsSayWhatViewChargerSays) {
  events::EventBus bus;
  FakeClock clock(T("2026-11-28T08:30:00Z"));
  LiveState state(MakeRegistry(), {}, &clock, &bus);
  state.DeclareSource(model::SourceId("ocpp"), std::chrono::minutes(20));
  std::mutex mu;
  std::vector<events::EventPtr> seen;
  bus.SubscribeFrom(std::nullopt, [&](const events::EventPtr& e) {
    std::lock_guard lock(mu);
    seen.push_back(e);
    return true;
  });
  // Ten minutes late: stale by gate's 60 s, fresh by the OCPP platform's 20 minutes.
  state.ApplyBatch(
      std::vector{ChargerObs("gate", "2026-11-28T08:20:00Z", 1, model::ChargerStatus::kAvailable)},
      clock.Now());
  state.ApplyBatch(
      std::vector{ChargerObs("ocpp", "2026-11-28T08:20:00Z", 2, model::ChargerStatus::kAvailable)},
      clock.Now());
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mu);
      if (seen.size() >= 2) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(seen.size(), 2u);
    ExpectCharger(seen[0]->payload, ChargerState::kStale, std::nullopt);
    ExpectCharger(seen[1]->payload, ChargerState::kFresh, 2);
  }
  // A new stream client's snapshot, an hour on: stale by the OCPP platform's own interval.
  auto snapshot = SnapshotEvents(*state.Snapshot(), T("2026-11-28T09:20:01Z"));
  auto charger = std::find_if(snapshot.begin(), snapshot.end(),
                              [](const events::Event& e) { return e.type == "charger"; });
  ASSERT_NE(charger, snapshot.end());
  ExpectCharger(charger->payload, ChargerState::kStale, std::nullopt);
  EXPECT_EQ(ViewC1(state, "2026-11-28T09:20:01Z").state, ChargerState::kStale);
  snapshot = SnapshotEvents(*state.Snapshot(), T("2026-11-28T09:19:59Z"));
  charger = std::find_if(snapshot.begin(), snapshot.end(),
                         [](const events::Event& e) { return e.type == "charger"; });
  ExpectCharger(charger->payload, ChargerState::kFresh, 2);
}

// --- Sequence numbers (state/sequence.h) ---

Observation Seq(const char* time, int64_t seq, std::optional<int64_t> boot = {}) {
  Observation o = Count(time, 50, seq);
  o.boot = boot;
  return o;
}

ApplyResult ApplyAt(LiveState& state, const Observation& o, const char* received) {
  return state.ApplyBatch(std::span(&o, 1), T(received)).front().result;
}

// The finding: one seq of 2^63 − 1 made every later seq of its source a duplicate, forever.
TEST(LiveStateSequence, ASeqBeyond2To53IsRefusedAndTheSourceKeepsWorking) {
  LiveState state(MakeRegistry());
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:00:00Z", 5), "2026-11-28T08:00:01Z"),
            ApplyResult::kApplied);
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:00:10Z", INT64_MAX), "2026-11-28T08:00:11Z"),
            ApplyResult::kSeqRefused);
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:00:20Z", 6), "2026-11-28T08:00:21Z"),
            ApplyResult::kApplied);
  const SourceStats* s = state.Snapshot()->FindSource("gate");
  EXPECT_EQ(s->last_seq, 6);
  EXPECT_EQ(s->seq_refused, 1u);
  EXPECT_EQ(s->accepted, 2u);
}

TEST(LiveStateSequence, ASeqWithinTheWindowAheadIsAcceptedBeyondItRefused) {
  LiveState state(MakeRegistry());
  ApplyAt(state, Seq("2026-11-28T08:00:00Z", 100), "2026-11-28T08:00:01Z");
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:00:10Z", 100 + 1'000'000), "2026-11-28T08:00:11Z"),
            ApplyResult::kApplied);
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:00:20Z", 100 + 2'000'001), "2026-11-28T08:00:21Z"),
            ApplyResult::kSeqRefused);
  EXPECT_EQ(state.Snapshot()->FindSource("gate")->last_seq, 1'000'100);
}

TEST(LiveStateSequence, ACounterRestartAfterSilenceStartsANewEpoch) {
  LiveState state(MakeRegistry());  // gate: every 60 s, so silent after 180 s
  ApplyAt(state, Seq("2026-11-28T08:00:00Z", 5000), "2026-11-28T08:00:01Z");
  // A reboot within the threshold, without boot: a lower seq is a duplicate, as before.
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:02:00Z", 1), "2026-11-28T08:02:01Z"),
            ApplyResult::kDuplicate);
  // Duplicates do not keep it from going silent: its seq has not advanced since 08:00:01.
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:03:05Z", 2), "2026-11-28T08:03:05Z"),
            ApplyResult::kApplied);
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:03:10Z", 3), "2026-11-28T08:03:10Z"),
            ApplyResult::kApplied);
  const SourceStats* s = state.Snapshot()->FindSource("gate");
  EXPECT_EQ(s->last_seq, 3);
  EXPECT_EQ(s->seq_epoch, 2u);
  EXPECT_EQ(s->seq_restarts, 1u);
  EXPECT_EQ(s->duplicate, 1u);
  EXPECT_EQ(View(state, "2026-11-28T08:03:20Z").free, 50);
}

TEST(LiveStateSequence, ANewBootResetsTheSequenceAnOldBootIsADuplicate) {
  LiveState state(MakeRegistry());
  ApplyAt(state, Seq("2026-11-28T08:00:00Z", 900, 4), "2026-11-28T08:00:01Z");
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:00:30Z", 1, 5), "2026-11-28T08:00:31Z"),
            ApplyResult::kApplied);
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:00:40Z", 901, 4), "2026-11-28T08:00:41Z"),
            ApplyResult::kDuplicate);
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:00:50Z", 2, 5), "2026-11-28T08:00:51Z"),
            ApplyResult::kApplied);
  const SourceStats* s = state.Snapshot()->FindSource("gate");
  EXPECT_EQ(s->boot, 5);
  EXPECT_EQ(s->last_seq, 2);
  EXPECT_EQ(s->seq_restarts, 1u);
  EXPECT_EQ(s->duplicate, 1u);
}

// What decides a restart travels with the batch: a state whose source's interval changed since
// decides as the journaled threshold says.
TEST(LiveStateSequence, TheBatchsRestartThresholdDecidesNotTheCurrentInterval) {
  LiveState state(MakeRegistry());
  ApplyAt(state, Seq("2026-11-28T08:00:00Z", 5000), "2026-11-28T08:00:01Z");
  state.DeclareSource(model::SourceId("gate"), std::chrono::seconds(3600));
  std::vector<Observation> restart = {Seq("2026-11-28T08:03:05Z", 1)};
  auto outcome = state.ApplyBatch(
      restart, BatchContext{T("2026-11-28T08:03:05Z"), std::chrono::milliseconds(180'000)});
  EXPECT_EQ(outcome.front().result, ApplyResult::kApplied);
}

// A source sending nothing but duplicates changed its health: readers must see it.
TEST(LiveStateSequence, DuplicatesAndRefusalsReachTheSnapshotWhenNothingIsApplied) {
  LiveState state(MakeRegistry());
  ApplyAt(state, Seq("2026-11-28T08:00:00Z", 7), "2026-11-28T08:00:01Z");
  EXPECT_EQ(state.Snapshot()->FindSource("gate")->duplicate, 0u);
  ApplyAt(state, Seq("2026-11-28T08:00:10Z", 7), "2026-11-28T08:00:11Z");
  EXPECT_EQ(state.Snapshot()->FindSource("gate")->duplicate, 1u);
  state.CountSeqRefused("gate", 3);
  EXPECT_EQ(state.Snapshot()->FindSource("gate")->seq_refused, 3u);
}

std::vector<Observation> SequenceStory() {
  return {Seq("2026-11-28T08:00:00Z", 10, 1), Seq("2026-11-28T08:00:10Z", 11, 1),
          Seq("2026-11-28T08:00:20Z", 12, 2)};
}

TEST(LiveStateSequence, ACheckpointKeepsEpochBootAndWhenTheSeqAdvanced) {
  LiveState a(MakeRegistry());
  a.ApplyBatch(SequenceStory(), T("2026-11-28T08:00:25Z"));
  std::string bytes = a.Serialize();
  EXPECT_TRUE(bytes.starts_with("PGS3"));
  LiveState b(MakeRegistry());
  ASSERT_TRUE(b.Restore(bytes).ok());
  EXPECT_EQ(b.Serialize(), bytes);
  const SourceStats* s = b.Snapshot()->FindSource("gate");
  EXPECT_EQ(s->boot, 2);
  EXPECT_EQ(s->seq_epoch, 2u);
  EXPECT_EQ(s->seq_restarts, 1u);
  // The same decisions afterwards: an old boot, then a lower seq after silence.
  for (LiveState* st : {&a, &b}) {
    EXPECT_EQ(ApplyAt(*st, Seq("2026-11-28T08:01:00Z", 13, 1), "2026-11-28T08:01:00Z"),
              ApplyResult::kDuplicate);
    EXPECT_EQ(ApplyAt(*st, Seq("2026-11-28T08:04:00Z", 1), "2026-11-28T08:04:00Z"),
              ApplyResult::kApplied);
  }
  EXPECT_EQ(a.Serialize(), b.Serialize());
}

// A version-1 journal record (the demo's feed numbered its seqs ms × 100,000) replays as the
// code that wrote it decided; the next seqs follow the rule of today.
TEST(LiveStateSequence, AVersion1RecordReplaysByTheRuleOfItsTime) {
  LiveState state(MakeRegistry());
  std::vector<Observation> old = {Seq("2026-11-28T08:00:00Z", 176'000'000'000'000'001),
                                  Seq("2026-11-28T08:00:10Z", 176'000'000'000'000'002),
                                  Seq("2026-11-28T08:00:20Z", 176'000'000'000'000'002)};
  BatchContext v1{T("2026-11-28T08:00:21Z"), std::chrono::milliseconds(0), true};
  auto outcomes = state.ApplyBatch(old, v1);
  EXPECT_EQ(outcomes[0].result, ApplyResult::kApplied);
  EXPECT_EQ(outcomes[1].result, ApplyResult::kApplied);
  EXPECT_EQ(outcomes[2].result, ApplyResult::kDuplicate);
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:00:30Z", 1, 1700000000000), "2026-11-28T08:00:31Z"),
            ApplyResult::kApplied);
  EXPECT_EQ(ApplyAt(state, Seq("2026-11-28T08:00:40Z", 2, 1700000000000), "2026-11-28T08:00:41Z"),
            ApplyResult::kApplied);
  EXPECT_EQ(state.Snapshot()->FindSource("gate")->last_seq, 2);
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(PG_SOURCE_DIR) + "/tests/fixtures/compat/" + name, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// live_state_v1.bin: a "PGS1" checkpoint written by the code before epochs (tests/fixtures/
// compat/README.md): gate at seq 3, and source "trapped" caught by the old rule at 2^63 − 1.
TEST(LiveStateSequence, ACheckpointOfTheOldFormatRestoresAndFreesATrappedSource) {
  std::string old = ReadFixture("live_state_v1.bin");
  ASSERT_TRUE(old.starts_with("PGS1")) << "fixture missing";
  LiveState state(MakeRegistry());
  ASSERT_TRUE(state.Restore(old).ok());
  auto snap = state.Snapshot();
  const SourceStats* gate = snap->FindSource("gate");
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(gate->last_seq, 3);
  EXPECT_EQ(gate->accepted, 3u);
  EXPECT_EQ(gate->seq_epoch, 1u);
  const SourceStats* trapped = snap->FindSource("trapped");
  ASSERT_NE(trapped, nullptr);
  EXPECT_EQ(trapped->accepted, 2u) << "the old code accepted the trap";
  EXPECT_FALSE(trapped->last_seq.has_value()) << "the trap is forgotten";
  EXPECT_EQ(snap->FindFacility("F1")->total.occupied, 54);
  // Gate goes on in its sequence; trapped starts afresh.
  Observation next = Seq("2026-11-28T08:01:00Z", 3);
  EXPECT_EQ(ApplyAt(state, next, "2026-11-28T08:01:00Z"), ApplyResult::kDuplicate);
  next.seq = 4;
  EXPECT_EQ(ApplyAt(state, next, "2026-11-28T08:01:00Z"), ApplyResult::kApplied);
  next.source = model::SourceId("trapped");
  next.seq = 6;
  EXPECT_EQ(ApplyAt(state, next, "2026-11-28T08:01:01Z"), ApplyResult::kApplied);
  // And it is written back in the new format.
  EXPECT_TRUE(state.Serialize().starts_with("PGS3"));
}

}  // namespace
}  // namespace pg::state
