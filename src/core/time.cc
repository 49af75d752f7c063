#include "core/time.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <cctype>

#include "core/text_bounds.h"

namespace pg {
namespace {

// Reads exactly `width` digits at `pos`; false when they are not all digits.
bool ReadDigits(std::string_view s, size_t pos, size_t width, int& out) {
  if (pos + width > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

Status Malformed(std::string_view text, std::string_view why) {
  return InvalidArgument(fmt::format("'{}' is not an RFC 3339 time with offset: {}",
                                     BoundedText(text, kMaxWordChars), why));
}

}  // namespace

Result<Timestamp> ParseRfc3339(std::string_view s) {
  if (s.size() > kMaxWordChars) {
    return InvalidArgument(fmt::format(
        "is longer than {} characters: not an RFC 3339 time such as 2026-11-28T08:00:00+08:00",
        kMaxWordChars));
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!ReadDigits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !ReadDigits(s, 5, 2, mo) ||
      s[7] != '-' || !ReadDigits(s, 8, 2, d)) {
    return Malformed(s, "expected YYYY-MM-DD");
  }
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !ReadDigits(s, 11, 2, h) || s[13] != ':' ||
      !ReadDigits(s, 14, 2, mi) || s[16] != ':' || !ReadDigits(s, 17, 2, sec)) {
    return Malformed(s, "expected THH:MM:SS after the date");
  }
  size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (digits < 3) millis = millis * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return Malformed(s, "empty fraction of a second");
    for (size_t i = digits; i < 3; ++i) millis *= 10;
  }
  int offset_minutes = 0;
  if (pos >= s.size()) return Malformed(s, "missing offset (Z or +HH:MM)");
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (!ReadDigits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ReadDigits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return Malformed(s, "offset must be +HH:MM or -HH:MM");
    }
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return Malformed(s, "missing offset (Z or +HH:MM)");
  }
  if (pos != s.size()) return Malformed(s, "trailing characters");
  date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(mo)),
                           date::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return Malformed(s, "no such calendar date");
  if (h > 23 || mi > 59 || sec > 60) return Malformed(s, "time of day out of range");
  if (sec == 60) sec = 59;  // a leap second is kept within its minute
  auto days = date::sys_days(ymd);
  Timestamp t = Timestamp(std::chrono::duration_cast<Milliseconds>(days.time_since_epoch())) +
                std::chrono::hours(h) + Minutes(mi) + Seconds(sec) + Milliseconds(millis) -
                Minutes(offset_minutes);
  return t;
}

namespace {
std::string FormatWithOffset(Timestamp utc, Seconds offset) {
  auto local = utc + offset;
  auto days = date::floor<date::days>(local);
  date::year_month_day ymd(days);
  date::hh_mm_ss<Milliseconds> tod(local - days);
  std::string out =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  tod.hours().count(), tod.minutes().count(), tod.seconds().count());
  if (tod.subseconds().count() != 0) out += fmt::format(".{:03}", tod.subseconds().count());
  if (offset.count() == 0) {
    out += 'Z';
  } else {
    long total = offset.count() / 60;
    char sign = total < 0 ? '-' : '+';
    if (total < 0) total = -total;
    out += fmt::format("{}{:02}:{:02}", sign, total / 60, total % 60);
  }
  return out;
}
}  // namespace

std::string FormatRfc3339Utc(Timestamp t) { return FormatWithOffset(t, Seconds(0)); }

std::string FormatRfc3339(Timestamp t, const date::time_zone& zone) {
  auto info = zone.get_info(date::floor<Seconds>(t));
  return FormatWithOffset(t, info.offset);
}

Result<const date::time_zone*> LookupTimeZone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception& e) {
    return InvalidArgument(fmt::format("unknown time zone '{}'", name), "time_zone");
  }
}

LocalTime ToLocal(Timestamp t, const date::time_zone& zone) {
  auto info = zone.get_info(date::floor<Seconds>(t));
  auto local = date::floor<Minutes>(t + info.offset);
  auto days = date::floor<date::days>(local);
  date::year_month_day ymd(days);
  date::weekday wd(days);
  LocalTime out;
  out.year = static_cast<int>(ymd.year());
  out.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  out.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  out.weekday = static_cast<int>(wd.iso_encoding()) - 1;
  out.minute_of_day = static_cast<int>((local - days).count());
  return out;
}

Timestamp FromLocal(int year, int month, int day, int minute_of_day, const date::time_zone& zone) {
  date::local_days ld{date::year(year) / date::month(static_cast<unsigned>(month)) /
                      date::day(static_cast<unsigned>(day))};
  auto lt = ld + Minutes(minute_of_day);
  auto sys = zone.to_sys(date::local_time<Minutes>(lt), date::choose::earliest);
  return Timestamp(std::chrono::duration_cast<Milliseconds>(sys.time_since_epoch()));
}

}  // namespace pg
