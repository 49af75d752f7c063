// Shared by the parts of ComputeWeek (analytics.cc): what each section reads (WeekScope), the
// helpers more than one section uses, and the sections themselves, one file each — parking
// (occupancy and on-street, parking_week.cc), charging (EV and build-out, charging_week.cc) and
// the service (data quality, signs, forecast accuracy, service_week.cc). Not part of the
// analytics interface.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/analytics.h"

namespace pg::analytics::week_internal {

using Kind = model::OccupancyRollup::Kind;
using Rollups = std::span<const model::OccupancyRollup* const>;
using RollupsById = std::map<std::string, std::vector<const model::OccupancyRollup*>>;

inline constexpr std::chrono::seconds kSlot{300};
inline constexpr double kSlotHours = 300.0 / 3600.0;
inline constexpr double kMsPerHour = 3'600'000.0;

// Ratio with nullopt for an empty denominator.
inline std::optional<double> Ratio(double num, double den) {
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

// Whether `district` is in `scope` ("" for the whole city).
inline bool InDistrict(std::string_view scope, const std::string& district) {
  return scope.empty() || scope == district;
}

// Runs of one series' rollups (sorted by start) in which the count never moved: every slot's min
// equals its max and the previous slot's, slots adjacent. Adds the hours of runs at least
// `min_run` long; nullopt when there is none.
std::optional<FrozenSeries> Frozen(std::span<const model::OccupancyRollup* const> rollups,
                                   std::chrono::hours min_run);

// Overlap in hours of [a, b) with [from, to).
double OverlapHours(Timestamp a, Timestamp b, Timestamp from, Timestamp to);

// What every section of ComputeWeek reads: the week, the scope and the options.
struct WeekScope {
  store::OccupancyHistoryReader& history;
  store::CounterReader& counters;
  store::SignHistoryReader& sign_history;
  store::DeadLetterReader& dead_letters;
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

// --- Parking (parking_week.cc) ---

// The occupancy sections: facilities, KPIs, rankings, heat maps and pressure.
Status AddOccupancy(const WeekScope& s, WeekFigures& out);

// Sessions, dwell, turnover and overstays of the scope's sensed bays, whole and by zone.
Result<OnStreet> OnStreetWeek(const WeekScope& s);

// --- Charging (charging_week.cc) ---

// The charging sections: sites and districts (utilisation, availability, faults) and the
// frozen sites of the data quality.
Status AddCharging(const WeekScope& s, WeekFigures& out);

// Chargers by stage at the week's end and the steps taken in it, per district of the scope
// (every district of the city or of the targets, even without chargers), against the targets.
void AddBuildOut(const WeekScope& s, WeekFigures& out);

// --- The service (service_week.cc) ---

// The data quality section. REQUIRES: the frozen charging sites are in `q` already.
Status AddDataQuality(const WeekScope& s, DataQuality& q);

// Uptime, contents published and overrides of the city's signs. REQUIRES: some sign.
Result<SignFigures> SignWeek(const WeekScope& s);

// Models trained on the four weeks before the week, scored on it against persistence.
Result<ForecastAccuracy> ForecastWeek(const WeekScope& s);

}  // namespace pg::analytics::week_internal
