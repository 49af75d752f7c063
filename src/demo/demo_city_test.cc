#include "demo/demo_city.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/clock.h"
#include "graph/entrance_snaps.h"
#include "graph/graph_file.h"
#include "graph/graph_settings.h"
#include "model/model_json.h"
#include "model/validation.h"
#include "registry/from_osm.h"
#include "registry/registry.h"
#include "registry/survey.h"
#include "routing/route_query.h"
#include "signs/display_rules.h"
#include "store/store.h"
#include "tests/support/digest.h"
#include "tests/support/temp_dir.h"

namespace pg::demo {
namespace {

// The demo's roads as the server maps them: every car park reaches every other by car, and the
// crossing with the no-left-turn restriction is driven round, not through.
void ExpectDemoRoutes(const std::string& db, store::Store& store) {
  auto fingerprint = graph::RecordedGraphFingerprint(store);
  ASSERT_TRUE(fingerprint.ok() && fingerprint->has_value());
  auto network = routing::RoadNetwork::Open(graph::GraphPathForDatabase(db),
                                            {.expected_fingerprint = **fingerprint});
  ASSERT_TRUE(network.ok()) << network.status().ToString();
  const routing::RoadNetwork& net = **network;
  EXPECT_NE((*network)->file()->metadata_json().find("\"restrictions_applied\": 1"),
            std::string::npos)
      << (*network)->file()->metadata_json();

  auto stored = store.GetSetting(std::string(graph::kEntranceSnapsSetting));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  auto snaps = graph::EntranceSnapTable::FromJson(**stored);
  ASSERT_TRUE(snaps.ok()) << snaps.status().ToString();
  std::vector<routing::SnappedPoint> entrances;
  for (const graph::EntranceSnap& e : snaps->entries) {
    if (!e.vehicle || e.entrance_id.empty()) continue;
    ASSERT_TRUE(e.car.has_value()) << e.facility_id << " " << e.entrance_id;
    EXPECT_LT(e.car->distance_m, 5) << "entrances sit on their service roads";
    auto p = net.Snap(routing::Mode::kCar, e.location, 5);
    ASSERT_TRUE(p.ok());
    entrances.push_back(*p);
  }
  ASSERT_GE(entrances.size(), 26u);
  routing::RouteQuery query(net, routing::Mode::kCar);
  const routing::TargetSet targets(net, routing::Mode::kCar, entrances);
  std::vector<routing::RouteCost> costs;
  for (const auto& from : entrances) {
    query.OneToMany(from, targets, costs);
    for (const auto& c : costs) EXPECT_TRUE(c.reachable());
  }

  // 八一路 eastbound to 解放路 northbound: no left turn (relation 900). The nodes one block
  // short of the crossing on each street are 100 m from it.
  const DemoCity city = GenerateDemoCity();
  auto node = [&](int64_t id) {
    for (const auto& n : city.osm.nodes) {
      if (n.id == id) return n.location;
    }
    ADD_FAILURE() << id;
    return LatLon{};
  };
  const LatLon before = node(1'016'019), after = node(1'017'020);
  auto drive = query.Cost(*net.Snap(routing::Mode::kCar, before, 5),
                          *net.Snap(routing::Mode::kCar, after, 5));
  routing::RouteQuery walk_query(net, routing::Mode::kFoot);
  auto walk = walk_query.Cost(*net.Snap(routing::Mode::kFoot, before, 5),
                              *net.Snap(routing::Mode::kFoot, after, 5));
  ASSERT_TRUE(drive.reachable() && walk.reachable());
  EXPECT_NEAR(walk.distance_m(), 200, 1) << "on foot: straight round the corner";
  EXPECT_GT(drive.distance_m(), 500) << "by car: round the block";
}

TEST(DemoCity, IsDeterministic) {
  DemoCity a = GenerateDemoCity(1), b = GenerateDemoCity(1);
  ASSERT_EQ(a.survey.facilities.size(), b.survey.facilities.size());
  EXPECT_EQ(a.survey.facilities, b.survey.facilities);
  EXPECT_EQ(a.survey.chargers, b.survey.chargers);
  EXPECT_EQ(a.osm.ways.size(), b.osm.ways.size());
}

// Digests of what GenerateDemoCity(seed) makes: the files it writes (the OSM extract and the
// survey CSVs, by name), every survey record as the store keeps it, and the land use.
std::map<std::string, std::string> CityDigests(uint64_t seed, const DemoCitySize& size = {}) {
  const DemoCity city = GenerateDemoCity(seed, size);
  std::map<std::string, std::string> digests;
  testing::TempDir dir;
  auto files = WriteDemoCityFiles(city, dir.path().string());
  EXPECT_TRUE(files.ok()) << files.status().ToString();
  if (!files.ok()) return digests;
  std::vector<std::string> paths = files->survey_paths;
  paths.push_back(files->osm_path);
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    digests[std::filesystem::path(path).filename().string()] = testing::Digest(bytes.str());
  }
  nlohmann::json survey = nlohmann::json::array();
  survey.push_back(model::ToJson(*city.survey.city));
  for (const auto& x : city.survey.facilities) survey.push_back(model::ToJson(x));
  for (const auto& x : city.survey.bays) survey.push_back(model::ToJson(x));
  for (const auto& x : city.survey.chargers) survey.push_back(model::ToJson(x));
  for (const auto& x : city.survey.signs) survey.push_back(model::ToJson(x));
  for (const auto& x : city.survey.sources) survey.push_back(model::ToJson(x));
  digests["survey records"] = testing::Digest(survey.dump());
  digests["land use"] = testing::Digest(ingest::simulator::LandUseToJson(city.land_use));
  return digests;
}

// Recorded before GenerateDemoCity was cut into pieces; a deliberate change of the demo city
// updates them (the failure prints the new table). The survey files changed when they gained
// their `crs` column (issue 17); the records read from them did not.
TEST(DemoCity, GeneratedCityIsByteIdenticalToTheRecordedOne) {
  const std::map<std::string, std::string> recorded = {
      {"bays.csv", "5538ac8c8d69a807"},      {"chargers.csv", "06fc740479b02f16"},
      {"city.csv", "8134b44e2a20dc5b"},      {"demoville.osm.pbf", "5823ee96761a4549"},
      {"districts.csv", "9bdbd66af1b8d046"}, {"facilities.csv", "82b7bfd334abd584"},
      {"land use", "5be74846b24b9bc7"},      {"signs.csv", "1cc06f805b8e07bb"},
      {"sources.csv", "223461a4bbc5ea26"},   {"survey records", "99644bbf0c67c15e"},
  };
  const auto digests = CityDigests(20261128);
  EXPECT_EQ(digests, recorded) << testing::DigestTable(digests);
  const std::map<std::string, std::string> recorded_seed_7 = {
      {"bays.csv", "5538ac8c8d69a807"},      {"chargers.csv", "305c1f9686867905"},
      {"city.csv", "8134b44e2a20dc5b"},      {"demoville.osm.pbf", "5823ee96761a4549"},
      {"districts.csv", "9bdbd66af1b8d046"}, {"facilities.csv", "82b7bfd334abd584"},
      {"land use", "5be74846b24b9bc7"},      {"signs.csv", "1cc06f805b8e07bb"},
      {"sources.csv", "223461a4bbc5ea26"},   {"survey records", "e46d60d45765bab9"},
  };
  const auto digests_seed_7 = CityDigests(7);
  EXPECT_EQ(digests_seed_7, recorded_seed_7) << testing::DigestTable(digests_seed_7);
}

TEST(DemoCity, SignRulesAreValidForTheDemoCity) {
  DemoCity city = GenerateDemoCity();
  auto registry = registry::Registry::Build(city.survey);
  ASSERT_TRUE(registry.ok());
  auto config = signs::SignConfigFromJson(nlohmann::json::parse(DemoSignRulesJson()));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  for (const auto& p : signs::ValidateSignConfig(*config, registry->get())) {
    ADD_FAILURE() << p.ToString();
  }
  EXPECT_EQ(config->plans.size(), 2u);
}

TEST(DemoCity, SurveyIsValid) {
  DemoCity city = GenerateDemoCity();
  auto problems = model::ValidateRegistry(city.survey, {});
  for (const auto& p : problems)
    ADD_FAILURE() << p.entry_kind << "[" << p.index << "] " << p.status.ToString();
}

// The demo goes through the same import path as a real city; what arrives is a full city.
TEST(DemoCity, ImportsThroughTheRealPipelineAsAFullCity) {
  testing::TempDir dir;
  std::string db = dir.File("demo.db");
  FakeClock clock(*ParseRfc3339("2026-11-28T08:00:00+08:00"));
  ASSERT_TRUE(PrepareDemoDatabase(db, clock, 20261128, /*history_days=*/1).ok());
  auto store = *store::OpenSqliteStore(db);
  auto data = *store->LoadRegistry();
  ASSERT_TRUE(data.city.has_value());
  EXPECT_TRUE(data.city->is_demo);
  EXPECT_FALSE(data.city->name.zh.empty());
  EXPECT_FALSE(data.city->name.en.empty());

  std::set<model::FacilityKind> kinds;
  int with_osm_only = 0;
  for (const auto& f : data.facilities) {
    kinds.insert(f.kind);
    with_osm_only += f.origin == model::Origin::kOsm;
  }
  EXPECT_GE(data.facilities.size(), 30u);
  EXPECT_EQ(kinds.size(), 5u) << "every kind of facility";
  EXPECT_GT(with_osm_only, 0) << "some car parks are known only from OSM";
  EXPECT_GE(data.bays.size(), 300u);
  EXPECT_GE(data.chargers.size(), 40u);
  std::set<model::Lifecycle> stages;
  for (const auto& c : data.chargers) stages.insert(c.lifecycle);
  EXPECT_TRUE(stages.contains(model::Lifecycle::kPlanned));
  EXPECT_TRUE(stages.contains(model::Lifecycle::kUnderConstruction));
  EXPECT_TRUE(stages.contains(model::Lifecycle::kInService));
  std::set<model::SignLevel> levels;
  for (const auto& s : data.signs) levels.insert(s.level);
  EXPECT_GE(data.signs.size(), 10u);
  EXPECT_EQ(levels.size(), 3u);
  for (const auto& b : data.bays) EXPECT_TRUE(b.time_limit_minutes.has_value());

  // A day of history at 5-minute steps for every facility with a capacity.
  auto history = *store->LoadOccupancy(data.facilities[0].id, clock.Now() - std::chrono::hours(25),
                                       clock.Now());
  EXPECT_GE(history.size(), 280u);

  // A second start neither re-imports nor duplicates history.
  ASSERT_TRUE(PrepareDemoDatabase(db, clock, 20261128, 1).ok());
  auto again = *store->LoadOccupancy(data.facilities[0].id, clock.Now() - std::chrono::hours(25),
                                     clock.Now());
  EXPECT_EQ(again.size(), history.size());

  ExpectDemoRoutes(db, *store);
}

// ---- Generated cities of a given size (DemoCitySize).

// The street-grid nodes: those of every road but the car parks' service roads.
size_t StreetNodes(const DemoCity& city) {
  std::set<int64_t> nodes;
  for (const auto& w : city.osm.ways) {
    bool street = false;
    for (const auto& [key, value] : w.tags) street |= key == "highway" && value != "service";
    if (street) nodes.insert(w.node_ids.begin(), w.node_ids.end());
  }
  return nodes.size();
}

std::vector<const osm::OsmWriteWay*> CarParkWays(const DemoCity& city) {
  std::vector<const osm::OsmWriteWay*> ways;
  for (const auto& w : city.osm.ways) {
    for (const auto& [key, value] : w.tags) {
      if (key == "amenity" && value == "parking") ways.push_back(&w);
    }
  }
  return ways;
}

size_t Zones(const DemoCity& city) {
  return std::count_if(city.survey.facilities.begin(), city.survey.facilities.end(),
                       [](const auto& f) { return f.kind == model::FacilityKind::kOnStreet; });
}

// A size without designated initializers (which GCC 12 warns of for the members left out).
DemoCitySize Sized(int facilities, int road_nodes) {
  DemoCitySize size;
  size.facilities = facilities;
  size.road_nodes = road_nodes;
  return size;
}

const DemoCitySize small_city = Sized(120, 6'000);  // fast to generate and import

TEST(GeneratedCity, HasTheRoadNodesAskedForWithinFivePercent) {
  for (int road_nodes : {1'000, 6'000, 20'000}) {
    const DemoCity city = GenerateDemoCity(1, Sized(20, road_nodes));
    const auto nodes = static_cast<int>(StreetNodes(city));
    EXPECT_EQ(nodes, RoadNodeCount(Sized(20, road_nodes)));
    EXPECT_NEAR(nodes, road_nodes, 0.05 * road_nodes);
  }
  EXPECT_EQ(StreetNodes(GenerateDemoCity()), 1281u);
  EXPECT_EQ(RoadNodeCount({}), 1281);
}

TEST(GeneratedCity, HasExactlyTheFacilitiesBaysChargersAndSignsAskedFor) {
  const DemoCity city = GenerateDemoCity(1, small_city);
  EXPECT_EQ(CarParkWays(city).size() + Zones(city), 120u);
  // In the demo's proportions by default: 10 zones of 30 bays, 69 chargers, 12 signs per 36.
  EXPECT_EQ(Zones(city), 33u);
  EXPECT_EQ(city.survey.bays.size(), 33u * 30);
  EXPECT_EQ(city.survey.chargers.size(), 230u);
  EXPECT_EQ(city.survey.signs.size(), 40u);
  std::map<model::SignLevel, int> levels;
  for (const auto& s : city.survey.signs) ++levels[s.level];
  EXPECT_EQ(levels[model::SignLevel::kArea], 10);
  EXPECT_EQ(levels[model::SignLevel::kRoute], 17);
  EXPECT_EQ(levels[model::SignLevel::kEntrance], 13);

  DemoCitySize given = small_city;
  given.bays = 1'001;
  given.chargers = 7;
  given.signs = 5;
  const DemoCity other = GenerateDemoCity(1, given);
  EXPECT_EQ(other.survey.bays.size(), 1'001u);
  EXPECT_EQ(other.survey.chargers.size(), 7u);
  EXPECT_EQ(other.survey.signs.size(), 5u);
}

TEST(GeneratedCity, SpreadsItsCarParksOverTheWholeGrid) {
  const DemoCity city = GenerateDemoCity(1, small_city);
  const BoundingBox box = city.survey.city->bbox;
  const double mid_lat = (box.min_lat + box.max_lat) / 2, mid_lon = (box.min_lon + box.max_lon) / 2;
  std::map<std::pair<bool, bool>, int> quadrants;
  for (const auto& f : city.survey.facilities) {
    ++quadrants[{f.location.lat < mid_lat, f.location.lon < mid_lon}];
  }
  ASSERT_EQ(quadrants.size(), 4u);
  for (const auto& [quadrant, n] : quadrants) {
    EXPECT_GT(n, static_cast<int>(city.survey.facilities.size()) / 8) << "not all in one corner";
  }
}

TEST(GeneratedCity, IsTheSameForTheSameSeedAndSize) {
  const auto a = CityDigests(3, small_city);
  EXPECT_EQ(a, CityDigests(3, small_city));
  EXPECT_NE(a.at("survey records"), CityDigests(4, small_city).at("survey records"));
  EXPECT_TRUE(a.contains("gencity.osm.pbf")) << testing::DigestTable(a);
}

TEST(GeneratedCity, SizesOutOfBoundsAreRefusedNamingTheField) {
  EXPECT_TRUE(ValidateDemoCitySize({}).ok());
  EXPECT_TRUE(ValidateDemoCitySize(small_city).ok());
  EXPECT_TRUE(ValidateDemoCitySize(Sized(10'000, 1'000'000)).ok());
  EXPECT_EQ(ValidateDemoCitySize(Sized(5, 6'000)).field(), "facilities");
  EXPECT_EQ(ValidateDemoCitySize(Sized(100, 50)).field(), "road_nodes");
  const Status cramped = ValidateDemoCitySize(Sized(10'000, 10'000));
  EXPECT_EQ(cramped.field(), "road_nodes");
  EXPECT_NE(cramped.message().find("at least"), std::string::npos) << cramped.message();
  DemoCitySize too_many_bays = small_city;
  too_many_bays.bays = 1'000'000;
  EXPECT_EQ(ValidateDemoCitySize(too_many_bays).field(), "bays");
  DemoCitySize negative = small_city;
  negative.signs = -1;
  EXPECT_EQ(ValidateDemoCitySize(negative).field(), "signs");
}

// A generated city goes in like any city: import-osm, then import-registry; nothing refused.
TEST(GeneratedCity, ImportsCleanlyThroughTheRealPipeline) {
  const DemoCity city = GenerateDemoCity(5, small_city);
  for (const auto& p : model::ValidateRegistry(city.survey, {})) {
    ADD_FAILURE() << p.entry_kind << "[" << p.index << "] " << p.status.ToString();
  }
  testing::TempDir dir;
  auto files = WriteDemoCityFiles(city, dir.File("city"));
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  auto store = *store::OpenSqliteStore(dir.File("city.db"));
  auto osm = registry::ImportOsmFile(files->osm_path, *store);
  ASSERT_TRUE(osm.ok()) << osm.status().ToString();
  std::vector<registry::SurveyProblem> problems;
  auto survey = registry::ImportSurveyFiles(files->survey_paths, *store, &problems);
  ASSERT_TRUE(survey.ok()) << survey.status().ToString();
  for (const auto& p : problems) ADD_FAILURE() << p.ToString();
  const model::RegistryData data = *store->LoadRegistry();
  EXPECT_EQ(data.facilities.size(), 120u);
  EXPECT_EQ(data.bays.size(), city.survey.bays.size());
  EXPECT_EQ(data.chargers.size(), city.survey.chargers.size());
  EXPECT_EQ(data.signs.size(), city.survey.signs.size());
  for (const auto& p : model::ValidateRegistry(data, {})) {
    ADD_FAILURE() << p.entry_kind << "[" << p.index << "] " << p.status.ToString();
  }
}

}  // namespace
}  // namespace pg::demo
