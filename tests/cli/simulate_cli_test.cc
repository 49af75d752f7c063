// `parkguide simulate` as a user runs it: the survey fixture city (tests/support/cli_city.h) with
// a few more car parks and a street grid around it, every policy over seeds as --json (the shape
// docs/simulation.md documents, shares in 0–1, intervals around their means), the HTML report in
// zh and en without a network fetch, and errors naming the option.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/cli_city.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

using testing::ParkguideBinary;
using testing::RunProgram;

// A 15 × 15 grid of residential streets about 150 m apart over the fixture city (G1 at
// 34.03,113.85; the on-street zone G2 at 34.0402,113.8601).
std::string WriteStreetGrid(const testing::TempDir& dir) {
  constexpr int kN = 15;
  constexpr double kLat0 = 34.025, kLon0 = 113.845, kDLat = 0.00135, kDLon = 0.00163;
  auto id = [](int i, int j) { return 1 + i * kN + j; };
  std::string osm = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\">\n";
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) {
      osm += fmt::format("<node id=\"{}\" version=\"1\" lat=\"{:.6f}\" lon=\"{:.6f}\"/>\n",
                         id(i, j), kLat0 + i * kDLat, kLon0 + j * kDLon);
    }
  }
  int way = 1;
  for (int row = 0; row < 2; ++row) {  // rows, then columns
    for (int k = 0; k < kN; ++k) {
      osm += fmt::format("<way id=\"{}\" version=\"1\">", way++);
      for (int m = 0; m < kN; ++m) {
        osm += fmt::format("<nd ref=\"{}\"/>", row == 0 ? id(k, m) : id(m, k));
      }
      osm += "<tag k=\"highway\" v=\"residential\"/></way>\n";
    }
  }
  osm += "</osm>\n";
  std::ofstream(dir.File("grid.osm")) << osm;
  return dir.File("grid.osm");
}

class SimulateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::MakeFixtureCity(dir_);
    auto roads = Run({"build-roads", WriteStreetGrid(dir_), "--db", db_});
    ASSERT_EQ(roads.exit_code, 0) << roads.output;
    const std::string csv = dir_.File("more.csv");
    std::ofstream(csv) << "id,name_zh,name_en,kind,lat,lon,capacity,capacity_disabled,capacity_ev,"
                          "capacity_family,capacity_motorcycle,operator,opening_hours,tariff,"
                          "max_height_m,district,access,entrances\n"
                          "S1,一号,One,surface,34.0335,113.8535,60,,,,,,24/7,,,,public,\n"
                          "S2,二号,Two,surface,34.0365,113.8565,80,,,,,,24/7,,,,public,\n"
                          "S3,三号,Three,underground,34.0285,113.8565,120,,,,,,24/7,,,,public,\n"
                          "S4,四号,Four,surface,34.0395,113.8505,40,,,,,,24/7,,,,public,\n";
    auto more = Run({"import-registry", csv, "--db", db_});
    ASSERT_EQ(more.exit_code, 0) << more.output;
  }
  testing::CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), ParkguideBinary());
    return RunProgram(args, dir_.File("out.log"));
  }
  testing::TempDir dir_;
  std::string db_;
};

// The JSON document: progress lines on stderr come before it in the combined output.
nlohmann::json JsonDocument(const std::string& output) {
  const size_t at = output.rfind("\n[\n");
  return nlohmann::json::parse(output.substr(at == std::string::npos ? 0 : at + 1));
}

TEST_F(SimulateCli, JsonHasOneObjectPerPolicyWithIntervalsAroundTheMeans) {
  auto r = Run({"simulate", "--db", db_, "--drivers", "150", "--occupancy", "0.85..0.95",
                "--policy", "none,signs,guidance", "--seeds", "3", "--hours", "0.5", "--json",
                "--report", dir_.File("sim.html")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto doc = JsonDocument(r.output);
  ASSERT_TRUE(doc.is_array()) << r.output;
  ASSERT_EQ(doc.size(), 3u);
  const char* policies[] = {"none", "signs", "guidance"};
  for (size_t i = 0; i < 3; ++i) {
    const auto& p = doc[i];
    EXPECT_EQ(p["policy"], policies[i]);
    for (const char* metric : {"mean_search_s", "p90_search_s", "cruise_m", "walk_m",
                               "full_on_arrival", "not_parked_20min"}) {
      SCOPED_TRACE(fmt::format("{} {}", policies[i], metric));
      ASSERT_TRUE(p[metric]["value"].is_number()) << p.dump(2);
      ASSERT_TRUE(p[metric]["ci95"].is_array()) << p.dump(2);
      const double value = p[metric]["value"];
      const double lo = p[metric]["ci95"][0];
      const double hi = p[metric]["ci95"][1];
      EXPECT_LE(lo, value);
      EXPECT_GE(hi, value);
      EXPECT_GE(lo, 0);
      const std::string name = metric;
      if (name == "full_on_arrival" || name == "not_parked_20min") {
        EXPECT_LE(hi, 1);
      }
    }
    // Searching takes time and driving, someone parked and walked, and the slow tail is slower
    // than the mean.
    EXPECT_GT(p["mean_search_s"]["value"].get<double>(), 0);
    EXPECT_GT(p["cruise_m"]["value"].get<double>(), 0);
    EXPECT_GT(p["walk_m"]["value"].get<double>(), 0);
    EXPECT_GE(p["p90_search_s"]["value"].get<double>(), p["mean_search_s"]["value"].get<double>());
    EXPECT_EQ(p["seeds"].size(), 3u);
    EXPECT_EQ(p["drivers"], 150);
    EXPECT_EQ(p["facilities"], 5) << "G1 and S1–S4 (the on-street zone has no public access)";
  }
  std::ifstream in(dir_.File("sim.html"));
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("停车诱导仿真"), std::string::npos);  // zh by default
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos) << "self-contained: nothing fetched";
  EXPECT_EQ(html.find("href=\"http"), std::string::npos) << "self-contained: nothing fetched";
}

TEST_F(SimulateCli, TheReportSpeaksEnglishOnRequest) {
  auto r = Run({"simulate", "--db", db_, "--drivers", "50", "--seeds", "1", "--hours", "0.25",
                "--policy", "none", "--report", dir_.File("en.html"), "--lang", "en"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mean_search_s"), std::string::npos) << r.output;  // the table
  std::ifstream in(dir_.File("en.html"));
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* part : {"Parking guidance simulation", "Mean search", "Where cruising happens",
                           "Search time, cumulative"}) {
    EXPECT_NE(html.find(part), std::string::npos) << part;
  }
  EXPECT_EQ(html.find("停车诱导仿真"), std::string::npos);
}

TEST_F(SimulateCli, ErrorsNameTheOption) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--drivers", "0"}, "--drivers:"},
      {{"--seeds", "0"}, "--seeds:"},
      {{"--occupancy", "0.95..0.85"}, "--occupancy:"},
      {{"--occupancy", "high"}, "--occupancy:"},
      {{"--occupancy", "0.5..1.2"}, "--occupancy:"},
      {{"--policy", "none,valet"}, "--policy: \"valet\" is not a policy"},
      {{"--hours", "0"}, "--hours:"},
      {{"--lang", "fr"}, "--lang:"},
  };
  for (const auto& [extra, expected] : cases) {
    std::vector<std::string> args = {"simulate", "--db", db_};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = Run(args);
    EXPECT_EQ(r.exit_code, 1) << extra[0] << " " << extra[1];
    EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
  }
  auto none = Run({"simulate", "--db", dir_.File("nothing.db")});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.output.find("no such database"), std::string::npos) << none.output;
}

}  // namespace
}  // namespace pg
