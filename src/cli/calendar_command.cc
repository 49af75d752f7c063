// parkguide calendar --db city.db [--set FILE | --reset]
//
// The holiday calendar the forecasts use (docs/forecast.md): without options prints the one in
// force as CSV (the city's own, or the built-in mainland-China one); --set validates a CSV file and
// stores it for the city; --reset goes back to the built-in one. The server reads it at start.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/city_access.h"
#include "cli/commands.h"
#include "forecast/calendar.h"
#include "store/store.h"

namespace pg::cli {
namespace {

constexpr const char* kSetting = "forecast.calendar";

struct CalendarArgs {
  std::string db;
  std::string set;
  bool reset = false;
};

int Show(const CalendarArgs& a) {
  auto store = OpenCityForReading(a.db);
  if (!store.ok()) return Fail(store.status().message());
  auto stored = (*store)->GetSetting(kSetting);
  if (!stored.ok()) return Fail(stored.status().message());
  std::string text = stored->value_or("");
  if (text.empty()) {
    auto registry = (*store)->LoadRegistry();
    if (!registry.ok()) return Fail(registry.status().message());
    std::string zone = registry->city ? registry->city->time_zone : "Asia/Shanghai";
    if (forecast::BuiltinCalendarForZone(zone) == "cn") {
      text = std::string(forecast::HolidayCalendar::ChinaCsv());
    } else {
      text = fmt::format(
          "# {}: no holiday calendar (weekdays, Saturdays and Sundays only)\ndate,kind,name\n",
          zone);
    }
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

int Run(const CalendarArgs& a) {
  if (a.set.empty() && !a.reset) return Show(a);
  auto lock = LockCity(a.db);
  if (!lock.ok()) return Fail(lock.status().message());
  auto store = OpenCityStore(a.db);
  if (!store.ok()) return Fail(store.status().message());
  if (!a.set.empty()) {
    std::ifstream in(a.set, std::ios::binary);
    if (!in) return Fail(fmt::format("cannot open '{}'", a.set));
    std::ostringstream ss;
    ss << in.rdbuf();
    auto cal = forecast::HolidayCalendar::FromCsv(ss.str());
    if (!cal.ok()) return Fail(fmt::format("{}: {}", a.set, cal.status().message()));
    if (Status s = (*store)->PutSetting(kSetting, ss.str()); !s.ok()) return Fail(s.message());
    std::printf("stored %zu calendar days for %s; restart the server to use them\n", cal->size(),
                a.db.c_str());
    return 0;
  }
  if (Status s = (*store)->PutSetting(kSetting, ""); !s.ok()) return Fail(s.message());
  std::printf("%s uses the built-in calendar for its time zone again\n", a.db.c_str());
  return 0;
}

}  // namespace

void AddCalendarCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CalendarArgs>();
  CLI::App* cmd = app.add_subcommand(
      "calendar", "Show or set the city's holiday calendar (holidays and make-up working days)");
  cmd->add_option("--db", args->db, "City database (SQLite)")->required();
  AddStoreOption(*cmd);
  auto* set = cmd->add_option("--set", args->set, "Store this CSV (date,kind,name) for the city");
  cmd->add_flag("--reset", args->reset, "Go back to the built-in calendar")->excludes(set);
  cmd->callback([args, exit_code] { *exit_code = Run(*args); });
}

}  // namespace pg::cli
