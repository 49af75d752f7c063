#include "forecast/service.h"

#include <gtest/gtest.h>

#include <cmath>

#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::forecast {
namespace {

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

class FakeLive final : public LiveReader {
 public:
  std::optional<LiveValue> Current(const SeriesKey& key) const override {
    auto it = values.find(key.Name());
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, LiveValue> values;
};

// Three weeks of a weekday/weekend curve every 5 minutes, occupied of 200.
std::vector<model::OccupancySample> History(const std::string& id, Timestamp from, Timestamp to) {
  std::vector<model::OccupancySample> out;
  for (Timestamp t = from; t < to; t += Minutes(5)) {
    double h = std::fmod(static_cast<double>(ToUnixMillis(t)) / 3.6e6 + 8, 24.0);
    double share = 0.2 + 0.6 * std::exp(-0.5 * std::pow((h - 12) / 3, 2));
    out.push_back({model::FacilityId(id), t, static_cast<int>(std::lround(share * 200)), 200});
  }
  return out;
}

class ForecastServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *store::OpenSqliteStore(dir_.File("city.db"));
    Timestamp now = clock_.Now();
    ASSERT_TRUE(
        store_->AppendOccupancy(History("F1", now - std::chrono::hours(24 * 21), now)).ok());
    std::vector<model::ChargerSiteSample> site;
    for (Timestamp t = now - std::chrono::hours(24 * 10); t < now; t += Minutes(5)) {
      site.push_back({"S1", t, static_cast<int>(ToUnixMillis(t) / 300000 % 4), 4});
    }
    ASSERT_TRUE(store_->AppendChargerSiteOccupancy(site).ok());
    live_.values["facility/F1"] = {150, 200, now};
  }

  std::unique_ptr<ForecastService> Make() {
    auto s = ForecastService::Create(clock_, *store_, &live_, {});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    (*s)->SetSeries({{SeriesKey::Kind::kFacility, "F1"},
                     {SeriesKey::Kind::kFacility, "F2"},
                     {SeriesKey::Kind::kChargerSite, "S1"}});
    return std::move(*s);
  }

  testing::TempDir dir_;
  FakeClock clock_{T("2026-11-25T10:02:00+08:00")};
  std::unique_ptr<store::Store> store_;
  FakeLive live_;
};

TEST_F(ForecastServiceTest, RetrainsPersistsAndAnswersFromTheModel) {
  auto service = Make();
  EXPECT_TRUE(service->RetrainDue());
  ASSERT_TRUE(service->Refresh().ok());
  ASSERT_TRUE(service->Retrain().ok());
  EXPECT_FALSE(service->RetrainDue());
  SeriesKey f1{SeriesKey::Kind::kFacility, "F1"};
  auto f = service->AtArrival(f1, clock_.Now() + Minutes(30));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->method, "model");
  EXPECT_FALSE(f->fallback);
  EXPECT_EQ(f->capacity, 200);
  EXPECT_EQ(f->horizon_minutes, 30);
  EXPECT_GT(f->expected_occupied, 100);
  EXPECT_LE(f->expected_occupied, 200);
  EXPECT_GT(f->p_free, 0.5);
  // Persisted with window and score; a new service answers from the stored model.
  auto records = store_->LoadForecastModels();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);  // F2 has no history
  EXPECT_EQ((*records)[0].series, "charger_site/S1");
  EXPECT_EQ((*records)[1].series, "facility/F1");
  EXPECT_LT((*records)[1].window_from, (*records)[1].window_to);
  EXPECT_NE((*records)[1].score_json.find("held_out"), std::string::npos);
  auto again = Make();
  ASSERT_TRUE(again->LoadModels().ok());
  ASSERT_TRUE(again->Refresh().ok());
  auto g = again->AtArrival(f1, clock_.Now() + Minutes(30));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->method, "model");
  EXPECT_NEAR(g->expected_share, f->expected_share, 1e-4);
  auto site = again->AtArrival({SeriesKey::Kind::kChargerSite, "S1"}, clock_.Now() + Minutes(15));
  ASSERT_TRUE(site.ok()) << site.status().ToString();
  EXPECT_EQ(site->capacity, 4);
}

TEST_F(ForecastServiceTest, StaleModelFallsBackToTheHistoricalAverageFlagged) {
  auto service = Make();
  ASSERT_TRUE(service->Refresh().ok());
  ASSERT_TRUE(service->Retrain().ok());
  clock_.Advance(std::chrono::hours(80));
  ASSERT_TRUE(
      store_->AppendOccupancy(History("F1", clock_.Now() - std::chrono::hours(80), clock_.Now()))
          .ok());
  ASSERT_TRUE(service->Refresh().ok());
  auto f = service->AtArrival({SeriesKey::Kind::kFacility, "F1"}, clock_.Now() + Minutes(60));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->fallback);
  EXPECT_EQ(f->method, "historical_average");
  EXPECT_NE(f->reason.find("stale"), std::string::npos) << f->reason;
  EXPECT_GT(f->expected_share, 0.1);
  EXPECT_TRUE(service->RetrainDue());
}

TEST_F(ForecastServiceTest, NoHistoryMeansPersistenceOrUnavailable) {
  auto service = Make();
  ASSERT_TRUE(service->Refresh().ok());
  ASSERT_TRUE(service->Retrain().ok());
  SeriesKey f2{SeriesKey::Kind::kFacility, "F2"};
  auto none = service->AtArrival(f2, clock_.Now() + Minutes(15));
  EXPECT_EQ(none.status().code(), StatusCode::kUnavailable);
  live_.values["facility/F2"] = {10, 40, clock_.Now()};
  auto p = service->AtArrival(f2, clock_.Now() + Minutes(15));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->method, "persistence");
  EXPECT_TRUE(p->fallback);
  EXPECT_NE(p->reason.find("training failed"), std::string::npos) << p->reason;
  EXPECT_NEAR(p->expected_occupied, 10, 1e-9);
  EXPECT_EQ(service->AtArrival({SeriesKey::Kind::kFacility, "F9"}, clock_.Now()).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace pg::forecast
