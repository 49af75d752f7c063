#include "api/route_api.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/http/client.h"
#include "core/crs.h"
#include "routing/route_query.h"
#include "tests/support/roads_town.h"

namespace pg::api {
namespace {

using nlohmann::json;

class RouteApiTest : public ::testing::Test {
 protected:
  void Serve(std::shared_ptr<const routing::RoadNetwork> network) {
    server_ = std::make_unique<http::Server>(http::ServerOptions{});
    RegisterRouteApi(*server_, std::move(network));
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

// Cell 1 of the fixture: south arm (113.806, 33.9995) to west arm (113.8054, 34.0); no left turn.
constexpr char kFrom[] = "33.9995,113.806";
constexpr char kTo[] = "34.0,113.8054";

TEST_F(RouteApiTest, AnswersTimeDistanceAndALineStringAsTheQueryDoes) {
  Serve(testing::RoadsTown());
  auto r = Get(std::string("/api/v1/route?from=") + kFrom + "&to=" + kTo + "&mode=car");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  const json body = json::parse(r.body);
  EXPECT_EQ(body["mode"], "car");
  EXPECT_EQ(body["geometry"]["type"], "LineString");
  const json& coords = body["geometry"]["coordinates"];
  ASSERT_GE(coords.size(), 2u);
  // GeoJSON order: [lon, lat]; the line starts where `from` snaps.
  EXPECT_NEAR(coords[0][0].get<double>(), 113.806, 1e-6);
  EXPECT_NEAR(coords[0][1].get<double>(), 33.9995, 1e-6);
  EXPECT_NEAR(body["from"]["lat"].get<double>(), 33.9995, 1e-6);
  EXPECT_LT(body["from"]["snap_distance_m"].get<double>(), 0.5);

  // The same figures as the query object, rounded to tenths.
  auto net = testing::RoadsTown();
  routing::RouteQuery query(*net, routing::Mode::kCar);
  const auto a = *net->Snap(routing::Mode::kCar, {33.9995, 113.806}, 500);
  const auto b = *net->Snap(routing::Mode::kCar, {34.0, 113.8054}, 500);
  const routing::RouteCost cost = query.Cost(a, b);
  EXPECT_NEAR(body["time_s"].get<double>(), cost.travel_time_s(), 0.051);
  EXPECT_NEAR(body["distance_m"].get<double>(), cost.distance_m(), 0.051);

  // Walking takes the left turn cars may not: shorter.
  auto walk = json::parse(
      Get(std::string("/api/v1/route?from=") + kFrom + "&to=" + kTo + "&mode=foot").body);
  EXPECT_EQ(walk["mode"], "foot");
  EXPECT_LT(walk["distance_m"].get<double>(), body["distance_m"].get<double>());
}

TEST_F(RouteApiTest, AGcjRequestIsTheWgs84RouteShownInGcj) {
  Serve(testing::RoadsTown());
  const json wgs = json::parse(Get(std::string("/api/v1/route?from=") + kFrom + "&to=" + kTo).body);
  const LatLon from = Wgs84ToGcj02({33.9995, 113.806}), to = Wgs84ToGcj02({34.0, 113.8054});
  auto r = Get(fmt::format("/api/v1/route?from={:.9f},{:.9f}&to={:.9f},{:.9f}&crs=gcj02", from.lat,
                           from.lon, to.lat, to.lon));
  ASSERT_EQ(r.status, 200) << r.body;
  const json gcj = json::parse(r.body);
  EXPECT_NEAR(gcj["time_s"].get<double>(), wgs["time_s"].get<double>(), 0.051);
  EXPECT_NEAR(gcj["distance_m"].get<double>(), wgs["distance_m"].get<double>(), 0.051);
  const json &a = wgs["geometry"]["coordinates"], &b = gcj["geometry"]["coordinates"];
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const LatLon shown = Wgs84ToGcj02({a[i][1], a[i][0]});
    EXPECT_NEAR(b[i][0].get<double>(), shown.lon, 2e-7);
    EXPECT_NEAR(b[i][1].get<double>(), shown.lat, 2e-7);
  }
  EXPECT_NEAR(gcj["from"]["lat"].get<double>(), from.lat, 2e-7);
  EXPECT_EQ(Get(std::string("/api/v1/route?from=") + kFrom + "&to=" + kTo + "&crs=utm").status,
            400);
}

TEST_F(RouteApiTest, ModeDefaultsToCar) {
  Serve(testing::RoadsTown());
  auto r = Get(std::string("/api/v1/route?from=") + kFrom + "&to=" + kTo);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["mode"], "car");
}

TEST_F(RouteApiTest, BadParametersAreProblemsNamingTheParameter) {
  Serve(testing::RoadsTown());
  struct Case {
    std::string query;
    std::string param;
  };
  for (const Case& c :
       {Case{std::string("to=") + kTo, "from"}, Case{std::string("from=") + kFrom, "to"},
        Case{std::string("from=north&to=") + kTo, "from"},
        Case{std::string("from=") + kFrom + "&to=91,113", "to"},
        Case{std::string("from=") + kFrom + "&to=" + kTo + "&mode=bike", "mode"}}) {
    auto r = Get("/api/v1/route?" + c.query);
    EXPECT_EQ(r.status, 400) << c.query;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json");
    const json p = json::parse(r.body);
    EXPECT_EQ(p["invalid_params"][0]["name"], c.param) << c.query << ": " << r.body;
  }
}

TEST_F(RouteApiTest, APointFarFromAnyRoadIsUnsnappable) {
  Serve(testing::RoadsTown());
  auto r = Get(std::string("/api/v1/route?from=") + kFrom + "&to=34.2,113.8");
  EXPECT_EQ(r.status, 422);
  const json p = json::parse(r.body);
  EXPECT_EQ(p["type"], "urn:parkguide:problem:unsnappable-point");
  EXPECT_EQ(p["invalid_params"][0]["name"], "to");
  EXPECT_NE(p["detail"].get<std::string>().find("500 m"), std::string::npos) << r.body;
}

TEST_F(RouteApiTest, ACarRouteMayEndAndStartBeyondADestinationOnlyStreet) {
  // Cell 18: the island beyond a destination-only street, from the south arm and back (issue 14,
  // finding 2: it used to answer 422 no-route). Every point the car graph snaps to is reachable
  // from every other, so no-route is left for graphs that break that rule.
  Serve(testing::RoadsTown());
  auto there = Get("/api/v1/route?from=33.9995,113.908&to=34.002,113.908&mode=car");
  ASSERT_EQ(there.status, 200) << there.body;
  EXPECT_GT(json::parse(there.body)["distance_m"].get<double>(), 0);
  auto back = Get("/api/v1/route?from=34.002,113.908&to=33.9995,113.908&mode=car");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(Get("/api/v1/route?from=33.9995,113.908&to=34.002,113.908&mode=foot").status, 200);
}

TEST_F(RouteApiTest, ACityWithoutARoadGraphAnswers503) {
  Serve(nullptr);
  auto r = Get(std::string("/api/v1/route?from=") + kFrom + "&to=" + kTo);
  EXPECT_EQ(r.status, 503);
  const json p = json::parse(r.body);
  EXPECT_EQ(p["type"], "urn:parkguide:problem:no-road-graph");
  EXPECT_NE(p["detail"].get<std::string>().find("build-roads"), std::string::npos);
}

}  // namespace
}  // namespace pg::api
