// parkguide import-osm CITY.osm.pbf --db city.db: the registry's car parks, entrances and
// charging stations, then the road graphs (as build-roads does).
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/city_access.h"
#include "cli/commands.h"
#include "graph/graph_file.h"
#include "graph_build/road_import.h"
#include "registry/from_osm.h"
#include "store/store.h"

namespace pg::cli {
namespace {

// A failed import into a city it created removes what it made, so a mistyped or broken file
// leaves no empty database behind to be served or imported into by mistake.
void RemoveNewCity(const std::string& db_path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(db_path + suffix, ec);
  }
  std::filesystem::remove(graph::GraphPathForDatabase(db_path), ec);
}

}  // namespace

void AddImportOsmCommand(CLI::App& app, int* exit_code) {
  struct Options {
    std::string osm_path;
    std::string db_path;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "import-osm", "Import car parks, entrances and charging stations from an OpenStreetMap file");
  cmd->add_option("file", options->osm_path, "OSM file (.osm.pbf, .osm, .osm.bz2…)")->required();
  cmd->add_option("--db", options->db_path, "City database (SQLite), created when missing")
      ->required();
  cmd->callback([options, exit_code] {
    auto lock = LockCity(options->db_path);
    if (!lock.ok()) {
      *exit_code = Fail(lock.status().message());
      return;
    }
    const bool new_city = !std::filesystem::exists(options->db_path);
    auto store = store::OpenSqliteStore(options->db_path);
    const auto fail = [&](const Status& status) {
      if (store.ok()) store->reset();  // closed before its files go
      if (new_city) RemoveNewCity(options->db_path);
      *exit_code = Fail(status.message());
    };
    if (!store.ok()) return fail(store.status());
    auto report = registry::ImportOsmFile(options->osm_path, **store);
    if (!report.ok()) return fail(report.status());
    std::fputs(report->ToText().c_str(), stdout);
    // The road graphs come from the same file: the server never parses OSM. A file with car
    // parks but no roads (an Overpass selection, say) still imports its registry.
    auto roads = graph::ImportRoads(options->osm_path, **store,
                                    graph::GraphPathForDatabase(options->db_path));
    if (!roads.ok() && roads.status().code() == StatusCode::kFailedPrecondition) {
      std::fprintf(stderr, "parkguide: warning: %s; no road graph was built\n",
                   roads.status().message().c_str());
      *exit_code = 0;
      return;
    }
    if (!roads.ok()) return fail(roads.status());
    std::fputs(roads->ToText().c_str(), stdout);
    *exit_code = 0;
  });
}

}  // namespace pg::cli
