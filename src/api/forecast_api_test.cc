#include "api/forecast_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/http/client.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::api {
namespace {

using nlohmann::json;

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

class ForecastApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *store::OpenSqliteStore(dir_.File("city.db"));
    model::RegistryData data;
    model::City city;
    city.id = "testville";
    data.city = city;
    model::Facility f;
    f.id = model::FacilityId("F1");
    f.name = {"一号", "One"};
    f.location = {34.0, 113.8};
    f.capacity.total = 100;
    data.facilities.push_back(f);
    f.id = model::FacilityId("F2");
    data.facilities.push_back(f);
    model::Charger c;
    c.id = model::ChargerId("C1");
    c.site = "S1";
    c.location = {34.0, 113.8};
    c.connectors = {{1, model::ConnectorType::kGbtDc, 60}, {2, model::ConnectorType::kGbtDc, 60}};
    data.chargers.push_back(c);
    registry_ = *registry::Registry::Build(data);
    std::vector<model::OccupancySample> history;
    for (Timestamp t = clock_.Now() - std::chrono::hours(24 * 14); t < clock_.Now();
         t += Minutes(5)) {
      history.push_back(
          {model::FacilityId("F1"), t, static_cast<int>(ToUnixMillis(t) / 300000 % 50), 100});
    }
    ASSERT_TRUE(store_->AppendOccupancy(history).ok());
    service_ = std::move(*forecast::ForecastService::Create(clock_, *store_, nullptr, {}));
    service_->SetSeries({{forecast::SeriesKey::Kind::kFacility, "F1"},
                         {forecast::SeriesKey::Kind::kFacility, "F2"},
                         ChargerSeriesKey(c)});
    ASSERT_TRUE(service_->Refresh().ok());
    ASSERT_TRUE(service_->Retrain().ok());
    server_ = std::make_unique<http::Server>(http::ServerOptions{});
    auto reg = registry_;
    RegisterForecastApi(*server_, {service_.get(), [reg] { return reg; }, &clock_});
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  http::ClientResponse Get(const std::string& target) {
    auto r = http::HttpGet("127.0.0.1", server_->port(), target);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }

  testing::TempDir dir_;
  FakeClock clock_{T("2026-11-25T10:00:00+08:00")};
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<const registry::Registry> registry_;
  std::unique_ptr<forecast::ForecastService> service_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(ForecastApiTest, FacilityForecastAtStandardHorizonsAndOne) {
  auto r = Get("/api/v1/facilities/F1/forecast");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["facility"], "F1");
  EXPECT_EQ(j["method"], "model");
  EXPECT_EQ(j["fallback"], false);
  EXPECT_EQ(j["capacity"], 100);
  EXPECT_TRUE(j["model"]["window"]["from"].is_string());
  ASSERT_EQ(j["forecasts"].size(), 5u);
  EXPECT_EQ(j["forecasts"][2]["horizon"], 30);
  for (const auto& f : j["forecasts"]) {
    EXPECT_GE(f["p_free"].get<double>(), 0.0);
    EXPECT_LE(f["p_free"].get<double>(), 1.0);
    EXPECT_GE(f["expected_occupied"].get<double>(), 0.0);
    EXPECT_LE(f["expected_occupied"].get<double>(), 100.0);
  }
  auto one = json::parse(Get("/api/v1/facilities/F1/forecast?horizon=45").body);
  ASSERT_EQ(one["forecasts"].size(), 1u);
  EXPECT_EQ(one["forecasts"][0]["horizon"], 45);
  auto at = json::parse(Get("/api/v1/facilities/F1/forecast?at=2026-11-25T11:00:00%2B08:00").body);
  EXPECT_EQ(at["forecasts"][0]["horizon"], 60);
}

TEST_F(ForecastApiTest, ErrorsAreProblemsNamingTheParameter) {
  auto bad = Get("/api/v1/facilities/F1/forecast?horizon=2");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["invalid_params"][0]["name"], "horizon");
  EXPECT_EQ(Get("/api/v1/facilities/F1/forecast?at=yesterday").status, 400);
  EXPECT_EQ(Get("/api/v1/facilities/F1/forecast?horizon=5&at=2026-11-25T11:00:00Z").status, 400);
  EXPECT_EQ(Get("/api/v1/facilities/NOPE/forecast").status, 404);
  EXPECT_EQ(Get("/api/v1/chargers/NOPE/forecast").status, 404);
  // No history and no live value: 503, not an invented number.
  auto none = Get("/api/v1/facilities/F2/forecast?horizon=15");
  EXPECT_EQ(none.status, 503);
  EXPECT_EQ(Get("/api/v1/chargers/C1/forecast?horizon=15").status, 503);
}

}  // namespace
}  // namespace pg::api
