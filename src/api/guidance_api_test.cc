#include "api/guidance_api.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "api/http/client.h"
#include "core/crs.h"
#include "tests/support/guidance_city.h"

namespace pg::api {
namespace {

using nlohmann::json;

Timestamp Now() { return *ParseRfc3339("2026-11-30T10:00:00+08:00"); }

// A destination and an origin inside the demo city's grid.
std::string Dest() {
  LatLon p = testing::Offset({34.017, 113.828}, 2000, 2000);
  return fmt::format("{:.6f},{:.6f}", p.lat, p.lon);
}
std::string Origin() {
  LatLon p = testing::Offset({34.017, 113.828}, 400, 500);
  return fmt::format("{:.6f},{:.6f}", p.lat, p.lon);
}

class GuidanceApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& city = testing::DemoCityForGuidance();
    ASSERT_NE(city.network, nullptr);
    registry_ = *registry::Registry::Build(city.registry);
    live_ = std::make_unique<state::LiveState>(registry_);
    guide_ = guidance::Guide::Create(city.network, registry_, nullptr);
    for (const auto& f : registry_->facilities()) {
      forecaster_.Set(forecast::SeriesKey::Facility(f.id.str()), 0.8);
    }
  }
  void Serve(bool with_guide = true) {
    server_ = std::make_unique<http::Server>(http::ServerOptions{});
    RegisterGuidanceApi(*server_, {with_guide ? guide_.get() : nullptr, live_.get(), &forecaster_,
                                   &clock_, &answered_});
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
  void ExpectProblem(const std::string& target, int status, const std::string& field) {
    auto r = Get(target);
    EXPECT_EQ(r.status, status) << target << "\n" << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json") << target;
    const json body = json::parse(r.body);
    ASSERT_TRUE(body.contains("invalid_params")) << r.body;
    EXPECT_EQ(body["invalid_params"][0]["name"], field) << r.body;
  }

  FakeClock clock_{Now()};
  std::shared_ptr<const registry::Registry> registry_;
  std::unique_ptr<state::LiveState> live_;
  std::unique_ptr<guidance::Guide> guide_;
  testing::ScriptedForecaster forecaster_;
  std::unique_ptr<http::Server> server_;
  std::atomic<int64_t> answered_{0};
};

TEST_F(GuidanceApiTest, AnswersRankedFacilitiesWithRoutesAndWords) {
  Serve();
  auto r = Get("/api/v1/guidance?dest=" + Dest() + "&origin=" + Origin() + "&lang=en&limit=3");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  const json body = json::parse(r.body);
  ASSERT_EQ(body["results"].size(), 3u);
  double previous = 0;
  for (const json& item : body["results"]) {
    EXPECT_TRUE(item.contains("facility"));
    EXPECT_GT(item["drive"]["time_s"].get<double>(), 0);
    EXPECT_LE(item["walk"]["distance_m"].get<double>(), 1000);
    EXPECT_EQ(item["availability"]["source"], "forecast_only") << "no live data was given";
    EXPECT_EQ(item["route"]["geometry"]["type"], "LineString");
    EXPECT_NE(item["score"]["text"].get<std::string>().find("min walk"), std::string::npos);
    const double cost = item["score"]["expected_cost_s"].get<double>();
    EXPECT_GE(cost, previous);
    previous = cost;
  }
  EXPECT_EQ(body["results"][0]["rank"], 1);
  EXPECT_EQ(body["parameters"]["value_of_time_fen_per_hour"], 3000);
  auto dear = json::parse(Get("/api/v1/guidance?dest=" + Dest() + "&value_of_time=45.5").body);
  EXPECT_EQ(dear["parameters"]["value_of_time_fen_per_hour"], 4550);
  EXPECT_FALSE(body.contains("excluded")) << "only with explain=1";
}

TEST_F(GuidanceApiTest, IdenticalRequestsGiveByteIdenticalAnswers) {
  Serve();
  const std::string target =
      "/api/v1/guidance?dest=" + Dest() + "&origin=" + Origin() + "&explain=1&vehicle=ev";
  auto a = Get(target), b = Get(target);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body, b.body);
}

TEST_F(GuidanceApiTest, ExplainListsExclusionsWithReasons) {
  Serve();
  auto r = Get("/api/v1/guidance?dest=" + Dest() + "&explain=1&height=2.15&max_walk=600");
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  std::set<std::string> reasons;
  for (const json& e : body["excluded"]) reasons.insert(e["reason"].get<std::string>());
  EXPECT_TRUE(reasons.contains("beyond_max_walk")) << body["excluded"].dump();
  for (const json& item : body["results"]) {
    for (const json& e : body["excluded"]) EXPECT_NE(item["facility"], e["facility"]);
  }
}

TEST_F(GuidanceApiTest, CountsAnsweredQueriesOnly) {
  Serve();
  const std::string target = "/api/v1/guidance?dest=" + Dest() + "&origin=" + Origin();
  ASSERT_EQ(Get(target).status, 200);
  ASSERT_EQ(Get(target + "&explain=1").status, 200);
  ASSERT_EQ(Get("/api/v1/guidance?dest=north").status, 400);
  EXPECT_EQ(answered_.load(), 2);
}

// A driver's app in GCJ-02 (Amap, Tencent) or BD-09 (Baidu) sends its own coordinates and gets
// its own back: the same places in the same order as the WGS-84 twin, every point shifted.
TEST_F(GuidanceApiTest, GcjAndBaiduRequestsGetTheWgs84TwinsAnswerInTheirOwnCoordinates) {
  Serve();
  auto in = [](const std::string& wgs, Crs crs) {
    const LatLon p = FromWgs84(*ParseLatLon(wgs, "p"), crs);
    return fmt::format("{:.9f},{:.9f}", p.lat, p.lon);
  };
  const json wgs =
      json::parse(Get("/api/v1/guidance?dest=" + Dest() + "&origin=" + Origin() + "&limit=4").body);
  ASSERT_EQ(wgs["results"].size(), 4u);
  EXPECT_EQ(wgs["request"]["crs"], "wgs84");
  for (Crs crs : {Crs::kGcj02, Crs::kBd09}) {
    const std::string name(CrsName(crs));
    auto r = Get("/api/v1/guidance?dest=" + in(Dest(), crs) + "&origin=" + in(Origin(), crs) +
                 "&limit=4&crs=" + name);
    ASSERT_EQ(r.status, 200) << r.body;
    const json twin = json::parse(r.body);
    EXPECT_EQ(twin["request"]["crs"], name);
    ASSERT_EQ(twin["results"].size(), 4u) << name;
    for (size_t i = 0; i < 4; ++i) {
      const json &a = wgs["results"][i], &b = twin["results"][i];
      EXPECT_EQ(a["facility"], b["facility"]) << name << " rank " << i + 1;
      EXPECT_NEAR(a["score"]["expected_cost_s"].get<double>(),
                  b["score"]["expected_cost_s"].get<double>(), 0.5);
      const LatLon entrance{a["entrance"]["lat"], a["entrance"]["lon"]};
      const LatLon shown = FromWgs84(entrance, crs);
      EXPECT_NEAR(b["entrance"]["lat"].get<double>(), shown.lat, 2e-7) << name;
      EXPECT_NEAR(b["entrance"]["lon"].get<double>(), shown.lon, 2e-7) << name;
      EXPECT_GT(HaversineMeters(entrance, {b["entrance"]["lat"], b["entrance"]["lon"]}), 100);
      const json& path = b["route"]["geometry"]["coordinates"];
      ASSERT_FALSE(path.empty());
      const LatLon door{b["entrance"]["lat"], b["entrance"]["lon"]};
      const LatLon first{path.front()[1], path.front()[0]}, last{path.back()[1], path.back()[0]};
      EXPECT_LT(std::min(HaversineMeters(first, door), HaversineMeters(last, door)), 50)
          << "the walk meets the entrance, both in " << name;
    }
    const LatLon dest{twin["dest"]["lat"], twin["dest"]["lon"]};
    // BD-09's inverse is closed-form and good to a few decimetres (core/crs.h).
    EXPECT_LT(HaversineMeters(ToWgs84(dest, crs), {wgs["dest"]["lat"], wgs["dest"]["lon"]}),
              crs == Crs::kBd09 ? 0.5 : 0.05);
  }
}

TEST_F(GuidanceApiTest, BadParametersAreProblemsNamingTheParameter) {
  Serve();
  ExpectProblem("/api/v1/guidance", 400, "dest");
  ExpectProblem("/api/v1/guidance?dest=north", 400, "dest");
  ExpectProblem("/api/v1/guidance?dest=95,113", 400, "dest");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&origin=1", 400, "origin");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&limit=0", 400, "limit");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&stay=-5", 400, "stay");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&vehicle=truck", 400, "vehicle");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&connector=SCHUKO", 400, "connector");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&height=tall", 400, "height");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&max_walk=1e9", 400, "max_walk");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&arrive=yesterday", 400, "arrive");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&lang=fr", 400, "lang");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&accessible=maybe", 400, "accessible");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&value_of_time=0", 400, "value_of_time");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&crs=wgs-72", 400, "crs");
}

TEST_F(GuidanceApiTest, DestinationOffTheNetworkIs422NamingDest) {
  Serve();
  ExpectProblem("/api/v1/guidance?dest=34.5,113.0", 422, "dest");
  auto r = Get("/api/v1/guidance?dest=34.5,113.0");
  EXPECT_EQ(json::parse(r.body)["type"], "urn:parkguide:problem:unsnappable-point");
  ExpectProblem("/api/v1/guidance?dest=" + Dest() + "&origin=34.5,113.0", 422, "origin");
}

TEST_F(GuidanceApiTest, WithoutARoadGraphIs503) {
  Serve(/*with_guide=*/false);
  auto r = Get("/api/v1/guidance?dest=" + Dest());
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::parse(r.body)["type"], "urn:parkguide:problem:no-road-graph");
}

TEST_F(GuidanceApiTest, EvRanksChargingSitesByConnector) {
  Serve();
  auto r = Get("/api/v1/guidance?dest=" + Dest() + "&vehicle=ev&connector=GBT_DC&max_walk=2000" +
               "&lang=en&explain=1");
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  ASSERT_TRUE(body.contains("chargers"));
  ASSERT_FALSE(body["chargers"].empty()) << "the demo city has DC chargers";
  for (const json& c : body["chargers"]) {
    EXPECT_GE(c["connectors"].get<int>(), 1);
    EXPECT_NE(c["score"]["text"].get<std::string>().find("GBT_DC"), std::string::npos);
  }
  for (const json& e : body["excluded"]) {
    if (e["reason"] == "no_matching_connector") {
      EXPECT_EQ(e["detail"], "no GBT_DC connector");
    }
  }
}

TEST(GuidanceJson, EscapesNamesAndTextsIntoValidJson) {
  model::RegistryData data;
  model::Facility f;
  f.id = model::FacilityId("F\"1");
  f.name = {"南\\门 \"停车场\"", "South \"Gate\"\t\\ car park\n"};
  data.facilities.push_back(f);
  auto reg = *registry::Registry::Build(data);
  guidance::GuidanceAnswer a;
  a.now = Now();
  a.request.lang = guidance::Lang::kEn;
  a.request.explain = true;
  guidance::RankedPlace r;
  r.facility = &reg->facilities()[0];
  r.id = "F\"1";
  r.name = f.name;
  r.summary = "1 min walk, \"quoted\"";
  r.route = {
      {34.1, 113.1}, {34.2, 113.2}, {-33.8688, -151.2093}, {0.0000001, -0.5}, {0, 7.00000004}};
  a.results.push_back(r);
  a.excluded.push_back({"X\\", f.name, guidance::ExclusionReason::kTooLow, "a\u0001b"});
  const json body = json::parse(GuidanceJson(a, *reg, {}));
  EXPECT_EQ(body["results"][0]["facility"], "F\"1");
  EXPECT_EQ(body["results"][0]["name"], "South \"Gate\"\t\\ car park\n");
  EXPECT_EQ(body["results"][0]["score"]["text"], "1 min walk, \"quoted\"");
  const json& line = body["results"][0]["route"]["geometry"]["coordinates"];
  EXPECT_EQ(line[1][0], 113.2);
  EXPECT_EQ(line[2][0], -151.2093);
  EXPECT_EQ(line[2][1], -33.8688);
  EXPECT_EQ(line[3][1], 0.0000001);
  EXPECT_EQ(line[3][0], -0.5);
  EXPECT_EQ(line[4][0], 7);  // rounded to 1e-7 degrees
  EXPECT_EQ(line[4][1], 0);
  EXPECT_EQ(body["excluded"][0]["detail"], "a\u0001b");
  EXPECT_EQ(body["excluded"][0]["facility"], "X\\");
}

}  // namespace
}  // namespace pg::api
