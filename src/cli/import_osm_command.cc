// parkguide import-osm CITY.osm.pbf --db city.db: the registry's car parks, entrances and
// charging stations, then the road graphs (as build-roads does).
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/change_log.h"
#include "cli/city_access.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "graph/graph_file.h"
#include "graph_build/road_import.h"
#include "model/model_json.h"
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

// What the import decides about the city's name and time zone, starting from what `store` holds.
Result<registry::CitySettingsRequest> CityRequest(store::RegistryReader& store,
                                                  const std::optional<std::string>& name,
                                                  const std::optional<std::string>& time_zone) {
  PG_ASSIGN_OR_RETURN(model::RegistryData stored, store.LoadRegistry());
  return registry::CitySettingsRequest{
      .stored = std::move(stored.city), .name = name, .time_zone = time_zone};
}

void RecordCityChange(store::AuditWriter& store, const registry::CitySettingsRequest& request,
                      const registry::CitySettings& decided) {
  if (!decided.changed) return;
  RecordChange(store, "import-osm city", "city:" + decided.city.id,
               {{"name", request.name ? nlohmann::json(*request.name) : nullptr},
                {"time_zone", request.time_zone ? nlohmann::json(*request.time_zone) : nullptr}},
               request.stored ? model::ToJson(*request.stored) : nlohmann::json(nullptr),
               model::ToJson(decided.city), "ok");
}

}  // namespace

void AddImportOsmCommand(CLI::App& app, int* exit_code) {
  struct Options {
    std::string osm_path;
    std::string db_path;
    std::optional<std::string> city_name;
    std::optional<std::string> time_zone;
    bool quiet = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "import-osm", "Import car parks, entrances and charging stations from an OpenStreetMap file");
  cmd->add_option("file", options->osm_path, "OSM file (.osm.pbf, .osm, .osm.bz2…)")->required();
  cmd->add_option("--db", options->db_path, "City database (SQLite), created when missing")
      ->required();
  AddStoreOption(*cmd);
  cmd->add_option("--city-name", options->city_name,
                  "The city's name, \"许昌市|Xuchang\" for both languages (default: the OSM "
                  "boundary around the car parks; kept for a city that has one)");
  cmd->add_option("--time-zone", options->time_zone,
                  "The city's IANA time zone, such as Asia/Shanghai (default: the OSM boundaries' "
                  "timezone tag; kept for a city that has one)");
  cmd->add_flag("--quiet", options->quiet,
                "No progress on the terminal (there is none when stderr is not a terminal)");
  cmd->callback([options, exit_code] {
    auto lock = LockCity(options->db_path);
    if (!lock.ok()) {
      *exit_code = Fail(lock.status().message());
      return;
    }
    const bool new_city = !std::filesystem::exists(options->db_path);
    auto store = OpenCityStore(options->db_path);
    const auto fail = [&](const Status& status) {
      if (store.ok()) store->reset();  // closed before its files go
      if (new_city) RemoveNewCity(options->db_path);
      *exit_code = Fail(status.message());
    };
    if (!store.ok()) return fail(store.status());
    auto city = CityRequest(**store, options->city_name, options->time_zone);
    if (!city.ok()) return fail(city.status());
    TerminalProgress bar("import-osm", options->quiet);
    auto report = registry::ImportOsmFile(options->osm_path, **store, *city, bar.Reporter());
    bar.Done();
    if (!report.ok()) return fail(report.status());
    RecordCityChange(**store, *city, *report->city);
    std::fputs(report->ToText().c_str(), stdout);
    // The road graphs come from the same file: the server never parses OSM. A file with car
    // parks but no roads (an Overpass selection, say) still imports its registry.
    graph::BuildOptions build;
    build.contraction.progress = bar.Reporter();
    auto roads = graph::ImportRoads(options->osm_path, **store,
                                    graph::GraphPathForDatabase(options->db_path), build);
    bar.Done();
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
