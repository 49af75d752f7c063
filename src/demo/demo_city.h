// The built-in demo city: fictional, labelled as a demo, generated deterministically.
//
// "示范城 (演示) / Demoville (demo)": a 4 × 4 km street grid with arterials, one-way streets and a
// pedestrian street; car parks of every kind with realistic capacities, tariffs and opening hours;
// on-street zones with sensed bays and time limits; chargers in every stage of the build-out;
// guidance signs of all three levels; and the sources that feed them. The generator writes the
// city the way a real city arrives — an OpenStreetMap file (roads, car parks, entrances) and the
// survey's CSV files (the full inventory) — so the demo runs through `import-osm` and
// `import-registry` like any other city.
//
// Given a DemoCitySize, the same generator makes a city of any size for benchmarks: the grid
// grown to the road nodes asked for (arterials, one-ways, pedestrian streets and turn
// restrictions repeated in the demo's proportions), car parks and on-street zones spread over it
// at random (deterministic for a seed), and bays, chargers and signs in the demo's proportions
// unless given.
//
//   DemoCity city = GenerateDemoCity();
//   PG_ASSIGN_OR_RETURN(DemoFiles files, WriteDemoCityFiles(city, "/tmp/demo"));
//   DemoCitySize size;
//   size.facilities = 1000;
//   size.road_nodes = 100'000;
//   DemoCity big = GenerateDemoCity(7, size);
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/progress.h"
#include "core/status.h"
#include "ingest/simulator/city_simulator.h"
#include "model/city_model.h"
#include "osm/osm_writer.h"

namespace pg::demo {

struct DemoCity {
  osm::OsmWriteData osm;       // roads, car-park outlines, entrances
  model::RegistryData survey;  // the city's inventory: facilities, bays, chargers, signs, sources
  std::map<std::string, ingest::simulator::LandUse> land_use;  // demand profile per facility
};

// How a generated city's streets connect. kGrid: the demo's own pattern, every street a through
// street. kCompounds: the same streets, but those inside each superblock of arterials (every
// fourth street, 800 m apart) lead into a gated compound (封闭小区), as in most Chinese cities: a
// compound's streets reach the arterials only through its two gates (the middle street's west
// and south ends); every other street ends short of the arterial, half a block before it. The
// street along the city's edge is whole, and the streets reaching it join it; no one-way streets.
enum class StreetPattern { kGrid, kCompounds };

// The size of a generated city. The default is the demo city itself, byte for byte.
struct DemoCitySize {
  // Facilities the imported city has: car parks (on the map; most also in the survey) and
  // on-street zones (survey only), 26 and 10 in the demo. A generated city keeps that split.
  int facilities = 36;
  // Nodes of the street grid (car-park outlines and entrances not counted): 1,281 in the demo.
  // A generated grid is square, so it comes within 5% of this (RoadNodeCount says exactly).
  int road_nodes = 1281;
  // Unset: in the demo's proportion to facilities (300 bays, 69 chargers, 12 signs for 36).
  std::optional<int> bays;
  std::optional<int> chargers;
  std::optional<int> signs;
  StreetPattern streets = StreetPattern::kGrid;
  // Nodes that only shape a street, on each half of a block face (counted in road_nodes). Real
  // extracts have 4 to 7 road nodes per junction or dead end (the three in ../shared/data: 4.3,
  // 5.5, 7.0); the grid without them has 3, compounds 1.8; with one, 7 and about 4.
  int shape_points = 0;
  friend bool operator==(const DemoCitySize&, const DemoCitySize&) = default;
};

// The bounds a generated city is held to (the demo's own size is always accepted).
inline constexpr int kMinGeneratedFacilities = 10;
inline constexpr int kMaxGeneratedFacilities = 20'000;
inline constexpr int kMinGeneratedRoadNodes = 1'000;
inline constexpr int kMaxGeneratedRoadNodes = 2'000'000;
inline constexpr int kMaxShapePoints = 8;

// OK, or kInvalidArgument naming the field at fault ("facilities", "road_nodes", "bays",
// "chargers", "signs", "shape_points"): out of bounds, or more facilities than the grid has room
// for (the message says how many road nodes they need).
Status ValidateDemoCitySize(const DemoCitySize& size);

// The street-grid nodes of the city GenerateDemoCity makes for `size`.
int RoadNodeCount(const DemoCitySize& size);

// Same output for the same seed and size, on every machine. REQUIRES:
// ValidateDemoCitySize(size).ok(). Time and memory grow linearly with the size (10⁶ road nodes:
// a few seconds, a few hundred MB).
DemoCity GenerateDemoCity(uint64_t seed = 20261128, const DemoCitySize& size = {});

struct DemoFiles {
  std::string osm_path;                   // <dir>/<city id>.osm.pbf (demoville.osm.pbf)
  std::vector<std::string> survey_paths;  // <dir>/survey/*.csv
};

// Writes the OSM file and the survey CSV files under `directory` (created when missing).
Result<DemoFiles> WriteDemoCityFiles(const DemoCity& city, const std::string& directory);

// The demo's sign rules and guidance plans (signs/display_rules.h JSON): FULL left at 5 free,
// level-1 signs with a buffer and a floor, a daily visiting-hours reserve at the hospital and a
// weekend-evening event text at the stadium.
std::string DemoSignRulesJson();

// Makes `db_path` a demo-city database ready to serve: on first use generates the city's files
// beside it (`<db_path>.files/`) and loads them through the import path any city takes
// (import-osm, then import-registry) and stores the demo's sign rules; then backfills simulated
// occupancy history every 5 minutes from where it ends (at most `history_days` back) up to now, so
// charts, forecasts and reports have data from the first minute. A database that already holds
// another (non-demo) city is refused. `progress` hears the days backfilled. Errors: those of the
// store, the writers and the imports.
Status PrepareDemoDatabase(const std::string& db_path, const Clock& clock, uint64_t seed,
                           int history_days = 28, const Progress& progress = {});

}  // namespace pg::demo
