#include "forecast/calendar.h"

#include <date/date.h>
#include <fmt/format.h>

#include "core/strings.h"

namespace pg::forecast {

std::string_view ChinaCalendarCsvText();  // embedded calendars/cn.csv (generated source)

std::string_view Name(DayType t) {
  switch (t) {
    case DayType::kWeekday:
      return "weekday";
    case DayType::kSaturday:
      return "saturday";
    case DayType::kSundayOrHoliday:
      return "sunday_or_holiday";
  }
  return "weekday";
}

std::string_view BuiltinCalendarForZone(std::string_view zone) {
  for (std::string_view z :
       {"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "Asia/Urumqi", "PRC"}) {
    if (zone == z) return "cn";
  }
  return "none";
}

int32_t DaysFromCivil(int year, int month, int day) {
  date::year_month_day ymd{date::year(year), date::month(static_cast<unsigned>(month)),
                           date::day(static_cast<unsigned>(day))};
  return static_cast<int32_t>(date::sys_days(ymd).time_since_epoch().count());
}

Result<HolidayCalendar> HolidayCalendar::FromCsv(std::string_view text) {
  HolidayCalendar cal;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  int line_no = 0;
  for (std::string_view line : SplitString(text, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = TrimSpace(line);
    if (line.empty() || line.front() == '#' || line.starts_with("date,")) continue;
    auto cells = SplitString(line, ',');
    auto where = [&](std::string_view what) {
      return InvalidArgument(fmt::format("calendar line {}: {}", line_no, what), "calendar");
    };
    if (cells.size() < 2) return where("expected date,kind[,name]");
    std::string_view d = TrimSpace(cells[0]);
    auto y = d.size() == 10 && d[4] == '-' && d[7] == '-' ? ParseInt(d.substr(0, 4)) : std::nullopt;
    auto m = y ? ParseInt(d.substr(5, 2)) : std::nullopt;
    auto dd = m ? ParseInt(d.substr(8, 2)) : std::nullopt;
    if (!dd) return where(fmt::format("'{}' is not a date YYYY-MM-DD", d));
    date::year_month_day ymd{date::year(static_cast<int>(*y)),
                             date::month(static_cast<unsigned>(*m)),
                             date::day(static_cast<unsigned>(*dd))};
    if (!ymd.ok()) return where(fmt::format("'{}' is not a calendar date", d));
    std::string_view kind = TrimSpace(cells[1]);
    Entry e;
    if (kind == "holiday") {
      e.kind = Kind::kHoliday;
    } else if (kind == "workday") {
      e.kind = Kind::kWorkday;
    } else {
      return where(fmt::format("kind '{}' is not one of: holiday, workday", kind));
    }
    // The name may itself contain commas.
    if (cells.size() > 2) {
      size_t start = cells[2].data() - line.data();
      e.name = std::string(TrimSpace(line.substr(start)));
    }
    int32_t day = static_cast<int32_t>(date::sys_days(ymd).time_since_epoch().count());
    if (!cal.entries_.emplace(day, std::move(e)).second) {
      return where(fmt::format("{} is given twice", d));
    }
  }
  return cal;
}

std::string_view HolidayCalendar::ChinaCsv() { return ChinaCalendarCsvText(); }

Result<HolidayCalendar> HolidayCalendar::Builtin(std::string_view name) {
  if (name == "none") return HolidayCalendar();
  if (name == "cn") return FromCsv(ChinaCsv());
  return InvalidArgument(fmt::format("'{}' is not a built-in calendar (cn, none)", name),
                         "calendar");
}

const HolidayCalendar::Entry* HolidayCalendar::Find(int32_t days_since_epoch) const {
  auto it = entries_.find(days_since_epoch);
  return it == entries_.end() ? nullptr : &it->second;
}

DayType HolidayCalendar::TypeOfDay(int32_t days_since_epoch) const {
  if (const Entry* e = Find(days_since_epoch)) {
    return e->kind == Kind::kHoliday ? DayType::kSundayOrHoliday : DayType::kWeekday;
  }
  int wd = WeekdayOfDay(days_since_epoch);
  if (wd == 5) return DayType::kSaturday;
  if (wd == 6) return DayType::kSundayOrHoliday;
  return DayType::kWeekday;
}

DayType HolidayCalendar::TypeOf(int year, int month, int day) const {
  return TypeOfDay(DaysFromCivil(year, month, day));
}

}  // namespace pg::forecast
