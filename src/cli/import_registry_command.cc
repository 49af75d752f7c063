// parkguide import-registry FILE... --db city.db
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "cli/change_log.h"
#include "cli/city_access.h"
#include "cli/commands.h"
#include "graph/graph_file.h"
#include "graph_build/road_import.h"
#include "registry/survey.h"
#include "store/store.h"

namespace pg::cli {

void AddImportRegistryCommand(CLI::App& app, int* exit_code) {
  struct Options {
    std::vector<std::string> paths;
    std::string db_path;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "import-registry",
      "Import the city's survey inventory (CSV or GeoJSON; docs/formats/survey.md). "
      "All or nothing: any invalid row imports nothing");
  cmd->add_option("files", options->paths, "Survey files or directories")->required();
  cmd->add_option("--db", options->db_path, "City database (SQLite), created when missing")
      ->required();
  AddStoreOption(*cmd);
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
    std::vector<registry::SurveyProblem> problems;
    auto summary = registry::ImportSurveyFiles(options->paths, **store, &problems);
    for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.ToString().c_str());
    if (!summary.ok()) {
      *exit_code = Fail(summary.status().message());
      return;
    }
    const auto& w = summary->written;
    RecordChange(**store, "import-registry", "registry", {{"files", options->paths}}, nullptr,
                 {{"files", summary->files},
                  {"facilities", summary->facilities},
                  {"bays", summary->bays},
                  {"chargers", summary->chargers},
                  {"signs", summary->signs},
                  {"sources", summary->sources},
                  {"inserted", w.inserted},
                  {"updated", w.updated}},
                 "ok");
    std::fputs(fmt::format("imported {} file(s): {} facilities, {} bays, {} chargers, {} signs, "
                           "{} sources ({} inserted, {} updated)\n",
                           summary->files, summary->facilities, summary->bays, summary->chargers,
                           summary->signs, summary->sources, w.inserted, w.updated)
                   .c_str(),
               stdout);
    // Entrances may have moved or appeared: snap them again when the city has a road graph.
    const std::string graph_path = graph::GraphPathForDatabase(options->db_path);
    if (std::filesystem::exists(graph_path)) {
      auto snaps = graph::RefreshEntranceSnaps(**store, graph_path);
      if (!snaps.ok()) {
        *exit_code = Fail(snaps.status().message());
        return;
      }
      std::fputs(graph::EntranceSnapText(*snaps).c_str(), stdout);
    }
    *exit_code = 0;
  });
}

}  // namespace pg::cli
