#include "app/report_wiring.h"

#include <date/date.h>

#include "analytics/report.h"
#include "core/log.h"

namespace pg::app {

ReportSchedule::ReportSchedule(store::Store& store, const Clock& clock,
                               std::function<std::shared_ptr<const registry::Registry>()> registry,
                               ReportScheduleOptions options)
    : store_(store), clock_(clock), registry_(std::move(registry)), options_(std::move(options)) {}

Result<std::string> ReportSchedule::Tick() {
  auto reg = registry_();
  const auto& zone = reg->time_zone();
  Timestamp now = clock_.Now();
  analytics::Week current = analytics::WeekContaining(now, zone);
  // The scheduled local wall-clock time in this week, from the civil date (DST-safe).
  LocalTime monday = ToLocal(current.start, zone);
  date::year_month_day day{date::sys_days(date::year(monday.year) / monday.month / monday.day) +
                           date::days(options_.weekday)};
  Timestamp due = FromLocal(int(day.year()), static_cast<int>(unsigned(day.month())),
                            static_cast<int>(unsigned(day.day())), options_.minute_of_day, zone);
  if (now < due) return std::string();
  analytics::Week previous = analytics::PreviousWeek(current, zone);
  PG_ASSIGN_OR_RETURN(auto last, store_.GetSetting("analytics.last_report_week"));
  if (last && *last >= previous.Label()) return std::string();
  std::vector<std::string> pdf_failures;
  PG_ASSIGN_OR_RETURN(
      auto files, analytics::WriteScheduledReports(store_, *reg, previous, options_.directory, now,
                                                   options_.chromium, &pdf_failures));
  (void)files;
  for (const auto& f : pdf_failures) PG_LOG_WARNING("weekly report {}: {}", previous.Label(), f);
  PG_RETURN_IF_ERROR(store_.PutSetting("analytics.last_report_week", previous.Label()));
  return previous.Label();
}

}  // namespace pg::app
