// parkguide: the city parking guidance system, one binary with subcommands.
#include <CLI/CLI.hpp>

#include "cli/city_access.h"
#include "cli/commands.h"
#include "cli/usage.h"

int main(int argc, char** argv) {
  CLI::App app{"parkguide — city parking guidance and information system (城市停车诱导系统)",
               "parkguide"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "parkguide 0.1.0");
  pg::cli::SetCommandLine(argc, argv);
  int exit_code = 0;
  pg::cli::AddDemoCommand(app, &exit_code);
  pg::cli::AddServeCommand(app, &exit_code);
  pg::cli::AddImportOsmCommand(app, &exit_code);
  pg::cli::AddImportRegistryCommand(app, &exit_code);
  pg::cli::AddSourceCommand(app, &exit_code);
  pg::cli::AddKeyCommand(app, &exit_code);
  pg::cli::AddAuditCommand(app, &exit_code);
  pg::cli::AddReplayCommand(app, &exit_code);
  pg::cli::AddSignControllerCommand(app, &exit_code);
  pg::cli::AddSignKeyCommand(app, &exit_code);
  pg::cli::AddBacktestCommand(app, &exit_code);
  pg::cli::AddCalendarCommand(app, &exit_code);
  pg::cli::AddCityCommand(app, &exit_code);
  pg::cli::AddBackupCommands(app, &exit_code);
  pg::cli::AddBuildRoadsCommand(app, &exit_code);
  pg::cli::AddRouteCommand(app, &exit_code);
  pg::cli::AddReportCommand(app, &exit_code);
  pg::cli::AddGuideCommand(app, &exit_code);
  pg::cli::AddJournalCommand(app, &exit_code);
  pg::cli::AddSimulateCommand(app, &exit_code);
  pg::cli::AddGenerateCityCommand(app, &exit_code);
  if (auto code = pg::cli::ParseCommandLine(app, argc, argv)) return *code;
  return exit_code;
}
