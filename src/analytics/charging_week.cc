// The charging sections of ComputeWeek: EV sites and districts, and the build-out
// (analytics/week_internal.h).
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "analytics/week_internal.h"

namespace pg::analytics::week_internal {
namespace {

// A charger's charging site: its `site`, or itself alone.
std::string SiteIdOf(const model::Charger& c) { return c.site.empty() ? c.id.str() : c.site; }

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
  for (const auto& [id, in_scope] : charging.sites) {
    EvSite site = in_scope;
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
  for (const auto& [district, sums] : district_sums) all.Add(sums);
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

}  // namespace

Status AddCharging(const WeekScope& s, WeekFigures& out) {
  ChargingScope charging = ChargingInScope(s);
  if (charging.sites.empty()) return Status::Ok();
  PG_ASSIGN_OR_RETURN(
      auto rollups, s.history.LoadAllRollups(Kind::kChargerSite, kSlot, s.week.start, s.week.end));
  const auto site_sums = AddSiteOccupancy(rollups, charging.sites);
  AddFrozenSites(rollups, charging.sites, s.options.frozen_after, out.quality.frozen);
  // Look back far enough to see fault spells that began before the week.
  PG_ASSIGN_OR_RETURN(auto statuses, s.history.LoadChargerStatus(
                                         s.week.start - std::chrono::hours(24 * 28), s.week.end));
  const auto restore_hours = AddFaultSpells(statuses, s.week, charging);
  SummariseCharging(charging, site_sums, restore_hours, out);
  return Status::Ok();
}

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

}  // namespace pg::analytics::week_internal
