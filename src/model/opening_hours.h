// OpeningHours: the common subset of OSM's opening_hours syntax, parsed once, evaluated fast.
//
// Supported: "24/7"; rules separated by ";" (a later rule replaces earlier ones for the days it
// names) or "," between complete rules (adds); weekday selectors "Mo-Fr", "Sa,Su", "Su-Tu"
// (wrapping); time spans "08:00-20:00", several separated by ",", ends up to "24:00" and spans
// past midnight ("22:00-06:00" or "18:00-26:00"); "off"/"closed"; a rule with only times applies
// to every day. Public-holiday rules ("PH ...", "SH ...") are accepted and not applied: no holiday
// calendar is known at this level (forecast/ owns the city's calendar).
// Not supported (Parse fails, naming the token): months, dates, weeks, sunrise/sunset, comments.
//
//   auto oh = OpeningHours::Parse("Mo-Fr 07:00-22:00; Sa,Su 09:00-18:00");
//   bool open = oh->IsOpen(/*weekday=*/0, /*minute_of_day=*/8 * 60);
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace pg::model {

class OpeningHours {
 public:
  // Always open (what an empty or "24/7" value means).
  OpeningHours();

  // Errors: kInvalidArgument naming the token that is not understood.
  static Result<OpeningHours> Parse(std::string_view text);

  // weekday 0 = Monday … 6 = Sunday; minute_of_day 0..1439, local time.
  bool IsOpen(int weekday, int minute_of_day) const;
  bool IsAlwaysOpen() const { return always_open_; }

  // The open minutes of `weekday` (0 = Monday) in [0, 1440), sorted half-open spans; a span past
  // midnight shows as its two parts. Empty when always open (IsAlwaysOpen) or closed all day.
  const std::vector<std::pair<int, int>>& OpenSpans(int weekday) const {
    return open_spans_[weekday];
  }

  // Minutes from (weekday, minute_of_day) until the state changes, capped at a week.
  int MinutesUntilChange(int weekday, int minute_of_day) const;

 private:
  bool always_open_ = true;
  // For each weekday the open minutes of that day in [0, 1440) as sorted half-open spans; spans
  // past midnight are split onto the next day when the rules are finalised.
  std::array<std::vector<std::pair<int, int>>, 7> open_spans_;
};

}  // namespace pg::model
