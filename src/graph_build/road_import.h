// ImportRoads: the road step of the offline pipeline — `parkguide build-roads CITY.osm.pbf --db
// city.db` and the last step of `parkguide import-osm`. Reads the OSM file's roads, builds both
// graphs, writes the graph file next to the database, records the file's fingerprint in the
// database and snaps every facility entrance the registry holds.
//
//   PG_ASSIGN_OR_RETURN(auto store, store::OpenSqliteStore("city.db"));
//   PG_ASSIGN_OR_RETURN(RoadImportReport report,
//                       ImportRoads("city.osm.pbf", *store, GraphPathForDatabase("city.db")));
//   std::cout << report.ToText();
//
// The database's setting kGraphFingerprintSetting (graph/graph_settings.h) names the OSM file (by
// content) the graph was built from; the server refuses a graph file whose fingerprint differs (a
// file copied from another city, or left over from an older import).
//
// Thread-safety: plain functions; as safe as the store they are given.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "graph/entrance_snaps.h"
#include "graph/graph_settings.h"
#include "graph_build/graph_builder.h"
#include "osm/road_extract.h"
#include "store/registry_store.h"
#include "store/roles.h"
#include "store/settings_store.h"

namespace pg::graph {

struct RoadImportReport {
  std::string osm_path;
  std::string graph_path;
  uint64_t fingerprint = 0;
  uint64_t graph_file_bytes = 0;
  osm::RoadExtractStats extract;
  ModeBuildStats car;
  ModeBuildStats foot;
  EntranceSnapStats entrances;
  double read_seconds = 0;
  double build_seconds = 0;
  double write_seconds = 0;

  std::string ToText() const;
};

// The store roles the road import uses: the registry (its entrances) and the settings (the
// fingerprint, the snap table).
using RoadImportStore = store::Roles<store::RegistryReader, store::SettingsStore>;

// Errors: those of osm::ReadRoadExtract (naming the OSM file), of WriteGraphFile, and of the
// store; kFailedPrecondition when the file holds no road a car can drive. Nothing is written when
// reading or building fails; the graph file is replaced atomically.
Result<RoadImportReport> ImportRoads(const std::string& osm_path, RoadImportStore store,
                                     const std::string& graph_path,
                                     const BuildOptions& options = {});

// Snaps the registry's entrances again against the graph file at `graph_path` (after the
// registry changed, e.g. `import-registry`) and stores the table. Errors: those of
// MappedGraphFile::Open and of the store.
Result<EntranceSnapStats> RefreshEntranceSnaps(RoadImportStore store,
                                               const std::string& graph_path);

// "entrances: 120 points; car 110 snapped, 2 farther than 250 m (…); foot …".
std::string EntranceSnapText(const EntranceSnapStats& stats);

}  // namespace pg::graph
