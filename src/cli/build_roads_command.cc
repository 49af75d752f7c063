// parkguide build-roads CITY.osm.pbf --db city.db [--quiet]
#include <cstdio>

#include "cli/city_access.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "graph/graph_file.h"
#include "graph_build/road_import.h"
#include "store/store.h"

namespace pg::cli {

int BuildRoads(const std::string& osm_path, const std::string& db_path, store::Store& store,
               bool quiet) {
  TerminalProgress bar("build-roads", quiet);
  graph::BuildOptions options;
  options.contraction.progress = bar.Reporter();
  auto report = graph::ImportRoads(osm_path, store, graph::GraphPathForDatabase(db_path), options);
  bar.Done();
  if (!report.ok()) return Fail(report.status().message());
  std::fputs(report->ToText().c_str(), stdout);
  return 0;
}

void AddBuildRoadsCommand(CLI::App& app, int* exit_code) {
  struct Options {
    std::string osm_path;
    std::string db_path;
    bool quiet = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "build-roads",
      "Build the car and foot road graphs from an OpenStreetMap file into the graph file next to "
      "the database (city.db → city.graph); import-osm does this too");
  cmd->add_option("file", options->osm_path, "OSM file (.osm.pbf, .osm, .osm.bz2…)")->required();
  cmd->add_option("--db", options->db_path, "City database (SQLite), created when missing")
      ->required();
  AddStoreOption(*cmd);
  cmd->add_flag("--quiet", options->quiet,
                "No progress on the terminal (there is none when stderr is not a terminal)");
  cmd->callback([options, exit_code] {
    auto lock = LockCity(options->db_path);
    if (!lock.ok()) {
      *exit_code = Fail(lock.status().message());
      return;
    }
    auto store = OpenCityStore(options->db_path);
    if (!store.ok()) {
      *exit_code = Fail(store.status().message());
      return;
    }
    *exit_code = BuildRoads(options->osm_path, options->db_path, **store, options->quiet);
  });
}

}  // namespace pg::cli
