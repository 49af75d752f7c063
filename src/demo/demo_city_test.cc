#include "demo/demo_city.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/clock.h"
#include "graph/entrance_snaps.h"
#include "graph/graph_file.h"
#include "graph/graph_settings.h"
#include "graph_build/road_import.h"
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

// The road graph the server maps for the city in `db`.
std::shared_ptr<const routing::RoadNetwork> OpenRoads(const std::string& db, store::Store& store) {
  auto fingerprint = graph::RecordedGraphFingerprint(store);
  EXPECT_TRUE(fingerprint.ok() && fingerprint->has_value());
  if (!fingerprint.ok() || !fingerprint->has_value()) return nullptr;
  auto network = routing::RoadNetwork::Open(graph::GraphPathForDatabase(db),
                                            {.expected_fingerprint = **fingerprint});
  EXPECT_TRUE(network.ok()) << network.status().ToString();
  if (!network.ok()) return nullptr;
  return std::move(*network);
}

// Every car park's vehicle entrance (at least `at_least` of them) reaches every other by car.
void ExpectEveryEntranceReachesEveryOther(const routing::RoadNetwork& net, store::Store& store,
                                          size_t at_least) {
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
  ASSERT_GE(entrances.size(), at_least);
  routing::RouteQuery query(net, routing::Mode::kCar);
  const routing::TargetSet targets(net, routing::Mode::kCar, entrances);
  std::vector<routing::RouteCost> costs;
  int unreachable = 0;
  for (const auto& from : entrances) {
    query.OneToMany(from, targets, costs);
    for (const auto& c : costs) unreachable += !c.reachable();
  }
  EXPECT_EQ(unreachable, 0) << "pairs of entrances with no way by car between them";
}

// The demo's roads as the server maps them: every car park reaches every other by car, and the
// crossing with the no-left-turn restriction is driven round, not through.
void ExpectDemoRoutes(const std::string& db, store::Store& store) {
  const auto network = OpenRoads(db, store);
  ASSERT_TRUE(network);
  const routing::RoadNetwork& net = *network;
  EXPECT_NE(net.file()->metadata_json().find("\"restrictions_applied\": 1"), std::string::npos)
      << net.file()->metadata_json();
  ExpectEveryEntranceReachesEveryOther(net, store, 26);
  routing::RouteQuery query(net, routing::Mode::kCar);

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

bool HasTag(const osm::OsmWriteWay& w, const std::string& key, const std::string& value) {
  return std::any_of(w.tags.begin(), w.tags.end(),
                     [&](const auto& t) { return t.first == key && t.second == value; });
}

// The streets of the generated grid a car drives: every class but the pedestrian street and the
// car parks' service roads.
bool IsCarStreet(const osm::OsmWriteWay& w) {
  return HasTag(w, "highway", "primary") || HasTag(w, "highway", "secondary") ||
         HasTag(w, "highway", "residential");
}

std::vector<const osm::OsmWriteWay*> CarParkWays(const DemoCity& city) {
  std::vector<const osm::OsmWriteWay*> ways;
  for (const auto& w : city.osm.ways) {
    if (HasTag(w, "amenity", "parking")) ways.push_back(&w);
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
  // Shape points count as road nodes, in either pattern.
  for (const StreetPattern streets : {StreetPattern::kGrid, StreetPattern::kCompounds}) {
    DemoCitySize size = Sized(20, 30'000);
    size.streets = streets;
    size.shape_points = 2;
    const auto nodes = static_cast<int>(StreetNodes(GenerateDemoCity(1, size)));
    EXPECT_EQ(nodes, RoadNodeCount(size));
    EXPECT_NEAR(nodes, 30'000, 0.05 * 30'000);
  }
}

// Real extracts have 4 to 7 road nodes per junction or way end (counted the same way on the
// three in ../shared/data: 4.3, 5.5, 7.0); one shape point on each half of a block face brings a
// generated city near that range (without: 3 in a grid, 1.8 in compounds).
TEST(GeneratedCity, OneShapePointGivesTheNodesPerJunctionOfRealExtracts) {
  auto nodes_per_junction = [](const DemoCity& city) {
    std::map<int64_t, int> ends_and_passes;  // 2 per way end, 1 per pass through
    for (const auto& w : city.osm.ways) {
      if (!IsCarStreet(w)) continue;
      for (size_t k = 0; k < w.node_ids.size(); ++k) {
        ends_and_passes[w.node_ids[k]] += k == 0 || k + 1 == w.node_ids.size() ? 2 : 1;
      }
    }
    size_t topological = 0;  // junctions and way ends: all but the nodes one way passes through
    for (const auto& [node, n] : ends_and_passes) topological += n != 1;
    return static_cast<double>(ends_and_passes.size()) / static_cast<double>(topological);
  };
  for (const StreetPattern streets : {StreetPattern::kGrid, StreetPattern::kCompounds}) {
    DemoCitySize size = Sized(20, 30'000);
    size.streets = streets;
    const double without = nodes_per_junction(GenerateDemoCity(1, size));
    size.shape_points = 1;
    const double with = nodes_per_junction(GenerateDemoCity(1, size));
    EXPECT_LT(without, 3.5);
    EXPECT_GE(with, 3.5);
    EXPECT_LE(with, 7.5);
  }
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
  DemoCitySize bent = small_city;
  bent.shape_points = kMaxShapePoints + 1;
  EXPECT_EQ(ValidateDemoCitySize(bent).field(), "shape_points");
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

// ---- Compounds (StreetPattern::kCompounds).

DemoCitySize Compounds(int facilities, int road_nodes) {
  DemoCitySize size = Sized(facilities, road_nodes);
  size.streets = StreetPattern::kCompounds;
  return size;
}

// The streets between the arterials, split where they meet none: for each piece, how many of its
// nodes lie on an arterial (a primary road) — where a car can come in or out.
std::vector<int> ArterialContactsOfEachPiece(const DemoCity& city) {
  std::set<int64_t> on_arterial;
  std::map<int64_t, std::vector<int64_t>> links;
  for (const auto& w : city.osm.ways) {
    if (HasTag(w, "highway", "primary")) on_arterial.insert(w.node_ids.begin(), w.node_ids.end());
    if (!IsCarStreet(w) || HasTag(w, "highway", "primary")) continue;
    for (size_t k = 1; k < w.node_ids.size(); ++k) {
      links[w.node_ids[k - 1]].push_back(w.node_ids[k]);
      links[w.node_ids[k]].push_back(w.node_ids[k - 1]);
    }
  }
  std::set<int64_t> seen;
  std::vector<int> contacts;
  for (const auto& [start, _] : links) {
    if (!seen.insert(start).second) continue;
    int contact = 0;
    std::vector<int64_t> stack = {start};
    while (!stack.empty()) {
      const int64_t n = stack.back();
      stack.pop_back();
      contact += on_arterial.contains(n);
      for (int64_t next : links[n]) {
        if (seen.insert(next).second) stack.push_back(next);
      }
    }
    contacts.push_back(contact);
  }
  return contacts;
}

TEST(GeneratedCity, CompoundsAreReachedOnlyThroughTheirGates) {
  // 19,521 road nodes: 81 streets each way (80 blocks), an arterial every fourth: 20 × 20
  // superblocks, each one compound.
  const DemoCity compounds = GenerateDemoCity(1, Compounds(60, 19'521));
  const std::vector<int> gates = ArterialContactsOfEachPiece(compounds);
  EXPECT_EQ(gates.size(), 20u * 20u);
  for (int g : gates) {
    EXPECT_GE(g, 1) << "a compound no car can enter";
    EXPECT_LE(g, 2) << "a compound with more than its two gates";
  }
  // Whatever the grid's size, every compound can be driven into, the city's edge included: a
  // strip of compounds one to three blocks deep along it, the pedestrian street (row 9 of every
  // 20) beside or on it.
  for (int blocks : {29, 30, 31, 81, 82, 83, 84}) {
    const int road_nodes = (2 * blocks + 1) * (2 * blocks + 1) - blocks * blocks;
    for (int g : ArterialContactsOfEachPiece(GenerateDemoCity(1, Compounds(60, road_nodes)))) {
      EXPECT_GE(g, 1) << blocks << " blocks a side: a compound no car can enter";
    }
  }
  // The same streets as a grid: one piece, joining the arterials at every crossing.
  const std::vector<int> grid = ArterialContactsOfEachPiece(GenerateDemoCity(1, Sized(60, 19'521)));
  ASSERT_EQ(grid.size(), 1u);
  EXPECT_GT(grid[0], 1'000);
  // The streets keep their nodes: the same road node count, a dead end where a wall cuts one.
  EXPECT_EQ(StreetNodes(compounds), static_cast<size_t>(RoadNodeCount(Compounds(60, 19'521))));
  EXPECT_EQ(RoadNodeCount(Compounds(60, 19'521)), 19'521);
}

// Imported and its road graph built as import-osm does: every car park reaches every other by car,
// through the gates in a compound city, round the one-way streets in a grid.
TEST(GeneratedCity, EveryCarParkReachesEveryOtherByCarInEitherPattern) {
  DemoCitySize bent = Compounds(40, 3'000);
  bent.shape_points = 1;
  for (const DemoCitySize& size : {Sized(40, 1'500), Compounds(40, 1'500), bent}) {
    SCOPED_TRACE(size.streets == StreetPattern::kGrid ? "grid" : "compounds");
    const DemoCity city = GenerateDemoCity(2, size);
    testing::TempDir dir;
    auto files = WriteDemoCityFiles(city, dir.File("city"));
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    const std::string db = dir.File("city.db");
    auto store = *store::OpenSqliteStore(db);
    ASSERT_TRUE(registry::ImportOsmFile(files->osm_path, *store).ok());
    auto roads = graph::ImportRoads(files->osm_path, *store, graph::GraphPathForDatabase(db));
    ASSERT_TRUE(roads.ok()) << roads.status().ToString();
    const auto network = OpenRoads(db, *store);
    ASSERT_TRUE(network);
    ExpectEveryEntranceReachesEveryOther(*network, *store, 25);
  }
}

}  // namespace
}  // namespace pg::demo
