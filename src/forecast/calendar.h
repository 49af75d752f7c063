// Day types for seasonality: weekday, Saturday, Sunday-or-holiday, from an editable calendar of
// public holidays and make-up working days (调休).
//
// A calendar is a CSV text, `date,kind,name` with kind `holiday` (the day behaves like a Sunday)
// or `workday` (a weekend day that is worked, so it behaves like a weekday); '#' lines are
// comments. The mainland-China calendar 2016–2027 is built in (calendars/cn.csv); a city edits
// its own copy and hands it over as text, so other countries' calendars need no code.
//
//   PG_ASSIGN_OR_RETURN(HolidayCalendar cal, HolidayCalendar::Builtin("cn"));
//   DayType t = cal.TypeOf(date::year_month_day{...});
//
// Thread-safety: immutable after construction; safe to share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace pg::forecast {

enum class DayType : uint8_t { kWeekday = 0, kSaturday = 1, kSundayOrHoliday = 2 };
inline constexpr int kDayTypes = 3;
std::string_view Name(DayType t);

class HolidayCalendar {
 public:
  enum class Kind : uint8_t { kHoliday, kWorkday };
  struct Entry {
    Kind kind = Kind::kHoliday;
    std::string name;
  };

  // An empty calendar: day types from the weekday alone.
  HolidayCalendar() = default;

  // Parses `date,kind[,name]` rows (a header row `date,...` and '#' comments are skipped).
  // Errors: kInvalidArgument naming the line for a bad date, an unknown kind or a date given
  // twice.
  static Result<HolidayCalendar> FromCsv(std::string_view text);
  // "cn" (mainland China 2016–2027) or "none". Errors: kInvalidArgument for another name.
  static Result<HolidayCalendar> Builtin(std::string_view name);
  // The text of the built-in mainland-China calendar, for a city to start its own copy from.
  static std::string_view ChinaCsv();

  // The day type of a civil date. `days_since_epoch` counts days from 1970-01-01 (so
  // Thursday is 0 mod 7).
  DayType TypeOfDay(int32_t days_since_epoch) const;
  DayType TypeOf(int year, int month, int day) const;

  // The entry for a date, or nullptr.
  const Entry* Find(int32_t days_since_epoch) const;
  size_t size() const { return entries_.size(); }

 private:
  std::unordered_map<int32_t, Entry> entries_;
};

// The built-in calendar for a city's IANA zone: "cn" for mainland China's zones, else "none".
std::string_view BuiltinCalendarForZone(std::string_view zone);

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
int32_t DaysFromCivil(int year, int month, int day);
// 0 = Monday … 6 = Sunday.
inline int WeekdayOfDay(int32_t days_since_epoch) {
  return static_cast<int>(((days_since_epoch % 7) + 7 + 3) % 7);
}

}  // namespace pg::forecast
