// The server's weekly-report schedule, kept out of app.cc: every week, once the city's local time
// passes the scheduled weekday and time (Monday 06:00 by default), the reports of the week just
// ended are written (zh and en; HTML, and PDF when Chromium is present) into the reports folder
// that GET /api/v1/reports lists. The setting "analytics.last_report_week" records the last week
// written, so a restart neither repeats nor skips a week's reports.
//
// Thread-safety: Tick from one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "registry/registry.h"
#include "store/store.h"

namespace pg::app {

struct ReportScheduleOptions {
  std::string directory;
  int weekday = 0;             // 0 = Monday … 6 = Sunday, local
  int minute_of_day = 6 * 60;  // local
  std::string chromium = "/usr/bin/chromium";
};

class ReportSchedule {
 public:
  // `store` and `clock` must outlive the schedule.
  ReportSchedule(store::Store& store, const Clock& clock,
                 std::function<std::shared_ptr<const registry::Registry>()> registry,
                 ReportScheduleOptions options);
  // Writes the previous week's reports when they are due and not yet written. Returns the week
  // written ("" when nothing was due). Errors: those of the report writer (tried again next
  // Tick).
  Result<std::string> Tick();

 private:
  store::Store& store_;
  const Clock& clock_;
  std::function<std::shared_ptr<const registry::Registry>()> registry_;
  ReportScheduleOptions options_;
};

}  // namespace pg::app
