#include "api/read_api.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <mutex>

#include <nlohmann/json.hpp>

#include "api/http/client.h"
#include "core/crs.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::api {
namespace {

using nlohmann::json;

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

class ReadApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *store::OpenSqliteStore(dir_.File("city.db"));
    model::RegistryData data;
    model::City city;
    city.id = "testville";
    city.name = {"测试城", "Testville"};
    data.city = city;
    auto add = [&](const char* id, model::FacilityKind kind, double lat, double lon, int cap) {
      model::Facility f;
      f.id = model::FacilityId(id);
      f.name = {std::string(id) + "停车场", std::string(id) + " Car Park"};
      f.kind = kind;
      f.location = {lat, lon};
      f.capacity.total = cap;
      f.capacity.by_category[model::SpaceCategory::kEv] = 10;
      data.facilities.push_back(f);
    };
    add("F1", model::FacilityKind::kUnderground, 34.00, 113.80, 600);
    add("F2", model::FacilityKind::kSurface, 34.01, 113.81, 100);
    add("F3", model::FacilityKind::kSurface, 34.50, 113.90, 50);
    model::Charger c;
    c.id = model::ChargerId("C1");
    c.site = "F1-chargers";
    c.facility = model::FacilityId("F1");
    c.location = {34.0, 113.8};
    c.connectors = {{1, model::ConnectorType::kGbtDc, 120}};
    c.in_service_date = "2025-01-01";
    data.chargers.push_back(c);
    model::Sign s;
    s.id = model::SignId("S1");
    s.location = {34.0, 113.8};
    s.level = model::SignLevel::kRoute;
    s.lines = {{{model::FacilityId("F1")}, model::Arrow::kLeft, {"一号", "One"}}};
    data.signs.push_back(s);
    model::Source src;
    src.id = model::SourceId("gate");
    src.scope.all = true;
    src.expected_interval = std::chrono::seconds(60);
    data.sources.push_back(src);
    ASSERT_TRUE(store_->WriteRegistry(data, store::RegistryWriteMode::kUpsert).ok());
    live_ = std::make_unique<state::LiveState>(*registry::Registry::Build(data));

    model::Observation o;
    o.type = model::ObservationType::kFacilityCount;
    o.source = model::SourceId("gate");
    o.time = T("2026-11-28T08:00:00+08:00");
    o.target = "F1";
    o.free = 123;
    live_->Apply(o);
    o.category = model::SpaceCategory::kEv;
    o.free = std::nullopt;
    o.occupied = 4;
    live_->Apply(o);
    o = {};
    o.type = model::ObservationType::kFacilityCount;
    o.source = model::SourceId("gate");
    o.time = T("2026-11-28T07:00:00+08:00");  // an hour old: stale by now
    o.target = "F2";
    o.free = 50;
    live_->Apply(o);

    ApiContext context;
    context.live = live_.get();
    context.store = store_.get();
    context.clock = &clock_;
    context.health_checks.push_back([this](std::vector<HealthProblem>& out) {
      std::lock_guard lock(problems_mu_);
      out.insert(out.end(), problems_.begin(), problems_.end());
    });
    server_ = std::make_unique<http::Server>(http::ServerOptions{});
    RegisterReadApi(*server_, context);
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override { server_->Stop(); }

  http::ClientResponse Get(const std::string& target, const http::HeaderList& headers = {}) {
    auto r = http::HttpGet("127.0.0.1", server_->port(), target, headers);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }

  testing::TempDir dir_;
  FakeClock clock_{T("2026-11-28T08:01:00+08:00")};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<state::LiveState> live_;
  std::unique_ptr<http::Server> server_;
  std::mutex problems_mu_;
  std::vector<HealthProblem> problems_;  // what the health check reports; guarded
};

TEST_F(ReadApiTest, HealthAndCity) {
  auto r = Get("/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["status"], "ok");
  auto city = json::parse(Get("/api/v1/city").body);
  EXPECT_EQ(city["id"], "testville");
  EXPECT_EQ(city["counts"]["facilities"], 3);
}

TEST_F(ReadApiTest, HealthIsDegradedWithEveryProblemItsChecksReportAndOkAgainAfter) {
  {
    std::lock_guard lock(problems_mu_);
    problems_.push_back({"journal", "loss", "journal damage: 1 record(s) lost: 15",
                         T("2026-11-28T07:59:00+08:00"), json{{"id", 1}, {"lost_records", 1}}});
    problems_.push_back(
        {"database", "storage_fault", "busy: \xff database is locked", std::nullopt, nullptr});
  }
  auto degraded = json::parse(Get("/health").body);
  EXPECT_EQ(degraded["status"], "degraded");
  ASSERT_EQ(degraded["problems"].size(), 2u) << degraded.dump();
  EXPECT_EQ(degraded["problems"][0]["component"], "journal");
  EXPECT_EQ(degraded["problems"][0]["kind"], "loss");
  EXPECT_EQ(degraded["problems"][0]["since"], "2026-11-28T07:59:00+08:00");
  EXPECT_EQ(degraded["problems"][0]["detail"]["lost_records"], 1);
  EXPECT_FALSE(degraded["problems"][1].contains("since"));
  EXPECT_FALSE(degraded["problems"][1].contains("detail"));
  {
    std::lock_guard lock(problems_mu_);
    problems_.clear();
  }
  auto ok = json::parse(Get("/health").body);
  EXPECT_EQ(ok["status"], "ok");
  EXPECT_TRUE(ok["problems"].empty());
}

TEST_F(ReadApiTest, FacilityLivePartFollowsTheWireContract) {
  auto r = Get("/api/v1/facilities/F1");
  ASSERT_EQ(r.status, 200);
  auto f = json::parse(r.body);
  const auto& live = f["live"];
  EXPECT_EQ(live["free"], 123);
  EXPECT_EQ(live["occupied"], 477);
  EXPECT_EQ(live["capacity"], 600);
  EXPECT_EQ(live["state"], "open");
  EXPECT_EQ(live["updated"], "2026-11-28T08:00:00+08:00");
  EXPECT_EQ(live["classes"]["ev"]["free"], 6);
  EXPECT_EQ(f["chargers"][0], "C1");
}

TEST_F(ReadApiTest, StaleFacilityIsUnknownWithNullCounts) {
  auto f = json::parse(Get("/api/v1/facilities/F2").body);
  EXPECT_EQ(f["live"]["state"], "unknown");
  EXPECT_TRUE(f["live"]["free"].is_null());
  EXPECT_TRUE(f["live"]["occupied"].is_null());
}

TEST_F(ReadApiTest, PagingWalksTheWholeList) {
  auto page = json::parse(Get("/api/v1/facilities?limit=2").body);
  EXPECT_EQ(page["total"], 3);
  ASSERT_EQ(page["items"].size(), 2u);
  ASSERT_TRUE(page["next"].is_string());
  auto rest = json::parse(Get(page["next"].get<std::string>()).body);
  ASSERT_EQ(rest["items"].size(), 1u);
  EXPECT_EQ(rest["items"][0]["id"], "F3");
  EXPECT_TRUE(rest["next"].is_null());
}

TEST_F(ReadApiTest, BboxAndKindFilters) {
  auto near = json::parse(Get("/api/v1/facilities?bbox=113.79,33.99,113.82,34.02").body);
  EXPECT_EQ(near["total"], 2);
  auto surface = json::parse(Get("/api/v1/facilities?kind=surface").body);
  EXPECT_EQ(surface["total"], 2);
  auto both = json::parse(
      Get("/api/v1/facilities?kind=surface,underground&bbox=113.79,33.99,113.82,34.02").body);
  EXPECT_EQ(both["total"], 2);
}

// GCJ-02 and BD-09 at the edge (issue 17): every coordinate of an answer is shown in the crs
// asked for, a bbox given in it selects what the WGS-84 twin selects, and the default is WGS-84.
TEST_F(ReadApiTest, CoordinatesAreShownAndFilteredInTheCrsAsked) {
  const LatLon f1{34.00, 113.80};
  auto wgs = json::parse(Get("/api/v1/facilities/F1").body);
  EXPECT_DOUBLE_EQ(wgs["location"]["lat"].get<double>(), f1.lat);
  for (const char* crs : {"gcj02", "bd09", "GCJ-02"}) {
    const LatLon expected = FromWgs84(f1, *ParseCrs(crs, "crs"));
    auto one = json::parse(Get(std::string("/api/v1/facilities/F1?crs=") + crs).body);
    EXPECT_NEAR(one["location"]["lat"].get<double>(), expected.lat, 1e-9) << crs;
    EXPECT_NEAR(one["location"]["lon"].get<double>(), expected.lon, 1e-9) << crs;
    EXPECT_GT(HaversineMeters({one["location"]["lat"], one["location"]["lon"]}, f1), 100) << crs;
  }
  const LatLon gcj = Wgs84ToGcj02(f1);
  auto charger = json::parse(Get("/api/v1/chargers/C1?crs=gcj02").body);
  EXPECT_NEAR(charger["location"]["lat"].get<double>(), gcj.lat, 1e-9);
  auto list = json::parse(Get("/api/v1/chargers?crs=bd09").body);
  EXPECT_NEAR(list["items"][0]["location"]["lon"].get<double>(), FromWgs84(f1, Crs::kBd09).lon,
              1e-9);

  // The WGS-84 box 113.79,33.99,113.82,34.02 holds F1 and F2; its GCJ-02 twin holds the same two,
  // and the WGS-84 box read as GCJ-02 (off by hundreds of metres) would not hold F1.
  const BoundingBox box = FromWgs84(BoundingBox{33.99, 113.79, 34.02, 113.82}, Crs::kGcj02);
  const std::string twin = fmt::format("{:.7f},{:.7f},{:.7f},{:.7f}", box.min_lon, box.min_lat,
                                       box.max_lon, box.max_lat);
  auto near = json::parse(Get("/api/v1/facilities?crs=gcj02&bbox=" + twin).body);
  EXPECT_EQ(near["total"], 2);
  const std::string around_f1 = "bbox=113.799,33.999,113.801,34.001";
  EXPECT_EQ(json::parse(Get("/api/v1/facilities?" + around_f1).body)["total"], 1);
  EXPECT_EQ(json::parse(Get("/api/v1/facilities?crs=gcj02&" + around_f1).body)["total"], 0);
}

TEST_F(ReadApiTest, BadParametersGiveProblemJsonNamingTheParameter) {
  for (auto [target, param] : {std::pair{"/api/v1/facilities?limit=0", "limit"},
                               {"/api/v1/facilities?limit=abc", "limit"},
                               {"/api/v1/facilities?offset=-1", "offset"},
                               {"/api/v1/facilities?bbox=1,2,3", "bbox"},
                               {"/api/v1/facilities?bbox=113.9,34,113.8,34.1", "bbox"},
                               {"/api/v1/facilities?kind=castle", "kind"},
                               {"/api/v1/chargers?lifecycle=someday", "lifecycle"},
                               {"/api/v1/facilities?crs=mars", "crs"},
                               {"/api/v1/facilities/F1?crs=EPSG:3857", "crs"},
                               {"/api/v1/city?crs=gcj", "crs"},
                               {"/api/v1/facilities/F1/history?from=yesterday", "from"}}) {
    auto r = Get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json") << target;
    auto p = json::parse(r.body);
    EXPECT_EQ(p["status"], 400);
    ASSERT_TRUE(p["invalid_params"].is_array()) << r.body;
    EXPECT_EQ(p["invalid_params"][0]["name"], param) << target;
  }
}

// Free text, ids and durations in query parameters have bounds (docs/api/problems.md): a refusal
// names the parameter.
TEST_F(ReadApiTest, QueryTextIdsAndStepsHaveBounds) {
  const std::string long_district(201, 'd');
  struct Case {
    std::string target;
    const char* refused;  // "name: reason"
  };
  const Case cases[] = {
      {"/api/v1/facilities?district=" + long_district,
       "district: is longer than 200 characters (it has 201)"},
      {"/api/v1/chargers?district=a%1Bb",
       "district: holds a control character (U+001B) at character 2: plain text only"},
      {"/api/v1/facilities?district=%FF", "district: is not UTF-8 text (byte 1 of it)"},
      {"/api/v1/bays?facility=F%201",
       "facility: 'F 1' may contain only letters, digits and _ - . :"},
      {"/api/v1/bays?facility=" + std::string(65, 'F'), "facility: is longer than 64 characters"},
      {"/api/v1/facilities/F1/history?step=9223372036854775807h",
       "step: a multiple of 5 minutes up to 7 days (300, 900s, 15m, 1h)"},
      {"/api/v1/facilities/F1/history?step=-300",
       "step: a multiple of 5 minutes up to 7 days (300, 900s, 15m, 1h)"},
      {"/api/v1/facilities?limit=1099511627776",
       "limit: '1099511627776' is not a whole number in 1–1000"},
  };
  for (const auto& c : cases) {
    auto r = Get(c.target);
    ASSERT_EQ(r.status, 400) << c.target << ": " << r.body;
    auto p = json::parse(r.body)["invalid_params"][0];
    EXPECT_EQ(p["name"].get<std::string>() + ": " + p["reason"].get<std::string>(), c.refused)
        << c.target;
  }
  EXPECT_EQ(json::parse(Get("/api/v1/facilities?district=" + std::string(200, 'd')).body)["total"],
            0)
      << "200 characters are within the bound";
}

TEST_F(ReadApiTest, UnknownIdsAre404) {
  for (const char* target :
       {"/api/v1/facilities/NOPE", "/api/v1/chargers/NOPE", "/api/v1/facilities/NOPE/history"}) {
    auto r = Get(target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json");
  }
}

TEST_F(ReadApiTest, ChargersAndOpenApi) {
  auto chargers = json::parse(Get("/api/v1/chargers").body);
  EXPECT_EQ(chargers["total"], 1);
  EXPECT_EQ(chargers["items"][0]["connectors"][0]["type"], "GBT_DC");
  auto doc = json::parse(Get("/api/v1/openapi.json").body);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_TRUE(doc["paths"].contains("/api/v1/facilities"));
}

TEST_F(ReadApiTest, AChargerIsBelievedOnlyWhileItsSourcesIntervalSaysSo) {
  model::Observation o;
  o.type = model::ObservationType::kCharger;
  o.source = model::SourceId("gate");
  o.target = "C1";
  o.connector = 1;
  o.charger_status = model::ChargerStatus::kAvailable;
  o.time = T("2026-11-28T08:00:30+08:00");
  live_->Apply(o);
  auto live = json::parse(Get("/api/v1/chargers/C1").body)["live"];
  EXPECT_EQ(live["state"], "fresh");
  EXPECT_EQ(live["available"], 1);
  // gate reports every 60 s: three minutes and more after its report, nothing is believed —
  // what was said is still shown, as on the stream and in guidance (state::ViewCharger).
  clock_.Set(T("2026-11-28T08:03:31+08:00"));
  live = json::parse(Get("/api/v1/chargers").body)["items"][0]["live"];
  EXPECT_EQ(live["state"], "stale");
  EXPECT_TRUE(live["available"].is_null()) << live;
  EXPECT_EQ(live["connectors"]["1"]["status"], "Available");
}

TEST_F(ReadApiTest, ServesTheDashboardWithItsAssets) {
  auto r = Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.Header("cache-control"), "no-cache");
  // Every asset the page links is served, with its type and a long cache (hashed names).
  size_t linked = 0;
  for (size_t at = r.body.find("/assets/"); at != std::string::npos;
       at = r.body.find("/assets/", at + 1)) {
    std::string path = r.body.substr(at, r.body.find('"', at) - at);
    auto a = Get(path);
    EXPECT_EQ(a.status, 200) << path;
    EXPECT_FALSE(a.body.empty()) << path;
    EXPECT_EQ(a.Header("cache-control"), "public, max-age=31536000, immutable") << path;
    bool js = path.ends_with(".js");
    EXPECT_EQ(a.Header("content-type"),
              js ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8")
        << path;
    if (js) {
      EXPECT_NE(a.body.find("/api/v1/stream"), std::string::npos);
    }
    ++linked;
  }
  EXPECT_GE(linked, 2u) << r.body;  // the script and the style sheet
  auto missing = Get("/assets/nothing-here.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Header("content-type"), "application/problem+json");
}

TEST_F(ReadApiTest, TheDashboardHasItsOwnPolicyAndTheApiAStrictOne) {
  auto page = Get("/");
  const std::string policy = page.Header("content-security-policy");
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("unsafe-eval"), std::string::npos) << policy;
  EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos) << policy;
  // The page runs no inline script the policy would block.
  EXPECT_EQ(page.body.find("<script>"), std::string::npos) << page.body;
  auto api = Get("/api/v1/city");
  EXPECT_EQ(api.Header("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
}

TEST_F(ReadApiTest, DashboardFilesAreSentGzippedToBrowsersThatTakeIt) {
  auto plain = Get("/");
  auto packed = Get("/", {{"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_EQ(packed.status, 200);
  EXPECT_EQ(packed.Header("content-encoding"), "gzip");
  EXPECT_EQ(packed.Header("vary"), "Accept-Encoding");
  ASSERT_GE(packed.body.size(), 2u);
  EXPECT_EQ(packed.body.substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(plain.Header("content-encoding"), "");
  EXPECT_EQ(plain.Header("vary"), "Accept-Encoding");
  auto refused = Get("/", {{"Accept-Encoding", "gzip;q=0, identity"}});
  EXPECT_EQ(refused.Header("content-encoding"), "");
  EXPECT_EQ(refused.body, plain.body);
  // The script bundle, the largest file, shrinks by more than half.
  size_t at = plain.body.find("/assets/");
  ASSERT_NE(at, std::string::npos);
  std::string script = plain.body.substr(at, plain.body.find('"', at) - at);
  auto raw = Get(script);
  auto small = Get(script, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(small.Header("content-encoding"), "gzip") << script;
  EXPECT_LT(small.body.size() * 2, raw.body.size()) << script;
}

TEST_F(ReadApiTest, ChargerSiteHistoryMergesSamplesIntoSteps) {
  std::vector<model::ChargerSiteSample> samples = {
      {"F1-chargers", T("2026-11-28T07:00:00+08:00"), 1, 2},
      {"F1-chargers", T("2026-11-28T07:05:00+08:00"), 2, 2},
      {"F1-chargers", T("2026-11-28T08:00:00+08:00"), 0, 2}};
  ASSERT_TRUE(store_->AppendChargerSiteOccupancy(samples).ok());
  auto r = Get("/api/v1/charger-sites/F1-chargers/history?from=2026-11-28T07:00:00%2B08:00");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["site"], "F1-chargers");
  EXPECT_EQ(j["step"], 3600);
  ASSERT_EQ(j["points"].size(), 2u) << j.dump();
  EXPECT_EQ(j["points"][0][0], "2026-11-28T07:00:00+08:00");
  EXPECT_DOUBLE_EQ(j["points"][0][2].get<double>(), 1.5);  // mean busy connectors
  EXPECT_EQ(j["points"][0][4], 2);                         // connectors
  EXPECT_EQ(Get("/api/v1/charger-sites/nowhere/history").status, 404);
  EXPECT_EQ(Get("/api/v1/charger-sites/F1-chargers/history?step=7m").status, 400);
}

TEST_F(ReadApiTest, HistoryReturnsStoredSamplesInRange) {
  std::vector<model::OccupancySample> samples;
  for (int i = 0; i < 12; ++i) {
    samples.push_back({model::FacilityId("F1"),
                       T("2026-11-28T07:00:00+08:00") + std::chrono::minutes(5 * i), 400 + i, 600});
  }
  ASSERT_TRUE(store_->AppendOccupancy(samples).ok());
  auto h = json::parse(Get("/api/v1/facilities/F1/history?from=2026-11-28T07:30:00%2B08:00").body);
  ASSERT_EQ(h["points"].size(), 6u);
  EXPECT_EQ(h["points"][0][1], 406);
  EXPECT_EQ(h["points"][0][0], "2026-11-28T07:30:00+08:00");
}

TEST_F(ReadApiTest, HistoryInStepsMergesRollupsAndSamplesAndExportsCsv) {
  std::vector<model::OccupancySample> samples = {
      {model::FacilityId("F1"), T("2026-11-28T08:00:00+08:00"), 100, 600},
      {model::FacilityId("F1"), T("2026-11-28T08:05:00+08:00"), 120, 600},
      {model::FacilityId("F1"), T("2026-11-28T08:10:00+08:00"), 300, 600}};
  ASSERT_TRUE(store_->AppendOccupancy(samples).ok());
  model::OccupancyRollup r;
  r.id = "F1";
  r.start = T("2026-11-28T08:05:00+08:00");
  r.min_occupied = 150;
  r.mean_occupied = 175;
  r.max_occupied = 200;
  r.capacity = 600;
  r.coverage = 0.5;
  ASSERT_TRUE(store_->AppendRollups(std::vector{r}).ok());
  const std::string range = "from=2026-11-28T08:00:00%2B08:00&to=2026-11-28T08:15:00%2B08:00";
  auto j = json::parse(Get("/api/v1/facilities/F1/history?" + range + "&step=15m").body);
  ASSERT_EQ(j["points"].size(), 1u) << j.dump();
  auto p = j["points"][0];
  EXPECT_EQ(p[1], 100);
  EXPECT_DOUBLE_EQ(p[2].get<double>(), 195.0);  // (100·1 + 175·0.5 + 300·1) / 2.5
  EXPECT_EQ(p[3], 300);
  EXPECT_DOUBLE_EQ(p[5].get<double>(), 0.83);
  EXPECT_EQ(Get("/api/v1/facilities/F1/history?" + range + "&step=7m").status, 400);

  auto csv = Get("/api/v1/facilities/F1/history?" + range + "&format=csv");
  EXPECT_EQ(csv.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body,
            "facility_id,time,occupied,capacity\n"
            "F1,2026-11-28T08:00:00+08:00,100,600\n"
            "F1,2026-11-28T08:05:00+08:00,120,600\n"
            "F1,2026-11-28T08:10:00+08:00,300,600\n");
}

}  // namespace
}  // namespace pg::api
