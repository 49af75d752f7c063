#include "model/opening_hours.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "core/strings.h"

namespace pg::model {
namespace {

constexpr std::array<std::string_view, 7> kDayNames{"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};
constexpr int kDay = 24 * 60;

std::optional<int> DayIndex(std::string_view s) {
  for (int i = 0; i < 7; ++i) {
    if (kDayNames[i] == s) return i;
  }
  return std::nullopt;
}

// "08:00" → 480; hours up to 48 so that "18:00-26:00" works.
std::optional<int> ParseClock(std::string_view s) {
  s = TrimSpace(s);
  auto parts = SplitString(s, ':');
  if (parts.size() != 2 || parts[0].empty() || parts[0].size() > 2 || parts[1].size() != 2) {
    return std::nullopt;
  }
  auto h = ParseInt(parts[0]);
  auto m = ParseInt(parts[1]);
  if (!h || !m || *h < 0 || *h > 48 || *m < 0 || *m > 59) return std::nullopt;
  return static_cast<int>(*h * 60 + *m);
}

Status Unsupported(std::string_view text, std::string_view token) {
  return InvalidArgument(
      fmt::format("opening_hours '{}': '{}' is not in the supported subset (weekdays, times, "
                  "24/7, off)",
                  text, token),
      "opening_hours");
}

struct Rule {
  std::array<bool, 7> days{};
  bool off = false;
  std::vector<std::pair<int, int>> spans;  // minutes, end may exceed 1440
};

bool IsDaySelector(std::string_view token) {
  for (auto part : SplitString(token, ',')) {
    auto range = SplitString(part, '-');
    if (range.size() > 2) return false;
    for (auto d : range) {
      if (!DayIndex(d) && d != "PH" && d != "SH") return false;
    }
  }
  return true;
}

using Spans = std::vector<std::pair<int, int>>;

// Marks the days a selector names ("Mo-Fr,Su", ranges may wrap: "Sa-Mo"); true when it names
// only holidays (PH, SH). `raw`: the whole text, for the error.
Result<bool> ParseDays(std::string_view selector, std::string_view raw, Rule& rule) {
  bool any_weekday = false;
  for (auto part : SplitString(selector, ',')) {
    auto range = SplitString(part, '-');
    if (range[0] == "PH" || range[0] == "SH") continue;
    auto a = DayIndex(range[0]);
    auto b = range.size() == 2 ? DayIndex(range[1]) : a;
    if (!a || !b) return Unsupported(raw, part);
    for (int d = *a;; d = (d + 1) % 7) {
      rule.days[d] = true;
      if (d == *b) break;
    }
    any_weekday = true;
  }
  return !any_weekday;
}

// Adds one time token to the rule: "off"/"closed", "24/7" or spans "08:00-12:00,14:00-02:00" (an
// end at or before its start runs past midnight).
Status ParseTimes(std::string_view token, std::string_view raw, Rule& rule) {
  if (token == "off" || token == "closed") {
    rule.off = true;
    return Status::Ok();
  }
  if (token == "24/7") {
    rule.spans.emplace_back(0, kDay);
    return Status::Ok();
  }
  for (auto span_text : SplitString(token, ',')) {
    if (span_text.empty()) continue;
    auto ends = SplitString(span_text, '-');
    if (ends.size() != 2) return Unsupported(raw, span_text);
    auto from = ParseClock(ends[0]);
    auto to = ParseClock(ends[1]);
    if (!from || !to || *from >= kDay) return Unsupported(raw, span_text);
    int end = *to;
    if (end <= *from) end += kDay;  // past midnight
    rule.spans.emplace_back(*from, end);
  }
  return Status::Ok();
}

// One rule: "[days] [times|off|24/7] ..."; nullopt for a holiday-only rule (PH/SH need a
// holiday calendar; see the header).
Result<std::optional<Rule>> ParseRule(std::string_view rule_text, std::string_view raw) {
  std::vector<std::string_view> tokens;
  for (auto t : SplitString(rule_text, ' ')) {
    if (!TrimSpace(t).empty()) tokens.push_back(TrimSpace(t));
  }
  Rule rule;
  size_t i = 0;
  bool holiday_only = false;
  const bool named_days = !tokens.empty() && IsDaySelector(tokens[0]);
  if (named_days) {
    PG_ASSIGN_OR_RETURN(holiday_only, ParseDays(tokens[0], raw, rule));
    ++i;
  } else {
    rule.days.fill(true);
  }
  if (i == tokens.size()) {
    if (!named_days) return Unsupported(raw, rule_text);
    rule.spans = {{0, kDay}};  // "Mo-Fr" alone means open all day
  }
  for (; i < tokens.size(); ++i) PG_RETURN_IF_ERROR(ParseTimes(tokens[i], raw, rule));
  if (holiday_only) return std::optional<Rule>();
  return std::optional<Rule>(std::move(rule));
}

// Per day, what the rules say, spans still running past 24:00; a day no rule names is absent.
using DaySpans = std::array<std::optional<Spans>, 7>;

// Each day's spans cut at midnight (the rest spills into the next day), sorted and merged.
std::array<Spans, 7> NormalizeSpans(const DaySpans& days) {
  std::array<Spans, 7> out;
  for (int d = 0; d < 7; ++d) {
    if (!days[d]) continue;
    for (auto [from, to] : *days[d]) {
      out[d].push_back({from, std::min(to, kDay)});
      if (to > kDay) out[(d + 1) % 7].push_back({0, std::min(to - kDay, kDay)});
    }
  }
  for (auto& spans : out) {
    std::sort(spans.begin(), spans.end());
    Spans merged;
    for (auto s : spans) {
      if (!merged.empty() && s.first <= merged.back().second) {
        merged.back().second = std::max(merged.back().second, s.second);
      } else {
        merged.push_back(s);
      }
    }
    spans = std::move(merged);
  }
  return out;
}

}  // namespace

OpeningHours::OpeningHours() {
  for (auto& spans : open_spans_) spans = {{0, kDay}};
}

Result<OpeningHours> OpeningHours::Parse(std::string_view raw) {
  std::string_view text = TrimSpace(raw);
  OpeningHours out;
  if (text.empty() || text == "24/7") return out;
  DaySpans days;
  for (auto rule_text : SplitString(text, ';')) {
    rule_text = TrimSpace(rule_text);
    if (rule_text.empty()) continue;
    PG_ASSIGN_OR_RETURN(std::optional<Rule> rule, ParseRule(rule_text, raw));
    if (!rule) continue;
    for (int d = 0; d < 7; ++d) {
      // OSM semantics: a later rule naming a day replaces what earlier rules said of it.
      if (rule->days[d]) days[d] = rule->off ? Spans{} : rule->spans;
    }
  }
  // Days without any rule are closed once any rule exists (OSM semantics).
  out.open_spans_ = NormalizeSpans(days);
  out.always_open_ =
      std::all_of(out.open_spans_.begin(), out.open_spans_.end(), [](const Spans& s) {
        return s.size() == 1 && s[0] == std::pair<int, int>{0, kDay};
      });
  return out;
}

bool OpeningHours::IsOpen(int weekday, int minute_of_day) const {
  if (always_open_) return true;
  for (auto [from, to] : open_spans_[weekday % 7]) {
    if (minute_of_day >= from && minute_of_day < to) return true;
  }
  return false;
}

int OpeningHours::MinutesUntilChange(int weekday, int minute_of_day) const {
  constexpr int kWeek = 7 * kDay;
  if (always_open_) return kWeek;
  bool now = IsOpen(weekday, minute_of_day);
  // Walk minute boundaries of spans; a week has at most a few dozen, so this is cheap.
  for (int step = 1; step <= kWeek; ++step) {
    int m = minute_of_day + step;
    if (IsOpen((weekday + m / kDay) % 7, m % kDay) != now) return step;
  }
  return kWeek;
}

}  // namespace pg::model
