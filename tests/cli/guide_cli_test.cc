// `parkguide guide` as an operator runs it: a city from the road fixture and a survey file, the
// table and --json answers, errors naming the option; and the real Monaco extract end to end.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "api/http/client.h"
#include "core/crs.h"
#include "core/time.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

using nlohmann::json;
using testing::ParkguideBinary;
using testing::RunProgram;

std::string Fixture(const std::string& rel) {
  return std::string(PG_SOURCE_DIR) + "/tests/fixtures/" + rel;
}

// The JSON line of the output (logs on stderr come with it).
nlohmann::json JsonLine(const std::string& output) {
  size_t at = output.rfind("\n{");
  return nlohmann::json::parse(output.substr(at == std::string::npos ? output.find('{') : at + 1));
}

class GuideCli : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two car parks on the arms of cell 1 of roads_town.osm: a cheap one on the north arm, a
    // dear one, closed at night, on the east arm; and a low one.
    const std::string csv = dir_.File("facilities.csv");
    std::ofstream(csv)
        << "id,name_zh,name_en,kind,lat,lon,capacity,capacity_disabled,capacity_ev,"
           "capacity_family,capacity_motorcycle,operator,opening_hours,tariff,max_height_m,"
           "district,access,entrances\n"
           "P1,北停车场,North Car Park,surface,34.0006,113.806,100,,,,,,24/7,"
           "08:00-20:00=2;20:00-08:00=1,,,public,\n"
           "P2,东停车场,East Car Park,surface,34.0,113.8068,100,,,,,,24/7,"
           "08:00-20:00=8;20:00-08:00=8,,,public,\n"
           "P3,低停车场,Low Car Park,underground,33.9994,113.806,100,,,,,,24/7,,1.9,,public,\n";
    auto built = Run({"build-roads", Fixture("osm/roads_town.osm"), "--db", Db()});
    ASSERT_EQ(built.exit_code, 0) << built.output;
    auto imported = Run({"import-registry", csv, "--db", Db()});
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
  }
  std::string Db() const { return dir_.File("city.db"); }
  testing::CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), ParkguideBinary());
    return RunProgram(args, dir_.File("out.log"));
  }
  testing::TempDir dir_;
};

constexpr char kDest[] = "34.0,113.8054";

TEST_F(GuideCli, PrintsTheRankedTableAndTheExclusions) {
  auto r = Run({"guide", "--db", Db(), "--dest", "34.0002,113.806", "--origin", kDest, "--lang",
                "en", "--height", "2.0", "--explain"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* part : {"facilities", "rank", "p_free", "P1", "P2", "North Car Park", "min walk",
                           "availability unknown", "excluded", "too_low", "P3"}) {
    EXPECT_NE(r.output.find(part), std::string::npos) << part << "\n" << r.output;
  }
  // Same availability (none known), the cheaper and nearer P1 first.
  EXPECT_LT(r.output.find("P1 "), r.output.find("P2 ")) << r.output;
}

TEST_F(GuideCli, JsonIsTheApiDocument) {
  auto r = Run({"guide", "--db", Db(), "--dest", "34.0002,113.806", "--origin", kDest, "--json",
                "--vehicle", "ev", "--limit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto body = JsonLine(r.output);
  ASSERT_EQ(body["results"].size(), 2u) << r.output;
  EXPECT_EQ(body["results"][0]["facility"], "P1");
  EXPECT_EQ(body["results"][0]["route"]["geometry"]["type"], "LineString");
  EXPECT_TRUE(body["chargers"].is_array());
  EXPECT_EQ(body["request"]["vehicle"], "ev");
}

// The same question asked in GCJ-02 (as an Amap or Tencent app has it) gets the WGS-84 answer,
// shown in GCJ-02: guide and route alike.
TEST_F(GuideCli, AGcjQuestionGetsTheWgs84AnswerShownInGcj) {
  auto gcj = [](LatLon p) {
    p = Wgs84ToGcj02(p);
    return fmt::format("{:.9f},{:.9f}", p.lat, p.lon);
  };
  auto wgs = Run({"guide", "--db", Db(), "--dest", "34.0002,113.806", "--origin", kDest, "--json"});
  auto twin = Run({"guide", "--db", Db(), "--dest", gcj({34.0002, 113.806}), "--origin",
                   gcj({34.0, 113.8054}), "--crs", "gcj02", "--json"});
  ASSERT_EQ(wgs.exit_code, 0) << wgs.output;
  ASSERT_EQ(twin.exit_code, 0) << twin.output;
  const auto a = JsonLine(wgs.output), b = JsonLine(twin.output);
  ASSERT_EQ(a["results"].size(), b["results"].size());
  for (size_t i = 0; i < a["results"].size(); ++i) {
    EXPECT_EQ(a["results"][i]["facility"], b["results"][i]["facility"]);
    const json& door = a["results"][i]["entrance"];
    const LatLon shown = Wgs84ToGcj02({door["lat"], door["lon"]});
    EXPECT_NEAR(b["results"][i]["entrance"]["lat"].get<double>(), shown.lat, 2e-7);
  }
  EXPECT_EQ(b["request"]["crs"], "gcj02");
  auto table = Run({"guide", "--db", Db(), "--dest", gcj({34.0002, 113.806}), "--crs", "gcj02"});
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("(gcj02)"), std::string::npos) << table.output;

  auto route = Run({"route", "--db", Db(), "--from", gcj({33.9995, 113.806}), "--to",
                    gcj({34.0, 113.8054}), "--crs", "gcj02", "--geojson"});
  ASSERT_EQ(route.exit_code, 0) << route.output;
  const auto line = JsonLine(route.output);
  EXPECT_EQ(line["properties"]["crs"], "gcj02");
  const json& first = line["geometry"]["coordinates"][0];
  EXPECT_LT(HaversineMeters({first[1], first[0]}, Wgs84ToGcj02({33.9995, 113.806})), 1.0);

  auto bad = Run({"route", "--db", Db(), "--from", kDest, "--to", kDest, "--crs", "mars"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("--crs: 'mars' is not one of wgs84, gcj02, bd09"), std::string::npos)
      << bad.output;
  auto bad_guide = Run({"guide", "--db", Db(), "--dest", kDest, "--crs", "mars"});
  EXPECT_EQ(bad_guide.exit_code, 1);
  EXPECT_NE(bad_guide.output.find("--crs:"), std::string::npos) << bad_guide.output;
}

TEST_F(GuideCli, ErrorsNameTheOption) {
  auto far = Run({"guide", "--db", Db(), "--dest", "34.3,113.8"});
  EXPECT_EQ(far.exit_code, 1);
  EXPECT_NE(far.output.find("--dest: no walkable road within 500 m"), std::string::npos)
      << far.output;
  auto limit = Run({"guide", "--db", Db(), "--dest", kDest, "--limit", "0"});
  EXPECT_EQ(limit.exit_code, 1);
  EXPECT_NE(limit.output.find("--limit:"), std::string::npos) << limit.output;
  auto walk = Run({"guide", "--db", Db(), "--dest", kDest, "--max-walk", "1"});
  EXPECT_EQ(walk.exit_code, 1);
  EXPECT_NE(walk.output.find("--max-walk:"), std::string::npos) << walk.output;
  auto none = Run({"guide", "--db", dir_.File("nothing.db"), "--dest", kDest});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.output.find("no such database"), std::string::npos) << none.output;
}

TEST_F(GuideCli, TheServerAndTheCliGiveTheSameAnswerFromTheSameLiveData) {
  auto key = Run({"source", "add", "--db", Db(), "--id", "gate", "--kind", "operator_system",
                  "--scope", "all", "--interval", "600"});
  ASSERT_EQ(key.exit_code, 0) << key.output;
  std::string secret = key.output;
  while (!secret.empty() && secret.back() == '\n') secret.pop_back();
  secret = secret.substr(secret.rfind('\n') + 1);  // the key alone on the last line
  testing::BackgroundProgram serve(
      {ParkguideBinary(), "serve", "--db", Db(), "--port", "0", "--threads", "1"},
      dir_.File("serve.log"));
  ASSERT_TRUE(serve.WaitForLog("serving", std::chrono::seconds(60))) << serve.Log();
  std::smatch m;
  const std::string log = serve.Log();
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(serving \S+ on http://[^:]+:(\d+)/)")));
  const auto port = static_cast<uint16_t>(std::stoi(m[1]));
  // P2 reports 50 free spaces now: live in both answers.
  const std::string now = FormatRfc3339Utc(
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  auto posted = api::http::HttpRequest(
      "POST", "127.0.0.1", port, "/api/v1/observations",
      R"({"observations":[{"type":"facility_count","facility":"P2","time":")" + now +
          R"(","free":50}]})",
      {{"Authorization", "Bearer " + secret}, {"Content-Type", "application/json"}});
  ASSERT_TRUE(posted.ok());
  ASSERT_EQ(posted->status, 200) << posted->body;

  auto api = api::http::HttpGet("127.0.0.1", port,
                                "/api/v1/guidance?dest=34.0002,113.806&origin=34.0,113.8054");
  ASSERT_TRUE(api.ok());
  ASSERT_EQ(api->status, 200) << api->body;
  const auto served = nlohmann::json::parse(api->body);
  // The CLI reads a copy of the journal the server is appending to.
  auto cli = Run({"guide", "--db", Db(), "--dest", "34.0002,113.806", "--origin", kDest, "--json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  const auto printed = JsonLine(cli.output);
  ASSERT_EQ(served["results"].size(), printed["results"].size());
  for (size_t i = 0; i < served["results"].size(); ++i) {
    const auto& a = served["results"][i];
    const auto& b = printed["results"][i];
    EXPECT_EQ(a["facility"], b["facility"]);
    EXPECT_EQ(a["availability"]["source"], b["availability"]["source"]);
    EXPECT_EQ(a["price"]["fen"], b["price"]["fen"]);
    EXPECT_NEAR(a["score"]["expected_cost_s"].get<double>(),
                b["score"]["expected_cost_s"].get<double>(), 5)
        << "the two answers are a few seconds apart";
  }
  bool seen = false;
  for (const auto& item : served["results"]) {
    if (item["facility"] != "P2") continue;
    seen = true;
    EXPECT_EQ(item["availability"]["source"], "live");
    EXPECT_EQ(item["availability"]["free_now"], 50);
  }
  EXPECT_TRUE(seen) << api->body;
  EXPECT_EQ(serve.SignalAndWait(SIGINT, std::chrono::seconds(15)), 0) << serve.Log();
}

TEST(GuideCliRealData, MonacoFromImportToAnswer) {
  const std::string data = testing::SharedDataDir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent: the real OSM extracts are not here";
  testing::TempDir dir;
  const std::string db = dir.File("monaco.db");
  auto import = RunProgram(
      {ParkguideBinary(), "import-osm", data + "/osm-monaco/monaco-2025-02-11.osm.pbf", "--db", db},
      dir.File("import.log"));
  ASSERT_EQ(import.exit_code, 0) << import.output;
  auto r = RunProgram({ParkguideBinary(), "guide", "--db", db, "--dest", "43.7405,7.4285",
                       "--origin", "43.7308,7.4190", "--lang", "en", "--json", "--explain"},
                      dir.File("guide.log"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto body = JsonLine(r.output);
  ASSERT_FALSE(body["results"].empty()) << r.output;
  for (const auto& item : body["results"]) {
    // Nothing is live in a fresh import: never labelled live.
    EXPECT_NE(item["availability"]["source"], "live");
    EXPECT_LE(item["walk"]["distance_m"].get<double>(), 1000);
  }
}

}  // namespace
}  // namespace pg
