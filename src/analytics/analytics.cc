#include "analytics/analytics.h"

#include <date/date.h>
#include <date/iso_week.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <unordered_map>

#include "core/strings.h"
#include "forecast/backtest.h"
#include "model/vocabulary.h"

namespace pg::analytics {
namespace {

using nlohmann::json;
using Kind = model::OccupancyRollup::Kind;

constexpr std::chrono::seconds kSlot{300};
constexpr double kSlotHours = 300.0 / 3600.0;
constexpr double kMsPerHour = 3'600'000.0;

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

// Ratio with nullopt for an empty denominator.
std::optional<double> Ratio(double num, double den) {
  if (den <= 0) return std::nullopt;
  return num / den;
}

// Accumulates the figures of a set of facilities (one facility, a district, the city).
struct OccupancyAccumulator {
  double mean_x_cov = 0, cap_x_cov = 0, coverage = 0;
  double saturated_slots = 0;  // coverage-weighted, per facility
  std::optional<double> peak;
  std::optional<Timestamp> peak_time;
  // Per slot: Σ mean_occupied, Σ capacity over rollups with coverage > 0.
  std::map<int64_t, std::pair<double, double>> per_slot;
  void Add(const model::OccupancyRollup& r, double saturation, bool facility_level) {
    if (r.capacity <= 0) return;
    mean_x_cov += r.mean_occupied * r.coverage;
    cap_x_cov += r.capacity * r.coverage;
    coverage += r.coverage;
    if (facility_level) {
      if (r.mean_occupied / r.capacity >= saturation) saturated_slots += r.coverage;
      if (r.coverage > 0) {
        double p = static_cast<double>(r.max_occupied) / r.capacity;
        if (!peak || p > *peak) {
          peak = p;
          peak_time = r.start;
        }
      }
    } else if (r.coverage > 0) {
      auto& s = per_slot[ToUnixMillis(r.start)];
      s.first += r.mean_occupied;
      s.second += r.capacity;
    }
  }
  // For groups: peak and saturated time from the per-slot sums.
  void FinishGroup(double saturation) {
    for (const auto& [t, s] : per_slot) {
      double p = s.first / s.second;
      if (!peak || p > *peak) {
        peak = p;
        peak_time = FromUnixMillis(t);
      }
      if (p >= saturation) saturated_slots += 1;
    }
  }
};

// Runs of one series' rollups (sorted by start) in which the count never moved: every slot's min
// equals its max and the previous slot's, slots adjacent. Adds the hours of runs at least
// `min_run` long; nullopt when there is none.
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

bool InDistrict(std::string_view scope, const std::string& district) {
  return scope.empty() || scope == district;
}

std::string SiteOf(const model::Charger& c) { return c.site.empty() ? c.id.str() : c.site; }

// Overlap in hours of [a, b) with [from, to).
double OverlapHours(Timestamp a, Timestamp b, Timestamp from, Timestamp to) {
  Timestamp lo = std::max(a, from), hi = std::min(b, to);
  return hi > lo ? static_cast<double>((hi - lo).count()) / kMsPerHour : 0;
}

// "YYYY-MM-DD" of a local day.
std::string LocalDate(Timestamp t, const date::time_zone& zone) {
  LocalTime l = ToLocal(t, zone);
  return fmt::format("{:04}-{:02}-{:02}", l.year, l.month, l.day);
}

// The lifecycle of `c` at the end of local day `date` (inclusive); nullopt when it was not yet
// even planned then.
std::optional<model::Lifecycle> LifecycleOn(const model::Charger& c, const std::string& date) {
  bool dated = !c.planned_date.empty() || !c.construction_date.empty() ||
               !c.in_service_date.empty() || !c.retired_date.empty();
  if (!dated) return c.lifecycle;
  auto reached = [&](const std::string& d) { return !d.empty() && d <= date; };
  if (reached(c.retired_date)) return model::Lifecycle::kRetired;
  if (reached(c.in_service_date)) return model::Lifecycle::kInService;
  if (reached(c.construction_date)) return model::Lifecycle::kUnderConstruction;
  if (reached(c.planned_date)) return model::Lifecycle::kPlanned;
  return std::nullopt;
}

int64_t HighestBandFen(const model::Tariff& t) {
  int64_t best = 0;
  for (const auto& b : t.bands) best = std::max(best, b.price_fen_per_hour);
  return best;
}

json Opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

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

Result<AnalyticsOptions> LoadOptions(store::Store& store) {
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

Result<WeekFigures> ComputeWeek(store::Store& store, const registry::Registry& registry,
                                const Week& week, const AnalyticsOptions& options,
                                std::string_view district) {
  const auto& zone = registry.time_zone();
  WeekFigures out;
  out.week = week;
  out.district = std::string(district);
  out.city_id = registry.city().id;
  out.city_name = registry.city().name;
  out.time_zone = registry.city().time_zone;
  out.pricing = options.pricing;
  for (const auto& d : registry.city().districts) out.district_names[d.id] = d.name;
  if (!district.empty()) {
    bool known = std::any_of(registry.facilities().begin(), registry.facilities().end(),
                             [&](const auto& f) { return f.district == district; }) ||
                 std::any_of(registry.chargers().begin(), registry.chargers().end(),
                             [&](const auto& c) { return c.district == district; });
    if (!known) {
      return InvalidArgument(fmt::format("no facility or charger is in district '{}'", district),
                             "district");
    }
  }
  const double week_slots = static_cast<double>((week.end - week.start) /
                                                std::chrono::duration_cast<Milliseconds>(kSlot));
  const double week_hours = week_slots * kSlotHours;

  // --- Occupancy ---
  std::map<std::string, const model::Facility*> scope;  // facilities with a capacity
  for (const auto& f : registry.facilities()) {
    if (InDistrict(district, f.district) && f.capacity.total.value_or(0) > 0) {
      scope[f.id.str()] = &f;
    }
  }
  PG_ASSIGN_OR_RETURN(auto rollups,
                      store.LoadAllRollups(Kind::kFacility, kSlot, week.start, week.end));
  std::map<std::string, std::vector<const model::OccupancyRollup*>> by_facility;
  for (const auto& r : rollups) {
    if (scope.contains(r.id)) by_facility[r.id].push_back(&r);
  }
  OccupancyAccumulator city;
  std::map<std::string, OccupancyAccumulator> districts;
  struct Cell {
    double num = 0, den = 0;
  };
  std::map<std::string, std::array<std::array<Cell, 24>, 7>> heat;  // "" = whole scope
  std::map<int64_t, std::pair<int, int>> local_slot;                // t_ms → (weekday, hour)
  for (const auto& [id, f] : scope) {
    FacilityFigures ff;
    ff.id = id;
    ff.name = f->name;
    ff.district = f->district;
    ff.kind = f->kind;
    ff.location = f->location;
    ff.capacity = *f->capacity.total;
    OccupancyAccumulator acc;
    double pricing_num = 0, pricing_den = 0;
    for (const auto* r : by_facility[id]) {
      acc.Add(*r, options.saturation, true);
      city.Add(*r, options.saturation, false);
      districts[f->district].Add(*r, options.saturation, false);
      if (r->capacity <= 0 || r->coverage <= 0) continue;
      int64_t t = ToUnixMillis(r->start);
      auto it = local_slot.find(t);
      if (it == local_slot.end()) {
        LocalTime l = ToLocal(r->start, zone);
        it = local_slot.emplace(t, std::pair{l.weekday, l.minute_of_day / 60}).first;
      }
      auto [dow, hour] = it->second;
      if (hour >= options.pricing.from_hour && hour < options.pricing.to_hour) {
        pricing_num += r->mean_occupied * r->coverage;
        pricing_den += r->capacity * r->coverage;
      }
      for (const std::string& key : {std::string(), f->district}) {
        Cell& c = heat[key][dow][hour];
        c.num += r->mean_occupied * r->coverage;
        c.den += r->capacity * r->coverage;
      }
    }
    ff.mean_occupancy = Ratio(acc.mean_x_cov, acc.cap_x_cov);
    ff.peak_occupancy = acc.peak;
    ff.saturated_hours = acc.saturated_slots * kSlotHours;
    ff.unknown_share = 1 - acc.coverage / week_slots;
    ff.pricing_occupancy = Ratio(pricing_num, pricing_den);
    if (f->tariff) {
      ff.price_fen_per_hour = HighestBandFen(*f->tariff);
      if (ff.pricing_occupancy) {
        auto [price, action] =
            SuggestPrice(*ff.price_fen_per_hour, *ff.pricing_occupancy, options.pricing);
        ff.suggested_fen_per_hour = price;
        ff.pricing_action = action;
      }
    } else {
      ff.pricing_action = ff.pricing_occupancy ? "no_tariff" : "no_data";
    }
    out.kpis.capacity += ff.capacity;
    out.facilities.push_back(std::move(ff));
  }
  out.kpis.facilities = static_cast<int>(scope.size());
  city.FinishGroup(options.saturation);
  out.kpis.mean_occupancy = Ratio(city.mean_x_cov, city.cap_x_cov);
  out.kpis.peak_occupancy = city.peak;
  out.kpis.peak_time = city.peak_time;
  out.kpis.saturated_hours = city.saturated_slots * kSlotHours;
  out.kpis.known_hours = city.coverage * kSlotHours;
  out.kpis.unknown_share =
      scope.empty() ? 1.0 : 1 - city.coverage / (week_slots * static_cast<double>(scope.size()));
  PG_ASSIGN_OR_RETURN(out.kpis.guidance_queries,
                      store.CounterSum("guidance.queries", week.start, week.end));

  // Rankings: saturated by hours then mean; under-used by mean, among facilities with data.
  std::vector<const FacilityFigures*> known;
  for (const auto& f : out.facilities) {
    if (f.mean_occupancy) known.push_back(&f);
  }
  std::sort(known.begin(), known.end(), [](const auto* a, const auto* b) {
    if (a->saturated_hours != b->saturated_hours) return a->saturated_hours > b->saturated_hours;
    if (*a->mean_occupancy != *b->mean_occupancy) return *a->mean_occupancy > *b->mean_occupancy;
    return a->id < b->id;
  });
  for (size_t i = 0; i < known.size() && static_cast<int>(i) < options.top_n; ++i) {
    out.most_saturated.push_back(known[i]->id);
  }
  std::sort(known.begin(), known.end(), [](const auto* a, const auto* b) {
    if (*a->mean_occupancy != *b->mean_occupancy) return *a->mean_occupancy < *b->mean_occupancy;
    return a->id < b->id;
  });
  for (size_t i = 0; i < known.size() && static_cast<int>(i) < options.top_n; ++i) {
    out.most_underused.push_back(known[i]->id);
  }

  // Heat maps: the scope first, then each district (only when the scope is the city).
  for (const auto& [key, cells] : heat) {
    if (!district.empty() && !key.empty()) continue;
    HeatMap h;
    h.district = key;
    for (int d = 0; d < 7; ++d) {
      for (int hr = 0; hr < 24; ++hr) h.share[d][hr] = Ratio(cells[d][hr].num, cells[d][hr].den);
    }
    out.heat_maps.push_back(std::move(h));
  }
  if (out.heat_maps.empty()) out.heat_maps.push_back(HeatMap{});

  // Pressure by district.
  std::map<std::string, std::pair<LatLon, int>> centres;
  std::map<std::string, std::pair<int, int64_t>> sizes;
  for (const auto& [id, f] : scope) {
    auto& c = centres[f->district];
    c.first.lat += f->location.lat;
    c.first.lon += f->location.lon;
    ++c.second;
    sizes[f->district].first++;
    sizes[f->district].second += *f->capacity.total;
  }
  for (auto& [d, acc] : districts) acc.FinishGroup(options.saturation);
  for (const auto& [d, size] : sizes) {
    DistrictPressure p;
    p.district = d;
    for (const auto& cd : registry.city().districts) {
      if (cd.id == d) p.name = cd.name;
    }
    p.facilities = size.first;
    p.capacity = size.second;
    auto it = districts.find(d);
    if (it != districts.end()) {
      p.mean_occupancy = Ratio(it->second.mean_x_cov, it->second.cap_x_cov);
      p.peak_occupancy = it->second.peak;
      p.saturated_hours = it->second.saturated_slots * kSlotHours;
    }
    const auto& c = centres[d];
    p.centre = {c.first.lat / c.second, c.first.lon / c.second};
    out.pressure.push_back(std::move(p));
  }

  // --- On-street ---
  std::unordered_map<std::string, const model::Bay*> bays;
  for (const auto& b : registry.bays()) {
    const model::Facility* f = registry.FindFacility(b.facility);
    if (f && InDistrict(district, f->district)) bays[b.id.str()] = &b;
  }
  out.on_street.bays = static_cast<int>(bays.size());
  if (!bays.empty()) {
    // A session arriving late in the week may end after it.
    PG_ASSIGN_OR_RETURN(auto events,
                        store.LoadBayEvents(week.start, week.end + std::chrono::hours(24)));
    std::map<std::string, OnStreetZone> zones;
    std::map<std::string, double> zone_dwell;
    std::set<std::string> reporting;
    double dwell_sum = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      const auto& e = events[i];
      auto bit = bays.find(e.bay.str());
      if (bit == bays.end() || e.time >= week.end) continue;
      reporting.insert(e.bay.str());
      if (!e.occupied || i + 1 >= events.size()) continue;
      const auto& next = events[i + 1];
      if (next.bay != e.bay || next.occupied) continue;
      const model::Bay& bay = *bit->second;
      double minutes = static_cast<double>((next.time - e.time).count()) / 60'000.0;
      ++out.on_street.sessions;
      dwell_sum += minutes;
      OnStreetZone& z = zones[bay.facility.str()];
      ++z.sessions;
      zone_dwell[bay.facility.str()] += minutes;
      if (bay.time_limit_minutes) {
        ++out.on_street.sessions_with_limit;
        if (minutes > *bay.time_limit_minutes) {
          ++out.on_street.overstays;
          out.on_street.overstay_minutes += minutes - *bay.time_limit_minutes;
          ++z.overstays;
          if (out.on_street.points.empty() || out.on_street.points.back().bay != bay.id.str()) {
            out.on_street.points.push_back({bay.id.str(), bay.location, 0});
          }
          ++out.on_street.points.back().overstays;
        }
      }
    }
    out.on_street.bays_reporting = static_cast<int>(reporting.size());
    if (!reporting.empty()) {
      out.on_street.turnover_per_bay_day = static_cast<double>(out.on_street.sessions) /
                                           static_cast<double>(reporting.size()) /
                                           (week_hours / 24.0);
    }
    if (out.on_street.sessions > 0) {
      out.on_street.mean_dwell_minutes = dwell_sum / static_cast<double>(out.on_street.sessions);
    }
    std::map<std::string, int> zone_bays;
    for (const auto& [id, b] : bays) ++zone_bays[b->facility.str()];
    for (auto& [id, z] : zones) {
      z.zone = id;
      z.bays = zone_bays[id];
      if (const auto* f = registry.FindFacility(model::FacilityId(id))) {
        z.name = f->name;
        z.district = f->district;
      }
      if (z.sessions > 0) z.mean_dwell_minutes = zone_dwell[id] / static_cast<double>(z.sessions);
      out.on_street.zones.push_back(std::move(z));
    }
    std::stable_sort(out.on_street.zones.begin(), out.on_street.zones.end(),
                     [](const auto& a, const auto& b) { return a.overstays > b.overstays; });
  }

  // --- EV charging ---
  std::map<std::string, EvSite> sites;
  std::unordered_map<std::string, std::string> site_of_charger;
  for (const auto& c : registry.chargers()) {
    if (!InDistrict(district, c.district)) continue;
    site_of_charger[c.id.str()] = SiteOf(c);
    if (c.lifecycle != model::Lifecycle::kInService) continue;
    EvSite& s = sites[SiteOf(c)];
    s.site = SiteOf(c);
    if (s.district.empty()) s.district = c.district;
    if (s.name.zh.empty() && s.name.en.empty()) s.name = c.name;
    s.connectors += static_cast<int>(c.connectors.size());
  }
  if (!sites.empty()) {
    PG_ASSIGN_OR_RETURN(auto site_rollups,
                        store.LoadAllRollups(Kind::kChargerSite, kSlot, week.start, week.end));
    std::map<std::string, std::array<double, 4>> acc;  // Σ mean·cov, Σ cap·cov, Σ cov, Σ avail
    for (const auto& r : site_rollups) {
      if (!sites.contains(r.id) || r.capacity <= 0) continue;
      auto& a = acc[r.id];
      a[0] += r.mean_occupied * r.coverage;
      a[1] += r.capacity * r.coverage;
      a[2] += r.coverage;
      if (r.min_occupied < r.capacity) a[3] += r.coverage;
    }
    {
      std::map<std::string, std::vector<const model::OccupancyRollup*>> by_site;
      for (const auto& r : site_rollups) {
        if (sites.contains(r.id)) by_site[r.id].push_back(&r);
      }
      for (const auto& [id, list] : by_site) {
        if (auto frozen = Frozen(list, options.frozen_after)) {
          frozen->id = id;
          frozen->charger_site = true;
          out.quality.frozen.push_back(*frozen);
        }
      }
    }
    for (auto& [id, s] : sites) {
      auto it = acc.find(id);
      if (it == acc.end()) continue;
      s.utilisation = Ratio(it->second[0], it->second[1]);
      s.availability = Ratio(it->second[3], it->second[2]);
      s.known_hours = it->second[2] * kSlotHours;
    }
    // Faults: a spell runs from a Faulted status to the connector's next other status. Look back
    // far enough to see spells that began before the week.
    PG_ASSIGN_OR_RETURN(
        auto statuses, store.LoadChargerStatus(week.start - std::chrono::hours(24 * 28), week.end));
    std::map<std::string, double> restore_hours;
    for (const auto& e : statuses) {
      auto sit = site_of_charger.find(e.charger.str());
      if (sit != site_of_charger.end() && sites.contains(sit->second)) {
        sites[sit->second].status_recorded = true;
      }
    }
    for (size_t i = 0; i < statuses.size(); ++i) {
      const auto& e = statuses[i];
      if (e.status != model::ChargerStatus::kFaulted) continue;
      auto sit = site_of_charger.find(e.charger.str());
      if (sit == site_of_charger.end() || !sites.contains(sit->second)) continue;
      // Skip repeated Faulted reports of one spell.
      if (i > 0 && statuses[i - 1].charger == e.charger &&
          statuses[i - 1].connector == e.connector &&
          statuses[i - 1].status == model::ChargerStatus::kFaulted) {
        continue;
      }
      size_t j = i + 1;
      while (j < statuses.size() && statuses[j].charger == e.charger &&
             statuses[j].connector == e.connector &&
             statuses[j].status == model::ChargerStatus::kFaulted) {
        ++j;
      }
      bool restored = j < statuses.size() && statuses[j].charger == e.charger &&
                      statuses[j].connector == e.connector;
      Timestamp end = restored ? statuses[j].time : week.end;
      EvSite& s = sites[sit->second];
      s.status_recorded = true;
      s.fault_hours += OverlapHours(e.time, end, week.start, week.end);
      if (restored && end >= week.start) {
        ++s.faults_restored;
        restore_hours[sit->second] += static_cast<double>((end - e.time).count()) / kMsPerHour;
      }
    }
    std::map<std::string, std::array<double, 6>> dist;  // Σ mean·cov, Σ cap·cov, Σ cov, Σ avail
    std::map<std::string, EvDistrict> ev_districts;
    for (auto& [id, s] : sites) {
      if (s.faults_restored > 0) {
        s.mean_hours_to_restore = restore_hours[id] / static_cast<double>(s.faults_restored);
      }
      EvDistrict& d = ev_districts[s.district];
      d.district = s.district;
      ++d.sites;
      d.connectors += s.connectors;
      d.fault_hours += s.fault_hours;
      d.status_recorded = d.status_recorded || s.status_recorded;
      d.faults_restored += s.faults_restored;
      auto it = acc.find(id);
      auto& a = dist[s.district];
      if (it != acc.end()) {
        for (int k = 0; k < 4; ++k) a[k] += it->second[k];
      }
      a[4] += restore_hours[id];
      out.ev_sites.push_back(s);
    }
    std::array<double, 4> all{};
    for (const auto& [name, a] : dist) {
      for (int k = 0; k < 4; ++k) all[k] += a[k];
    }
    out.kpis.ev_utilisation = Ratio(all[0], all[1]);
    out.kpis.ev_availability = Ratio(all[3], all[2]);
    for (auto& [name, d] : ev_districts) {
      const auto& a = dist[name];
      d.utilisation = Ratio(a[0], a[1]);
      d.availability = Ratio(a[3], a[2]);
      if (d.faults_restored > 0)
        d.mean_hours_to_restore = a[4] / static_cast<double>(d.faults_restored);
      out.ev_districts.push_back(d);
    }
  }

  // --- Build-out ---
  {
    const std::string first_day = LocalDate(week.start, zone);
    const std::string last_day = LocalDate(week.end - std::chrono::hours(12), zone);
    std::map<std::string, BuildOutDistrict> build;
    for (const auto& d : registry.city().districts) {
      if (InDistrict(district, d.id)) build[d.id].district = d.id;
    }
    for (const auto& [d, t] : options.targets) {
      if (InDistrict(district, d)) build[d].district = d;
    }
    for (const auto& c : registry.chargers()) {
      if (!InDistrict(district, c.district)) continue;
      BuildOutDistrict& b = build[c.district];
      b.district = c.district;
      auto state = LifecycleOn(c, last_day);
      if (state) {
        switch (*state) {
          case model::Lifecycle::kPlanned:
            ++b.planned;
            break;
          case model::Lifecycle::kUnderConstruction:
            ++b.under_construction;
            break;
          case model::Lifecycle::kInService:
            ++b.in_service;
            break;
          case model::Lifecycle::kRetired:
            ++b.retired;
            break;
        }
      }
      const std::pair<const std::string*, model::Lifecycle> steps[] = {
          {&c.planned_date, model::Lifecycle::kPlanned},
          {&c.construction_date, model::Lifecycle::kUnderConstruction},
          {&c.in_service_date, model::Lifecycle::kInService},
          {&c.retired_date, model::Lifecycle::kRetired}};
      for (const auto& [date, to] : steps) {
        if (!date->empty() && *date >= first_day && *date <= last_day) {
          out.build_out_changes.push_back({c.id.str(), c.district, to, *date});
        }
      }
    }
    for (auto& [d, b] : build) {
      auto t = options.targets.find(d);
      if (t != options.targets.end()) b.target = t->second;
      out.kpis.chargers_in_service += b.in_service;
      if (b.target.in_service) {
        out.kpis.chargers_in_service_target =
            out.kpis.chargers_in_service_target.value_or(0) + *b.target.in_service;
      }
      out.build_out.push_back(b);
    }
    std::sort(out.build_out_changes.begin(), out.build_out_changes.end(),
              [](const auto& a, const auto& b) {
                return std::tie(a.date, a.charger) < std::tie(b.date, b.charger);
              });
  }

  // --- Data quality ---
  {
    struct Gaps {
      double coverage = 0;
      int periods = 0;
      double hours = 0;
    };
    std::map<std::string, Gaps> gaps;
    const int64_t slot_ms = std::chrono::duration_cast<Milliseconds>(kSlot).count();
    const int64_t min_run = std::chrono::duration_cast<Milliseconds>(options.silent_after).count();
    for (const auto& [id, f] : scope) {
      Gaps g;
      int64_t run_start = ToUnixMillis(week.start);
      auto close_run = [&](int64_t until) {
        if (until - run_start >= min_run) {
          ++g.periods;
          g.hours += static_cast<double>(until - run_start) / kMsPerHour;
        }
      };
      for (const auto* r : by_facility[id]) {
        g.coverage += r->coverage;
        int64_t t = ToUnixMillis(r->start);
        if (r->coverage <= 0) continue;  // part of a silent run
        close_run(t);
        run_start = t + slot_ms;
      }
      close_run(ToUnixMillis(week.end));
      if (auto frozen = Frozen(by_facility[id], options.frozen_after)) {
        frozen->id = id;
        out.quality.frozen.push_back(*frozen);
      }
      gaps[id] = g;
      if (g.periods > 0) {
        out.quality.worst_facilities.push_back(
            {id, g.periods, g.hours, 1 - g.coverage / week_slots});
      }
      out.quality.facility_silent_periods += g.periods;
      out.quality.facility_silent_hours += g.hours;
    }
    std::stable_sort(out.quality.frozen.begin(), out.quality.frozen.end(),
                     [](const auto& a, const auto& b) { return a.frozen_hours > b.frozen_hours; });
    std::stable_sort(out.quality.worst_facilities.begin(), out.quality.worst_facilities.end(),
                     [](const auto& a, const auto& b) { return a.silent_hours > b.silent_hours; });
    if (out.quality.worst_facilities.size() > static_cast<size_t>(options.top_n)) {
      out.quality.worst_facilities.resize(static_cast<size_t>(options.top_n));
    }
    for (const auto& s : registry.sources()) {
      SourceQuality q;
      q.source = s.id.str();
      std::set<std::string> covered;
      for (const auto& [id, f] : scope) {
        bool in = s.scope.all ||
                  std::find(s.scope.facilities.begin(), s.scope.facilities.end(), f->id) !=
                      s.scope.facilities.end() ||
                  std::find(s.scope.operators.begin(), s.scope.operators.end(), f->operator_name) !=
                      s.scope.operators.end();
        if (in) covered.insert(id);
      }
      for (const auto& b : s.scope.bays) {
        if (const auto* bay = registry.FindBay(b); bay && scope.contains(bay->facility.str())) {
          covered.insert(bay->facility.str());
        }
      }
      if (covered.empty()) continue;
      double cov = 0;
      for (const auto& id : covered) {
        cov += gaps[id].coverage;
        q.silent_periods += gaps[id].periods;
        q.silent_hours += gaps[id].hours;
      }
      q.facilities = static_cast<int>(covered.size());
      PG_ASSIGN_OR_RETURN(
          q.anomalies, store.CounterSum("source." + q.source + ".anomalies", week.start, week.end));
      PG_ASSIGN_OR_RETURN(q.corrections, store.CounterSum("source." + q.source + ".corrections",
                                                          week.start, week.end));
      auto add = [](std::optional<int64_t>& total, const std::optional<int64_t>& v) {
        if (v) total = total.value_or(0) + *v;
      };
      add(out.quality.anomalies, q.anomalies);
      add(out.quality.corrections, q.corrections);
      q.uptime = cov / (week_slots * static_cast<double>(covered.size()));
      out.quality.sources.push_back(std::move(q));
    }
    PG_ASSIGN_OR_RETURN(auto letters, store.LoadDeadLetters(10'000));
    for (const auto& l : letters) {
      if (l.received >= week.start && l.received < week.end) {
        ++out.quality.dead_letters;
        ++out.quality.dead_letters_by_channel[l.channel];
      }
    }
  }

  // --- Signs (city-wide: signs carry no district) ---
  if (district.empty() && !registry.signs().empty()) {
    SignFigures& sf = out.signs;
    sf.signs = static_cast<int>(registry.signs().size());
    for (const auto& sign : registry.signs()) {
      PG_ASSIGN_OR_RETURN(auto before, store.SignFaultAt(sign.id, week.start));
      bool offline = before && before->kind == "offline";
      Timestamp since = week.start;
      PG_ASSIGN_OR_RETURN(auto faults,
                          store.LoadSignFaults(sign.id, week.start, week.end, 100'000));
      for (const auto& f : faults) {
        if (f.kind == "offline" && !offline) {
          offline = true;
          since = f.time;
        } else if (f.kind == "online" && offline) {
          offline = false;
          sf.offline_hours += OverlapHours(since, f.time, week.start, week.end);
        }
      }
      if (offline) sf.offline_hours += OverlapHours(since, week.end, week.start, week.end);
      PG_ASSIGN_OR_RETURN(auto shown,
                          store.LoadSignDisplays(sign.id, week.start, week.end, 1'000'000));
      sf.contents_published += static_cast<int64_t>(shown.size());
    }
    sf.uptime = 1 - sf.offline_hours / (week_hours * sf.signs);
    PG_ASSIGN_OR_RETURN(auto overrides, store.LoadSignOverrides(nullptr, false, 1'000'000));
    for (const auto& o : overrides) {
      if (o.created >= week.start && o.created < week.end) ++sf.overrides;
      Timestamp until = o.ended ? std::min(*o.ended, o.expires) : o.expires;
      sf.override_hours += OverlapHours(o.created, until, week.start, week.end);
    }
  }

  // --- Forecast accuracy: models trained on the four weeks before, scored on this one ---
  if (options.forecast_accuracy) {
    forecast::Dataset data;
    data.name = out.city_id;
    data.time_zone = out.time_zone;
    for (const auto& [id, f] : scope) {
      PG_ASSIGN_OR_RETURN(
          auto samples,
          store.LoadOccupancy(f->id, week.start - std::chrono::hours(24 * 28), week.end));
      if (samples.empty()) continue;
      forecast::RawSeries s;
      s.id = id;
      for (const auto& x : samples) {
        if (x.capacity > 0) s.samples.push_back({x.time, x.occupied, x.capacity});
      }
      data.series.push_back(std::move(s));
    }
    forecast::BacktestOptions bo;
    bo.train_until = week.start;
    bo.horizons_minutes = options.horizons_minutes;
    bo.calendar = "none";
    bo.threads = 1;
    if (data.series.empty()) {
      out.forecast.note = "no occupancy history in scope";
    } else {
      auto report = forecast::RunBacktest(data, bo);
      if (!report.ok()) {
        out.forecast.note = report.status().message();
      } else {
        for (const auto& h : report->horizons) {
          if (h.n == 0) continue;
          out.forecast.horizons.push_back({h.minutes, h.n, h.model.mae, h.persistence.mae});
        }
        if (out.forecast.horizons.empty()) out.forecast.note = "no forecast could be scored";
      }
    }
  }
  return out;
}

namespace {

json KpisJson(const OccupancyKpis& k, const date::time_zone* zone) {
  return {
      {"facilities", k.facilities},
      {"capacity", k.capacity},
      {"mean_occupancy", Opt(k.mean_occupancy)},
      {"peak_occupancy", Opt(k.peak_occupancy)},
      {"peak_time", k.peak_time && zone ? json(FormatRfc3339(*k.peak_time, *zone)) : json(nullptr)},
      {"saturated_hours", k.saturated_hours},
      {"unknown_share", k.unknown_share},
      {"known_hours", k.known_hours},
      {"guidance_queries", k.guidance_queries ? json(*k.guidance_queries) : json(nullptr)},
      {"ev_utilisation", Opt(k.ev_utilisation)},
      {"ev_availability", Opt(k.ev_availability)},
      {"chargers_in_service", k.chargers_in_service},
      {"chargers_in_service_target",
       k.chargers_in_service_target ? json(*k.chargers_in_service_target) : json(nullptr)}};
}

json FacilityJson(const FacilityFigures& f) {
  return {{"id", f.id},
          {"name", {{"zh", f.name.zh}, {"en", f.name.en}}},
          {"district", f.district},
          {"kind", model::Name(f.kind)},
          {"location", {f.location.lat, f.location.lon}},
          {"capacity", f.capacity},
          {"mean_occupancy", Opt(f.mean_occupancy)},
          {"peak_occupancy", Opt(f.peak_occupancy)},
          {"saturated_hours", f.saturated_hours},
          {"unknown_share", f.unknown_share}};
}

}  // namespace

Result<std::string> SectionJson(const WeekFigures& w, std::string_view section) {
  auto zone_or = LookupTimeZone(w.time_zone);
  const date::time_zone* zone = zone_or.ok() ? *zone_or : nullptr;
  auto fmt_time = [&](Timestamp t) { return zone ? FormatRfc3339(t, *zone) : FormatRfc3339Utc(t); };
  json head = {{"week", w.week.Label()},
               {"from", fmt_time(w.week.start)},
               {"to", fmt_time(w.week.end)},
               {"district", w.district.empty() ? json(nullptr) : json(w.district)},
               {"city", w.city_id},
               {"time_zone", w.time_zone}};
  auto want = [&](std::string_view s) { return section == "all" || section == s; };
  bool known = section == "all" || std::find(std::begin(kSections), std::end(kSections), section) !=
                                       std::end(kSections);
  if (!known) {
    return NotFound(fmt::format("no analytics section '{}'; sections: {}, all", section,
                                fmt::join(kSections, ", ")),
                    "section");
  }
  if (want("summary") || want("occupancy")) head["kpis"] = KpisJson(w.kpis, zone);
  if (want("occupancy") || want("facilities")) {
    json arr = json::array();
    for (const auto& f : w.facilities) arr.push_back(FacilityJson(f));
    head["facilities"] = arr;
    head["most_saturated"] = w.most_saturated;
    head["most_underused"] = w.most_underused;
  }
  if (want("heatmap")) {
    json arr = json::array();
    for (const auto& h : w.heat_maps) {
      json rows = json::array();
      for (const auto& day : h.share) {
        json row = json::array();
        for (const auto& v : day) row.push_back(Opt(v));
        rows.push_back(row);
      }
      arr.push_back({{"district", h.district.empty() ? json(nullptr) : json(h.district)},
                     {"rows", "day of week, Monday first"},
                     {"columns", "local hour 0-23"},
                     {"occupancy", rows}});
    }
    head["heat_maps"] = arr;
  }
  if (want("pricing")) {
    json arr = json::array();
    for (const auto& f : w.facilities) {
      arr.push_back({{"id", f.id},
                     {"mean_occupancy", Opt(f.mean_occupancy)},
                     {"pricing_occupancy", Opt(f.pricing_occupancy)},
                     {"price_fen_per_hour",
                      f.price_fen_per_hour ? json(*f.price_fen_per_hour) : json(nullptr)},
                     {"suggested_fen_per_hour",
                      f.suggested_fen_per_hour ? json(*f.suggested_fen_per_hour) : json(nullptr)},
                     {"action", f.pricing_action}});
    }
    head["pricing"] = arr;
  }
  if (want("summary") || want("pressure")) {
    json arr = json::array();
    for (const auto& p : w.pressure) {
      arr.push_back({{"district", p.district},
                     {"facilities", p.facilities},
                     {"capacity", p.capacity},
                     {"mean_occupancy", Opt(p.mean_occupancy)},
                     {"peak_occupancy", Opt(p.peak_occupancy)},
                     {"saturated_hours", p.saturated_hours},
                     {"centre", {p.centre.lat, p.centre.lon}}});
    }
    head["pressure"] = arr;
  }
  if (want("summary") || want("onstreet")) {
    const auto& o = w.on_street;
    json zones = json::array();
    for (const auto& z : o.zones) {
      zones.push_back({{"zone", z.zone},
                       {"district", z.district},
                       {"bays", z.bays},
                       {"sessions", z.sessions},
                       {"mean_dwell_minutes", Opt(z.mean_dwell_minutes)},
                       {"overstays", z.overstays}});
    }
    json on = {{"bays", o.bays},
               {"bays_reporting", o.bays_reporting},
               {"sessions", o.sessions},
               {"turnover_per_bay_day", Opt(o.turnover_per_bay_day)},
               {"mean_dwell_minutes", Opt(o.mean_dwell_minutes)},
               {"sessions_with_limit", o.sessions_with_limit},
               {"overstays", o.overstays},
               {"overstay_minutes", o.overstay_minutes}};
    if (want("onstreet")) {
      on["zones"] = zones;
      json pts = json::array();
      for (const auto& p : o.points) {
        pts.push_back({{"bay", p.bay},
                       {"location", {p.location.lat, p.location.lon}},
                       {"overstays", p.overstays}});
      }
      on["overstay_bays"] = pts;
    }
    head["on_street"] = on;
  }
  if (want("summary") || want("ev")) {
    auto site_json = [](const auto& s) {
      json j = {{"district", s.district},
                {"connectors", s.connectors},
                {"utilisation", Opt(s.utilisation)},
                {"availability", Opt(s.availability)},
                {"fault_hours", s.status_recorded ? json(s.fault_hours) : json(nullptr)},
                {"faults_restored", s.faults_restored},
                {"mean_hours_to_restore", Opt(s.mean_hours_to_restore)},
                {"status_recorded", s.status_recorded}};
      return j;
    };
    json d = json::array();
    for (const auto& x : w.ev_districts) {
      json j = site_json(x);
      j["sites"] = x.sites;
      d.push_back(j);
    }
    head["ev_districts"] = d;
    if (want("ev")) {
      json s = json::array();
      for (const auto& x : w.ev_sites) {
        json j = site_json(x);
        j["site"] = x.site;
        j["known_hours"] = x.known_hours;
        s.push_back(j);
      }
      head["ev_sites"] = s;
    }
  }
  if (want("summary") || want("buildout")) {
    json arr = json::array();
    for (const auto& b : w.build_out) {
      arr.push_back(
          {{"district", b.district},
           {"planned", b.planned},
           {"under_construction", b.under_construction},
           {"in_service", b.in_service},
           {"retired", b.retired},
           {"target_in_service", b.target.in_service ? json(*b.target.in_service) : json(nullptr)},
           {"target_total", b.target.total ? json(*b.target.total) : json(nullptr)}});
    }
    head["build_out"] = arr;
    json ch = json::array();
    for (const auto& c : w.build_out_changes) {
      ch.push_back({{"charger", c.charger},
                    {"district", c.district},
                    {"to", model::Name(c.to)},
                    {"date", c.date}});
    }
    head["build_out_changes"] = ch;
  }
  if (want("quality")) {
    json src = json::array();
    for (const auto& s : w.quality.sources) {
      src.push_back({{"source", s.source},
                     {"facilities", s.facilities},
                     {"uptime", Opt(s.uptime)},
                     {"silent_periods", s.silent_periods},
                     {"silent_hours", s.silent_hours},
                     {"anomalies", s.anomalies ? json(*s.anomalies) : json(nullptr)},
                     {"corrections", s.corrections ? json(*s.corrections) : json(nullptr)}});
    }
    json worst = json::array();
    for (const auto& g : w.quality.worst_facilities) {
      worst.push_back({{"id", g.id},
                       {"silent_periods", g.silent_periods},
                       {"silent_hours", g.silent_hours},
                       {"unknown_share", g.unknown_share}});
    }
    json frozen = json::array();
    for (const auto& f : w.quality.frozen) {
      frozen.push_back({{"id", f.id},
                        {"kind", f.charger_site ? "charger_site" : "facility"},
                        {"frozen_hours", f.frozen_hours},
                        {"value", f.value},
                        {"capacity", f.capacity}});
    }
    head["quality"] = {
        {"sources", src},
        {"frozen", frozen},
        {"worst_facilities", worst},
        {"facility_silent_periods", w.quality.facility_silent_periods},
        {"facility_silent_hours", w.quality.facility_silent_hours},
        {"dead_letters", w.quality.dead_letters},
        {"dead_letters_by_channel", w.quality.dead_letters_by_channel},
        {"anomalies", w.quality.anomalies ? json(*w.quality.anomalies) : json(nullptr)},
        {"drift_corrections",
         w.quality.corrections ? json(*w.quality.corrections) : json(nullptr)}};
  }
  if (want("signs")) {
    head["signs"] = {{"signs", w.signs.signs},
                     {"uptime", Opt(w.signs.uptime)},
                     {"offline_hours", w.signs.offline_hours},
                     {"overrides", w.signs.overrides},
                     {"override_hours", w.signs.override_hours},
                     {"contents_published", w.signs.contents_published}};
  }
  if (want("forecast")) {
    json arr = json::array();
    for (const auto& h : w.forecast.horizons) {
      arr.push_back({{"horizon_minutes", h.minutes},
                     {"pairs", h.pairs},
                     {"mae_model", h.mae_model},
                     {"mae_persistence", h.mae_persistence}});
    }
    head["forecast"] = {{"horizons", arr},
                        {"note", w.forecast.note.empty() ? json(nullptr) : json(w.forecast.note)}};
  }
  return head.dump();
}

}  // namespace pg::analytics
