// The `parkguide` subcommands, one file each. Every Add*Command registers a CLI11 subcommand whose
// callback stores its exit code in `*exit_code`: 0 success, 1 failure (a message on stderr naming
// the file and the problem), 2 usage error (CLI11 reports those itself).
#pragma once

#include <CLI/CLI.hpp>

namespace pg::cli {

void AddImportOsmCommand(CLI::App& app, int* exit_code);
void AddImportRegistryCommand(CLI::App& app, int* exit_code);
void AddServeCommand(CLI::App& app, int* exit_code);
void AddDemoCommand(CLI::App& app, int* exit_code);
void AddSourceCommand(CLI::App& app, int* exit_code);
void AddReplayCommand(CLI::App& app, int* exit_code);
void AddBacktestCommand(CLI::App& app, int* exit_code);
void AddCalendarCommand(CLI::App& app, int* exit_code);

// Prints "parkguide: <message>" to stderr and returns 1.
int Fail(const std::string& message);

}  // namespace pg::cli
