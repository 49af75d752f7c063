// Guide against a plain reference: every facility's expected cost recomputed with Dijkstra
// (walks in their true direction, facility → destination; drives from the origin and between
// entrances) and brute-force loops, on the demo city with scripted forecasts.
#include "guidance/guidance.h"

#include <gtest/gtest.h>

#include <random>

#include "model/tariff.h"
#include "routing/dijkstra.h"
#include "tests/support/guidance_city.h"

namespace pg::guidance {
namespace {

using routing::DijkstraQuery;
using routing::Mode;
using routing::SnappedPoint;
using testing::DemoCityForGuidance;

// Monday 2026-11-30 10:00 in Asia/Shanghai.
Timestamp Now() { return *ParseRfc3339("2026-11-30T10:00:00+08:00"); }

struct Fixture {
  std::shared_ptr<const registry::Registry> registry;
  std::unique_ptr<state::LiveState> live;
  std::unique_ptr<Guide> guide;
  testing::ScriptedForecaster forecaster;
};

std::unique_ptr<Fixture> DemoFixture(uint64_t seed) {
  const auto& city = DemoCityForGuidance();
  auto f = std::make_unique<Fixture>();
  f->registry = *registry::Registry::Build(city.registry);
  f->live = std::make_unique<state::LiveState>(f->registry);
  f->guide = Guide::Create(city.network, f->registry, nullptr);
  std::mt19937_64 rng(seed);
  for (const auto& fac : f->registry->facilities()) {
    f->forecaster.Set(forecast::SeriesKey::Facility(fac.id.str()),
                      static_cast<double>(rng() % 101) / 100.0);
  }
  return f;
}

// The reference: expected cost of every facility that passes the filters the demo city
// exercises (restricted access, opening hours at arrival, time limits, max walk, car route).
std::map<std::string, int64_t> Reference(const Fixture& fx, const GuidanceRequest& req) {
  const routing::RoadNetwork& net = fx.guide->network();
  const GuidanceParams& prm = fx.guide->params();
  const registry::Registry& reg = *fx.registry;
  auto dest = *net.Snap(Mode::kFoot, req.dest, 500);
  auto origin = *net.Snap(Mode::kCar, *req.origin, 500);
  struct Entry {
    std::string id;
    std::vector<SnappedPoint> car;
    double p = 0;
    double if_free = 0;
    uint32_t drive = routing::kUnreachable;
    size_t entrance = 0;
  };
  std::vector<Entry> ok;
  DijkstraQuery car(net, Mode::kCar), foot(net, Mode::kFoot);
  car.OneToAll(origin);
  for (const auto& f : reg.facilities()) {
    if (model::IsRestricted(f.access)) continue;
    Entry e;
    e.id = f.id.str();
    std::vector<LatLon> car_at, foot_at;
    for (const auto& en : f.entrances) {
      if (en.kind == model::EntranceKind::kVehicle) car_at.push_back(en.location);
      foot_at.push_back(en.location);
    }
    if (car_at.empty()) car_at.push_back(f.location);
    if (foot_at.empty()) foot_at.push_back(f.location);
    for (const auto& p : car_at) {
      if (auto s = net.Snap(Mode::kCar, p, graph::kEntranceSnapRadiusM); s.ok()) {
        e.car.push_back(*s);
      }
    }
    uint32_t walk_ms = routing::kUnreachable, walk_dm = 0;
    for (const auto& p : foot_at) {
      auto s = net.Snap(Mode::kFoot, p, graph::kEntranceSnapRadiusM);
      if (!s.ok()) continue;
      auto c = foot.Cost(*s, dest);
      if (c.travel_time_ms < walk_ms) walk_ms = c.travel_time_ms, walk_dm = c.distance_dm;
    }
    if (walk_ms == routing::kUnreachable || walk_dm / 10.0 > req.max_walk_m) continue;
    std::optional<int> limit;
    for (const model::Bay* b : reg.BaysOf(f.id)) {
      if (f.kind == model::FacilityKind::kOnStreet && b->time_limit_minutes) {
        limit = std::max(limit.value_or(0), *b->time_limit_minutes);
      }
    }
    if (limit && req.stay_minutes > *limit) continue;
    for (size_t i = 0; i < e.car.size(); ++i) {
      uint32_t d = car.CostTo(e.car[i]).travel_time_ms;
      if (d < e.drive) e.drive = d, e.entrance = i;
    }
    if (e.drive == routing::kUnreachable) continue;
    const Timestamp arrival = Now() + Milliseconds(e.drive);
    const LocalTime local = ToLocal(arrival, reg.time_zone());
    if (!f.opening_hours.empty()) {
      auto oh = model::OpeningHours::Parse(f.opening_hours);
      if (oh.ok() && !oh->IsOpen(local.weekday, local.minute_of_day)) continue;
    }
    int64_t price = 0;
    if (f.tariff) {
      price = model::StayPriceFen(*f.tariff, local.minute_of_day, req.stay_minutes);
    } else if (f.fee != false) {
      price = prm.unknown_price_fen_per_hour * ((req.stay_minutes + 59) / 60);
    }
    e.p = fx.forecaster.AtArrival(forecast::SeriesKey::Facility(e.id), arrival)->p_free;
    e.if_free = walk_ms * prm.walk_time_factor +
                static_cast<double>(price) * 3'600'000.0 / prm.value_of_time_fen_per_hour;
    ok.push_back(std::move(e));
  }
  std::map<std::string, int64_t> out;
  for (const Entry& i : ok) {
    DijkstraQuery from_i(net, Mode::kCar);
    from_i.OneToAll(i.car[i.entrance]);
    double alt = static_cast<double>(prm.give_up_ms);
    for (const Entry& j : ok) {
      if (j.id == i.id) continue;
      uint32_t d = routing::kUnreachable;
      for (const auto& c : j.car) d = std::min(d, from_i.CostTo(c).travel_time_ms);
      if (d == routing::kUnreachable) continue;
      alt = std::min(alt, d + j.p * j.if_free + (1 - j.p) * static_cast<double>(prm.give_up_ms));
    }
    out[i.id] = std::llround(i.drive + i.p * i.if_free +
                             (1 - i.p) * (static_cast<double>(prm.full_detour_ms) + alt));
  }
  return out;
}

TEST(Guide, AgreesWithABruteForceReferenceOnTheDemoCity) {
  const auto& city = DemoCityForGuidance();
  ASSERT_NE(city.network, nullptr);
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    auto fx = DemoFixture(seed);
    std::mt19937_64 rng(seed * 7919);
    std::uniform_real_distribution<double> m(300, 3700);
    GuidanceRequest req;
    req.dest = testing::Offset({34.017, 113.828}, m(rng), m(rng));
    req.origin = testing::Offset({34.017, 113.828}, m(rng), m(rng));
    req.max_walk_m = 1500;
    req.limit = 100;
    req.explain = true;
    auto answer = fx->guide->Answer(req, *fx->live->Snapshot(), Now(), &fx->forecaster);
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    const auto ref = Reference(*fx, req);
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    ASSERT_EQ(answer->results.size(), ref.size());
    ASSERT_GT(ref.size(), 2u) << "too few candidates to say anything";
    int64_t previous = -1;
    for (const RankedPlace& r : answer->results) {
      ASSERT_TRUE(ref.contains(r.id)) << r.id;
      // Walks are searched from the destination; the reference walks to it. Partial segment
      // weights round to the millisecond on each side: a few ms apart at most.
      EXPECT_NEAR(r.cost.total_ms, ref.at(r.id), 8) << r.id;
      EXPECT_EQ(r.cost.total_ms,
                r.cost.drive_ms + r.cost.walk_ms + r.cost.price_ms + r.cost.full_risk_ms);
      EXPECT_GE(r.cost.total_ms, previous);
      previous = r.cost.total_ms;
      EXPECT_EQ(r.availability.source, DataSource::kForecastOnly) << "no live data was given";
    }
  }
}

TEST(Guide, IdenticalRequestsGiveIdenticalAnswers) {
  auto fx = DemoFixture(9);
  GuidanceRequest req;
  req.dest = testing::Offset({34.017, 113.828}, 2000, 2000);
  req.origin = testing::Offset({34.017, 113.828}, 500, 600);
  req.explain = true;
  auto a = fx->guide->Answer(req, *fx->live->Snapshot(), Now(), &fx->forecaster);
  auto b = fx->guide->Answer(req, *fx->live->Snapshot(), Now(), &fx->forecaster);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->results.size(), b->results.size());
  for (size_t i = 0; i < a->results.size(); ++i) {
    EXPECT_EQ(a->results[i].id, b->results[i].id);
    EXPECT_EQ(a->results[i].cost.total_ms, b->results[i].cost.total_ms);
    EXPECT_EQ(a->results[i].summary, b->results[i].summary);
    EXPECT_EQ(a->results[i].route.size(), b->results[i].route.size());
  }
  EXPECT_EQ(a->excluded.size(), b->excluded.size());
}

TEST(Guide, DestinationOffTheNetworkIsNotFoundNamingDest) {
  auto fx = DemoFixture(1);
  GuidanceRequest req;
  req.dest = {34.5, 113.0};  // tens of kilometres from the demo city
  auto a = fx->guide->Answer(req, *fx->live->Snapshot(), Now(), &fx->forecaster);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(a.status().field(), "dest");
  req.dest = testing::Offset({34.017, 113.828}, 2000, 2000);
  req.origin = LatLon{34.5, 113.0};
  a = fx->guide->Answer(req, *fx->live->Snapshot(), Now(), &fx->forecaster);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().field(), "origin");
}

TEST(Guide, UnknownEverywhereWithoutAForecastIsLabelledUnknownNeverLive) {
  auto fx = DemoFixture(1);
  GuidanceRequest req;
  req.dest = testing::Offset({34.017, 113.828}, 2000, 2000);
  auto a = fx->guide->Answer(req, *fx->live->Snapshot(), Now(), nullptr);
  ASSERT_TRUE(a.ok());
  ASSERT_FALSE(a->results.empty());
  for (const auto& r : a->results) {
    EXPECT_EQ(r.availability.source, DataSource::kNone);
    EXPECT_FALSE(r.availability.free_now.has_value());
    EXPECT_DOUBLE_EQ(r.availability.p_free, fx->guide->params().unknown_p_free);
  }
}

TEST(Guide, AFacilityNoFootwayReachesIsExplainedWhenNearAndCountedWhenFar) {
  const auto& city = DemoCityForGuidance();
  model::RegistryData data;
  const LatLon corner{34.017, 113.828};  // the demo city's south-west corner
  for (auto [id, east, north] :
       {std::tuple{"OFFGRID", -400.0, -400.0}, std::tuple{"FAROFF", -5000.0, -5000.0},
        std::tuple{"ONGRID", 200.0, 200.0}}) {
    model::Facility f;
    f.id = model::FacilityId(id);
    f.name.en = id;
    f.location = testing::Offset(corner, east, north);
    data.facilities.push_back(f);
  }
  auto registry = *registry::Registry::Build(data);
  state::LiveState live(registry);
  auto guide = Guide::Create(city.network, registry, nullptr);
  GuidanceRequest req;
  req.dest = testing::Offset(corner, 100, 100);
  req.explain = true;
  req.lang = Lang::kEn;
  auto a = guide->Answer(req, *live.Snapshot(), Now(), nullptr);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->results.size(), 1u);
  EXPECT_EQ(a->results[0].id, "ONGRID");
  ASSERT_EQ(a->excluded.size(), 1u);
  EXPECT_EQ(a->excluded[0].id, "OFFGRID");
  EXPECT_EQ(a->excluded[0].reason, ExclusionReason::kNoFootway);
  EXPECT_EQ(a->excluded_far, 1) << "FAROFF is only counted";
}

// Issue 14, finding 3: guidance judged a charger by the default interval, not its source's own.
TEST(Guide, AChargerIsBelievedForAsLongAsItsOwnSourcesIntervalSays) {
  const auto& city = DemoCityForGuidance();
  const LatLon corner{34.017, 113.828};
  model::RegistryData data;
  model::Charger c;
  c.id = model::ChargerId("KERB1");
  c.site = "KERB";
  c.location = testing::Offset(corner, 200, 200);
  c.connectors = {{1, model::ConnectorType::kGbtDc, 60}};
  c.in_service_date = "2025-01-01";
  data.chargers.push_back(c);
  model::Source ocpp;  // a charger platform that reports every 20 minutes
  ocpp.id = model::SourceId("ocpp");
  ocpp.scope.chargers = {c.id};
  ocpp.expected_interval = std::chrono::minutes(20);
  data.sources.push_back(ocpp);
  auto registry = *registry::Registry::Build(data);
  state::LiveState live(registry);
  model::Observation o;
  o.type = model::ObservationType::kCharger;
  o.source = ocpp.id;
  o.target = "KERB1";
  o.connector = 1;
  o.charger_status = model::ChargerStatus::kAvailable;
  o.time = Now() - std::chrono::minutes(30);  // past 5 min × 3, within 20 min × 3
  live.Apply(o);
  auto guide = Guide::Create(city.network, registry, nullptr);
  GuidanceRequest req;
  req.dest = testing::Offset(corner, 150, 150);
  req.vehicle = Vehicle::kEv;
  auto a = guide->Answer(req, *live.Snapshot(), Now(), nullptr);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->chargers.size(), 1u);
  EXPECT_EQ(a->chargers[0].availability.source, DataSource::kLive);
  EXPECT_EQ(a->chargers[0].availability.free_now, 1);
  // An hour and a minute after the report: stale by its own interval too.
  a = guide->Answer(req, *live.Snapshot(), o.time + std::chrono::minutes(61), nullptr);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->chargers[0].availability.source, DataSource::kNone);
  EXPECT_FALSE(a->chargers[0].availability.free_now.has_value());
}

// docs/guidance.md's worked example, to the millisecond.
TEST(ExpectedCosts, TheWorkedExampleOfTheDocs) {
  GuidanceParams prm;  // ¥30/h: ¥1 is 120 s; walk × 1.5; detour 120 s; give-up 900 s
  std::vector<CostInputs> options = {
      {.p_free = 0.40, .drive_ms = 240'000, .walk_ms = 1.5 * 60'000, .price_ms = 4 * 120'000},
      {.p_free = 0.95, .drive_ms = 250'000, .walk_ms = 1.5 * 180'000, .price_ms = 3 * 120'000}};
  auto between = [](size_t, size_t) { return uint32_t{30'000}; };
  auto costs = ExpectedCosts(options, between, prm);
  EXPECT_EQ(costs[0].cost.total_ms, 944'100);  // A
  EXPECT_EQ(costs[0].cost.walk_ms, 36'000);
  EXPECT_EQ(costs[0].cost.price_ms, 192'000);
  EXPECT_EQ(costs[0].cost.full_risk_ms, 476'100);
  EXPECT_EQ(costs[0].fallback, 1);
  EXPECT_EQ(costs[1].cost.total_ms, 894'400);  // B: ranks first
  EXPECT_EQ(costs[1].cost.full_risk_ms, 45'900);
  EXPECT_EQ(costs[1].fallback, 0);
  options[0].p_free = 0.90;  // A at 90%: 832.35 s, now first
  costs = ExpectedCosts(options, between, prm);
  EXPECT_EQ(costs[0].cost.total_ms, 832'350);
  // No way on from A: its full risk is cruising.
  costs = ExpectedCosts(
      options, [](size_t, size_t) { return routing::kUnreachable; }, prm);
  EXPECT_EQ(costs[0].fallback, -1);
  EXPECT_EQ(costs[0].cost.full_risk_ms, 102'000);  // 0.1 × (120 + 900) s
}

TEST(LiveOnlyPFree, FullIsAlmostNeverFreeAndManyFreeSpacesAreLikelyFree) {
  EXPECT_DOUBLE_EQ(LiveOnlyPFree(0, 0), 0.02);
  EXPECT_GT(LiveOnlyPFree(20, 5 * 60'000), 0.95);
  EXPECT_LT(LiveOnlyPFree(2, 30 * 60'000), LiveOnlyPFree(2, 0));
}

}  // namespace
}  // namespace pg::guidance
