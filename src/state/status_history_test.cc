#include "state/status_history.h"

#include <gtest/gtest.h>

namespace pg::state {
namespace {

using model::Observation;
using model::ObservationType;

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

std::shared_ptr<const registry::Registry> Registry() {
  model::RegistryData data;
  model::Facility zone;
  zone.id = model::FacilityId("Z1");
  zone.kind = model::FacilityKind::kOnStreet;
  zone.capacity.total = 2;
  data.facilities.push_back(zone);
  for (const char* id : {"B1", "B2"}) {
    model::Bay b;
    b.id = model::BayId(id);
    b.facility = zone.id;
    data.bays.push_back(b);
  }
  model::Charger c;
  c.id = model::ChargerId("C1");
  c.connectors = {{1, model::ConnectorType::kGbtDc, 60}};
  data.chargers.push_back(c);
  return *registry::Registry::Build(std::move(data));
}

Observation Bay(const char* bay, const char* time, bool occupied) {
  Observation o;
  o.type = ObservationType::kBay;
  o.source = model::SourceId("s");
  o.target = bay;
  o.time = T(time);
  o.bay_occupied = occupied;
  return o;
}

Observation Connector(const char* time, model::ChargerStatus status) {
  Observation o;
  o.type = ObservationType::kCharger;
  o.source = model::SourceId("s");
  o.target = "C1";
  o.connector = 1;
  o.time = T(time);
  o.charger_status = status;
  return o;
}

TEST(StatusHistory, ReportsEachChangeOnceWithTheTimeItHappened) {
  LiveState state(Registry());
  StatusHistory history;
  EXPECT_TRUE(history.Diff(*state.Snapshot()).bays.empty());  // nothing known yet
  state.Apply(Bay("B1", "2026-11-28T08:00:00Z", true));
  state.Apply(Connector("2026-11-28T08:00:05Z", model::ChargerStatus::kFaulted));
  auto c = history.Diff(*state.Snapshot());
  ASSERT_EQ(c.bays.size(), 1u);
  EXPECT_EQ(c.bays[0], (model::BayEvent{model::BayId("B1"), T("2026-11-28T08:00:00Z"), true}));
  ASSERT_EQ(c.connectors.size(), 1u);
  EXPECT_EQ(c.connectors[0].status, model::ChargerStatus::kFaulted);
  EXPECT_EQ(c.connectors[0].connector, 1);
  EXPECT_EQ(c.connectors[0].time, T("2026-11-28T08:00:05Z"));
  // A repeated report of the same state is no change.
  state.Apply(Bay("B1", "2026-11-28T08:01:00Z", true));
  state.Apply(Connector("2026-11-28T08:01:05Z", model::ChargerStatus::kFaulted));
  c = history.Diff(*state.Snapshot());
  EXPECT_TRUE(c.bays.empty());
  EXPECT_TRUE(c.connectors.empty());
  state.Apply(Bay("B1", "2026-11-28T08:30:00Z", false));
  state.Apply(Connector("2026-11-28T09:00:00Z", model::ChargerStatus::kAvailable));
  c = history.Diff(*state.Snapshot());
  ASSERT_EQ(c.bays.size(), 1u);
  EXPECT_EQ(c.bays[0], (model::BayEvent{model::BayId("B1"), T("2026-11-28T08:30:00Z"), false}));
  ASSERT_EQ(c.connectors.size(), 1u);
  EXPECT_EQ(c.connectors[0].status, model::ChargerStatus::kAvailable);
}

TEST(StatusHistory, SourceCountersCountFromTheFirstDiffOn) {
  LiveState state(Registry());
  Observation dup = Bay("B1", "2026-11-28T08:00:00Z", true);
  dup.seq = 1;
  state.Apply(dup);
  state.Apply(dup);  // a duplicate before the history starts: not this run's to record
  StatusHistory history;
  EXPECT_TRUE(history.Diff(*state.Snapshot()).sources.empty());
  state.Apply(dup);
  state.Apply(dup);
  // Counters reach the snapshot with the next change of state.
  state.Apply(Bay("B2", "2026-11-28T08:02:00Z", true));
  auto c = history.Diff(*state.Snapshot());
  ASSERT_EQ(c.sources.size(), 1u);
  EXPECT_EQ(c.sources[0].source, "s");
  EXPECT_EQ(c.sources[0].anomalies, 2u);
  EXPECT_TRUE(history.Diff(*state.Snapshot()).sources.empty());
}

}  // namespace
}  // namespace pg::state
