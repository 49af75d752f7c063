// The weekly report over real data: the Birmingham car-park series, the City of Melbourne
// on-street overstay events and the Shenzhen/Guangzhou EV-charging occupancy (../shared/data),
// replayed into one store, and the demo city's backfilled weeks. Every figure checked here is
// asked again of the store in plain SQL.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>

#include "analytics/analytics.h"
#include "analytics/pdf.h"
#include "analytics/report.h"
#include "core/clock.h"
#include "datasets/datasets.h"
#include "demo/demo_city.h"
#include "ingest/replay/real_data.h"
#include "ingest/replay/replay.h"
#include "store/store.h"
#include "tests/support/digest.h"
#include "tests/support/temp_dir.h"

namespace pg::analytics {
namespace {

namespace fs = std::filesystem;

// EV data run 2021-12-10 … 2022-01-01; moving them 1,855 days (265 weeks) back puts their
// Monday 2021-12-13 on Monday 2016-11-14, the week of the Birmingham and Melbourne data tested.
constexpr std::chrono::days kEvShift{-1855};

class Sql {
 public:
  explicit Sql(const std::string& path) {
    sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
  }
  ~Sql() { sqlite3_close(db_); }
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
std::string TempDir() {
  static testing::TempDir dir;
  return dir.path().string();
}

// One store with the three real data sets, built once for the whole suite.
class RealWeek : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string data_dir = testing::SharedDataDir();
    if (data_dir.empty() || !fs::exists(data_dir + "/birmingham-parking/birmingham_parking.csv") ||
        !fs::exists(data_dir + "/melbourne-onstreet/events") ||
        !fs::exists(data_dir + "/ev-charging-shenzhen-guangzhou")) {
      return;
    }
    real_path = new std::string(TempDir() + "/real.db");
    fs::remove(*real_path);
    auto store = store::OpenSqliteStore(*real_path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    model::RegistryData city;
    city.city = model::City{};
    city.city->id = "replayed";
    city.city->name = {"回放城市（真实数据）", "Replayed city (real data)"};
    city.city->time_zone = "Europe/London";
    city.city->districts = {{"birmingham", {"伯明翰停车场", "Birmingham car parks"}, {}},
                            {"melbourne", {"墨尔本路内", "Melbourne on-street"}, {}},
                            {"guangzhou", {"广州充电站", "Guangzhou chargers"}, {}},
                            {"shenzhen", {"深圳充电站", "Shenzhen chargers"}, {}}};
    ASSERT_TRUE((*store)->WriteRegistry(city, store::RegistryWriteMode::kUpsert).ok());

    ingest::ReplayOptions options;
    auto readings = ingest::ReadReadings(data_dir + "/birmingham-parking/birmingham_parking.csv",
                                         ingest::ReplayFormat::kBirmingham, options);
    ASSERT_TRUE(readings.ok()) << readings.status().ToString();
    // Where the sample report places the car parks and stations (approximate: the sets give no
    // coordinates).
    auto places = ingest::ReadLocationsFile(std::string(PG_SOURCE_DIR) +
                                            "/docs/reports/replayed-locations.csv");
    ASSERT_TRUE(places.ok()) << places.status().ToString();
    auto registered = ingest::RegisterReplayedFacilities(*readings, "birmingham", *places, **store);
    ASSERT_TRUE(registered.ok()) << registered.status().ToString();
    ASSERT_TRUE(ingest::ReplayToHistory(std::move(*readings), **store, options).ok());

    auto bays = ingest::ReadMelbourneBayEvents(data_dir + "/melbourne-onstreet");
    ASSERT_TRUE(bays.ok()) << bays.status().ToString();
    Status stored = ingest::StoreBayEvents(*bays, **store);
    ASSERT_TRUE(stored.ok()) << stored.ToString();

    auto ev = datasets::LoadDataset(data_dir + "/ev-charging-shenzhen-guangzhou",
                                    datasets::DataFormat::kEv);
    ASSERT_TRUE(ev.ok()) << ev.status().ToString();
    auto sites = ingest::StoreChargerSites(*ev, **store, *places, kEvShift);
    ASSERT_TRUE(sites.ok()) << sites.status().ToString();
    real_store = store->release();
  }
  static void TearDownTestSuite() {
    delete real_store;
    real_store = nullptr;
    delete real_path;
    real_path = nullptr;
  }
  void SetUp() override {
    if (!real_store) {
      GTEST_SKIP() << "../shared/data (birmingham-parking, melbourne-onstreet, "
                      "ev-charging-shenzhen-guangzhou) is absent: the real-data report is skipped";
    }
    auto data = real_store->LoadRegistry();
    ASSERT_TRUE(data.ok());
    auto reg = registry::Registry::Build(std::move(*data));
    ASSERT_TRUE(reg.ok());
    registry_ = *reg;
    week_ = *ParseIsoWeek("2016-W46", registry_->time_zone());
  }
  std::string Week() const {
    return fmt::format("t_ms >= {} AND t_ms < {}", ToUnixMillis(week_.start),
                       ToUnixMillis(week_.end));
  }

  static inline store::Store* real_store = nullptr;
  static inline std::string* real_path = nullptr;
  std::shared_ptr<const registry::Registry> registry_;
  analytics::Week week_;
};

TEST_F(RealWeek, OccupancyFiguresEqualSqlOnTheReplayedBirminghamSeries) {
  AnalyticsOptions o;
  o.forecast_accuracy = false;
  auto f = ComputeWeek(*real_store, *registry_, week_, o);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  Sql sql(*real_path);
  const std::string occ = "FROM rollups WHERE kind = 0 AND step_s = 300 AND " + Week();
  EXPECT_GT(f->kpis.facilities, 25);
  EXPECT_NEAR(*f->kpis.mean_occupancy,
              sql.Number("SELECT sum(mean_occupied * coverage) / sum(capacity * coverage) " + occ),
              1e-9);
  EXPECT_NEAR(*f->kpis.peak_occupancy,
              sql.Number("SELECT max(s) FROM (SELECT sum(mean_occupied) * 1.0 / sum(capacity) s " +
                         occ + " AND coverage > 0 GROUP BY t_ms)"),
              1e-9);
  EXPECT_NEAR(
      f->kpis.unknown_share,
      sql.Number(fmt::format("SELECT 1 - sum(coverage) / ({} * 2016.0) ", f->kpis.facilities) +
                 occ),
      1e-9);
  // Birmingham is sampled by day only: nights are unknown, so a good part of the week is.
  EXPECT_GT(f->kpis.unknown_share, 0.2);
  EXPECT_LT(f->kpis.unknown_share, 0.8);
  for (const auto& id : f->most_saturated) {
    const FacilityFigures* x = f->Facility(id);
    EXPECT_NEAR(x->saturated_hours,
                sql.Number(fmt::format("SELECT coalesce(sum(coverage), 0) * 5 / 60.0 {} AND id = "
                                       "'{}' AND mean_occupied * 1.0 / capacity >= 0.9",
                                       occ, id)),
                1e-9)
        << id;
  }
}

TEST_F(RealWeek, OverstaysEqualSqlOnTheMelbourneEvents) {
  AnalyticsOptions o;
  o.forecast_accuracy = false;
  auto f = ComputeWeek(*real_store, *registry_, week_, o);
  ASSERT_TRUE(f.ok());
  Sql sql(*real_path);
  const std::string sessions =
      "FROM (SELECT bay_id, t_ms, occupied, lead(occupied) OVER w AS next_occupied, lead(t_ms) "
      "OVER w AS next_t FROM bay_events WINDOW w AS (PARTITION BY bay_id ORDER BY t_ms)) e JOIN "
      "bays b ON b.id = e.bay_id WHERE occupied = 1 AND next_occupied = 0 AND " +
      Week();
  EXPECT_EQ(f->on_street.sessions, sql.Number("SELECT count(*) " + sessions));
  EXPECT_NEAR(*f->on_street.mean_dwell_minutes,
              sql.Number("SELECT avg((next_t - t_ms) / 60000.0) " + sessions), 1e-6);
  EXPECT_EQ(f->on_street.overstays,
            sql.Number("SELECT count(*) " + sessions +
                       " AND next_t - t_ms > json_extract(b.doc, '$.time_limit_minutes') * 60000"));
  // The set holds only stays that overstayed; against each bay's usual limit nearly all do.
  EXPECT_GT(f->on_street.sessions, 10'000);
  EXPECT_GT(static_cast<double>(f->on_street.overstays),
            0.9 * static_cast<double>(f->on_street.sessions));
  EXPECT_FALSE(f->on_street.points.empty());
}

TEST_F(RealWeek, ChargerFiguresEqualSqlOnTheShiftedEvSeries) {
  AnalyticsOptions o;
  o.forecast_accuracy = false;
  auto f = ComputeWeek(*real_store, *registry_, week_, o);
  ASSERT_TRUE(f.ok());
  Sql sql(*real_path);
  ASSERT_EQ(f->ev_districts.size(), 2u);
  for (const auto& d : f->ev_districts) {
    const std::string site = "FROM rollups WHERE kind = 1 AND step_s = 300 AND id LIKE '" +
                             d.district + "-%' AND " + Week();
    EXPECT_NEAR(
        *d.utilisation,
        sql.Number("SELECT sum(mean_occupied * coverage) / sum(capacity * coverage) " + site), 1e-9)
        << d.district;
    EXPECT_NEAR(*d.availability,
                sql.Number("SELECT sum(CASE WHEN min_occupied < capacity THEN coverage ELSE 0 "
                           "END) / sum(coverage) " +
                           site),
                1e-9)
        << d.district;
  }
  EXPECT_EQ(f->ev_sites.size(), 68u);
  // The data set's README names the stations stuck at or near "all busy": frozen all that week.
  for (const char* stuck : {"shenzhen-53289", "shenzhen-79484", "shenzhen-79855"}) {
    auto it = std::find_if(f->quality.frozen.begin(), f->quality.frozen.end(),
                           [&](const FrozenSeries& x) { return x.id == stuck; });
    ASSERT_NE(it, f->quality.frozen.end()) << stuck;
    EXPECT_GT(it->frozen_hours, 100) << stuck;
  }
}

TEST_F(RealWeek, APartialPreviousWeekAndAnEmptyWeekAreReportedAsSuch) {
  AnalyticsOptions o;
  o.forecast_accuracy = false;
  auto prev = ComputeWeek(*real_store, *registry_, PreviousWeek(week_, registry_->time_zone()), o);
  ASSERT_TRUE(prev.ok());
  // The EV series begin at 2021-12-10 00:00 China time, which the shift puts on Thursday
  // 16:00 London time of the previous week: 80 hours of it at most are known.
  for (const auto& s : prev->ev_sites) {
    EXPECT_LE(s.known_hours, 80 + 1e-6) << s.site;
    EXPECT_GT(s.known_hours, 0) << s.site;
  }
  auto empty =
      ComputeWeek(*real_store, *registry_, *ParseIsoWeek("2017-W10", registry_->time_zone()), o);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->kpis.mean_occupancy.has_value());
  EXPECT_EQ(empty->on_street.sessions, 0);
  for (const auto& d : empty->ev_districts) EXPECT_FALSE(d.utilisation.has_value());
}

TEST_F(RealWeek, ForecastAccuracyIsScoredOnTheWeek) {
  AnalyticsOptions o;
  auto f = ComputeWeek(*real_store, *registry_, week_, o);
  ASSERT_TRUE(f.ok());
  ASSERT_FALSE(f->forecast.horizons.empty()) << f->forecast.note;
  for (const auto& h : f->forecast.horizons) {
    EXPECT_GT(h.pairs, 100) << h.minutes;
    EXPECT_GT(h.mae_model, 0);
    EXPECT_LT(h.mae_model, 0.25) << h.minutes;
  }
}

// Writes the week's report in both languages in `format` into a new folder; returns the folder.
std::string WriteBothLanguages(store::Store& store, const registry::Registry& registry,
                               const analytics::Week& week, const char* format) {
  std::string dir = TempDir();
  for (const char* lang : {"zh", "en"}) {
    ReportRequest r;
    r.week = "2016-W46";
    r.lang = lang;
    r.format = format;
    r.out_path = dir + "/" + ReportFileName(r.week, "", lang, format);
    r.generated = week.end;
    Status s = WriteWeeklyReport(store, registry, r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_GT(fs::exists(r.out_path) ? fs::file_size(r.out_path) : 0, 10'000u) << r.out_path;
  }
  return dir;
}

TEST_F(RealWeek, ReportRendersInBothLanguagesAsHtml) {
  EXPECT_EQ(ListReports(WriteBothLanguages(*real_store, *registry_, week_, "html")).size(), 2u);
}

TEST_F(RealWeek, ReportRendersInBothLanguagesAsPdf) {
  if (!ChromiumAvailable()) {
    GTEST_SKIP() << "no chromium: the PDF is not tested (scripts/install-deps.sh installs it)";
  }
  EXPECT_GE(ListReports(WriteBothLanguages(*real_store, *registry_, week_, "pdf")).size(), 2u);
}

// The demo city's backfill writes what the report reads; a whole backfilled week has every
// section filled.
// The demo city's database backfilled up to Wednesday of 2026-W48 (so that W47 is a whole
// backfilled week), made once for the program.
const std::string& DemoDatabase() {
  static const std::string db = [] {
    std::string path = TempDir() + "/demo.db";
    fs::remove(path);
    FakeClock clock(*ParseRfc3339("2026-11-25T12:00:00+08:00"));
    Status s = demo::PrepareDemoDatabase(path, clock, 20261128, /*history_days=*/10);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return path;
  }();
  return db;
}

TEST(DemoWeek, BackfilledWeeksFillEverySection) {
  const std::string& db = DemoDatabase();
  auto store = store::OpenSqliteStore(db);
  ASSERT_TRUE(store.ok());
  auto data = (*store)->LoadRegistry();
  ASSERT_TRUE(data.ok());
  auto reg = registry::Registry::Build(std::move(*data));
  ASSERT_TRUE(reg.ok());
  auto week = ParseIsoWeek("2026-W47", (*reg)->time_zone());
  AnalyticsOptions o;
  o.forecast_accuracy = false;
  auto f = ComputeWeek(**store, **reg, *week, o);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_LT(f->kpis.unknown_share, 0.05);
  EXPECT_GT(f->on_street.sessions, 100);
  EXPECT_GT(f->on_street.overstays, 0);
  EXPECT_FALSE(f->ev_sites.empty());
  bool priced = false;
  for (const auto& x : f->facilities) priced |= x.suggested_fen_per_hour.has_value();
  EXPECT_TRUE(priced);
  Sql sql(db);
  const std::string occ =
      fmt::format("FROM rollups WHERE kind = 0 AND step_s = 300 AND t_ms >= {} AND t_ms < {}",
                  ToUnixMillis(week->start), ToUnixMillis(week->end));
  EXPECT_NEAR(*f->kpis.mean_occupancy,
              sql.Number("SELECT sum(mean_occupied * coverage) / sum(capacity * coverage) " + occ +
                         " AND id IN (SELECT id FROM facilities WHERE "
                         "json_extract(doc, '$.capacity.total') > 0)"),
              1e-9);
  // The week after the backfill ends has only two and a half days.
  auto partial = ComputeWeek(**store, **reg, *ParseIsoWeek("2026-W48", (*reg)->time_zone()), o);
  ASSERT_TRUE(partial.ok());
  EXPECT_GT(partial->kpis.unknown_share, 0.6);
}

// The demo city's W47 with forecast accuracy (every section filled), as JSON and in both
// languages, digested. Recorded before ComputeWeek, SectionJson and GenerateDemoCity were cut into
// pieces; a deliberate change of the outputs updates them (the failure prints the new digests).
TEST(DemoWeek, ReportIsByteIdenticalToTheRecordedOne) {
  auto store = store::OpenSqliteStore(DemoDatabase());
  ASSERT_TRUE(store.ok());
  auto data = (*store)->LoadRegistry();
  ASSERT_TRUE(data.ok());
  auto reg = registry::Registry::Build(std::move(*data));
  ASSERT_TRUE(reg.ok());
  const Week week = *ParseIsoWeek("2026-W47", (*reg)->time_zone());
  AnalyticsOptions o;  // forecast accuracy included
  auto now = ComputeWeek(**store, **reg, week, o);
  auto prev = ComputeWeek(**store, **reg, PreviousWeek(week, (*reg)->time_zone()), o);
  ASSERT_TRUE(now.ok() && prev.ok());
  EXPECT_FALSE(now->forecast.horizons.empty());
  auto json = SectionJson(*now, "all");
  ASSERT_TRUE(json.ok());
  const std::string digests = testing::Digest(*json) + " " +
                              testing::Digest(RenderReportHtml(*now, *prev, "zh", week.end)) + " " +
                              testing::Digest(RenderReportHtml(*now, *prev, "en", week.end));
  EXPECT_EQ(digests, "89f8e37e4a580b93 105a06a32f5951e7 49a97128ee5a7a36");
}

}  // namespace
}  // namespace pg::analytics
