// Time vocabulary: UTC instants inside, the city's time zone only at the edges.
//
//   PG_ASSIGN_OR_RETURN(pg::Timestamp t, pg::ParseRfc3339("2026-11-28T08:00:00+08:00"));
//   std::string s = pg::FormatRfc3339(t, pg::TimeZoneOrUtc("Asia/Shanghai"));
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace date {
class time_zone;
}

namespace pg {

// A UTC instant with millisecond resolution.
using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;
using Milliseconds = std::chrono::milliseconds;
using Seconds = std::chrono::seconds;
using Minutes = std::chrono::minutes;

inline int64_t ToUnixMillis(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromUnixMillis(int64_t ms) { return Timestamp(Milliseconds(ms)); }

// Parses RFC 3339 date-time with a mandatory offset ("Z" or "+08:00"); fractional seconds are
// truncated to milliseconds. Errors: kInvalidArgument saying what is wrong (or: over 64 chars).
Result<Timestamp> ParseRfc3339(std::string_view text);

// Formats as RFC 3339 in UTC ("2026-11-28T00:00:00Z"), milliseconds only when non-zero.
std::string FormatRfc3339Utc(Timestamp t);
// Formats as RFC 3339 with the zone's offset at that instant ("2026-11-28T08:00:00+08:00").
std::string FormatRfc3339(Timestamp t, const date::time_zone& zone);

// Looks up an IANA zone ("Asia/Shanghai"). Errors: kInvalidArgument for an unknown name.
// The returned zone lives for the whole program.
Result<const date::time_zone*> LookupTimeZone(std::string_view name);

// Civil (wall-clock) time in a zone, for opening hours, tariffs and reports.
struct LocalTime {
  int year = 1970;
  int month = 1;          // 1..12
  int day = 1;            // 1..31
  int weekday = 0;        // 0 = Monday … 6 = Sunday (ISO order, as OSM opening_hours uses)
  int minute_of_day = 0;  // 0..1439
};
LocalTime ToLocal(Timestamp t, const date::time_zone& zone);
// The instant of a local wall-clock time (the earlier one when ambiguous).
Timestamp FromLocal(int year, int month, int day, int minute_of_day, const date::time_zone& zone);

}  // namespace pg
