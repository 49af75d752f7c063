// Usage errors as the command line's conventions have them: exit code 2, the error on stderr,
// and a suggestion when a subcommand or an option looks like a typo (`parkguide serv` →
// "did you mean 'serve'?").
//
//   if (auto code = ParseCommandLine(app, argc, argv)) return *code;
//
// Thread-safety: main's thread only.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pg::cli {

// The exit code of a usage error.
inline constexpr int kUsageExitCode = 2;

// Parses the command line. nullopt: parsed, the callbacks ran. Otherwise the code to exit with:
// 0 after --help or --version, kUsageExitCode after a usage error (printed with a suggestion).
std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv);

// The name of `names` closest to `word` when it is close enough to be a typo of it (a few edits,
// or `word` a prefix of exactly one name); nullopt otherwise.
std::optional<std::string> NearestName(std::string_view word,
                                       const std::vector<std::string>& names);

}  // namespace pg::cli
