#include "api/roads_api.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/http/client.h"
#include "core/crs.h"
#include "graph_build/graph_builder.h"
#include "tests/support/roads_town.h"

namespace pg::api {
namespace {

using nlohmann::json;

class RoadsApiTest : public ::testing::Test {
 protected:
  void Serve(std::shared_ptr<const routing::RoadNetwork> network) {
    server_ = std::make_unique<http::Server>(http::ServerOptions{});
    RegisterRoadsApi(*server_, std::move(network));
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  http::ClientResponse Get(const std::string& target) {
    auto r = http::HttpGet("127.0.0.1", server_->port(), target);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }
  std::unique_ptr<http::Server> server_;
};

TEST_F(RoadsApiTest, ListsEverySegmentAsLonLatPairsWithTheNetworksBox) {
  Serve(testing::RoadsTown());
  auto r = Get("/api/v1/roads");
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  const auto& view = testing::RoadsTown()->View(graph::Mode::kCar);
  EXPECT_EQ(body["mode"], "car");
  EXPECT_EQ(body["count"], view.segment_count());
  EXPECT_EQ(body["truncated"], false);
  ASSERT_EQ(body["roads"].size(), view.segment_count());
  const json& bbox = body["bbox"];
  ASSERT_EQ(bbox.size(), 4u);
  for (uint32_t s = 0; s < view.segment_count(); ++s) {
    const json& road = body["roads"][s];
    auto points = view.SegmentPoints(s);
    ASSERT_EQ(road.size(), points.size() * 2);
    for (size_t i = 0; i < points.size(); ++i) {
      LatLon p = points[i].ToLatLon();
      EXPECT_NEAR(road[2 * i].get<double>(), p.lon, 1e-6);
      EXPECT_NEAR(road[2 * i + 1].get<double>(), p.lat, 1e-6);
      EXPECT_GE(p.lon, bbox[0].get<double>() - 1e-6);
      EXPECT_LE(p.lat, bbox[3].get<double>() + 1e-6);
    }
  }
}

TEST_F(RoadsApiTest, RoadsAreShownInTheCrsAskedAndItsBoxSelectsTheSameSegments) {
  Serve(testing::RoadsTown());
  const json wgs = json::parse(Get("/api/v1/roads").body);
  const json gcj = json::parse(Get("/api/v1/roads?crs=gcj02").body);
  ASSERT_EQ(gcj["count"], wgs["count"]);
  for (size_t s = 0; s < wgs["roads"].size(); ++s) {
    const json &a = wgs["roads"][s], &b = gcj["roads"][s];
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i + 1 < a.size(); i += 2) {
      const LatLon shown = Wgs84ToGcj02({a[i + 1].get<double>(), a[i].get<double>()});
      EXPECT_NEAR(b[i].get<double>(), shown.lon, 2e-6);
      EXPECT_NEAR(b[i + 1].get<double>(), shown.lat, 2e-6);
    }
  }
  const json& box = gcj["bbox"];
  const json& first = gcj["roads"][0];
  EXPECT_GE(first[0].get<double>(), box[0].get<double>() - 1e-6);
  EXPECT_LE(first[1].get<double>(), box[3].get<double>() + 1e-6);
  // The west half of the town given in GCJ-02 keeps what the WGS-84 west half keeps.
  const json& b = wgs["bbox"];
  const double mid_lon = (b[0].get<double>() + b[2].get<double>()) / 2;
  const BoundingBox west{b[1].get<double>(), b[0].get<double>(), b[3].get<double>(), mid_lon};
  const BoundingBox twin = FromWgs84(west, Crs::kGcj02);
  const json part = json::parse(Get(fmt::format("/api/v1/roads?bbox={},{},{},{}", west.min_lon,
                                                west.min_lat, west.max_lon, west.max_lat))
                                    .body);
  const json part_gcj =
      json::parse(Get(fmt::format("/api/v1/roads?crs=gcj02&bbox={:.7f},{:.7f},{:.7f},{:.7f}",
                                  twin.min_lon, twin.min_lat, twin.max_lon, twin.max_lat))
                      .body);
  EXPECT_EQ(part_gcj["count"], part["count"]);
}

TEST_F(RoadsApiTest, ABoundingBoxKeepsOnlySegmentsThatMeetIt) {
  Serve(testing::RoadsTown());
  const json all = json::parse(Get("/api/v1/roads").body);
  const json& b = all["bbox"];
  double mid_lon = (b[0].get<double>() + b[2].get<double>()) / 2;
  std::string west = fmt::format("{},{},{},{}", b[0].get<double>(), b[1].get<double>(), mid_lon,
                                 b[3].get<double>());
  const json part = json::parse(Get("/api/v1/roads?bbox=" + west).body);
  EXPECT_GT(part["count"].get<int>(), 0);
  EXPECT_LT(part["count"].get<int>(), all["count"].get<int>());
  for (const json& road : part["roads"]) {
    double min_lon = 180;
    for (size_t i = 0; i < road.size(); i += 2) min_lon = std::min(min_lon, road[i].get<double>());
    EXPECT_LE(min_lon, mid_lon + 1e-6);
  }
}

TEST_F(RoadsApiTest, LimitTruncatesAndSaysSo) {
  Serve(testing::RoadsTown());
  const json body = json::parse(Get("/api/v1/roads?limit=2&mode=foot").body);
  EXPECT_EQ(body["mode"], "foot");
  EXPECT_EQ(body["count"], 2);
  EXPECT_EQ(body["truncated"], true);
  EXPECT_EQ(body["roads"].size(), 2u);
}

TEST_F(RoadsApiTest, BadParametersAreProblemsNamingTheField) {
  Serve(testing::RoadsTown());
  for (auto [target, field] : {std::pair{"/api/v1/roads?bbox=1,2,3", "bbox"},
                               {"/api/v1/roads?mode=boat", "mode"},
                               {"/api/v1/roads?limit=0", "limit"}}) {
    auto r = Get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json");
    EXPECT_NE(r.body.find(field), std::string::npos) << r.body;
  }
}

TEST_F(RoadsApiTest, WithoutAGraphAnswers503) {
  Serve(nullptr);
  auto r = Get("/api/v1/roads");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("no-road-graph"), std::string::npos);
}

}  // namespace
}  // namespace pg::api
