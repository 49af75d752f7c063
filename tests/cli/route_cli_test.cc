// Roads as an operator builds and uses them: build-roads and import-osm write city.graph next to
// city.db, `parkguide route` answers from it, and a graph of another import or format version is
// refused by route and serve with a message saying what to do.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>

#include "api/http/client.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

using testing::ParkguideBinary;
using testing::RunProgram;

std::string Fixture(const std::string& rel) {
  return std::string(PG_SOURCE_DIR) + "/tests/fixtures/" + rel;
}

// Cell 1 of roads_town.osm: the south arm to the west arm, where cars may not turn left.
constexpr char kFrom[] = "33.9995,113.806";
constexpr char kTo[] = "34.0,113.8054";

class RouteCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto built = Run({"build-roads", Fixture("osm/roads_town.osm"), "--db", Db()});
    ASSERT_EQ(built.exit_code, 0) << built.output;
    built_output_ = built.output;
  }
  std::string Db() const { return dir_.File("city.db"); }
  std::string Graph() const { return dir_.File("city.graph"); }
  testing::CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), ParkguideBinary());
    return RunProgram(args, dir_.File("out.log"));
  }
  testing::TempDir dir_;
  std::string built_output_;
};

TEST_F(RouteCli, BuildRoadsWritesTheGraphNextToTheDatabaseAndReports) {
  EXPECT_TRUE(std::filesystem::exists(Graph()));
  for (const char* part : {"car graph", "foot graph", "turn restrictions", "fingerprint"}) {
    EXPECT_NE(built_output_.find(part), std::string::npos) << part << "\n" << built_output_;
  }
}

TEST_F(RouteCli, RouteAnswersInTextAndAsGeoJson) {
  auto text = Run({"route", "--db", Db(), "--from", kFrom, "--to", kTo});
  ASSERT_EQ(text.exit_code, 0) << text.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text.output, m, std::regex(R"(car route: .* \(([0-9.]+) s\))")))
      << text.output;
  const double car_s = std::stod(m[1]);
  EXPECT_GT(car_s, 0);

  auto geojson = Run({"route", "--db", Db(), "--from", kFrom, "--to", kTo, "--geojson"});
  ASSERT_EQ(geojson.exit_code, 0) << geojson.output;
  const auto feature = nlohmann::json::parse(geojson.output);
  EXPECT_EQ(feature["geometry"]["type"], "LineString");
  EXPECT_NEAR(feature["properties"]["time_s"].get<double>(), car_s, 0.051);

  // On foot the forbidden left turn is allowed: a shorter way.
  auto foot =
      Run({"route", "--db", Db(), "--from", kFrom, "--to", kTo, "--mode", "foot", "--geojson"});
  ASSERT_EQ(foot.exit_code, 0) << foot.output;
  EXPECT_LT(nlohmann::json::parse(foot.output)["properties"]["distance_m"].get<double>(),
            feature["properties"]["distance_m"].get<double>());
}

TEST_F(RouteCli, ErrorsNameTheOptionAndTheFix) {
  auto far = Run({"route", "--db", Db(), "--from", kFrom, "--to", "34.3,113.8"});
  EXPECT_EQ(far.exit_code, 1);
  EXPECT_NE(far.output.find("--to: no drivable road within 500 m"), std::string::npos)
      << far.output;
  auto mode = Run({"route", "--db", Db(), "--from", kFrom, "--to", kTo, "--mode", "boat"});
  EXPECT_EQ(mode.exit_code, 1);
  EXPECT_NE(mode.output.find("--mode"), std::string::npos) << mode.output;
  std::filesystem::remove(Graph());
  auto none = Run({"route", "--db", Db(), "--from", kFrom, "--to", kTo});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.output.find("build-roads"), std::string::npos) << none.output;
}

TEST_F(RouteCli, AGraphBuiltFromAnotherOsmFileIsRefused) {
  // The same town with one more byte: another fingerprint.
  const std::string other_osm = dir_.File("other.osm");
  std::filesystem::copy_file(Fixture("osm/roads_town.osm"), other_osm);
  std::ofstream(other_osm, std::ios::app) << "<!-- edited -->\n";
  auto other = Run({"build-roads", other_osm, "--db", dir_.File("other.db")});
  ASSERT_EQ(other.exit_code, 0) << other.output;
  std::filesystem::copy_file(dir_.File("other.graph"), Graph(),
                             std::filesystem::copy_options::overwrite_existing);
  auto route = Run({"route", "--db", Db(), "--from", kFrom, "--to", kTo});
  EXPECT_EQ(route.exit_code, 1);
  EXPECT_NE(route.output.find("built from another OSM file"), std::string::npos) << route.output;
  EXPECT_NE(route.output.find("build-roads"), std::string::npos);
}

TEST_F(RouteCli, AGraphOfAnotherFormatVersionIsRefusedByRouteAndServe) {
  std::string bytes;
  {
    std::ifstream in(Graph(), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const uint32_t future = 999;
  std::memcpy(bytes.data() + 8, &future, sizeof future);  // the format version
  std::ofstream(Graph(), std::ios::binary | std::ios::trunc) << bytes;
  auto route = Run({"route", "--db", Db(), "--from", kFrom, "--to", kTo});
  EXPECT_EQ(route.exit_code, 1);
  EXPECT_NE(route.output.find("graph format version 999"), std::string::npos) << route.output;
  // serve needs a city in the database first: the parking town has car parks and no roads.
  auto registry = Run({"import-osm", Fixture("osm/parking_town.osm"), "--db", dir_.File("p.db"),
                       "--city-name", "Parking Town", "--time-zone", "Asia/Shanghai"});
  ASSERT_EQ(registry.exit_code, 0) << registry.output;
  EXPECT_NE(registry.output.find("no road graph was built"), std::string::npos) << registry.output;
  std::filesystem::copy_file(Graph(), dir_.File("p.graph"));
  auto serve = Run({"serve", "--db", dir_.File("p.db"), "--port", "0"});
  EXPECT_EQ(serve.exit_code, 1);
  EXPECT_NE(serve.output.find("graph format version 999"), std::string::npos) << serve.output;
}

TEST(RouteCliRealData, ImportOsmBuildsTheRoadsAndBothRouteAndTheApiAnswer) {
  const std::string data = testing::SharedDataDir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent: the real OSM extracts are not here";
  testing::TempDir dir;
  const std::string db = dir.File("monaco.db");
  auto import = RunProgram(
      {ParkguideBinary(), "import-osm", data + "/osm-monaco/monaco-2025-02-11.osm.pbf", "--db", db},
      dir.File("import.log"));
  ASSERT_EQ(import.exit_code, 0) << import.output;
  EXPECT_TRUE(std::filesystem::exists(dir.File("monaco.graph")));
  EXPECT_NE(import.output.find("entrances:"), std::string::npos) << import.output;

  // From the casino square to the Fontvieille port.
  const std::string from = "43.7395,7.4280", to = "43.7310,7.4160";
  auto route =
      RunProgram({ParkguideBinary(), "route", "--db", db, "--from", from, "--to", to, "--geojson"},
                 dir.File("route.log"));
  ASSERT_EQ(route.exit_code, 0) << route.output;
  const auto feature = nlohmann::json::parse(route.output);
  const double cli_s = feature["properties"]["time_s"].get<double>();
  EXPECT_GT(cli_s, 60);
  EXPECT_LT(cli_s, 1800);

  testing::BackgroundProgram serve({ParkguideBinary(), "serve", "--db", db, "--port", "0"},
                                   dir.File("serve.log"));
  ASSERT_TRUE(serve.WaitForLog("serving", std::chrono::seconds(60))) << serve.Log();
  std::smatch m;
  const std::string log = serve.Log();
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(serving \S+ on http://[^:]+:(\d+)/)")));
  auto r = api::http::HttpGet("127.0.0.1", static_cast<uint16_t>(std::stoi(m[1])),
                              "/api/v1/route?from=" + from + "&to=" + to);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NEAR(nlohmann::json::parse(r->body)["time_s"].get<double>(), cli_s, 0.051);
  EXPECT_EQ(serve.SignalAndWait(SIGINT, std::chrono::seconds(15)), 0);
}

}  // namespace
}  // namespace pg
