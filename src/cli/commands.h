// The `parkguide` subcommands, one file each. Every Add*Command registers a CLI11 subcommand whose
// callback stores its exit code in `*exit_code`: 0 success, 1 failure (a message on stderr naming
// the file and the problem), 2 usage error (CLI11 reports those itself).
//
// One writer per city (cli/city_access.h): serve, demo, import-osm, import-registry, build-roads,
// replay and calendar --set/--reset hold the city's lock from before they open anything until they
// end, and are refused at once while another process holds it; source add/revoke and key
// add/rotate/revoke write keys a running server picks up, so they may run beside it (never
// migrating its schema); route, guide, report, source list, key list, audit and calendar open the
// city read-only and note on stderr when it is live. The commands that change keys, sources or
// the registry record it in the audit log (cli/change_log.h).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/fail.h"

namespace pg::store {
class Store;
}
namespace pg::app {
struct AppConfig;
}

namespace pg::cli {

void AddImportOsmCommand(CLI::App& app, int* exit_code);
void AddImportRegistryCommand(CLI::App& app, int* exit_code);
void AddServeCommand(CLI::App& app, int* exit_code);
void AddDemoCommand(CLI::App& app, int* exit_code);
void AddSourceCommand(CLI::App& app, int* exit_code);
void AddKeyCommand(CLI::App& app, int* exit_code);
void AddAuditCommand(CLI::App& app, int* exit_code);
void AddReplayCommand(CLI::App& app, int* exit_code);
void AddSignControllerCommand(CLI::App& app, int* exit_code);
void AddSignKeyCommand(CLI::App& app, int* exit_code);
void AddBacktestCommand(CLI::App& app, int* exit_code);
void AddCalendarCommand(CLI::App& app, int* exit_code);
void AddCityCommand(CLI::App& app, int* exit_code);
void AddBackupCommands(CLI::App& app, int* exit_code);
void AddBuildRoadsCommand(CLI::App& app, int* exit_code);
void AddRouteCommand(CLI::App& app, int* exit_code);
void AddReportCommand(CLI::App& app, int* exit_code);
void AddGuideCommand(CLI::App& app, int* exit_code);
void AddJournalCommand(CLI::App& app, int* exit_code);
void AddSimulateCommand(CLI::App& app, int* exit_code);
void AddGenerateCityCommand(CLI::App& app, int* exit_code);

// Builds the road graphs of `osm_path` next to `db_path` (whose open store is `store`) and prints
// the report; returns the exit code (shared by build-roads and import-osm).
int BuildRoads(const std::string& osm_path, const std::string& db_path, store::Store& store,
               bool quiet);

// serve and demo: --listen ADDRESS:PORT (or --bind and --port) and --http-rate into `config`.
void AddListenOptions(CLI::App& cmd, app::AppConfig& config);
// Runs a server until SIGINT/SIGTERM; returns the exit code.
int RunApp(const app::AppConfig& config);

}  // namespace pg::cli
