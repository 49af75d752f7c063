#include "analytics/analytics.h"

#include <date/date.h>
#include <date/iso_week.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <ranges>
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

// Ratio with nullopt for an empty denominator.
std::optional<double> Ratio(double num, double den) {
  if (den <= 0) return std::nullopt;
  return num / den;
}

// Σ mean_occupied·coverage over Σ capacity·coverage of the rollups added: the space- and
// coverage-weighted mean occupancy of a facility, a group of them or a charging site.
struct WeightedOccupancy {
  double occupied = 0, capacity = 0;
  void Add(const model::OccupancyRollup& r) {
    occupied += r.mean_occupied * r.coverage;
    capacity += r.capacity * r.coverage;
  }
  std::optional<double> Share() const { return Ratio(occupied, capacity); }
};

// The occupancy figures of one facility (AddOwn) or of a group of facilities (AddMember, then
// FinishGroup) from their rollups.
struct OccupancyAccumulator {
  WeightedOccupancy weighted;
  double coverage = 0;
  double saturated_slots = 0;  // coverage-weighted for a facility, whole slots for a group
  std::optional<double> peak;
  std::optional<Timestamp> peak_time;
  struct SlotSum {
    double occupied = 0, capacity = 0;  // Σ mean_occupied, Σ capacity
  };
  std::map<int64_t, SlotSum> per_slot;  // a group's, over rollups with coverage > 0

  void AddOwn(const model::OccupancyRollup& r, double saturation) {
    if (!AddWeighted(r)) return;
    if (r.mean_occupied / r.capacity >= saturation) saturated_slots += r.coverage;
    if (r.coverage > 0) NotePeak(static_cast<double>(r.max_occupied) / r.capacity, r.start);
  }
  void AddMember(const model::OccupancyRollup& r) {
    if (!AddWeighted(r) || r.coverage <= 0) return;
    SlotSum& s = per_slot[ToUnixMillis(r.start)];
    s.occupied += r.mean_occupied;
    s.capacity += r.capacity;
  }
  // A group's peak and saturated time, from its per-slot sums.
  void FinishGroup(double saturation) {
    for (const auto& [t, s] : per_slot) {
      double share = s.occupied / s.capacity;
      NotePeak(share, FromUnixMillis(t));
      if (share >= saturation) saturated_slots += 1;
    }
  }
  std::optional<double> Mean() const { return weighted.Share(); }
  double SaturatedHours() const { return saturated_slots * kSlotHours; }

 private:
  // False for a rollup without capacity, which counts nowhere.
  bool AddWeighted(const model::OccupancyRollup& r) {
    if (r.capacity <= 0) return false;
    weighted.Add(r);
    coverage += r.coverage;
    return true;
  }
  void NotePeak(double share, Timestamp at) {
    if (!peak || share > *peak) {
      peak = share;
      peak_time = at;
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

// Whether `district` is in `scope` ("" for the whole city).
bool InDistrict(std::string_view scope, const std::string& district) {
  return scope.empty() || scope == district;
}

// A charger's charging site: its `site`, or itself alone.
std::string SiteIdOf(const model::Charger& c) { return c.site.empty() ? c.id.str() : c.site; }

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

// The highest hourly price of a tariff's bands, in fen.
int64_t HighestBandFen(const model::Tariff& t) {
  int64_t best = 0;
  for (const auto& b : t.bands) best = std::max(best, b.price_fen_per_hour);
  return best;
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

namespace {

using Rollups = std::span<const model::OccupancyRollup* const>;
using RollupsById = std::map<std::string, std::vector<const model::OccupancyRollup*>>;

// What every section of ComputeWeek reads: the week, the scope and the options.
struct WeekScope {
  store::Store& store;
  const registry::Registry& registry;
  const Week& week;
  const AnalyticsOptions& options;
  std::string_view district;  // "" for the whole city
  double slots = 0;           // 5-minute slots in the week
  double hours = 0;
  std::map<std::string, const model::Facility*> facilities;  // with a capacity, by id
  RollupsById rollups;  // the facilities' 5-minute rollups of the week, each by start

  Rollups RollupsOf(const std::string& facility) const {
    auto it = rollups.find(facility);
    return it == rollups.end() ? Rollups() : Rollups(it->second);
  }
};

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
WeekScope MakeScope(store::Store& store, const registry::Registry& registry, const Week& week,
                    const AnalyticsOptions& options, std::string_view district,
                    const std::vector<model::OccupancyRollup>& all) {
  const double slots = static_cast<double>((week.end - week.start) /
                                           std::chrono::duration_cast<Milliseconds>(kSlot));
  WeekScope s{store, registry, week, options, district, slots, slots * kSlotHours, {}, {}};
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

// The local day of week (0 = Monday) and hour of instants, each converted once.
class LocalHours {
 public:
  explicit LocalHours(const date::time_zone& zone) : zone_(zone) {}
  std::pair<int, int> DayAndHour(Timestamp t) {
    auto [it, fresh] = cache_.try_emplace(ToUnixMillis(t));
    if (fresh) {
      LocalTime l = ToLocal(t, zone_);
      it->second = {l.weekday, l.minute_of_day / 60};
    }
    return it->second;
  }

 private:
  const date::time_zone& zone_;
  std::map<int64_t, std::pair<int, int>> cache_;
};

// Whether a rollup holds known occupancy (capacity and some coverage).
bool Known(const model::OccupancyRollup& r) { return r.capacity > 0 && r.coverage > 0; }

// The SFpark suggestion for a facility from its tariff and its occupancy in the pricing hours.
void SuggestPricing(const model::Facility& f, const PricingOptions& pricing, FacilityFigures& ff) {
  if (!f.tariff) {
    ff.pricing_action = ff.pricing_occupancy ? "no_tariff" : "no_data";
    return;
  }
  ff.price_fen_per_hour = HighestBandFen(*f.tariff);
  if (!ff.pricing_occupancy) return;
  auto [price, action] = SuggestPrice(*ff.price_fen_per_hour, *ff.pricing_occupancy, pricing);
  ff.suggested_fen_per_hour = price;
  ff.pricing_action = action;
}

// One facility's figures of the week from its rollups, with its pricing suggestion.
FacilityFigures FacilityWeek(const model::Facility& f, Rollups rollups, const WeekScope& s,
                             LocalHours& local) {
  const PricingOptions& pricing = s.options.pricing;
  FacilityFigures ff;
  ff.id = f.id.str();
  ff.name = f.name;
  ff.district = f.district;
  ff.kind = f.kind;
  ff.location = f.location;
  ff.capacity = *f.capacity.total;
  OccupancyAccumulator acc;
  WeightedOccupancy in_pricing_hours;
  for (const auto* r : rollups) {
    acc.AddOwn(*r, s.options.saturation);
    if (!Known(*r)) continue;
    int hour = local.DayAndHour(r->start).second;
    if (hour >= pricing.from_hour && hour < pricing.to_hour) in_pricing_hours.Add(*r);
  }
  ff.mean_occupancy = acc.Mean();
  ff.peak_occupancy = acc.peak;
  ff.saturated_hours = acc.SaturatedHours();
  ff.unknown_share = 1 - acc.coverage / s.slots;
  ff.pricing_occupancy = in_pricing_hours.Share();
  SuggestPricing(f, pricing, ff);
  return ff;
}

// The whole scope's and each district's occupancy, as groups of facilities.
struct GroupOccupancy {
  OccupancyAccumulator scope;
  std::map<std::string, OccupancyAccumulator> districts;  // those with a rollup
};

// The scope's and its districts' occupancy from the facilities' rollups, groups finished.
GroupOccupancy GroupWeek(const WeekScope& s) {
  GroupOccupancy g;
  for (const auto& [id, f] : s.facilities) {
    for (const auto* r : s.RollupsOf(id)) {
      g.scope.AddMember(*r);
      g.districts[f->district].AddMember(*r);
    }
  }
  g.scope.FinishGroup(s.options.saturation);
  for (auto& [d, acc] : g.districts) acc.FinishGroup(s.options.saturation);
  return g;
}

// Mean occupancy by local day and hour: the scope's first, then each district's when the scope
// is the city; one empty map when nothing is known.
std::vector<HeatMap> HeatMaps(const WeekScope& s, LocalHours& local) {
  using Grid = std::array<std::array<WeightedOccupancy, 24>, 7>;
  std::map<std::string, Grid> grids;  // "" = the whole scope
  for (const auto& [id, f] : s.facilities) {
    for (const auto* r : s.RollupsOf(id)) {
      if (!Known(*r)) continue;
      auto [day, hour] = local.DayAndHour(r->start);
      for (const std::string& key : {std::string(), f->district}) grids[key][day][hour].Add(*r);
    }
  }
  std::vector<HeatMap> maps;
  for (const auto& [key, grid] : grids) {
    if (!s.district.empty() && !key.empty()) continue;
    HeatMap h;
    h.district = key;
    for (int day = 0; day < 7; ++day) {
      for (int hour = 0; hour < 24; ++hour) h.share[day][hour] = grid[day][hour].Share();
    }
    maps.push_back(std::move(h));
  }
  if (maps.empty()) maps.push_back(HeatMap{});
  return maps;
}

// The ids of the first `n` facilities of `ranked`.
std::vector<std::string> FirstIds(const std::vector<const FacilityFigures*>& ranked, int n) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < ranked.size() && static_cast<int>(i) < n; ++i) {
    ids.push_back(ranked[i]->id);
  }
  return ids;
}

// Among facilities with data: the most saturated (by saturated hours, then mean occupancy) and
// the most under-used (by mean occupancy), `top_n` each.
void RankFacilities(int top_n, WeekFigures& out) {
  std::vector<const FacilityFigures*> known;
  for (const auto& f : out.facilities) {
    if (f.mean_occupancy) known.push_back(&f);
  }
  std::sort(known.begin(), known.end(), [](const auto* a, const auto* b) {
    if (a->saturated_hours != b->saturated_hours) return a->saturated_hours > b->saturated_hours;
    if (*a->mean_occupancy != *b->mean_occupancy) return *a->mean_occupancy > *b->mean_occupancy;
    return a->id < b->id;
  });
  out.most_saturated = FirstIds(known, top_n);
  std::sort(known.begin(), known.end(), [](const auto* a, const auto* b) {
    if (*a->mean_occupancy != *b->mean_occupancy) return *a->mean_occupancy < *b->mean_occupancy;
    return a->id < b->id;
  });
  out.most_underused = FirstIds(known, top_n);
}

// Demand against supply in each district of the scope, located at its facilities' mean.
std::vector<DistrictPressure> Pressure(const WeekScope& s, const GroupOccupancy& groups) {
  std::map<std::string, DistrictPressure> by_district;
  for (const auto& [id, f] : s.facilities) {
    DistrictPressure& p = by_district[f->district];
    p.centre.lat += f->location.lat;
    p.centre.lon += f->location.lon;
    ++p.facilities;
    p.capacity += *f->capacity.total;
  }
  std::vector<DistrictPressure> out;
  for (auto& [d, p] : by_district) {
    p.district = d;
    for (const auto& cd : s.registry.city().districts) {
      if (cd.id == d) p.name = cd.name;
    }
    if (auto it = groups.districts.find(d); it != groups.districts.end()) {
      p.mean_occupancy = it->second.Mean();
      p.peak_occupancy = it->second.peak;
      p.saturated_hours = it->second.SaturatedHours();
    }
    p.centre = {p.centre.lat / p.facilities, p.centre.lon / p.facilities};
    out.push_back(std::move(p));
  }
  return out;
}

// The occupancy sections: facilities, KPIs, rankings, heat maps and pressure.
Status AddOccupancy(const WeekScope& s, WeekFigures& out) {
  LocalHours local(s.registry.time_zone());
  for (const auto& [id, f] : s.facilities) {
    out.facilities.push_back(FacilityWeek(*f, s.RollupsOf(id), s, local));
    out.kpis.capacity += out.facilities.back().capacity;
  }
  const GroupOccupancy groups = GroupWeek(s);
  OccupancyKpis& k = out.kpis;
  k.facilities = static_cast<int>(s.facilities.size());
  k.mean_occupancy = groups.scope.Mean();
  k.peak_occupancy = groups.scope.peak;
  k.peak_time = groups.scope.peak_time;
  k.saturated_hours = groups.scope.SaturatedHours();
  k.known_hours = groups.scope.coverage * kSlotHours;
  k.unknown_share =
      s.facilities.empty()
          ? 1.0
          : 1 - groups.scope.coverage / (s.slots * static_cast<double>(s.facilities.size()));
  PG_ASSIGN_OR_RETURN(k.guidance_queries,
                      s.store.CounterSum("guidance.queries", s.week.start, s.week.end));
  RankFacilities(s.options.top_n, out);
  out.heat_maps = HeatMaps(s, local);
  out.pressure = Pressure(s, groups);
  return Status::Ok();
}

// --- On-street ---

// One stay in a bay: an occupied event followed by the bay's next event, free.
struct Stay {
  const model::Bay* bay = nullptr;
  double minutes = 0;
};

// The sensed bays of the scope, by id.
std::unordered_map<std::string, const model::Bay*> BaysInScope(const WeekScope& s) {
  std::unordered_map<std::string, const model::Bay*> bays;
  for (const auto& b : s.registry.bays()) {
    const model::Facility* f = s.registry.FindFacility(b.facility);
    if (f && InDistrict(s.district, f->district)) bays[b.id.str()] = &b;
  }
  return bays;
}

// The stays arriving before `week_end` among `events` (by bay, then time) of bays in `bays`;
// `reporting` gets every such bay with an event before `week_end`.
std::vector<Stay> StaysOf(const std::vector<model::BayEvent>& events,
                          const std::unordered_map<std::string, const model::Bay*>& bays,
                          Timestamp week_end, std::set<std::string>& reporting) {
  std::vector<Stay> stays;
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    auto bay = bays.find(e.bay.str());
    if (bay == bays.end() || e.time >= week_end) continue;
    reporting.insert(e.bay.str());
    if (!e.occupied || i + 1 >= events.size()) continue;
    const auto& next = events[i + 1];
    if (next.bay != e.bay || next.occupied) continue;
    stays.push_back({bay->second, static_cast<double>((next.time - e.time).count()) / 60'000.0});
  }
  return stays;
}

// Running sums of stays: the week's (into `on`) and each zone's.
struct StayTally {
  OnStreet& on;
  double dwell_minutes = 0;
  std::map<std::string, OnStreetZone> zones;  // by zone (facility) id
  std::map<std::string, double> zone_dwell_minutes;

  void Add(const Stay& stay) {
    const model::Bay& bay = *stay.bay;
    OnStreetZone& zone = zones[bay.facility.str()];
    ++on.sessions;
    dwell_minutes += stay.minutes;
    ++zone.sessions;
    zone_dwell_minutes[bay.facility.str()] += stay.minutes;
    if (!bay.time_limit_minutes) return;
    ++on.sessions_with_limit;
    if (stay.minutes <= *bay.time_limit_minutes) return;
    ++on.overstays;
    on.overstay_minutes += stay.minutes - *bay.time_limit_minutes;
    ++zone.overstays;
    if (on.points.empty() || on.points.back().bay != bay.id.str()) {
      on.points.push_back({bay.id.str(), bay.location, 0});
    }
    ++on.points.back().overstays;
  }
};

// The zones with a stay, named and sized from the registry, most overstays first.
std::vector<OnStreetZone> ZonesOf(StayTally& tally,
                                  const std::unordered_map<std::string, const model::Bay*>& bays,
                                  const registry::Registry& registry) {
  std::map<std::string, int> zone_bays;
  for (const auto& [id, b] : bays) ++zone_bays[b->facility.str()];
  std::vector<OnStreetZone> out;
  for (auto& [id, z] : tally.zones) {
    z.zone = id;
    z.bays = zone_bays[id];
    if (const auto* f = registry.FindFacility(model::FacilityId(id))) {
      z.name = f->name;
      z.district = f->district;
    }
    if (z.sessions > 0) {
      z.mean_dwell_minutes = tally.zone_dwell_minutes.at(id) / static_cast<double>(z.sessions);
    }
    out.push_back(std::move(z));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.overstays > b.overstays; });
  return out;
}

// Sessions, dwell, turnover and overstays of the scope's sensed bays, whole and by zone.
Result<OnStreet> OnStreetWeek(const WeekScope& s) {
  OnStreet on;
  const auto bays = BaysInScope(s);
  on.bays = static_cast<int>(bays.size());
  if (bays.empty()) return on;
  // A session arriving late in the week may end after it.
  PG_ASSIGN_OR_RETURN(auto events,
                      s.store.LoadBayEvents(s.week.start, s.week.end + std::chrono::hours(24)));
  std::set<std::string> reporting;
  StayTally tally{on, 0, {}, {}};
  for (const Stay& stay : StaysOf(events, bays, s.week.end, reporting)) tally.Add(stay);
  on.bays_reporting = static_cast<int>(reporting.size());
  if (!reporting.empty()) {
    on.turnover_per_bay_day =
        static_cast<double>(on.sessions) / static_cast<double>(reporting.size()) / (s.hours / 24.0);
  }
  if (on.sessions > 0)
    on.mean_dwell_minutes = tally.dwell_minutes / static_cast<double>(on.sessions);
  on.zones = ZonesOf(tally, bays, s.registry);
  return on;
}

// --- EV charging ---

// The scope's charging sites in service (by site id) and the site of every charger in scope.
struct ChargingScope {
  std::map<std::string, EvSite> sites;
  std::unordered_map<std::string, std::string> site_of_charger;

  // The site in service of `charger`, nullptr when it has none in scope.
  EvSite* SiteOf(const model::ChargerId& charger) {
    auto it = site_of_charger.find(charger.str());
    if (it == site_of_charger.end()) return nullptr;
    auto site = sites.find(it->second);
    return site == sites.end() ? nullptr : &site->second;
  }
};

// The chargers of the scope: every one's site, and the sites in service with their connectors.
ChargingScope ChargingInScope(const WeekScope& s) {
  ChargingScope c;
  for (const auto& charger : s.registry.chargers()) {
    if (!InDistrict(s.district, charger.district)) continue;
    const std::string site_id = SiteIdOf(charger);
    c.site_of_charger[charger.id.str()] = site_id;
    if (charger.lifecycle != model::Lifecycle::kInService) continue;
    EvSite& site = c.sites[site_id];
    site.site = site_id;
    if (site.district.empty()) site.district = charger.district;
    if (site.name.zh.empty() && site.name.en.empty()) site.name = charger.name;
    site.connectors += static_cast<int>(charger.connectors.size());
  }
  return c;
}

// A charging site's (or a group's) sums over its rollups: busy connectors weighted as
// occupancy, known time, and known time with a connector free.
struct SiteCoverage {
  WeightedOccupancy busy;
  double coverage = 0;
  double available = 0;
  void Add(const model::OccupancyRollup& r) {
    busy.Add(r);
    coverage += r.coverage;
    if (r.min_occupied < r.capacity) available += r.coverage;
  }
  void Add(const SiteCoverage& o) {
    busy.occupied += o.busy.occupied;
    busy.capacity += o.busy.capacity;
    coverage += o.coverage;
    available += o.available;
  }
  std::optional<double> Availability() const { return Ratio(available, coverage); }
};

// Utilisation, availability and known hours of each site, from the week's site rollups; the
// sums per site.
std::map<std::string, SiteCoverage> AddSiteOccupancy(
    const std::vector<model::OccupancyRollup>& rollups, std::map<std::string, EvSite>& sites) {
  std::map<std::string, SiteCoverage> sums;
  for (const auto& r : rollups) {
    if (sites.contains(r.id) && r.capacity > 0) sums[r.id].Add(r);
  }
  for (auto& [id, site] : sites) {
    auto it = sums.find(id);
    if (it == sums.end()) continue;
    site.utilisation = it->second.busy.Share();
    site.availability = it->second.Availability();
    site.known_hours = it->second.coverage * kSlotHours;
  }
  return sums;
}

// The sites among `rollups` whose count froze for at least `frozen_after`.
void AddFrozenSites(const std::vector<model::OccupancyRollup>& rollups,
                    const std::map<std::string, EvSite>& sites, std::chrono::hours frozen_after,
                    std::vector<FrozenSeries>& frozen) {
  RollupsById by_site;
  for (const auto& r : rollups) {
    if (sites.contains(r.id)) by_site[r.id].push_back(&r);
  }
  for (const auto& [id, list] : by_site) {
    if (auto f = Frozen(list, frozen_after)) {
      f->id = id;
      f->charger_site = true;
      frozen.push_back(*f);
    }
  }
}

// Whether two statuses are of one connector of one charger.
bool SameConnector(const model::ChargerStatusEvent& a, const model::ChargerStatusEvent& b) {
  return a.charger == b.charger && a.connector == b.connector;
}

// Whether a status is Faulted.
bool IsFault(const model::ChargerStatusEvent& e) {
  return e.status == model::ChargerStatus::kFaulted;
}

// Fault hours in the week and the spells restored in it, per site, from connector statuses
// (ordered by charger, connector, time). A spell runs from a Faulted status to the connector's
// next other status. Returns the hours to restore summed per site.
std::map<std::string, double> AddFaultSpells(const std::vector<model::ChargerStatusEvent>& statuses,
                                             const Week& week, ChargingScope& charging) {
  for (const auto& e : statuses) {
    if (EvSite* site = charging.SiteOf(e.charger)) site->status_recorded = true;
  }
  std::map<std::string, double> restore_hours;
  for (size_t i = 0; i < statuses.size(); ++i) {
    const auto& e = statuses[i];
    if (!IsFault(e)) continue;
    EvSite* site = charging.SiteOf(e.charger);
    if (!site) continue;
    // Repeated Faulted reports belong to one spell.
    if (i > 0 && SameConnector(statuses[i - 1], e) && IsFault(statuses[i - 1])) continue;
    size_t j = i + 1;
    while (j < statuses.size() && SameConnector(statuses[j], e) && IsFault(statuses[j])) ++j;
    const bool restored = j < statuses.size() && SameConnector(statuses[j], e);
    const Timestamp end = restored ? statuses[j].time : week.end;
    site->fault_hours += OverlapHours(e.time, end, week.start, week.end);
    if (restored && end >= week.start) {
      ++site->faults_restored;
      restore_hours[site->site] += static_cast<double>((end - e.time).count()) / kMsPerHour;
    }
  }
  return restore_hours;
}

// Each site's mean time to restore; the districts' figures, summed from their sites; and the
// scope's utilisation and availability, summed from its districts.
void SummariseCharging(const ChargingScope& charging,
                       const std::map<std::string, SiteCoverage>& site_sums,
                       const std::map<std::string, double>& restore_hours, WeekFigures& out) {
  auto restored_hours_of = [&](const std::string& site) {
    auto it = restore_hours.find(site);
    return it == restore_hours.end() ? 0.0 : it->second;
  };
  std::map<std::string, SiteCoverage> district_sums;
  std::map<std::string, double> district_restore_hours;
  std::map<std::string, EvDistrict> districts;
  for (EvSite site : std::views::values(charging.sites)) {
    if (site.faults_restored > 0) {
      site.mean_hours_to_restore =
          restored_hours_of(site.site) / static_cast<double>(site.faults_restored);
    }
    EvDistrict& d = districts[site.district];
    d.district = site.district;
    ++d.sites;
    d.connectors += site.connectors;
    d.fault_hours += site.fault_hours;
    d.status_recorded = d.status_recorded || site.status_recorded;
    d.faults_restored += site.faults_restored;
    SiteCoverage& sums = district_sums[site.district];
    if (auto it = site_sums.find(site.site); it != site_sums.end()) sums.Add(it->second);
    district_restore_hours[site.district] += restored_hours_of(site.site);
    out.ev_sites.push_back(std::move(site));
  }
  SiteCoverage all;
  for (const auto& sums : std::views::values(district_sums)) all.Add(sums);
  out.kpis.ev_utilisation = all.busy.Share();
  out.kpis.ev_availability = all.Availability();
  for (auto& [name, d] : districts) {
    const SiteCoverage& sums = district_sums[name];
    d.utilisation = sums.busy.Share();
    d.availability = sums.Availability();
    if (d.faults_restored > 0) {
      d.mean_hours_to_restore =
          district_restore_hours[name] / static_cast<double>(d.faults_restored);
    }
    out.ev_districts.push_back(d);
  }
}

// The charging sections: sites and districts (utilisation, availability, faults) and the
// frozen sites of the data quality.
Status AddCharging(const WeekScope& s, WeekFigures& out) {
  ChargingScope charging = ChargingInScope(s);
  if (charging.sites.empty()) return Status::Ok();
  PG_ASSIGN_OR_RETURN(auto rollups,
                      s.store.LoadAllRollups(Kind::kChargerSite, kSlot, s.week.start, s.week.end));
  const auto site_sums = AddSiteOccupancy(rollups, charging.sites);
  AddFrozenSites(rollups, charging.sites, s.options.frozen_after, out.quality.frozen);
  // Look back far enough to see fault spells that began before the week.
  PG_ASSIGN_OR_RETURN(auto statuses, s.store.LoadChargerStatus(
                                         s.week.start - std::chrono::hours(24 * 28), s.week.end));
  const auto restore_hours = AddFaultSpells(statuses, s.week, charging);
  SummariseCharging(charging, site_sums, restore_hours, out);
  return Status::Ok();
}

// --- Build-out ---

// Counts one charger at `stage` in its district's build-out.
void CountStage(model::Lifecycle stage, BuildOutDistrict& b) {
  switch (stage) {
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

// The steps of `c` dated in the local days [first_day, last_day].
void AddStepsDatedIn(const model::Charger& c, const std::string& first_day,
                     const std::string& last_day, std::vector<BuildOutChange>& changes) {
  const std::pair<const std::string*, model::Lifecycle> steps[] = {
      {&c.planned_date, model::Lifecycle::kPlanned},
      {&c.construction_date, model::Lifecycle::kUnderConstruction},
      {&c.in_service_date, model::Lifecycle::kInService},
      {&c.retired_date, model::Lifecycle::kRetired}};
  for (const auto& [date, to] : steps) {
    if (!date->empty() && *date >= first_day && *date <= last_day) {
      changes.push_back({c.id.str(), c.district, to, *date});
    }
  }
}

// Chargers by stage at the week's end and the steps taken in it, per district of the scope
// (every district of the city or of the targets, even without chargers), against the targets.
void AddBuildOut(const WeekScope& s, WeekFigures& out) {
  const auto& zone = s.registry.time_zone();
  const std::string first_day = LocalDate(s.week.start, zone);
  const std::string last_day = LocalDate(s.week.end - std::chrono::hours(12), zone);
  std::map<std::string, BuildOutDistrict> build;
  for (const auto& d : s.registry.city().districts) {
    if (InDistrict(s.district, d.id)) build[d.id].district = d.id;
  }
  for (const auto& [d, t] : s.options.targets) {
    if (InDistrict(s.district, d)) build[d].district = d;
  }
  for (const auto& c : s.registry.chargers()) {
    if (!InDistrict(s.district, c.district)) continue;
    BuildOutDistrict& b = build[c.district];
    b.district = c.district;
    if (auto stage = LifecycleOn(c, last_day)) CountStage(*stage, b);
    AddStepsDatedIn(c, first_day, last_day, out.build_out_changes);
  }
  for (auto& [d, b] : build) {
    auto t = s.options.targets.find(d);
    if (t != s.options.targets.end()) b.target = t->second;
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

// A facility's known time and its silent runs in the week.
struct Gaps {
  double coverage = 0;  // Σ coverage of its slots
  int periods = 0;      // silent runs of at least silent_after
  double hours = 0;     // in those runs
};

// The silent runs of one facility: from the week's start, between known slots, and to the week's
// end, counted when at least `min_run` long.
Gaps SilentGaps(Rollups rollups, const Week& week, std::chrono::minutes min_run) {
  const int64_t slot_ms = std::chrono::duration_cast<Milliseconds>(kSlot).count();
  const int64_t min_run_ms = std::chrono::duration_cast<Milliseconds>(min_run).count();
  Gaps g;
  int64_t run_start = ToUnixMillis(week.start);
  auto close_run = [&](int64_t until) {
    if (until - run_start >= min_run_ms) {
      ++g.periods;
      g.hours += static_cast<double>(until - run_start) / kMsPerHour;
    }
  };
  for (const auto* r : rollups) {
    g.coverage += r->coverage;
    if (r->coverage <= 0) continue;  // part of a silent run
    int64_t t = ToUnixMillis(r->start);
    close_run(t);
    run_start = t + slot_ms;
  }
  close_run(ToUnixMillis(week.end));
  return g;
}

// Each facility's silent runs and frozen counts; the worst facilities. Returns the gaps by id.
std::map<std::string, Gaps> AddFacilityQuality(const WeekScope& s, DataQuality& q) {
  std::map<std::string, Gaps> gaps;
  for (const auto& [id, f] : s.facilities) {
    const Gaps g = SilentGaps(s.RollupsOf(id), s.week, s.options.silent_after);
    if (auto frozen = Frozen(s.RollupsOf(id), s.options.frozen_after)) {
      frozen->id = id;
      q.frozen.push_back(*frozen);
    }
    gaps[id] = g;
    if (g.periods > 0)
      q.worst_facilities.push_back({id, g.periods, g.hours, 1 - g.coverage / s.slots});
    q.facility_silent_periods += g.periods;
    q.facility_silent_hours += g.hours;
  }
  std::stable_sort(q.frozen.begin(), q.frozen.end(),
                   [](const auto& a, const auto& b) { return a.frozen_hours > b.frozen_hours; });
  std::stable_sort(q.worst_facilities.begin(), q.worst_facilities.end(),
                   [](const auto& a, const auto& b) { return a.silent_hours > b.silent_hours; });
  if (q.worst_facilities.size() > static_cast<size_t>(s.options.top_n)) {
    q.worst_facilities.resize(static_cast<size_t>(s.options.top_n));
  }
  return gaps;
}

// The scope's facilities a source may write: its scope's facilities, operators and bays.
std::set<std::string> FacilitiesOfSource(const model::Source& source, const WeekScope& s) {
  const auto& scope = source.scope;
  std::set<std::string> covered;
  for (const auto& [id, f] : s.facilities) {
    if (scope.all || std::ranges::find(scope.facilities, f->id) != scope.facilities.end() ||
        std::ranges::find(scope.operators, f->operator_name) != scope.operators.end()) {
      covered.insert(id);
    }
  }
  for (const auto& b : scope.bays) {
    if (const auto* bay = s.registry.FindBay(b);
        bay && s.facilities.contains(bay->facility.str())) {
      covered.insert(bay->facility.str());
    }
  }
  return covered;
}

// Adds `v` to `total` when it is known (a counter the week has).
void AddKnown(std::optional<int64_t>& total, const std::optional<int64_t>& v) {
  if (v) total = total.value_or(0) + *v;
}

// Each source's uptime and silent runs over the facilities it covers, and its anomaly and
// drift-correction counters; the counters' totals.
Status AddSourceQuality(const WeekScope& s, const std::map<std::string, Gaps>& gaps,
                        DataQuality& q) {
  for (const auto& source : s.registry.sources()) {
    const std::set<std::string> covered = FacilitiesOfSource(source, s);
    if (covered.empty()) continue;
    SourceQuality sq;
    sq.source = source.id.str();
    double coverage = 0;
    for (const auto& id : covered) {
      const Gaps& g = gaps.at(id);
      coverage += g.coverage;
      sq.silent_periods += g.periods;
      sq.silent_hours += g.hours;
    }
    sq.facilities = static_cast<int>(covered.size());
    const std::string counter = "source." + sq.source;
    PG_ASSIGN_OR_RETURN(sq.anomalies,
                        s.store.CounterSum(counter + ".anomalies", s.week.start, s.week.end));
    PG_ASSIGN_OR_RETURN(sq.corrections,
                        s.store.CounterSum(counter + ".corrections", s.week.start, s.week.end));
    AddKnown(q.anomalies, sq.anomalies);
    AddKnown(q.corrections, sq.corrections);
    sq.uptime = coverage / (s.slots * static_cast<double>(covered.size()));
    q.sources.push_back(std::move(sq));
  }
  return Status::Ok();
}

// Refused ingest messages received in the week, in all and by channel.
Status AddDeadLetters(const WeekScope& s, DataQuality& q) {
  PG_ASSIGN_OR_RETURN(auto letters, s.store.LoadDeadLetters(10'000));
  for (const auto& l : letters) {
    if (l.received >= s.week.start && l.received < s.week.end) {
      ++q.dead_letters;
      ++q.dead_letters_by_channel[l.channel];
    }
  }
  return Status::Ok();
}

// The data quality section. REQUIRES: the frozen charging sites are in `q` already.
Status AddDataQuality(const WeekScope& s, DataQuality& q) {
  const std::map<std::string, Gaps> gaps = AddFacilityQuality(s, q);
  PG_RETURN_IF_ERROR(AddSourceQuality(s, gaps, q));
  return AddDeadLetters(s, q);
}

// --- Signs ---

// Adds to `hours` each spell of the week a sign was offline, from its fault log (its state at
// the week's start, then each offline and online record in it).
Status AddOfflineHours(store::Store& store, const model::SignId& sign, const Week& week,
                       double& hours) {
  PG_ASSIGN_OR_RETURN(auto before, store.SignFaultAt(sign, week.start));
  bool offline = before && before->kind == "offline";
  Timestamp since = week.start;
  PG_ASSIGN_OR_RETURN(auto faults, store.LoadSignFaults(sign, week.start, week.end, 100'000));
  for (const auto& f : faults) {
    if (f.kind == "offline" && !offline) {
      offline = true;
      since = f.time;
    } else if (f.kind == "online" && offline) {
      offline = false;
      hours += OverlapHours(since, f.time, week.start, week.end);
    }
  }
  if (offline) hours += OverlapHours(since, week.end, week.start, week.end);
  return Status::Ok();
}

// Uptime, contents published and overrides of the city's signs. REQUIRES: some sign.
Result<SignFigures> SignWeek(const WeekScope& s) {
  SignFigures sf;
  sf.signs = static_cast<int>(s.registry.signs().size());
  for (const auto& sign : s.registry.signs()) {
    PG_RETURN_IF_ERROR(AddOfflineHours(s.store, sign.id, s.week, sf.offline_hours));
    PG_ASSIGN_OR_RETURN(auto shown,
                        s.store.LoadSignDisplays(sign.id, s.week.start, s.week.end, 1'000'000));
    sf.contents_published += static_cast<int64_t>(shown.size());
  }
  sf.uptime = 1 - sf.offline_hours / (s.hours * sf.signs);
  PG_ASSIGN_OR_RETURN(auto overrides, s.store.LoadSignOverrides(nullptr, false, 1'000'000));
  for (const auto& o : overrides) {
    if (o.created >= s.week.start && o.created < s.week.end) ++sf.overrides;
    Timestamp until = o.ended ? std::min(*o.ended, o.expires) : o.expires;
    sf.override_hours += OverlapHours(o.created, until, s.week.start, s.week.end);
  }
  return sf;
}

// --- Forecast accuracy ---

// The occupancy samples of the scope's facilities over the four weeks before the week and the
// week itself, as a backtest's data set.
Result<forecast::Dataset> ForecastHistory(const WeekScope& s) {
  forecast::Dataset data;
  data.name = s.registry.city().id;
  data.time_zone = s.registry.city().time_zone;
  for (const auto& [id, f] : s.facilities) {
    PG_ASSIGN_OR_RETURN(
        auto samples,
        s.store.LoadOccupancy(f->id, s.week.start - std::chrono::hours(24 * 28), s.week.end));
    if (samples.empty()) continue;
    forecast::RawSeries series;
    series.id = id;
    for (const auto& x : samples) {
      if (x.capacity > 0) series.samples.push_back({x.time, x.occupied, x.capacity});
    }
    data.series.push_back(std::move(series));
  }
  return data;
}

// Models trained on the four weeks before the week, scored on it against persistence.
Result<ForecastAccuracy> ForecastWeek(const WeekScope& s) {
  ForecastAccuracy accuracy;
  PG_ASSIGN_OR_RETURN(forecast::Dataset data, ForecastHistory(s));
  if (data.series.empty()) {
    accuracy.note = "no occupancy history in scope";
    return accuracy;
  }
  forecast::BacktestOptions bo;
  bo.train_until = s.week.start;
  bo.horizons_minutes = s.options.horizons_minutes;
  bo.calendar = "none";
  bo.threads = 1;
  auto report = forecast::RunBacktest(data, bo);
  if (!report.ok()) {
    accuracy.note = report.status().message();
    return accuracy;
  }
  for (const auto& h : report->horizons) {
    if (h.n == 0) continue;
    accuracy.horizons.push_back({h.minutes, h.n, h.model.mae, h.persistence.mae});
  }
  if (accuracy.horizons.empty()) accuracy.note = "no forecast could be scored";
  return accuracy;
}

}  // namespace

Result<WeekFigures> ComputeWeek(store::Store& store, const registry::Registry& registry,
                                const Week& week, const AnalyticsOptions& options,
                                std::string_view district) {
  PG_RETURN_IF_ERROR(CheckDistrictKnown(registry, district));
  PG_ASSIGN_OR_RETURN(auto rollups,
                      store.LoadAllRollups(Kind::kFacility, kSlot, week.start, week.end));
  const WeekScope scope = MakeScope(store, registry, week, options, district, rollups);
  WeekFigures out = Heading(scope);
  PG_RETURN_IF_ERROR(AddOccupancy(scope, out));
  PG_ASSIGN_OR_RETURN(out.on_street, OnStreetWeek(scope));
  // Before the data quality, which adds the facilities' frozen series to the sites'.
  PG_RETURN_IF_ERROR(AddCharging(scope, out));
  AddBuildOut(scope, out);
  PG_RETURN_IF_ERROR(AddDataQuality(scope, out.quality));
  // Signs carry no district: their figures are the city's.
  if (district.empty() && !registry.signs().empty()) {
    PG_ASSIGN_OR_RETURN(out.signs, SignWeek(scope));
  }
  if (options.forecast_accuracy) {
    PG_ASSIGN_OR_RETURN(out.forecast, ForecastWeek(scope));
  }
  return out;
}

}  // namespace pg::analytics
