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
//   DemoCity city = GenerateDemoCity();
//   PG_ASSIGN_OR_RETURN(DemoFiles files, WriteDemoCityFiles(city, "/tmp/demo"));
#pragma once

#include <map>
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

// Same output for the same seed, on every machine.
DemoCity GenerateDemoCity(uint64_t seed = 20261128);

struct DemoFiles {
  std::string osm_path;                   // <dir>/demoville.osm.pbf
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
