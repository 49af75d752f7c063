#include "api/analytics_api.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "analytics/analytics.h"
#include "analytics/report.h"
#include "api/http/client.h"
#include "api/openapi.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::api {
namespace {

using nlohmann::json;

class AnalyticsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *store::OpenSqliteStore(dir_.File("city.db"));
    model::RegistryData data;
    model::City city;
    city.id = "testville";
    city.districts = {{"D1", {"东区", "East"}, {}}};
    data.city = city;
    model::Facility f;
    f.id = model::FacilityId("F1");
    f.name = {"一号", "One"};
    f.capacity.total = 100;
    f.district = "D1";
    data.facilities.push_back(f);
    ASSERT_TRUE(store_->WriteRegistry(data, store::RegistryWriteMode::kUpsert).ok());
    registry_ = *registry::Registry::Build(data);
    // Two weeks of rollups: 30 then 60 cars.
    std::vector<model::OccupancyRollup> rollups;
    Timestamp w46 = *ParseRfc3339("2026-11-09T00:00:00+08:00");
    for (int s = 0; s < 2 * 2016; ++s) {
      model::OccupancyRollup r;
      r.id = "F1";
      r.start = w46 + Minutes(5 * s);
      r.mean_occupied = s < 2016 ? 30 : 60;
      r.max_occupied = static_cast<int>(r.mean_occupied);
      r.capacity = 100;
      r.coverage = 1;
      rollups.push_back(r);
    }
    ASSERT_TRUE(store_->AppendRollups(rollups).ok());
    std::filesystem::create_directories(dir_.File("reports"));
    std::ofstream(dir_.File("reports/report-2026-W47-zh.html")) << "<html>周报</html>";
    server_ = std::make_unique<http::Server>(http::ServerOptions{});
    auto reg = registry_;
    RegisterAnalyticsApi(*server_, {*store_, [reg] { return reg; }, &clock_, dir_.File("reports")});
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  http::ClientResponse Get(const std::string& target) {
    auto r = http::HttpGet("127.0.0.1", server_->port(), target);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }

  testing::TempDir dir_;
  FakeClock clock_{*ParseRfc3339("2026-11-25T10:00:00+08:00")};
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<const registry::Registry> registry_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(AnalyticsApiTest, SummaryOfTheLastCompleteWeekWithTheWeekBefore) {
  auto r = Get("/api/v1/analytics/summary");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["week"], "2026-W47");
  EXPECT_EQ(j["from"], "2026-11-16T00:00:00+08:00");
  EXPECT_DOUBLE_EQ(j["kpis"]["mean_occupancy"].get<double>(), 0.6);
  EXPECT_EQ(j["previous"]["week"], "2026-W46");
  EXPECT_DOUBLE_EQ(j["previous"]["kpis"]["mean_occupancy"].get<double>(), 0.3);
  // One number, one place: what the report module computes.
  auto week = *analytics::ParseIsoWeek("2026-W47", registry_->time_zone());
  analytics::AnalyticsOptions o;
  o.forecast_accuracy = false;
  auto f = analytics::ComputeWeek(*store_, *registry_, week, o);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(j["kpis"]["unknown_share"].get<double>(), f->kpis.unknown_share);
  EXPECT_EQ(j["pressure"][0]["mean_occupancy"].get<double>(), *f->pressure[0].mean_occupancy);
}

TEST_F(AnalyticsApiTest, SectionsWeeksAndDistricts) {
  auto r = Get("/api/v1/analytics/heatmap?week=2026-W46&district=D1");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["district"], "D1");
  EXPECT_DOUBLE_EQ(j["heat_maps"][0]["occupancy"][0][10].get<double>(), 0.3);
  EXPECT_EQ(Get("/api/v1/analytics/pricing?week=2026-W47").status, 200);
  EXPECT_EQ(Get("/api/v1/analytics/all?week=2026-W47").status, 200);
}

TEST_F(AnalyticsApiTest, BadInputIsAProblemNamingTheParameter) {
  auto r = Get("/api/v1/analytics/summary?week=2026-47");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("content-type"), "application/problem+json");
  EXPECT_EQ(json::parse(r.body)["invalid_params"][0]["name"], "week");
  r = Get("/api/v1/analytics/summary?district=nowhere");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["invalid_params"][0]["name"], "district");
  r = Get("/api/v1/analytics/weather");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["invalid_params"][0]["name"], "section");
}

TEST_F(AnalyticsApiTest, ReportsAreListedAndServed) {
  auto r = Get("/api/v1/reports");
  ASSERT_EQ(r.status, 200);
  auto j = json::parse(r.body);
  ASSERT_EQ(j["reports"].size(), 1u);
  EXPECT_EQ(j["reports"][0]["week"], "2026-W47");
  EXPECT_EQ(j["reports"][0]["lang"], "zh");
  EXPECT_EQ(j["reports"][0]["url"], "/api/v1/reports/report-2026-W47-zh.html");
  r = Get("/api/v1/reports/report-2026-W47-zh.html");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.body, "<html>周报</html>");
  EXPECT_EQ(Get("/api/v1/reports/report-2026-W48-zh.html").status, 404);
  EXPECT_EQ(Get("/api/v1/reports/..%2Fcity.db").status, 404);
}

TEST_F(AnalyticsApiTest, AReportNameThatIsALinkIsNeitherListedNorFollowed) {
  const std::string secret = dir_.File("secret.txt");
  { std::ofstream(secret) << "not a report"; }
  std::filesystem::create_symlink(secret, dir_.File("reports/report-2026-W46-en.html"));
  auto j = json::parse(Get("/api/v1/reports").body);
  ASSERT_EQ(j["reports"].size(), 1u) << j.dump();
  EXPECT_EQ(j["reports"][0]["week"], "2026-W47");
  auto r = Get("/api/v1/reports/report-2026-W46-en.html");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body.find("not a report"), std::string::npos);
  // Replaced by a link after it was listed: still not followed.
  auto listed = analytics::ListReports(dir_.File("reports"));
  ASSERT_EQ(listed.size(), 1u);
  std::filesystem::rename(dir_.File("reports/" + listed[0].file), dir_.File("moved.html"));
  std::filesystem::create_symlink(secret, dir_.File("reports/" + listed[0].file));
  auto read = analytics::ReadReportFile(dir_.File("reports"), listed[0].file);
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
}

TEST_F(AnalyticsApiTest, AReportCarriesAPolicyThatLetsItsOwnStylesIn) {
  auto r = Get("/api/v1/reports/report-2026-W47-zh.html");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(
      r.Header("content-security-policy").find("default-src 'none'; style-src 'unsafe-inline'"),
      0u);
}

TEST(AnalyticsApiDocument, TheOpenApiDocumentDescribesEveryRoute) {
  auto doc = json::parse(OpenApiDocument());
  for (const char* path :
       {"/api/v1/analytics/{section}", "/api/v1/reports", "/api/v1/reports/{file}"}) {
    EXPECT_TRUE(doc["paths"].contains(path) && doc["paths"][path].contains("get")) << path;
  }
  // The section names the document lists are the ones the API knows.
  auto names =
      doc["paths"]["/api/v1/analytics/{section}"]["get"]["parameters"][0]["schema"]["enum"];
  std::vector<std::string> expected(std::begin(analytics::kSections),
                                    std::end(analytics::kSections));
  expected.emplace_back("all");
  EXPECT_EQ(names.get<std::vector<std::string>>(), expected);
}

}  // namespace
}  // namespace pg::api
