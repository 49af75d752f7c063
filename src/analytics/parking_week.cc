// The parking sections of ComputeWeek: occupancy (facilities, KPIs, rankings, heat maps,
// pressure, pricing) and on-street stays (analytics/week_internal.h).
#include <algorithm>
#include <set>
#include <unordered_map>

#include "analytics/week_internal.h"

namespace pg::analytics::week_internal {
namespace {

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

// The highest hourly price of a tariff's bands, in fen.
int64_t HighestBandFen(const model::Tariff& t) {
  int64_t best = 0;
  for (const auto& b : t.bands) best = std::max(best, b.price_fen_per_hour);
  return best;
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

}  // namespace

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
                      s.counters.CounterSum("guidance.queries", s.week.start, s.week.end));
  RankFacilities(s.options.top_n, out);
  out.heat_maps = HeatMaps(s, local);
  out.pressure = Pressure(s, groups);
  return Status::Ok();
}

Result<OnStreet> OnStreetWeek(const WeekScope& s) {
  OnStreet on;
  const auto bays = BaysInScope(s);
  on.bays = static_cast<int>(bays.size());
  if (bays.empty()) return on;
  // A session arriving late in the week may end after it.
  PG_ASSIGN_OR_RETURN(auto events,
                      s.history.LoadBayEvents(s.week.start, s.week.end + std::chrono::hours(24)));
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

}  // namespace pg::analytics::week_internal
