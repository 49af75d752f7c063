// Guidance scenarios an operator can read: a handful of facilities placed around a destination
// (metres east and north of it), what the live feed and the forecast say about each, the
// request — and the order the driver is sent in, with every exclusion and its reason.
//
// Every table runs on two road networks: the demo city's generated grid, and the real Monaco
// extract in ../shared/data (skipped, saying so, when it is absent) — one-way streets, stairs,
// hills and all. Facilities are placed on the real streets by snapping, so a table states only
// what must hold on any network.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "api/guidance_api.h"
#include "guidance/guidance.h"
#include "model/vocabulary.h"
#include "tests/support/guidance_city.h"

namespace pg::guidance {
namespace {

using model::Access;
using testing::Offset;

// Monday 30 November 2026, 10:00 in the city's zone (Asia/Shanghai).
Timestamp Now() { return *ParseRfc3339("2026-11-30T10:00:00+08:00"); }

// One facility of a scenario.
struct Row {
  const char* id;
  double east_m = 0;  // from the destination
  double north_m = 0;
  int capacity = 200;
  std::optional<int> live_free = {};  // the live count's free spaces; none: no live data
  bool live_stale = false;            // the count is an hour old (its source reports every 5 min)
  bool operator_closed = false;       // the operator reported it closed
  double forecast_p = -1;             // the forecast's P(free) at arrival; -1: no forecast
  const char* hours = "";             // OSM opening_hours; "": always open
  std::optional<double> max_height_m = {};
  Access access = Access::kPublic;
  // Tariff: free minutes, price per hour (or a day band and a night band), daily cap; none: free.
  std::optional<model::Tariff> tariff = {};
  std::vector<model::ConnectorType> connectors = {};  // chargers standing in it (one site)
  int charger_free = 0;                               // connectors reported Available
  int disabled_spaces = 0;
};

struct Scenario {
  const char* name;
  std::vector<Row> rows;
  std::function<void(GuidanceRequest&)> request = [](GuidanceRequest&) {};
  std::vector<std::string> order;                        // every result, best first
  std::map<std::string, ExclusionReason> excluded = {};  // every exclusion
  std::vector<std::string> charger_order = {};           // vehicle=ev: sites, best first
};

model::Tariff PerHour(int64_t yuan, int free_minutes = 0, std::optional<int64_t> cap_yuan = {}) {
  model::Tariff t;
  t.free_minutes = free_minutes;
  t.bands = {{0, 24 * 60, yuan * 100}};
  if (cap_yuan) t.daily_cap_fen = *cap_yuan * 100;
  return t;
}

// ¥10/h 07:00–19:00, ¥2/h at night.
model::Tariff DayNight(std::optional<int64_t> cap_yuan = {}) {
  model::Tariff t;
  t.bands = {{7 * 60, 19 * 60, 1000}, {19 * 60, 7 * 60, 200}};
  if (cap_yuan) t.daily_cap_fen = *cap_yuan * 100;
  return t;
}

struct City {
  const char* name;
  std::shared_ptr<const routing::RoadNetwork> network;
  LatLon dest;
  LatLon origin;
  std::string error;  // a real extract that is there but could not be read
};

// The run of one scenario on one city.
struct Run {
  std::shared_ptr<const registry::Registry> registry;
  std::unique_ptr<state::LiveState> live;
  testing::ScriptedForecaster forecaster;
  std::unique_ptr<Guide> guide;
  GuidanceRequest request;
  Result<GuidanceAnswer> answer = Internal("not run");
};

std::unique_ptr<Run> Play(const City& city, const Scenario& s) {
  auto run = std::make_unique<Run>();
  model::RegistryData data;
  model::Source source;
  source.id = model::SourceId("feed");
  source.scope.all = true;
  source.expected_interval = std::chrono::seconds(300);
  data.sources.push_back(source);
  for (const Row& r : s.rows) {
    model::Facility f;
    f.id = model::FacilityId(r.id);
    f.name = {std::string(r.id) + "停车场", std::string(r.id) + " car park"};
    f.kind = model::FacilityKind::kSurface;
    f.location = Offset(city.dest, r.east_m, r.north_m);
    f.capacity.total = r.capacity;
    if (r.disabled_spaces > 0)
      f.capacity.by_category[model::SpaceCategory::kDisabled] = r.disabled_spaces;
    f.opening_hours = r.hours;
    f.max_height_m = r.max_height_m;
    f.access = r.access;
    f.tariff = r.tariff ? *r.tariff : model::Tariff{};
    data.facilities.push_back(f);
    if (!r.connectors.empty()) {
      model::Charger c;
      c.id = model::ChargerId(std::string(r.id) + "-EV");
      c.site = r.id;
      c.facility = f.id;
      c.location = f.location;
      int n = 0;
      for (auto type : r.connectors) c.connectors.push_back({++n, type, 60});
      data.chargers.push_back(c);
    }
  }
  run->registry = *registry::Registry::Build(std::move(data));
  run->live = std::make_unique<state::LiveState>(run->registry);
  std::vector<model::Observation> obs;
  for (const Row& r : s.rows) {
    const Timestamp at = Now() - (r.live_stale ? std::chrono::hours(1) : std::chrono::minutes(1));
    if (r.live_free) {
      model::Observation o;
      o.source = model::SourceId("feed");
      o.time = at;
      o.target = r.id;
      o.free = *r.live_free;
      obs.push_back(o);
    }
    if (r.operator_closed) {
      model::Observation o;
      o.type = model::ObservationType::kFacilityStatus;
      o.source = model::SourceId("feed");
      o.time = at;
      o.target = r.id;
      o.facility_status = model::FacilityStatus::kClosed;
      obs.push_back(o);
    }
    for (size_t k = 0; k < r.connectors.size(); ++k) {
      model::Observation o;
      o.type = model::ObservationType::kCharger;
      o.source = model::SourceId("feed");
      o.time = at;
      o.target = std::string(r.id) + "-EV";
      o.connector = static_cast<int>(k) + 1;
      o.charger_status = static_cast<int>(k) < r.charger_free ? model::ChargerStatus::kAvailable
                                                              : model::ChargerStatus::kCharging;
      obs.push_back(o);
    }
    if (r.forecast_p >= 0) {
      run->forecaster.Set(forecast::SeriesKey::Facility(r.id), r.forecast_p, r.capacity);
      if (!r.connectors.empty()) {
        run->forecaster.Set(forecast::SeriesKey::ChargerSite(r.id), r.forecast_p);
      }
    }
  }
  for (const auto& outcome : run->live->ApplyBatch(obs, Now())) {
    EXPECT_EQ(outcome.result, state::ApplyResult::kApplied);
  }
  run->guide = Guide::Create(city.network, run->registry, nullptr);
  run->request.dest = city.dest;
  run->request.origin = city.origin;
  run->request.limit = 50;
  run->request.explain = true;
  run->request.lang = Lang::kEn;
  s.request(run->request);
  run->answer = run->guide->Answer(run->request, *run->live->Snapshot(), Now(), &run->forecaster);
  return run;
}

// The answer as an operator reads it, for failure messages.
double ToSeconds(int64_t ms) { return static_cast<double>(ms) / 1000; }

std::string Describe(const GuidanceAnswer& a) {
  std::string out = "results:\n";
  for (const auto& r : a.results) {
    out += fmt::format(
        "  {:<10} cost {:>7.1f} s (drive {:.0f}, walk {:.0f}, price {:.0f}, risk "
        "{:.0f}) walk {:.0f} m  {}\n",
        r.id, ToSeconds(r.cost.total_ms), ToSeconds(r.cost.drive_ms), ToSeconds(r.cost.walk_ms),
        ToSeconds(r.cost.price_ms), ToSeconds(r.cost.full_risk_ms), r.walk_distance_dm / 10.0,
        r.summary);
  }
  for (const auto& r : a.chargers) out += fmt::format("  site {:<5} {}\n", r.id, r.summary);
  for (const auto& e : a.excluded) {
    out += fmt::format("  excluded {:<10} {}: {}\n", e.id, Name(e.reason), e.detail);
  }
  return out;
}

const std::vector<Scenario>& Scenarios() {
  using CT = model::ConnectorType;
  using R = ExclusionReason;
  static const std::vector<Scenario> all = {
      {.name = "a near car park with a 40% chance loses to a slightly farther one with 95%",
       .rows = {{.id = "NEAR", .forecast_p = 0.40},
                {.id = "FARTHER", .north_m = 80, .forecast_p = 0.95}},
       .order = {"FARTHER", "NEAR"}},
      {.name = "…but with a 90% chance the near one wins",
       .rows = {{.id = "NEAR", .forecast_p = 0.90},
                {.id = "FARTHER", .north_m = 80, .forecast_p = 0.95}},
       .order = {"NEAR", "FARTHER"}},
      {.name = "…and a 95% car park a long walk away does not beat 40% at the door",
       .rows = {{.id = "NEAR", .forecast_p = 0.40},
                {.id = "FAR", .north_m = 600, .forecast_p = 0.95}},
       .order = {"NEAR", "FAR"}},
      {.name = "full vs near-full vs free, side by side, live",
       .rows = {{.id = "FULL", .live_free = 0, .forecast_p = 0.05},
                {.id = "NEARFULL", .live_free = 2, .forecast_p = 0.5},
                {.id = "FREE", .live_free = 120, .forecast_p = 0.99}},
       .order = {"FREE", "NEARFULL", "FULL"}},
      {.name = "closed at arrival (by opening hours) and closed by the operator",
       .rows = {{.id = "OFFICE", .forecast_p = 0.9, .hours = "Mo-Fr 07:00-19:00"},
                {.id = "NIGHT", .forecast_p = 0.9, .hours = "Mo-Su 18:00-02:00"},
                {.id = "SHUT", .live_free = 50, .operator_closed = true},
                {.id = "OPEN", .north_m = 100, .forecast_p = 0.9}},
       .request = [](GuidanceRequest& r) { r.arrive = *ParseRfc3339("2026-11-30T20:00:00+08:00"); },
       .order = {"NIGHT", "OPEN"},
       .excluded = {{"OFFICE", R::kClosedAtArrival}, {"SHUT", R::kClosedByOperator}}},
      {.name = "a 2.0 m van: lower car parks are excluded, unknown heights are not",
       .rows = {{.id = "LOW", .forecast_p = 0.9, .max_height_m = 1.9},
                {.id = "HIGH", .forecast_p = 0.9, .max_height_m = 2.5},
                {.id = "UNSTATED", .north_m = 100, .forecast_p = 0.9}},
       .request = [](GuidanceRequest& r) { r.height_m = 2.0; },
       .order = {"HIGH", "UNSTATED"},
       .excluded = {{"LOW", R::kTooLow}}},
      {.name = "restricted access is never offered",
       .rows = {{.id = "HOTEL", .forecast_p = 0.99, .access = Access::kCustomers},
                {.id = "STAFF", .forecast_p = 0.99, .access = Access::kPrivate},
                {.id = "PUBLIC", .north_m = 100, .forecast_p = 0.6}},
       .order = {"PUBLIC"},
       .excluded = {{"HOTEL", R::kRestrictedAccess}, {"STAFF", R::kRestrictedAccess}}},
      {.name = "EV needing GBT_DC: sites ranked by free matching connectors",
       .rows = {{.id = "AC",
                 .live_free = 100,
                 .connectors = {CT::kGbtAc, CT::kGbtAc},
                 .charger_free = 2},
                {.id = "DCBUSY",
                 .live_free = 100,
                 .connectors = {CT::kGbtDc, CT::kGbtDc},
                 .charger_free = 0},
                {.id = "DCFREE",
                 .north_m = 100,
                 .live_free = 100,
                 .connectors = {CT::kGbtDc, CT::kGbtDc},
                 .charger_free = 2},
                {.id = "NONE", .live_free = 100}},
       .request = [](GuidanceRequest& r) { r.connector = model::ConnectorType::kGbtDc; },
       .order = {"DCBUSY", "DCFREE"},
       .excluded = {{"AC", R::kNoMatchingConnector}, {"NONE", R::kNoMatchingConnector}},
       .charger_order = {"DCFREE", "DCBUSY"}},
      {.name = "accessible space needed",
       .rows = {{.id = "PLAIN", .forecast_p = 0.99},
                {.id = "ACCESS", .north_m = 100, .forecast_p = 0.8, .disabled_spaces = 4}},
       .request = [](GuidanceRequest& r) { r.accessible = true; },
       .order = {"ACCESS"},
       .excluded = {{"PLAIN", R::kNoAccessibleSpace}}},
      {.name = "unknown data: a stale feed is ranked on its forecast and never shown as live",
       .rows = {{.id = "LIVE", .north_m = 100, .live_free = 80, .forecast_p = 0.95},
                {.id = "STALE", .live_free = 80, .live_stale = true, .forecast_p = 0.3},
                {.id = "NODATA", .east_m = 20}},
       .order = {"LIVE", "NODATA", "STALE"}},
      {.name = "at ¥30/h a cheap car park a walk away beats a dear one at the door",
       .rows = {{.id = "CHEAP", .north_m = 300, .forecast_p = 0.95, .tariff = PerHour(2)},
                {.id = "DEAR", .forecast_p = 0.95, .tariff = PerHour(20)}},
       .order = {"CHEAP", "DEAR"}},
      {.name = "…a driver whose time is worth ¥1000/h pays for the door",
       .rows = {{.id = "CHEAP", .north_m = 300, .forecast_p = 0.95, .tariff = PerHour(2)},
                {.id = "DEAR", .forecast_p = 0.95, .tariff = PerHour(20)}},
       .request = [](GuidanceRequest& r) { r.value_of_time_fen_per_hour = 100'000; },
       .order = {"DEAR", "CHEAP"}},
      {.name = "price of the stay: day and night bands, daily cap, free minutes",
       .rows = {{.id = "FLAT5", .forecast_p = 0.99, .tariff = PerHour(5)},
                {.id = "DAYNIGHT", .forecast_p = 0.99, .tariff = DayNight()},
                {.id = "CAPPED", .forecast_p = 0.99, .tariff = PerHour(10, 0, 25)},
                {.id = "FREE30", .forecast_p = 0.99, .tariff = PerHour(40, 30)}},
       // 06:30 for 3 hours: FLAT5 3 × ¥5 = ¥15; DAYNIGHT ¥2 (06:30) + ¥10 + ¥10 = ¥22;
       // CAPPED 3 × ¥10 = ¥30, capped at ¥25; FREE30 over its free half hour: 3 × ¥40 = ¥120
       // (TariffArithmeticReachesTheAnswerToTheFen). Beside FLAT5 at 99%, none of the dearer
       // three is worth taking even free — driving on to FLAT5 costs less than their price — so
       // they rank after it, each by the search it leads to (FLAT5 first): equal but for the
       // metres between their entrances.
       .request =
           [](GuidanceRequest& r) {
             r.arrive = *ParseRfc3339("2026-11-30T06:30:00+08:00");
             r.stay_minutes = 180;
           },
       .order = {"FLAT5", "FREE30", "CAPPED", "DAYNIGHT"}},
  };
  return all;
}

const Scenario& Named(std::string_view start) {
  for (const Scenario& s : Scenarios()) {
    if (std::string_view(s.name).starts_with(start)) return s;
  }
  ADD_FAILURE() << "no scenario '" << start << "'";
  return Scenarios().front();
}

class GuidanceScenarios : public ::testing::TestWithParam<const char*> {
 protected:
  static const City& GetCity(const std::string& name) {
    static std::map<std::string, City> cities;
    if (!cities.contains(name)) {
      if (name == "demo") {
        cities[name] = {"demo", testing::DemoCityForGuidance().network,
                        Offset({34.017, 113.828}, 2000, 2000), Offset({34.017, 113.828}, 400, 500),
                        ""};
      } else {
        // Monaco: Boulevard des Moulins, driving in from Fontvieille.
        auto real = testing::LoadRealCity("osm-monaco/monaco-2025-02-11.osm.pbf");
        cities[name] = {
            "monaco", real.network, {43.74050, 7.42850}, {43.73080, 7.41900}, real.error};
      }
    }
    return cities[name];
  }
  void SetUp() override {
    city_ = &GetCity(GetParam());
    ASSERT_TRUE(city_->error.empty()) << city_->error;
    if (city_->network == nullptr) {
      GTEST_SKIP() << "../shared/data/osm-monaco/monaco-2025-02-11.osm.pbf is absent (set "
                      "PARKGUIDE_SHARED_DATA): the real-extract scenarios did not run";
    }
  }
  const City* city_ = nullptr;
};

TEST_P(GuidanceScenarios, EveryTableGivesItsOrderAndExclusions) {
  for (const Scenario& s : Scenarios()) {
    SCOPED_TRACE(fmt::format("{} — {}", city_->name, s.name));
    auto run = Play(*city_, s);
    ASSERT_TRUE(run->answer.ok()) << run->answer.status().ToString();
    const GuidanceAnswer& a = *run->answer;
    std::vector<std::string> order;
    for (const auto& r : a.results) order.push_back(r.id);
    EXPECT_EQ(order, s.order) << Describe(a);
    std::map<std::string, ExclusionReason> excluded;
    for (const auto& e : a.excluded) excluded[e.id] = e.reason;
    EXPECT_EQ(excluded, s.excluded) << Describe(a);
    std::vector<std::string> sites;
    for (const auto& r : a.chargers) sites.push_back(r.id);
    EXPECT_EQ(sites, s.charger_order) << Describe(a);
    // Whatever the table: never live without a fresh count, and the terms add up.
    for (const auto& r : a.results) {
      EXPECT_EQ(r.cost.total_ms,
                r.cost.drive_ms + r.cost.walk_ms + r.cost.price_ms + r.cost.full_risk_ms);
      if (r.availability.source == DataSource::kLive) {
        EXPECT_TRUE(r.availability.free_now.has_value()) << r.id;
      } else {
        EXPECT_FALSE(r.availability.free_now.has_value()) << r.id;
        EXPECT_NE(r.summary.find(r.availability.source == DataSource::kNone ? "unknown"
                                                                            : "forecast only"),
                  std::string::npos)
            << r.summary;
      }
    }
  }
}

TEST_P(GuidanceScenarios, TheStaleAndTheUnknownAreLabelledAndTheirPFreeComesFromTheForecast) {
  const Scenario& s = Named("unknown data");
  auto run = Play(*city_, s);
  ASSERT_TRUE(run->answer.ok());
  std::map<std::string, const RankedPlace*> by_id;
  for (const auto& r : run->answer->results) by_id[r.id] = &r;
  ASSERT_EQ(by_id.size(), 3u) << Describe(*run->answer);
  EXPECT_EQ(by_id["LIVE"]->availability.source, DataSource::kLive);
  EXPECT_EQ(by_id["STALE"]->availability.source, DataSource::kForecastOnly);
  EXPECT_EQ(by_id["STALE"]->availability.state_now, state::OccupancyState::kUnknown);
  EXPECT_DOUBLE_EQ(by_id["STALE"]->availability.p_free, 0.3);
  EXPECT_EQ(by_id["NODATA"]->availability.source, DataSource::kNone);
  EXPECT_DOUBLE_EQ(by_id["NODATA"]->availability.p_free, run->guide->params().unknown_p_free);
}

TEST_P(GuidanceScenarios, TariffArithmeticReachesTheAnswerToTheFen) {
  const Scenario& s = Named("price of the stay");
  auto run = Play(*city_, s);
  ASSERT_TRUE(run->answer.ok());
  std::map<std::string, int64_t> price;
  for (const auto& r : run->answer->results) price[r.id] = r.price_fen;
  const std::map<std::string, int64_t> expected = {
      {"FLAT5", 1500}, {"DAYNIGHT", 2200}, {"CAPPED", 2500}, {"FREE30", 12000}};
  EXPECT_EQ(price, expected) << Describe(*run->answer);
  // A stay inside the free minutes costs nothing.
  Scenario short_stay = s;
  short_stay.request = [](GuidanceRequest& r) { r.stay_minutes = 20; };
  run = Play(*city_, short_stay);
  ASSERT_TRUE(run->answer.ok());
  for (const auto& r : run->answer->results) {
    if (r.id == "FREE30") {
      EXPECT_EQ(r.price_fen, 0);
    }
  }
}

TEST_P(GuidanceScenarios, ADestinationOffTheNetworkIsRefusedNamingDest) {
  Scenario s = Named("a near car park");
  s.request = [](GuidanceRequest& r) { r.dest = Offset(r.dest, 0, -30'000); };
  auto run = Play(*city_, s);
  ASSERT_FALSE(run->answer.ok());
  EXPECT_EQ(run->answer.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run->answer.status().field(), "dest");
}

TEST_P(GuidanceScenarios, IdenticalRequestsGiveByteIdenticalAnswers) {
  for (const Scenario& s : Scenarios()) {
    auto a = Play(*city_, s), b = Play(*city_, s);
    ASSERT_TRUE(a->answer.ok() && b->answer.ok());
    EXPECT_EQ(api::GuidanceJson(*a->answer, *a->registry, a->guide->params()),
              api::GuidanceJson(*b->answer, *b->registry, b->guide->params()))
        << s.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Cities, GuidanceScenarios, ::testing::Values("demo", "monaco"),
                         [](const auto& p) { return std::string(p.param); });

// The real registry of the Monaco extract (its OSM car parks), every facility live.
TEST(GuidanceRealExtract, MonacoCarParksAllLiveAreRankedAndRestrictedOnesExcluded) {
  auto real = testing::LoadRealCity("osm-monaco/monaco-2025-02-11.osm.pbf");
  ASSERT_TRUE(real.error.empty()) << real.error;
  if (real.network == nullptr) {
    GTEST_SKIP() << "../shared/data/osm-monaco is absent (set PARKGUIDE_SHARED_DATA): skipped";
  }
  model::Source source;
  source.id = model::SourceId("feed");
  source.scope.all = true;
  real.registry.sources.push_back(source);
  auto registry = *registry::Registry::Build(real.registry);
  state::LiveState live(registry);
  std::vector<model::Observation> obs;
  for (const auto& f : registry->facilities()) {
    model::Observation o;
    o.source = model::SourceId("feed");
    o.time = Now() - std::chrono::minutes(1);
    o.target = f.id.str();
    o.free = f.capacity.total ? *f.capacity.total / 2 : 10;
    obs.push_back(o);
  }
  live.ApplyBatch(obs, Now());
  auto guide = Guide::Create(real.network, registry, nullptr);
  GuidanceRequest req;
  req.dest = {43.74050, 7.42850};
  req.origin = LatLon{43.73080, 7.41900};
  req.explain = true;
  req.limit = 10;
  auto a = guide->Answer(req, *live.Snapshot(), Now(), nullptr);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_GE(a->results.size(), 3u) << Describe(*a);
  for (const auto& r : a->results) {
    EXPECT_FALSE(model::IsRestricted(r.facility->access)) << r.id;
    EXPECT_LE(r.walk_distance_dm / 10.0, req.max_walk_m) << r.id;
    EXPECT_TRUE(r.drive_time_ms.has_value());
    EXPECT_GE(r.route.size(), 2u) << r.id;
    if (r.facility->capacity.total) {
      // Counted car parks are live; those without a capacity cannot be counted, so unknown.
      EXPECT_EQ(r.availability.source, DataSource::kLive) << r.id;
    }
  }
  for (const auto& e : a->excluded) {
    const auto* f = registry->FindFacility(model::FacilityId(e.id));
    if (model::IsRestricted(f->access)) {
      EXPECT_EQ(e.reason, ExclusionReason::kRestrictedAccess);
    }
  }
}

}  // namespace
}  // namespace pg::guidance
