#include "cli/usage.h"

#include <algorithm>
#include <cstdio>

namespace pg::cli {
namespace {

// Edits (insert, delete, replace, swap two neighbours) turning `a` into `b`.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t replace = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, replace});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::vector<std::string> SubcommandNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

std::vector<std::string> OptionNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_options()) {
    for (const auto& long_name : opt->get_lnames()) names.push_back("--" + long_name);
  }
  return names;
}

// "did you mean …?" for the first word of the command line that names no subcommand or option
// where one is expected, if it looks like a typo of one; "" when none does. Words are matched
// against the subcommands of the command named so far (`parkguide key rotat` → `key rotate`),
// options against that command's options.
std::string Suggestion(CLI::App& app, int argc, char** argv) {
  CLI::App* command = &app;
  std::string path = "parkguide";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--")) {
      const std::string_view name = arg.substr(0, arg.find('='));
      const std::vector<std::string> options = OptionNames(*command);
      if (std::find(options.begin(), options.end(), name) != options.end()) continue;
      if (auto near = NearestName(name, options)) return "did you mean '" + *near + "'?";
      continue;
    }
    if (arg.starts_with("-")) continue;
    const std::vector<std::string> commands = SubcommandNames(*command);
    if (commands.empty()) continue;  // a value or a positional argument
    if (std::find(commands.begin(), commands.end(), arg) != commands.end()) {
      command = command->get_subcommand(std::string(arg));
      path += " " + std::string(arg);
      continue;
    }
    if (auto near = NearestName(arg, commands)) return "did you mean '" + path + " " + *near + "'?";
    return "";
  }
  return "";
}

}  // namespace

std::optional<std::string> NearestName(std::string_view word,
                                       const std::vector<std::string>& names) {
  if (word.empty()) return std::nullopt;
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(1, word.size() / 3) + 1;
  for (const auto& name : names) {
    const size_t distance = EditDistance(word, name);
    if (distance < best_distance) {
      best_distance = distance;
      best = name;
    }
  }
  if (best) return best;
  std::optional<std::string> prefixed;
  for (const auto& name : names) {
    if (!name.starts_with(word)) continue;
    if (prefixed) return std::nullopt;  // a prefix of two: ambiguous
    prefixed = name;
  }
  return prefixed;
}

std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    app.exit(e);  // prints the error (and, for a missing subcommand, the usage) on stderr
    if (std::string hint = Suggestion(app, argc, argv); !hint.empty()) {
      std::fprintf(stderr, "%s\n", hint.c_str());
    }
    return kUsageExitCode;
  }
}

}  // namespace pg::cli
