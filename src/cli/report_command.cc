// parkguide report --db city.db --week 2026-W47 [--district D1] --lang zh|en --format html|pdf
// --out FILE: the weekly report (analytics/report.h) of one ISO week in the city's time zone.
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "analytics/report.h"
#include "cli/city_access.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/clock.h"
#include "registry/registry.h"
#include "store/store.h"

namespace pg::cli {

void AddReportCommand(CLI::App& app, int* exit_code) {
  struct Options {
    std::string db_path;
    std::string week;
    std::string district;
    std::string lang = "zh";
    std::string format = "html";
    std::string out;
    std::string targets;
    std::string chromium = "/usr/bin/chromium";
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Write the weekly report (周报) of one ISO week as self-contained HTML or PDF");
  cmd->add_option("--db", o->db_path, "City database (SQLite)")->required();
  AddStoreOption(*cmd);
  cmd->add_option("--week", o->week,
                  "ISO week in the city's time zone, e.g. 2026-W47 (default: the last complete "
                  "week)");
  cmd->add_option("--district", o->district, "Only this district (default: the whole city)");
  cmd->add_option("--lang", o->lang, "zh or en")->capture_default_str();
  cmd->add_option("--format", o->format, "html or pdf")->capture_default_str();
  cmd->add_option("--out", o->out, "The file to write")->required();
  cmd->add_flag("--quiet", o->quiet,
                "No progress on the terminal (there is none when stderr is not a terminal)");
  cmd->add_option("--targets", o->targets,
                  "Build-out targets CSV: district,target_in_service,target_total (default: the "
                  "setting analytics.buildout_targets)");
  cmd->add_option("--chromium", o->chromium, "Chromium used to print the PDF")
      ->capture_default_str();
  cmd->callback([o, exit_code] {
    // Errors name the command-line argument, not the internal field.
    auto fail = [&](const Status& s) {
      *exit_code =
          Fail(s.field().empty() ? s.message() : fmt::format("--{}: {}", s.field(), s.message()));
    };
    // Reads the city only; the report goes to --out.
    auto store = OpenCityForReading(o->db_path);
    if (!store.ok()) return fail(store.status());
    auto data = (*store)->LoadRegistry();
    if (!data.ok()) return fail(data.status());
    auto registry = registry::Registry::Build(std::move(*data));
    if (!registry.ok()) return fail(registry.status());
    analytics::ReportRequest r;
    r.week = o->week;
    if (r.week.empty()) {
      const auto& zone = (*registry)->time_zone();
      r.week = analytics::PreviousWeek(
                   analytics::WeekContaining(SystemClock::Instance().Now(), zone), zone)
                   .Label();
    }
    r.district = o->district;
    r.lang = o->lang;
    r.format = o->format;
    r.out_path = o->out;
    r.chromium = o->chromium;
    r.generated = SystemClock::Instance().Now();
    auto options = analytics::LoadOptions(**store);
    if (!options.ok()) return fail(options.status());
    r.options = *options;
    if (!o->targets.empty()) {
      std::ifstream f(o->targets, std::ios::binary);
      if (!f) return fail(InvalidArgument(fmt::format("cannot read {}", o->targets), "targets"));
      std::ostringstream text;
      text << f.rdbuf();
      auto targets = analytics::ParseTargetsCsv(text.str());
      if (!targets.ok()) return fail(targets.status());
      r.options.targets = *targets;
    }
    TerminalProgress bar("report", o->quiet);
    r.progress = bar.Reporter();
    Status s = analytics::WriteWeeklyReport(**store, **registry, r);
    bar.Done();
    if (!s.ok()) return fail(s);
    std::printf("wrote %s (%s, %s, week %s%s)\n", r.out_path.c_str(), r.format.c_str(),
                r.lang.c_str(), r.week.c_str(),
                r.district.empty() ? "" : fmt::format(", district {}", r.district).c_str());
    *exit_code = 0;
  });
}

}  // namespace pg::cli
