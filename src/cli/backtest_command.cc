// parkguide backtest --data FILE --format long|birmingham|guangzhou|parkapi|ev
//                    --train-until TIME [--horizons 15,30,60,120] [--json]
#include <date/tz.h>
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/strings.h"
#include "forecast/backtest.h"

namespace pg::cli {
namespace {

struct BacktestArgs {
  std::string data;
  std::string format = "long";
  std::string train_until;
  std::string horizons = "15,30,60,120";
  std::string calendar;
  std::string time_zone = "Asia/Shanghai";
  int threads = 2;
  bool json = false;
  bool quiet = false;
};

// RFC 3339 with offset, or a local date / date-time ("2018-06-18", "2018-06-18T12:00") in the
// data set's zone.
Result<Timestamp> ParseCut(const std::string& text, const std::string& zone_name) {
  if (auto t = ParseRfc3339(text); t.ok()) return *t;
  PG_ASSIGN_OR_RETURN(const date::time_zone* zone, LookupTimeZone(zone_name));
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3 &&
      (text.size() == 10 ||
       (text.size() == 16 && std::sscanf(text.c_str() + 11, "%2d:%2d", &h, &mi) == 2))) {
    date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(mo)),
                             date::day(static_cast<unsigned>(d))};
    if (ymd.ok() && h < 24 && mi < 60) return FromLocal(y, mo, d, h * 60 + mi, *zone);
  }
  return InvalidArgument(
      fmt::format("'{}' is not an RFC 3339 time or a local YYYY-MM-DD[THH:MM]", text),
      "train-until");
}

int Run(const BacktestArgs& a) {
  auto format = datasets::ParseDataFormat(a.format);
  if (!format.ok()) return Fail(format.status().message());
  auto data = datasets::LoadDataset(a.data, *format, a.time_zone);
  if (!data.ok()) return Fail(data.status().message());
  forecast::BacktestOptions options;
  options.threads = a.threads;
  auto cut = ParseCut(a.train_until, data->time_zone);
  if (!cut.ok()) return Fail(cut.status().message());
  options.train_until = *cut;
  options.horizons_minutes.clear();
  for (auto part : SplitString(a.horizons, ',')) {
    auto h = ParseInt(TrimSpace(part));
    if (!h) return Fail(fmt::format("--horizons: '{}' is not a whole number of minutes", part));
    options.horizons_minutes.push_back(static_cast<int>(*h));
  }
  if (!a.calendar.empty()) {
    if (a.calendar == "cn" || a.calendar == "none") {
      options.calendar = a.calendar;
    } else {
      std::ifstream in(a.calendar, std::ios::binary);
      if (!in) return Fail(fmt::format("--calendar: cannot open '{}'", a.calendar));
      std::ostringstream ss;
      ss << in.rdbuf();
      options.calendar = ss.str();
      options.calendar_is_csv = true;
    }
  }
  TerminalProgress bar("backtest", a.quiet);
  options.progress = bar.Reporter();
  auto report = forecast::RunBacktest(*data, options);
  bar.Done();
  if (!report.ok()) return Fail(report.status().message());
  std::string text = a.json ? forecast::ReportJson(*report) : forecast::ReportText(*report);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace

void AddBacktestCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<BacktestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "backtest",
      "Train forecasts before a cut, roll forward over the rest, score against baselines");
  cmd->add_option(
         "--data", args->data,
         "Data file (parkapi: the folder with daily/ and meta-data.csv; ev: a city file or "
         "the folder with both)")
      ->required();
  cmd->add_option("--format", args->format, "long, birmingham, guangzhou, parkapi or ev")
      ->capture_default_str();
  cmd->add_option("--train-until", args->train_until,
                  "Cut: RFC 3339, or YYYY-MM-DD[THH:MM] in the data set's local time")
      ->required();
  cmd->add_option("--horizons", args->horizons, "Minutes ahead, comma-separated")
      ->capture_default_str();
  cmd->add_option("--calendar", args->calendar,
                  "Holiday calendar: cn, none or a CSV file (default: the data set's country)");
  cmd->add_option("--time-zone", args->time_zone, "Local zone of a long file's series")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Worker threads")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the SPEC §9 JSON document");
  cmd->add_flag("--quiet", args->quiet,
                "No progress on the terminal (there is none when stderr is not a terminal)");
  cmd->callback([args, exit_code] { *exit_code = Run(*args); });
}

}  // namespace pg::cli
