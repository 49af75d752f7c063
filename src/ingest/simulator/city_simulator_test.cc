#include "ingest/simulator/city_simulator.h"

#include <gtest/gtest.h>

#include <set>

namespace pg::ingest::simulator {
namespace {

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

std::shared_ptr<const registry::Registry> MakeRegistry() {
  model::RegistryData data;
  model::City city;
  city.id = "sim";
  city.name.en = "Sim";
  data.city = city;
  for (const char* id : {"OFFICE", "MALL"}) {
    model::Facility f;
    f.id = model::FacilityId(id);
    f.location = {34, 113};
    f.capacity.total = 500;
    data.facilities.push_back(f);
  }
  model::Facility zone;
  zone.id = model::FacilityId("ZONE");
  zone.kind = model::FacilityKind::kOnStreet;
  zone.location = {34, 113};
  zone.capacity.total = 20;
  data.facilities.push_back(zone);
  for (int i = 0; i < 20; ++i) {
    model::Bay b;
    b.id = model::BayId("B" + std::to_string(i));
    b.facility = zone.id;
    b.location = {34, 113};
    b.time_limit_minutes = 120;
    data.bays.push_back(b);
  }
  model::Charger c;
  c.id = model::ChargerId("C1");
  c.location = {34, 113};
  c.connectors = {{1, model::ConnectorType::kGbtDc, 60}, {2, model::ConnectorType::kGbtAc, 7}};
  data.chargers.push_back(c);
  return *registry::Registry::Build(std::move(data));
}

const std::map<std::string, LandUse> kUses{{"OFFICE", LandUse::kOffice},
                                           {"MALL", LandUse::kCommercial}};

TEST(CitySimulator, IsAPureFunctionOfSeedTargetAndTime) {
  auto reg = MakeRegistry();
  CitySimulator a(reg, kUses, 7), b(reg, kUses, 7), other(reg, kUses, 8);
  const auto& office = *reg->FindFacility(model::FacilityId("OFFICE"));
  int differing = 0;
  for (int h = 0; h < 48; ++h) {
    Timestamp t = T("2026-11-23T00:00:00Z") + std::chrono::hours(h);
    EXPECT_EQ(a.OccupiedAt(office, t), b.OccupiedAt(office, t));
    differing += a.OccupiedAt(office, t) != other.OccupiedAt(office, t);
  }
  EXPECT_GT(differing, 10);
}

TEST(CitySimulator, OfficeFillsOnWeekdayMiddayAndEmptiesAtNight) {
  auto reg = MakeRegistry();
  CitySimulator sim(reg, kUses, 7);
  const auto& office = *reg->FindFacility(model::FacilityId("OFFICE"));
  // Weekdays from Monday 2026-11-23 in Shanghai: 11:00 local is 03:00Z, 03:00 local is 19:00Z the
  // day before. The real office curve (Guangzhou) peaks near 0.75 and rests near 0.45 at night.
  double noon = 0, night = 0;
  for (int d = 0; d < 5; ++d) {
    noon += sim.OccupiedAt(office, T("2026-11-23T03:00:00Z") + std::chrono::hours(24 * d));
    night += sim.OccupiedAt(office, T("2026-11-22T19:00:00Z") + std::chrono::hours(24 * d));
  }
  EXPECT_GT(noon / 5, night / 5 + 80);
  for (int m = 0; m < 7 * 24 * 60; m += 17) {
    int v = sim.OccupiedAt(office, T("2026-11-23T00:00:00Z") + std::chrono::minutes(m));
    ASSERT_GE(v, 0);
    ASSERT_LE(v, 500);
  }
}

TEST(CitySimulator, OnStreetZoneCountsItsOccupiedBays) {
  auto reg = MakeRegistry();
  CitySimulator sim(reg, kUses, 7);
  const auto& zone = *reg->FindFacility(model::FacilityId("ZONE"));
  Timestamp t = T("2026-11-23T05:00:00Z");
  int occupied = 0;
  for (const auto& b : reg->bays()) occupied += sim.BayOccupiedAt(b, t) ? 1 : 0;
  EXPECT_EQ(sim.OccupiedAt(zone, t), occupied);
  // Over a day the bays turn over: some bay changes state at least a few times.
  int changes = 0;
  bool last = sim.BayOccupiedAt(reg->bays()[0], T("2026-11-23T00:00:00Z"));
  for (int m = 0; m < 24 * 60; m += 5) {
    bool now =
        sim.BayOccupiedAt(reg->bays()[0], T("2026-11-23T00:00:00Z") + std::chrono::minutes(m));
    changes += now != last;
    last = now;
  }
  EXPECT_GE(changes, 4);
}

TEST(CitySimulator, FirstTickReportsEverythingLaterTicksOnlyChanges) {
  auto reg = MakeRegistry();
  CitySimulator sim(reg, kUses, 7);
  Timestamp t0 = T("2026-11-23T03:00:00Z");
  auto first = sim.Tick(t0);
  std::set<std::string> counted;
  for (const auto& o : first) {
    EXPECT_EQ(o.time, t0);
    if (o.type == model::ObservationType::kFacilityCount) counted.insert(o.target);
  }
  EXPECT_EQ(counted.size(), 3u);
  // Two seconds later nothing (or little) changed: far fewer observations, none repeated as-is.
  auto second = sim.Tick(t0 + std::chrono::seconds(2));
  EXPECT_LT(second.size(), first.size());
  int64_t last_seq = 0;
  for (const auto& o : first) last_seq = std::max(last_seq, *o.seq);
  for (const auto& o : second) EXPECT_GT(*o.seq, last_seq);
  // After the heartbeat interval every facility reports again.
  auto later = sim.Tick(t0 + std::chrono::seconds(62));
  counted.clear();
  for (const auto& o : later) {
    if (o.type == model::ObservationType::kFacilityCount) counted.insert(o.target);
  }
  EXPECT_EQ(counted.size(), 3u);
}

TEST(CitySimulator, HistoryMatchesThePointValues) {
  auto reg = MakeRegistry();
  CitySimulator sim(reg, kUses, 7);
  Timestamp from = T("2026-11-23T00:00:00Z");
  auto samples = sim.FacilityHistory(from, from + std::chrono::hours(1), std::chrono::minutes(5));
  EXPECT_EQ(samples.size(), 3u * 12u);
  for (const auto& s : samples) {
    EXPECT_EQ(s.occupied, sim.OccupiedAt(*reg->FindFacility(s.facility), s.time));
  }
}

TEST(CitySimulator, LandUseRoundTripsThroughJson) {
  auto back = LandUseFromJson(LandUseToJson(kUses));
  EXPECT_EQ(back, kUses);
  EXPECT_TRUE(LandUseFromJson("not json").empty());
}

}  // namespace
}  // namespace pg::ingest::simulator
