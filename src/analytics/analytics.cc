#include "analytics/analytics.h"

#include <date/date.h>
#include <date/iso_week.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "analytics/week_internal.h"
#include "core/strings.h"

namespace pg::analytics {
namespace week_internal {

// The helpers week_internal.h declares for more than one section.

std::optional<FrozenSeries> Frozen(std::span<const model::OccupancyRollup* const> rollups,
                                   std::chrono::hours min_run) {
  FrozenSeries f;
  double longest = 0;
  const double min_hours = static_cast<double>(min_run.count());
  size_t i = 0;
  while (i < rollups.size()) {
    const auto* first = rollups[i];
    size_t j = i;
    while (j + 1 < rollups.size()) {
      const auto* a = rollups[j];
      const auto* b = rollups[j + 1];
      bool still = a->coverage > 0 && b->coverage > 0 && a->min_occupied == a->max_occupied &&
                   b->min_occupied == b->max_occupied && a->max_occupied == b->max_occupied &&
                   b->start - a->start == a->step;
      if (!still) break;
      ++j;
    }
    bool constant = first->coverage > 0 && first->min_occupied == first->max_occupied;
    double hours = static_cast<double>(j - i + 1) * kSlotHours;
    if (constant && hours >= min_hours) {
      f.frozen_hours += hours;
      if (hours > longest) {
        longest = hours;
        f.value = first->max_occupied;
        f.capacity = first->capacity;
      }
    }
    i = j + 1;
  }
  if (f.frozen_hours <= 0) return std::nullopt;
  return f;
}

double OverlapHours(Timestamp a, Timestamp b, Timestamp from, Timestamp to) {
  Timestamp lo = std::max(a, from), hi = std::min(b, to);
  return hi > lo ? static_cast<double>((hi - lo).count()) / kMsPerHour : 0;
}

}  // namespace week_internal

namespace {

using nlohmann::json;
using week_internal::InDistrict;
using week_internal::Kind;
using week_internal::kSlot;
using week_internal::kSlotHours;
using week_internal::WeekScope;

// ISO week `week_number` of `iso_year`, from local Monday 00:00 to the next, in `zone`.
Week MakeWeek(int iso_year, int week_number, const date::time_zone& zone) {
  auto monday = date::year_month_day(iso_week::year_weeknum_weekday(
      iso_week::year(iso_year), iso_week::weeknum(static_cast<unsigned>(week_number)),
      iso_week::mon));
  auto next = date::year_month_day(date::sys_days(monday) + date::days(7));
  Week w;
  w.iso_year = iso_year;
  w.week = week_number;
  w.start = FromLocal(static_cast<int>(monday.year()), static_cast<int>(unsigned(monday.month())),
                      static_cast<int>(unsigned(monday.day())), 0, zone);
  w.end = FromLocal(static_cast<int>(next.year()), static_cast<int>(unsigned(next.month())),
                    static_cast<int>(unsigned(next.day())), 0, zone);
  return w;
}

}  // namespace

std::string Week::Label() const { return fmt::format("{:04}-W{:02}", iso_year, week); }

Result<Week> ParseIsoWeek(std::string_view text, const date::time_zone& zone) {
  auto bad = [&] {
    return InvalidArgument(
        fmt::format("'{}' is not an ISO week: expected YYYY-Www, e.g. 2026-W47", text), "week");
  };
  if (text.size() != 8 || text[4] != '-' || (text[5] != 'W' && text[5] != 'w')) return bad();
  auto year = ParseInt(text.substr(0, 4));
  auto week = ParseInt(text.substr(6, 2));
  if (!year || !week || *year < 1970 || *year > 9999 || *week < 1) return bad();
  auto last = iso_week::year_lastweek(iso_week::year(static_cast<int>(*year)));
  if (*week > static_cast<int64_t>(unsigned(last.weeknum()))) {
    return InvalidArgument(fmt::format("{} has only {} ISO weeks", *year, unsigned(last.weeknum())),
                           "week");
  }
  return MakeWeek(static_cast<int>(*year), static_cast<int>(*week), zone);
}

Week WeekContaining(Timestamp t, const date::time_zone& zone) {
  LocalTime l = ToLocal(t, zone);
  iso_week::year_weeknum_weekday iw{date::sys_days(date::year(l.year) / l.month / l.day)};
  return MakeWeek(int(iw.year()), static_cast<int>(unsigned(iw.weeknum())), zone);
}

Week PreviousWeek(const Week& week, const date::time_zone& zone) {
  return WeekContaining(week.start - std::chrono::hours(12), zone);
}

std::pair<int64_t, std::string> SuggestPrice(int64_t current_fen, double mean_occupancy,
                                             const PricingOptions& o) {
  int64_t next = current_fen;
  std::string action = "keep";
  if (mean_occupancy > o.band_high) {
    next = current_fen + o.step_fen;
    action = "raise";
  } else if (mean_occupancy < o.band_low) {
    next = current_fen - o.step_fen;
    action = "lower";
  }
  next = std::clamp(next, o.min_fen, std::max(o.min_fen, o.max_fen));
  if (next == current_fen) action = "keep";
  return {next, action};
}

Result<std::map<std::string, BuildOutTarget>> ParseTargetsCsv(std::string_view text) {
  std::map<std::string, BuildOutTarget> out;
  int line_no = 0;
  for (std::string_view line : SplitString(text, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 || TrimSpace(line).empty()) continue;
    auto cells = SplitString(line, ',');
    if (cells.size() != 3) {
      return InvalidArgument(
          fmt::format("targets line {}: expected district,target_in_service,target_total", line_no),
          "targets");
    }
    BuildOutTarget t;
    for (int i = 1; i <= 2; ++i) {
      auto cell = TrimSpace(cells[i]);
      if (cell.empty()) continue;
      auto v = ParseInt(cell);
      if (!v || *v < 0) {
        return InvalidArgument(
            fmt::format("targets line {}: '{}' is not a count of chargers", line_no, cell),
            "targets");
      }
      (i == 1 ? t.in_service : t.total) = static_cast<int>(*v);
    }
    out[std::string(TrimSpace(cells[0]))] = t;
  }
  return out;
}

Result<AnalyticsOptions> LoadOptions(store::SettingsReader& store) {
  AnalyticsOptions o;
  PG_ASSIGN_OR_RETURN(auto pricing, store.GetSetting("analytics.pricing"));
  if (pricing) {
    json j = json::parse(*pricing, nullptr, false);
    if (!j.is_object()) {
      return InvalidArgument("setting analytics.pricing is not a JSON object", "analytics.pricing");
    }
    try {
      o.pricing.band_low = j.value("band_low", o.pricing.band_low);
      o.pricing.band_high = j.value("band_high", o.pricing.band_high);
      o.pricing.step_fen = j.value("step_fen", o.pricing.step_fen);
      o.pricing.min_fen = j.value("min_fen", o.pricing.min_fen);
      o.pricing.max_fen = j.value("max_fen", o.pricing.max_fen);
      o.pricing.from_hour = j.value("from_hour", o.pricing.from_hour);
      o.pricing.to_hour = j.value("to_hour", o.pricing.to_hour);
    } catch (const json::exception& e) {
      return InvalidArgument(fmt::format("setting analytics.pricing: {}", e.what()),
                             "analytics.pricing");
    }
    if (o.pricing.band_low > o.pricing.band_high || o.pricing.step_fen < 0 ||
        o.pricing.min_fen > o.pricing.max_fen || o.pricing.from_hour < 0 ||
        o.pricing.from_hour >= o.pricing.to_hour || o.pricing.to_hour > 24) {
      return InvalidArgument(
          "setting analytics.pricing: need band_low <= band_high, step_fen >= 0, min_fen <= "
          "max_fen, 0 <= from_hour < to_hour <= 24",
          "analytics.pricing");
    }
  }
  PG_ASSIGN_OR_RETURN(auto targets, store.GetSetting("analytics.buildout_targets"));
  if (targets) {
    json j = json::parse(*targets, nullptr, false);
    if (!j.is_object()) {
      return InvalidArgument("setting analytics.buildout_targets is not a JSON object",
                             "analytics.buildout_targets");
    }
    for (const auto& [district, t] : j.items()) {
      BuildOutTarget target;
      if (t.contains("in_service") && t["in_service"].is_number_integer()) {
        target.in_service = t["in_service"].get<int>();
      }
      if (t.contains("total") && t["total"].is_number_integer()) {
        target.total = t["total"].get<int>();
      }
      o.targets[district] = target;
    }
  }
  return o;
}

const FacilityFigures* WeekFigures::Facility(std::string_view id) const {
  for (const auto& f : facilities) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

namespace {

// Errors: kInvalidArgument (field "district") when no facility or charger is in `district`.
Status CheckDistrictKnown(const registry::Registry& registry, std::string_view district) {
  if (district.empty()) return Status::Ok();
  bool known = std::any_of(registry.facilities().begin(), registry.facilities().end(),
                           [&](const auto& f) { return f.district == district; }) ||
               std::any_of(registry.chargers().begin(), registry.chargers().end(),
                           [&](const auto& c) { return c.district == district; });
  if (known) return Status::Ok();
  return InvalidArgument(fmt::format("no facility or charger is in district '{}'", district),
                         "district");
}

// The scope's facilities and their rollups, which point into `all` (the week's rollups).
WeekScope MakeScope(WeekStore store, const registry::Registry& registry, const Week& week,
                    const AnalyticsOptions& options, std::string_view district,
                    const std::vector<model::OccupancyRollup>& all) {
  const double slots = static_cast<double>((week.end - week.start) /
                                           std::chrono::duration_cast<Milliseconds>(kSlot));
  WeekScope s{store.get<store::OccupancyHistoryReader>(),
              store.get<store::CounterReader>(),
              store.get<store::SignHistoryReader>(),
              store.get<store::DeadLetterReader>(),
              registry,
              week,
              options,
              district,
              slots,
              slots * kSlotHours,
              {},
              {}};
  for (const auto& f : registry.facilities()) {
    if (InDistrict(district, f.district) && f.capacity.total.value_or(0) > 0) {
      s.facilities[f.id.str()] = &f;
    }
  }
  for (const auto& r : all) {
    if (s.facilities.contains(r.id)) s.rollups[r.id].push_back(&r);
  }
  return s;
}

// The figures' heading: the week, the scope, the city and the pricing in force.
WeekFigures Heading(const WeekScope& s) {
  const model::City& city = s.registry.city();
  WeekFigures out;
  out.week = s.week;
  out.district = std::string(s.district);
  out.city_id = city.id;
  out.city_name = city.name;
  out.time_zone = city.time_zone;
  out.pricing = s.options.pricing;
  for (const auto& d : city.districts) out.district_names[d.id] = d.name;
  return out;
}

}  // namespace

Result<WeekFigures> ComputeWeek(WeekStore store, const registry::Registry& registry,
                                const Week& week, const AnalyticsOptions& options,
                                std::string_view district) {
  PG_RETURN_IF_ERROR(CheckDistrictKnown(registry, district));
  PG_ASSIGN_OR_RETURN(auto rollups, store.get<store::OccupancyHistoryReader>().LoadAllRollups(
                                        Kind::kFacility, kSlot, week.start, week.end));
  const WeekScope scope = MakeScope(store, registry, week, options, district, rollups);
  WeekFigures out = Heading(scope);
  PG_RETURN_IF_ERROR(week_internal::AddOccupancy(scope, out));
  PG_ASSIGN_OR_RETURN(out.on_street, week_internal::OnStreetWeek(scope));
  // Before the data quality, which adds the facilities' frozen series to the sites'.
  PG_RETURN_IF_ERROR(week_internal::AddCharging(scope, out));
  week_internal::AddBuildOut(scope, out);
  PG_RETURN_IF_ERROR(week_internal::AddDataQuality(scope, out.quality));
  // Signs carry no district: their figures are the city's.
  if (district.empty() && !registry.signs().empty()) {
    PG_ASSIGN_OR_RETURN(out.signs, week_internal::SignWeek(scope));
  }
  if (options.forecast_accuracy) {
    PG_ASSIGN_OR_RETURN(out.forecast, week_internal::ForecastWeek(scope));
  }
  return out;
}

}  // namespace pg::analytics
