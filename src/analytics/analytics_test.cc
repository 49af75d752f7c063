#include "analytics/analytics.h"

#include <date/tz.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analytics/pdf.h"
#include "analytics/report.h"
#include "store/store.h"
#include "tests/support/digest.h"
#include "tests/support/temp_dir.h"

namespace pg::analytics {
namespace {

namespace fs = std::filesystem;
using Kind = model::OccupancyRollup::Kind;

constexpr int64_t kHour = 3'600'000;

// A question to the store's file in plain SQL, independent of the analytics code.
class Sql {
 public:
  explicit Sql(const std::string& path) {
    sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
  }
  ~Sql() { sqlite3_close(db_); }
  // The first column of the first row; NaN for NULL or no row.
  double Number(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_) << "\n"
        << sql;
    double v = std::nan("");
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
      v = sqlite3_column_double(st, 0);
    }
    sqlite3_finalize(st);
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Removed when the test program ends.
std::string TempPath(const std::string& name) {
  static testing::TempDir dir;
  return dir.File(name);
}

model::Facility Facility(const std::string& id, const std::string& district, int capacity,
                         std::optional<int64_t> price_fen, LatLon at) {
  model::Facility f;
  f.id = model::FacilityId(id);
  f.name = {id + "停车场", id + " car park"};
  f.district = district;
  f.capacity.total = capacity;
  f.location = at;
  if (price_fen) f.tariff = model::Tariff{0, {{0, 1440, *price_fen}}, std::nullopt, "CNY"};
  return f;
}

struct TestCity {
  std::string path;
  std::unique_ptr<store::Store> store;
  std::shared_ptr<const registry::Registry> registry;
  Week week;
};

// Testville (Asia/Shanghai): F1, F2 in D1, F3 and the on-street zone Z1 (4 bays, 60-minute
// limit) in D2, a charging site in each district and a sign, with a week of made-up history that
// has gaps, partial coverage, sessions crossing the week's end and faults left open.
TestCity MakeCity(const std::string& name) {
  TestCity c;
  c.path = TempPath(name);
  fs::remove(c.path);
  auto store = store::OpenSqliteStore(c.path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  c.store = std::move(*store);
  model::RegistryData d;
  model::City city;
  city.id = "testville";
  city.name = {"测试城", "Testville"};
  city.time_zone = "Asia/Shanghai";
  city.districts = {{"D1", {"东区", "East"}, {}}, {"D2", {"西区", "West"}, {}}};
  d.city = city;
  d.facilities = {Facility("F1", "D1", 100, 500, {31.20, 121.50}),
                  Facility("F2", "D1", 50, std::nullopt, {31.21, 121.51}),
                  Facility("F3", "D2", 200, 300, {31.22, 121.40}),
                  Facility("Z1", "D2", 4, 200, {31.23, 121.41})};
  d.facilities[3].kind = model::FacilityKind::kOnStreet;
  for (int i = 1; i <= 4; ++i) {
    model::Bay b;
    b.id = model::BayId("B" + std::to_string(i));
    b.facility = model::FacilityId("Z1");
    b.location = {31.23 + i * 0.001, 121.41};
    b.time_limit_minutes = 60;
    d.bays.push_back(b);
  }
  model::Charger c1;
  c1.id = model::ChargerId("C1");
  c1.site = "S1";
  c1.district = "D1";
  c1.connectors = {{1, model::ConnectorType::kGbtDc, 60}, {2, model::ConnectorType::kGbtDc, 60}};
  model::Charger c2 = c1;
  c2.id = model::ChargerId("C2");
  c2.site = "S2";
  c2.district = "D2";
  c2.lifecycle = model::Lifecycle::kPlanned;
  c2.planned_date = "2026-11-18";
  model::Charger c3 = c1;
  c3.id = model::ChargerId("C3");
  c3.site = "S3";
  c3.district = "D2";
  c3.construction_date = "2026-09-01";
  c3.in_service_date = "2026-11-20";
  d.chargers = {c1, c2, c3};
  model::Sign sign;
  sign.id = model::SignId("SG1");
  d.signs = {sign};
  model::Source gate;
  gate.id = model::SourceId("gate");
  gate.scope.all = true;
  d.sources = {gate};
  EXPECT_TRUE(c.store->WriteRegistry(d, store::RegistryWriteMode::kUpsert).ok());
  auto reg = registry::Registry::Build(d);
  EXPECT_TRUE(reg.ok());
  c.registry = *reg;
  c.week = *ParseIsoWeek("2026-W47", c.registry->time_zone());

  const int64_t start = ToUnixMillis(c.week.start);
  const int64_t prev_start = start - int64_t{7 * 24} * kHour;
  std::vector<model::OccupancyRollup> rollups;
  auto add = [&](const std::string& id, int64_t t, double mean, int cap, double coverage) {
    model::OccupancyRollup r;
    r.id = id;
    r.start = FromUnixMillis(t);
    r.mean_occupied = mean;
    // F3's count never moves (a stuck sensor); the others vary within each slot.
    bool stuck = id == "F3";
    r.min_occupied = static_cast<int>(mean) - (stuck ? 0 : 1);
    r.max_occupied = static_cast<int>(mean) + (stuck ? 0 : 2);
    r.capacity = cap;
    r.coverage = coverage;
    rollups.push_back(r);
  };
  for (int s = 0; s < 2016; ++s) {
    int64_t t = start + int64_t{s} * 300'000;
    int local_hour = static_cast<int>(((t / kHour) + 8) % 24);
    int day = s / 288;
    bool busy = day < 5 && local_hour >= 9 && local_hour < 17;
    // F1: saturated on weekday office hours; three hours missing on Wednesday; half coverage on
    // Thursday morning.
    if (!(day == 2 && local_hour >= 12 && local_hour < 15)) {
      add("F1", t, busy ? 95 : 40, 100, day == 3 && local_hour < 6 ? 0.5 : 1.0);
    }
    if (day < 3) add("F2", t, 10 + (s % 7), 50, 1.0);  // then silent
    add("F3", t, 40, 200, 1.0);
    add("F1", prev_start + int64_t{s} * 300'000, 50, 100, 1.0);
    // Charging site S1: busy in the evening.
    model::OccupancyRollup r;
    r.kind = Kind::kChargerSite;
    r.id = "S1";
    r.start = FromUnixMillis(t);
    r.mean_occupied = local_hour >= 18 ? 2 : 0.5;
    r.min_occupied = local_hour >= 18 ? 2 : 0;
    r.max_occupied = 2;
    r.capacity = 2;
    r.coverage = 1;
    rollups.push_back(r);
  }
  EXPECT_TRUE(c.store->AppendRollups(rollups).ok());

  auto at = [&](int day, double hour) {
    return FromUnixMillis(start + int64_t{day} * 24 * kHour + static_cast<int64_t>(hour * kHour));
  };
  std::vector<model::BayEvent> bays = {
      {model::BayId("B1"), at(0, 10), true},     {model::BayId("B1"), at(0, 12.5), false},
      {model::BayId("B2"), at(0, 10), true},     {model::BayId("B2"), at(0, 10.5), false},
      {model::BayId("B3"), at(1, 9), true},      {model::BayId("B3"), at(1, 9.25), true},
      {model::BayId("B3"), at(1, 9.75), false},  {model::BayId("B4"), at(6, 23.5), true},
      {model::BayId("B4"), at(7, 1.5), false},   {model::BayId("B1"), at(-1, 10), true},
      {model::BayId("B1"), at(-1, 10.2), false},
  };
  EXPECT_TRUE(c.store->AppendBayEvents(bays).ok());
  std::vector<model::ChargerStatusEvent> statuses = {
      {model::ChargerId("C1"), 1, at(1, 10), model::ChargerStatus::kFaulted},
      {model::ChargerId("C1"), 1, at(1, 12), model::ChargerStatus::kFaulted},
      {model::ChargerId("C1"), 1, at(1, 14), model::ChargerStatus::kAvailable},
      {model::ChargerId("C1"), 2, at(5, 20), model::ChargerStatus::kFaulted},
  };
  EXPECT_TRUE(c.store->AppendChargerStatus(statuses).ok());
  EXPECT_TRUE(
      c.store->AppendSignFault({model::SignId("SG1"), at(2, 8), "offline", "no heartbeat"}).ok());
  EXPECT_TRUE(c.store->AppendSignFault({model::SignId("SG1"), at(2, 10), "online", ""}).ok());
  store::SignOverrideRecord o;
  o.sign = model::SignId("SG1");
  o.kind = "blank";
  o.created = at(3, 10);
  o.expires = at(3, 13);
  EXPECT_TRUE(c.store->AddSignOverride(o).ok());
  store::DeadLetter letter;
  letter.received = at(4, 1);
  letter.channel = "mqtt";
  letter.reason = "bad JSON";
  EXPECT_TRUE(c.store->AppendDeadLetter(letter).ok());
  EXPECT_TRUE(c.store->AddToCounter("source.gate.anomalies", at(1, 3), 5).ok());
  EXPECT_TRUE(c.store->AddToCounter("source.gate.corrections", at(2, 3), 2).ok());
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(c.store->AddToCounter("guidance.queries", at(i, 9), 7).ok());
  return c;
}

AnalyticsOptions Options() {
  AnalyticsOptions o;
  o.forecast_accuracy = false;
  o.targets["D2"] = {5, 8};
  return o;
}

TEST(Week, ParsesIsoWeeksInTheCityZone) {
  auto zone = LookupTimeZone("Asia/Shanghai");
  auto w = ParseIsoWeek("2026-W47", **zone);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(FormatRfc3339Utc(w->start), "2026-11-15T16:00:00Z");
  EXPECT_EQ(FormatRfc3339Utc(w->end), "2026-11-22T16:00:00Z");
  EXPECT_EQ(w->Label(), "2026-W47");
  EXPECT_EQ(PreviousWeek(*w, **zone).Label(), "2026-W46");
  EXPECT_EQ(WeekContaining(w->start, **zone).Label(), "2026-W47");
  EXPECT_EQ(PreviousWeek(*ParseIsoWeek("2026-W01", **zone), **zone).Label(), "2025-W52");
  for (const char* bad : {"2026-47", "2026-W00", "2026-W54", "26-W47", "2026-Wxx"}) {
    auto r = ParseIsoWeek(bad, **zone);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().field(), "week");
  }
  EXPECT_FALSE(ParseIsoWeek("2025-W53", **zone).ok());  // 2025 has 52 ISO weeks
  EXPECT_TRUE(ParseIsoWeek("2026-W53", **zone).ok());
}

TEST(Pricing, RaisesAboveTheBandLowersBelowAndStaysInBounds) {
  PricingOptions o;
  EXPECT_EQ(SuggestPrice(500, 0.9, o), (std::pair<int64_t, std::string>{550, "raise"}));
  EXPECT_EQ(SuggestPrice(500, 0.5, o), (std::pair<int64_t, std::string>{450, "lower"}));
  EXPECT_EQ(SuggestPrice(500, 0.7, o), (std::pair<int64_t, std::string>{500, "keep"}));
  EXPECT_EQ(SuggestPrice(20, 0.1, o), (std::pair<int64_t, std::string>{0, "lower"}));
  EXPECT_EQ(SuggestPrice(0, 0.1, o), (std::pair<int64_t, std::string>{0, "keep"}));
  EXPECT_EQ(SuggestPrice(2'000, 0.95, o), (std::pair<int64_t, std::string>{2'000, "keep"}));
}

TEST(Options, ReadsSettingsAndTargetsCsv) {
  TestCity c = MakeCity("options.db");
  ASSERT_TRUE(c.store->PutSetting("analytics.pricing", R"({"step_fen":100,"max_fen":800})").ok());
  ASSERT_TRUE(c.store->PutSetting("analytics.buildout_targets", R"({"D1":{"in_service":3}})").ok());
  auto o = LoadOptions(*c.store);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->pricing.step_fen, 100);
  EXPECT_EQ(o->pricing.max_fen, 800);
  EXPECT_EQ(o->targets["D1"].in_service, 3);
  ASSERT_TRUE(c.store->PutSetting("analytics.pricing", "{oops").ok());
  EXPECT_EQ(LoadOptions(*c.store).status().field(), "analytics.pricing");
  auto t = ParseTargetsCsv("district,target_in_service,target_total\r\nD1,4,10\nD2,,6\n");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)["D1"].total, 10);
  EXPECT_FALSE((*t)["D2"].in_service.has_value());
  EXPECT_FALSE(ParseTargetsCsv("h\nD1,x,1\n").ok());
}

TEST(Analytics, FiguresEqualIndependentSqlOnTheStore) {
  TestCity c = MakeCity("figures.db");
  auto f = ComputeWeek(*c.store, *c.registry, c.week, Options());
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  Sql sql(c.path);
  const std::string week =
      fmt::format("t_ms >= {} AND t_ms < {}", ToUnixMillis(c.week.start), ToUnixMillis(c.week.end));
  const std::string occ = "FROM rollups WHERE kind = 0 AND step_s = 300 AND " + week;

  EXPECT_NEAR(*f->kpis.mean_occupancy,
              sql.Number("SELECT sum(mean_occupied * coverage) / sum(capacity * coverage) " + occ),
              1e-9);
  EXPECT_NEAR(*f->kpis.peak_occupancy,
              sql.Number("SELECT max(s) FROM (SELECT sum(mean_occupied) * 1.0 / sum(capacity) s " +
                         occ + " AND coverage > 0 GROUP BY t_ms)"),
              1e-9);
  EXPECT_NEAR(f->kpis.saturated_hours,
              sql.Number("SELECT count(*) * 5 / 60.0 FROM (SELECT sum(mean_occupied) * 1.0 / "
                         "sum(capacity) s " +
                         occ + " AND coverage > 0 GROUP BY t_ms) WHERE s >= 0.9"),
              1e-9);
  // Four facilities with a capacity (the zone has no rollups: all its time is unknown).
  EXPECT_NEAR(f->kpis.unknown_share, sql.Number("SELECT 1 - sum(coverage) / (4 * 2016.0) " + occ),
              1e-9);
  EXPECT_EQ(f->kpis.guidance_queries, 21);
  const FacilityFigures* f1 = f->Facility("F1");
  ASSERT_NE(f1, nullptr);
  EXPECT_NEAR(f1->saturated_hours,
              sql.Number("SELECT sum(coverage) * 5 / 60.0 " + occ +
                         " AND id = 'F1' AND mean_occupied * 1.0 / capacity >= 0.9"),
              1e-9);
  EXPECT_NEAR(*f1->mean_occupancy,
              sql.Number("SELECT sum(mean_occupied * coverage) / sum(capacity * coverage) " + occ +
                         " AND id = 'F1'"),
              1e-9);
  EXPECT_NEAR(*f1->peak_occupancy, 0.97, 1e-9);
  // Pricing reads 08:00–20:00 local only.
  EXPECT_NEAR(*f1->pricing_occupancy,
              sql.Number("SELECT sum(mean_occupied * coverage) / sum(capacity * coverage) " + occ +
                         " AND id = 'F1' AND strftime('%H', t_ms / 1000 + 8 * 3600, 'unixepoch') "
                         "BETWEEN '08' AND '19'"),
              1e-9);
  auto expected = SuggestPrice(500, *f1->pricing_occupancy, PricingOptions{});
  EXPECT_EQ(f1->suggested_fen_per_hour, expected.first);
  EXPECT_EQ(f->Facility("F2")->pricing_action, "no_tariff");
  EXPECT_EQ(f->Facility("F3")->pricing_action, "lower");  // 20% is below the band
  EXPECT_EQ(f->Facility("F3")->suggested_fen_per_hour, 250);
  EXPECT_EQ(f->most_saturated.front(), "F1");
  EXPECT_EQ(f->most_underused.front(), "F3");

  // Heat map: Monday 10:00 local, city-wide and D1.
  ASSERT_GE(f->heat_maps.size(), 3u);
  EXPECT_EQ(f->heat_maps[0].district, "");
  const std::string monday10 =
      " AND strftime('%w', t_ms / 1000 + 8 * 3600, 'unixepoch') = '1' AND strftime('%H', t_ms / "
      "1000 + 8 * 3600, 'unixepoch') = '10'";
  EXPECT_NEAR(*f->heat_maps[0].share[0][10],
              sql.Number("SELECT sum(mean_occupied * coverage) / sum(capacity * coverage) " + occ +
                         monday10),
              1e-9);
  EXPECT_NEAR(*f->heat_maps[1].share[0][10],
              sql.Number("SELECT sum(mean_occupied * coverage) / sum(capacity * coverage) " + occ +
                         monday10 + " AND id IN ('F1', 'F2')"),
              1e-9);
  ASSERT_EQ(f->pressure.size(), 2u);
  EXPECT_NEAR(*f->pressure[1].mean_occupancy, 0.2, 1e-9);  // D2: F3 only has data

  // On-street: sessions are an arrival followed by the bay's next event being a departure.
  const std::string sessions =
      "FROM (SELECT bay_id, t_ms, occupied, lead(occupied) OVER w AS next_occupied, lead(t_ms) "
      "OVER w AS next_t FROM bay_events WINDOW w AS (PARTITION BY bay_id ORDER BY t_ms)) WHERE "
      "occupied = 1 AND next_occupied = 0 AND " +
      week;
  EXPECT_EQ(f->on_street.sessions, sql.Number("SELECT count(*) " + sessions));
  EXPECT_EQ(f->on_street.sessions, 4);
  EXPECT_NEAR(*f->on_street.mean_dwell_minutes,
              sql.Number("SELECT avg((next_t - t_ms) / 60000.0) " + sessions), 1e-9);
  EXPECT_EQ(f->on_street.overstays,
            sql.Number("SELECT count(*) " + sessions + " AND next_t - t_ms > 60 * 60000"));
  EXPECT_EQ(f->on_street.overstays, 2);  // B1 (150 min) and B4 (120 min, ends after the week)
  EXPECT_EQ(f->on_street.bays_reporting, 4);
  EXPECT_NEAR(*f->on_street.turnover_per_bay_day, 4.0 / 4 / 7, 1e-9);
  EXPECT_NEAR(f->on_street.overstay_minutes, 90 + 60, 1e-6);
  ASSERT_EQ(f->on_street.points.size(), 2u);

  // EV: utilisation from site rollups; faults from connector statuses.
  ASSERT_EQ(f->ev_sites.size(), 2u);  // S1 and S3 (C2 is only planned)
  EXPECT_EQ(f->ev_sites[0].site, "S1");
  const std::string site = "FROM rollups WHERE kind = 1 AND step_s = 300 AND id = 'S1' AND " + week;
  EXPECT_NEAR(*f->ev_sites[0].utilisation,
              sql.Number("SELECT sum(mean_occupied * coverage) / sum(capacity * coverage) " + site),
              1e-9);
  EXPECT_NEAR(*f->ev_sites[0].availability,
              sql.Number("SELECT sum(CASE WHEN min_occupied < capacity THEN coverage ELSE 0 END) "
                         "/ sum(coverage) " +
                         site),
              1e-9);
  EXPECT_NEAR(f->ev_sites[0].fault_hours, 4 + 28, 1e-9);
  EXPECT_EQ(f->ev_sites[0].faults_restored, 1);
  EXPECT_NEAR(*f->ev_sites[0].mean_hours_to_restore, 4, 1e-9);

  // Build-out at the week's end and what changed in it.
  ASSERT_EQ(f->build_out.size(), 2u);
  EXPECT_EQ(f->build_out[1].district, "D2");
  EXPECT_EQ(f->build_out[1].planned, 1);
  EXPECT_EQ(f->build_out[1].in_service, 1);
  EXPECT_EQ(f->build_out[1].target.in_service, 5);
  ASSERT_EQ(f->build_out_changes.size(), 2u);
  EXPECT_EQ(f->build_out_changes[0].charger, "C2");
  EXPECT_EQ(f->build_out_changes[1].to, model::Lifecycle::kInService);

  // Data quality: F2 went silent after three days; F1 missed three hours; Z1 never reported.
  EXPECT_EQ(f->quality.facility_silent_periods, 3);
  EXPECT_NEAR(f->quality.facility_silent_hours, 3 + 4 * 24 + 7 * 24, 1e-9);
  EXPECT_EQ(f->quality.dead_letters, 1);
  // F3 sits at 40 of 200 all week (min = max in every slot): frozen for the whole week.
  ASSERT_FALSE(f->quality.frozen.empty());
  EXPECT_EQ(f->quality.frozen[0].id, "F3");
  EXPECT_NEAR(f->quality.frozen[0].frozen_hours, 168, 1e-9);
  EXPECT_EQ(f->quality.frozen[0].value, 40);
  EXPECT_EQ(f->quality.frozen.size(), 1u);
  EXPECT_EQ(f->quality.anomalies, 5);
  EXPECT_EQ(f->quality.corrections, 2);
  ASSERT_EQ(f->quality.sources.size(), 1u);
  EXPECT_NEAR(*f->quality.sources[0].uptime,
              sql.Number("SELECT sum(coverage) / (4 * 2016.0) " + occ), 1e-9);
  // Signs: two hours offline, one override of three hours.
  EXPECT_NEAR(f->signs.offline_hours, 2, 1e-9);
  EXPECT_NEAR(*f->signs.uptime, 1 - 2.0 / 168, 1e-9);
  EXPECT_EQ(f->signs.overrides, 1);
  EXPECT_NEAR(f->signs.override_hours, 3, 1e-9);

  // The API's JSON carries the same numbers.
  auto json = SectionJson(*f, "summary");
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find("\"overstays\":2"), std::string::npos) << *json;
  EXPECT_EQ(SectionJson(*f, "nope").status().field(), "section");
}

TEST(Analytics, DistrictScopeKeepsOnlyItsFacilities) {
  TestCity c = MakeCity("district.db");
  auto f = ComputeWeek(*c.store, *c.registry, c.week, Options(), "D1");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kpis.facilities, 2);
  EXPECT_EQ(f->on_street.sessions, 0);
  EXPECT_EQ(f->heat_maps.size(), 1u);
  auto bad = ComputeWeek(*c.store, *c.registry, c.week, Options(), "D9");
  EXPECT_EQ(bad.status().field(), "district");
}

TEST(Analytics, AWeekWithoutDataSaysSoAndDoesNotInvent) {
  TestCity c = MakeCity("empty.db");
  AnalyticsOptions o = Options();
  o.forecast_accuracy = true;
  auto f =
      ComputeWeek(*c.store, *c.registry, *ParseIsoWeek("2030-W01", c.registry->time_zone()), o);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->kpis.mean_occupancy.has_value());
  EXPECT_FALSE(f->kpis.peak_occupancy.has_value());
  EXPECT_DOUBLE_EQ(f->kpis.unknown_share, 1.0);
  EXPECT_FALSE(f->kpis.guidance_queries.has_value());
  EXPECT_FALSE(f->quality.anomalies.has_value());
  EXPECT_EQ(f->on_street.sessions, 0);
  EXPECT_FALSE(f->on_street.mean_dwell_minutes.has_value());
  EXPECT_TRUE(f->forecast.horizons.empty());
  EXPECT_FALSE(f->forecast.note.empty());
  EXPECT_EQ(f->Facility("F1")->pricing_action, "no_data");
  std::string html = RenderReportHtml(*f, *f, "en", f->week.start);
  EXPECT_NE(html.find("not recorded"), std::string::npos);
  EXPECT_NE(html.find("no data"), std::string::npos);
}

// The digests of every JSON section and both languages' HTML of the Testville week, of the week
// scoped to D1, and of an empty week with forecast accuracy asked for. They were recorded before
// ComputeWeek and SectionJson were cut into pieces; a deliberate change of the outputs updates
// them (the failure prints the new table).
TEST(Analytics, SectionsAndReportsAreByteIdenticalToTheRecordedOutputs) {
  TestCity c = MakeCity("golden.db");
  const auto& zone = c.registry->time_zone();
  AnalyticsOptions with_forecast = Options();
  with_forecast.forecast_accuracy = true;
  struct Case {
    std::string name;
    Week week;
    AnalyticsOptions options;
    std::string district;
  };
  const Case cases[] = {{"city", c.week, Options(), ""},
                        {"D1", c.week, Options(), "D1"},
                        {"empty", *ParseIsoWeek("2030-W01", zone), with_forecast, ""}};
  std::map<std::string, std::string> digests;
  for (const Case& k : cases) {
    auto now = ComputeWeek(*c.store, *c.registry, k.week, k.options, k.district);
    auto prev =
        ComputeWeek(*c.store, *c.registry, PreviousWeek(k.week, zone), k.options, k.district);
    ASSERT_TRUE(now.ok() && prev.ok()) << k.name;
    std::vector<std::string_view> sections(std::begin(kSections), std::end(kSections));
    sections.emplace_back("all");
    for (std::string_view section : sections) {
      auto json = SectionJson(*now, section);
      ASSERT_TRUE(json.ok()) << section;
      digests[k.name + "/" + std::string(section)] = testing::Digest(*json);
    }
    for (const char* lang : {"zh", "en"}) {
      digests[k.name + "/html-" + lang] =
          testing::Digest(RenderReportHtml(*now, *prev, lang, k.week.end));
    }
  }
  const std::map<std::string, std::string> recorded = {
      {"D1/all", "669a83cdd50b4232"},          {"D1/buildout", "9a6677ef0e923514"},
      {"D1/ev", "ebd284285935218e"},           {"D1/facilities", "dfd78c2d3ed6ea62"},
      {"D1/forecast", "bb934c6e96a9f163"},     {"D1/heatmap", "e84e9789db9ad67f"},
      {"D1/html-en", "96d1935e23d3581e"},      {"D1/html-zh", "d60c6b95350eb345"},
      {"D1/occupancy", "a396582a43aa3b73"},    {"D1/onstreet", "3a5a3f748c0c6e68"},
      {"D1/pressure", "f20e0cbeed156f05"},     {"D1/pricing", "184d45bc265e07d2"},
      {"D1/quality", "d6e3d4e6176cfb58"},      {"D1/signs", "472b7dd02b9d18e9"},
      {"D1/summary", "fee5a58923e9735b"},      {"city/all", "872ccb0669b4c3b8"},
      {"city/buildout", "56536ebb4c37521f"},   {"city/ev", "e5584b82f3fe3329"},
      {"city/facilities", "92e776c31f1f3adb"}, {"city/forecast", "33c82aaa812d5063"},
      {"city/heatmap", "31b8090c0265d487"},    {"city/html-en", "8d575a616d9fece2"},
      {"city/html-zh", "4b8508d7e9ee9993"},    {"city/occupancy", "bca6254d30b5478d"},
      {"city/onstreet", "96ed5effdc536f95"},   {"city/pressure", "7575a1ab6cb6958a"},
      {"city/pricing", "eb6660ddd77dc29e"},    {"city/quality", "5e5d12899901a4d0"},
      {"city/signs", "9ac341a18e7d6973"},      {"city/summary", "2b0bdb2152757d00"},
      {"empty/all", "27f91a24ea31eb1c"},       {"empty/buildout", "08e5280a5e7b5228"},
      {"empty/ev", "c274daa5cc1a32d4"},        {"empty/facilities", "4e68582f8d94fae5"},
      {"empty/forecast", "9575da3ac4d47b77"},  {"empty/heatmap", "4a19ff807b2748c9"},
      {"empty/html-en", "e4f572c767c7cf9f"},   {"empty/html-zh", "4fb8036ec836d202"},
      {"empty/occupancy", "ff069202931b7b13"}, {"empty/onstreet", "eac028b4274c1686"},
      {"empty/pressure", "0ea0c52c7040c036"},  {"empty/pricing", "42e3bee21943379f"},
      {"empty/quality", "6fef63c469fc3c87"},   {"empty/signs", "d9d2e380c437301a"},
      {"empty/summary", "841ff5d292129058"},
  };
  EXPECT_EQ(digests, recorded) << testing::DigestTable(digests);
}

bool NoExternalAssets(const std::string& html) {
  return html.find(" src=") == std::string::npos && html.find("href=") == std::string::npos &&
         html.find("url(") == std::string::npos && html.find("@import") == std::string::npos;
}

TEST(Report, HtmlIsSelfContainedInBothLanguages) {
  TestCity c = MakeCity("html.db");
  auto now = ComputeWeek(*c.store, *c.registry, c.week, Options());
  auto prev =
      ComputeWeek(*c.store, *c.registry, PreviousWeek(c.week, c.registry->time_zone()), Options());
  ASSERT_TRUE(now.ok() && prev.ok());
  std::string zh = RenderReportHtml(*now, *prev, "zh", c.week.end);
  std::string en = RenderReportHtml(*now, *prev, "en", c.week.end);
  EXPECT_NE(zh.find("停车与充电周报"), std::string::npos);
  EXPECT_NE(zh.find("测试城"), std::string::npos);
  EXPECT_NE(zh.find("东区"), std::string::npos);
  EXPECT_NE(en.find("Weekly parking and charging report"), std::string::npos);
  EXPECT_NE(en.find("2026-W47"), std::string::npos);
  EXPECT_NE(en.find("2026-W46"), std::string::npos);
  EXPECT_NE(en.find("Sites out of order longest"), std::string::npos);  // S1's faults
  EXPECT_NE(en.find("Frozen counts"), std::string::npos);               // F3
  for (const std::string* h : {&zh, &en}) {
    EXPECT_TRUE(NoExternalAssets(*h));
    EXPECT_NE(h->find("<svg"), std::string::npos);
    EXPECT_NE(h->find("¥5.00"), std::string::npos);  // F1's price now
  }
}

TEST(Report, FileNamesListBack) {
  std::string dir = TempPath("reports");
  fs::create_directories(dir);
  for (const char* name : {"report-2026-W46-zh.html", "report-2026-W47-en.pdf",
                           "report-2026-W47-D1-zh.html", "notes.txt"}) {
    std::ofstream(fs::path(dir) / name) << "x";
  }
  EXPECT_EQ(ReportFileName("2026-W47", "D1", "zh", "html"), "report-2026-W47-D1-zh.html");
  auto list = ListReports(dir);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].week, "2026-W47");
  EXPECT_EQ(list[2].week, "2026-W46");
  bool district_seen = false;
  for (const auto& l : list) district_seen |= l.district == "D1" && l.lang == "zh";
  EXPECT_TRUE(district_seen);
  EXPECT_TRUE(ListReports(dir + "/absent").empty());
}

TEST(Report, RequestErrorsNameTheField) {
  TestCity c = MakeCity("errors.db");
  ReportRequest r;
  r.week = "2026-W47";
  r.out_path = TempPath("x.html");
  r.lang = "fr";
  EXPECT_EQ(WriteWeeklyReport(*c.store, *c.registry, r).field(), "lang");
  r.lang = "en";
  r.format = "docx";
  EXPECT_EQ(WriteWeeklyReport(*c.store, *c.registry, r).field(), "format");
  r.format = "html";
  r.week = "W47";
  EXPECT_EQ(WriteWeeklyReport(*c.store, *c.registry, r).field(), "week");
}

// The share of non-white pixels of a PGM page.
double InkShare(const std::string& pgm_path) {
  std::ifstream f(pgm_path, std::ios::binary);
  std::string magic;
  int w = 0, h = 0, max = 0;
  f >> magic >> w >> h >> max;
  f.get();
  std::vector<unsigned char> px(static_cast<size_t>(w) * h);
  f.read(reinterpret_cast<char*>(px.data()), static_cast<std::streamsize>(px.size()));
  if (magic != "P5" || px.empty()) return 0;
  size_t ink = 0;
  for (unsigned char p : px) ink += p < 200;
  return static_cast<double>(ink) / static_cast<double>(px.size());
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(Report, PdfRendersWithTextOnEveryPage) {
  if (!ChromiumAvailable()) {
    GTEST_SKIP() << "no /usr/bin/chromium here: the PDF is not tested (scripts/install-deps.sh "
                    "installs it; .ci/run does)";
  }
  if (std::system("command -v pdftoppm > /dev/null && command -v pdftotext > /dev/null") != 0) {
    GTEST_SKIP() << "no pdftoppm/pdftotext (poppler-utils): the PDF is not tested";
  }
  TestCity c = MakeCity("pdf.db");
  for (const char* lang : {"zh", "en"}) {
    ReportRequest r;
    r.week = "2026-W47";
    r.lang = lang;
    r.format = "pdf";
    r.options = Options();
    r.out_path = TempPath(std::string("report-") + lang + ".pdf");
    r.generated = c.week.end;
    Status s = WriteWeeklyReport(*c.store, *c.registry, r);
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::string prefix = TempPath(std::string("page-") + lang);
    ASSERT_EQ(std::system(("pdftoppm -gray -r 30 " + r.out_path + " " + prefix).c_str()), 0);
    int pages = 0;
    for (const auto& e : fs::directory_iterator(fs::path(prefix).parent_path())) {
      std::string name = e.path().filename().string();
      if (name.starts_with(fs::path(prefix).filename().string()) && name.ends_with(".pgm")) {
        ++pages;
        EXPECT_GT(InkShare(e.path().string()), 0.005) << name << " is blank";
      }
    }
    EXPECT_GE(pages, 2);
    std::string txt = r.out_path + ".txt";
    ASSERT_EQ(std::system(("pdftotext " + r.out_path + " " + txt).c_str()), 0);
    std::string text = ReadAll(txt);
    EXPECT_NE(text.find(std::string(lang) == "zh" ? "停车与充电周报" : "Weekly parking"),
              std::string::npos)
        << text.substr(0, 400);
    EXPECT_NE(text.find("2026-W47"), std::string::npos);
  }
}

// The printer runs in the idle scheduling class, it and every process it starts: a stand-in for
// Chromium writes the policy its child sees (/proc/<pid>/stat field 41; SCHED_IDLE is 5) as the
// "PDF".
TEST(Report, PdfPrinterRunsInTheIdleSchedulingClass) {
  const std::string printer = TempPath("printer.sh");
  {
    std::ofstream f(printer);
    f << "#!/bin/sh\n"
         "for a in \"$@\"; do case \"$a\" in --print-to-pdf=*) out=\"${a#--print-to-pdf=}\";; "
         "esac; done\n"
         "sh -c 'cut -d\" \" -f41 /proc/$$/stat' > \"$out\"\n";
  }
  fs::permissions(printer, fs::perms::owner_all);
  const std::string html = TempPath("page.html");
  std::ofstream(html) << "<p>x</p>";
  const std::string pdf = TempPath("page.pdf");
  Status s = PrintToPdf(html, pdf, printer, std::chrono::seconds(30));
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ReadAll(pdf), std::to_string(SCHED_IDLE) + "\n");
}

}  // namespace
}  // namespace pg::analytics
