// Analytics: every figure of the weekly report (周报) and of GET /api/v1/analytics/…, computed in
// one place from the store — one number, one place. The report (analytics/report.h) and the API
// (api/analytics_api.h) only render what ComputeWeek returns.
//
// Definitions (docs/analytics.md has the long form):
//   - Occupancy figures read the 5-minute rollups (model::OccupancyRollup). A facility-slot with
//     no rollup counts as unknown for the whole slot; a rollup's `coverage` is the known share of
//     its slot. Means are space- and coverage-weighted: Σ mean_occupied·coverage /
//     Σ capacity·coverage. Saturated time: Σ coverage × 5 min over slots whose
//     mean_occupied / capacity ≥ `saturation`. A group's (district's, city's) peak and saturated
//     time read its per-slot sum Σ mean_occupied / Σ capacity over rollups with coverage > 0.
//   - Unknown share: 1 − Σ coverage / (facilities with a capacity × slots of the week).
//   - On-street: a session is an occupied event of a bay followed by its next free event; it
//     belongs to the week of its arrival. Overstay: a session longer than its bay's time limit.
//   - EV: per charging site from charger-site rollups (busy = connectors not available);
//     availability is the known share of time with at least one connector free at some moment of
//     the slot (min_occupied < connectors). Fault time: connectors in Faulted status, from the
//     charger status history; time to restore: mean length of fault spells ending in the week.
//   - Build-out: a charger's lifecycle at the week's end from its dated steps (falling back to
//     its stored lifecycle when it has no dates); changes: steps dated inside the week.
//   - Times are UTC inside; days and hours of the heat map are the city's local time.
//
// Thread-safety: pure functions over the store (which is thread-safe).
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crs.h"
#include "core/status.h"
#include "core/time.h"
#include "registry/registry.h"
#include "store/counters.h"
#include "store/dead_letters.h"
#include "store/occupancy_history.h"
#include "store/roles.h"
#include "store/settings_store.h"
#include "store/sign_history.h"

namespace pg::analytics {

// An ISO 8601 week in the city's time zone: Monday 00:00 local to the next Monday 00:00.
struct Week {
  int iso_year = 0;
  int week = 0;  // 1..53
  Timestamp start, end;
  std::string Label() const;  // "2026-W47"
};

// Parses "2026-W47". Errors: kInvalidArgument with field "week" naming the expected form.
Result<Week> ParseIsoWeek(std::string_view text, const date::time_zone& zone);
// The week holding instant `t`.
Week WeekContaining(Timestamp t, const date::time_zone& zone);
Week PreviousWeek(const Week& week, const date::time_zone& zone);

// SFpark-style pricing: the target band of mean occupancy and the step and bounds of a change.
struct PricingOptions {
  double band_low = 0.60;
  double band_high = 0.80;
  int64_t step_fen = 50;    // ¥0.50 per hour per change
  int64_t min_fen = 0;      // never below
  int64_t max_fen = 2'000;  // never above ¥20 per hour
  // The local hours [from_hour, to_hour) whose occupancy sets the price, every day: SFpark
  // prices by time band, and a 24-hour mean would read every car park as under-used at night.
  int from_hour = 8;
  int to_hour = 20;
};

// The build-out plan's targets for one district (chargers; absent when not planned).
struct BuildOutTarget {
  std::optional<int> in_service;
  std::optional<int> total;  // planned + under construction + in service
};

struct AnalyticsOptions {
  PricingOptions pricing;
  std::map<std::string, BuildOutTarget> targets;  // by district id
  double saturation = 0.90;                       // "saturated" at or above this share
  int top_n = 10;                                 // facilities in each ranking
  std::chrono::minutes silent_after{30};          // a facility gap at least this long is silent
  std::chrono::hours frozen_after{12};            // an unchanged count this long is frozen
  bool forecast_accuracy = true;
  std::vector<int> horizons_minutes{15, 30, 60, 120};
};

// Options from the store's settings "analytics.pricing" ({"band_low":0.6,"band_high":0.8,
// "step_fen":50,"min_fen":0,"max_fen":2000}) and "analytics.buildout_targets"
// ({"D1":{"in_service":40,"total":60}}); defaults where unset. Errors: kInvalidArgument naming
// the setting when its JSON is malformed.
Result<AnalyticsOptions> LoadOptions(store::SettingsReader& store);
// Parses targets from CSV `district,target_in_service,target_total` (a header line first).
// Errors: kInvalidArgument naming the line.
Result<std::map<std::string, BuildOutTarget>> ParseTargetsCsv(std::string_view text);

struct OccupancyKpis {
  int facilities = 0;  // with a capacity, in scope
  int64_t capacity = 0;
  std::optional<double> mean_occupancy;  // nullopt: no known data
  std::optional<double> peak_occupancy;
  std::optional<Timestamp> peak_time;
  double saturated_hours = 0;
  double unknown_share = 1;
  double known_hours = 0;                   // Σ coverage × slot length over facilities
  std::optional<int64_t> guidance_queries;  // nullopt: not recorded
  // Charging, over every in-service site in scope (as EvDistrict, for all districts).
  std::optional<double> ev_utilisation, ev_availability;
  int chargers_in_service = 0;                    // at the week's end (build-out)
  std::optional<int> chargers_in_service_target;  // Σ targets of the districts that have one
};

struct FacilityFigures {
  std::string id;
  model::LocalizedName name;
  std::string district;
  model::FacilityKind kind = model::FacilityKind::kSurface;
  LatLon location;
  int capacity = 0;
  std::optional<double> mean_occupancy, peak_occupancy;
  double saturated_hours = 0;
  double unknown_share = 1;
  // Pricing: mean occupancy in the pricing hours (PricingOptions), the highest band price per
  // hour of its tariff (nullopt: no tariff known) and the suggestion ("raise", "lower", "keep",
  // "no_data", "no_tariff").
  std::optional<double> pricing_occupancy;
  std::optional<int64_t> price_fen_per_hour;
  std::optional<int64_t> suggested_fen_per_hour;
  std::string pricing_action = "no_data";
};

// Mean occupancy by local day of week (0 = Monday) and hour; nullopt where nothing is known.
struct HeatMap {
  std::string district;  // "" for the whole city (or the district in scope)
  std::array<std::array<std::optional<double>, 24>, 7> share{};
};

struct DistrictPressure {
  std::string district;
  model::LocalizedName name;
  int facilities = 0;
  int64_t capacity = 0;
  std::optional<double> mean_occupancy;  // demand against supply
  std::optional<double> peak_occupancy;
  double saturated_hours = 0;
  LatLon centre;  // mean of its facilities' locations
};

struct OnStreetZone {
  std::string zone;  // facility id of the on-street zone
  model::LocalizedName name;
  std::string district;
  int bays = 0;
  int64_t sessions = 0;
  std::optional<double> mean_dwell_minutes;
  int64_t overstays = 0;
};

struct OverstayPoint {
  std::string bay;
  LatLon location;
  int64_t overstays = 0;
};

struct OnStreet {
  int bays = 0;                                // sensed bays in scope
  int bays_reporting = 0;                      // with at least one event in the week
  int64_t sessions = 0;                        // arrivals in the week with a departure
  std::optional<double> turnover_per_bay_day;  // sessions / reporting bays / 7
  std::optional<double> mean_dwell_minutes;
  int64_t sessions_with_limit = 0;
  int64_t overstays = 0;
  double overstay_minutes = 0;        // Σ minutes beyond the limit
  std::vector<OnStreetZone> zones;    // most overstays first
  std::vector<OverstayPoint> points;  // bays with an overstay, located
};

struct EvSite {
  std::string site;
  std::string district;
  model::LocalizedName name;
  int connectors = 0;
  std::optional<double> utilisation, availability;
  double known_hours = 0;
  // False when no connector of the site has any status history (a feed of counts only): fault
  // figures are then not recorded rather than zero.
  bool status_recorded = false;
  double fault_hours = 0;
  int64_t faults_restored = 0;
  std::optional<double> mean_hours_to_restore;
};

struct EvDistrict {
  std::string district;
  int sites = 0;
  int connectors = 0;
  std::optional<double> utilisation, availability;
  bool status_recorded = false;  // some site of the district has status history
  double fault_hours = 0;
  int64_t faults_restored = 0;
  std::optional<double> mean_hours_to_restore;
};

struct BuildOutDistrict {
  std::string district;
  int planned = 0, under_construction = 0, in_service = 0, retired = 0;
  BuildOutTarget target;
};

struct BuildOutChange {
  std::string charger;
  std::string district;
  model::Lifecycle to = model::Lifecycle::kPlanned;
  std::string date;
};

struct SourceQuality {
  std::string source;
  int facilities = 0;            // facilities in its scope with a capacity
  std::optional<double> uptime;  // known share of their time
  int silent_periods = 0;        // gaps ≥ silent_after
  double silent_hours = 0;
  // From the hourly counters "source.<id>.anomalies" and "source.<id>.corrections" the server
  // keeps; nullopt when the week has none (not recorded).
  std::optional<int64_t> anomalies, corrections;
};

struct FacilityGaps {
  std::string id;
  int silent_periods = 0;
  double silent_hours = 0;
  double unknown_share = 1;
};

// A facility or charging site whose count did not move for at least `frozen_after` of known
// data: a stuck sensor or a feed repeating its last value, not a quiet car park.
struct FrozenSeries {
  std::string id;
  bool charger_site = false;
  double frozen_hours = 0;  // in runs of at least frozen_after
  double value = 0;         // the count it was stuck at in its longest run
  int capacity = 0;
};

struct DataQuality {
  std::vector<SourceQuality> sources;
  std::vector<FrozenSeries> frozen;            // most frozen hours first
  std::vector<FacilityGaps> worst_facilities;  // most silent hours first, top_n
  int facility_silent_periods = 0;
  double facility_silent_hours = 0;
  std::optional<int64_t> anomalies;    // Σ over sources; nullopt: not recorded
  std::optional<int64_t> corrections;  // drift corrections, likewise
  int64_t dead_letters = 0;            // refused ingest messages received in the week
  std::map<std::string, int64_t> dead_letters_by_channel;
};

struct SignFigures {
  int signs = 0;
  std::optional<double> uptime;  // share of sign-time not offline (nullopt: no signs)
  double offline_hours = 0;
  int64_t overrides = 0;      // created in the week
  double override_hours = 0;  // overlap of overrides with the week
  int64_t contents_published = 0;
};

struct HorizonAccuracy {
  int minutes = 0;
  int64_t pairs = 0;
  double mae_model = 0;        // share of capacity
  double mae_persistence = 0;  // share of capacity
};

struct ForecastAccuracy {
  std::vector<HorizonAccuracy> horizons;
  std::string note;  // why nothing is scored, when nothing is
};

struct WeekFigures {
  Week week;
  std::string district;  // "" for the whole city
  std::string city_id;
  model::LocalizedName city_name;
  std::string time_zone;
  std::map<std::string, model::LocalizedName> district_names;  // the city's districts
  PricingOptions pricing;                                      // in force for the suggestions
  OccupancyKpis kpis;
  std::vector<FacilityFigures> facilities;  // every facility in scope, by id
  std::vector<std::string> most_saturated;  // ids, top_n
  std::vector<std::string> most_underused;  // ids, top_n
  std::vector<HeatMap> heat_maps;           // city (or district in scope) first
  std::vector<DistrictPressure> pressure;
  OnStreet on_street;
  std::vector<EvSite> ev_sites;
  std::vector<EvDistrict> ev_districts;
  std::vector<BuildOutDistrict> build_out;
  std::vector<BuildOutChange> build_out_changes;
  DataQuality quality;
  SignFigures signs;
  ForecastAccuracy forecast;

  const FacilityFigures* Facility(std::string_view id) const;
};

// What a week's figures read: the occupancy history, the counters, the sign history and the
// dead letters (never a write).
using WeekStore = store::Roles<store::OccupancyHistoryReader, store::CounterReader,
                               store::SignHistoryReader, store::DeadLetterReader>;
// A report also reads its options from the settings (LoadOptions).
using ReportStore =
    store::Roles<store::SettingsReader, store::OccupancyHistoryReader, store::CounterReader,
                 store::SignHistoryReader, store::DeadLetterReader>;

// The figures of `week` (restricted to `district` when not empty). Errors: kInvalidArgument
// (field "district") for a district with nothing in the registry; those of the store.
Result<WeekFigures> ComputeWeek(WeekStore store, const registry::Registry& registry,
                                const Week& week, const AnalyticsOptions& options,
                                std::string_view district = "");

// The SFpark rule: raise by a step above the band, lower by a step below, clamped to bounds.
// Returns the suggested price and "raise", "lower" or "keep".
std::pair<int64_t, std::string> SuggestPrice(int64_t current_fen, double mean_occupancy,
                                             const PricingOptions& options);

// The sections of GET /api/v1/analytics/{section}.
inline constexpr std::string_view kSections[] = {"summary",  "occupancy", "heatmap",  "facilities",
                                                 "pricing",  "pressure",  "onstreet", "ev",
                                                 "buildout", "quality",   "signs",    "forecast"};
// One section (or "all") as JSON text, locations shown in `crs`. Errors: kNotFound (field
// "section") for another name.
Result<std::string> SectionJson(const WeekFigures& figures, std::string_view section,
                                Crs crs = Crs::kWgs84);

}  // namespace pg::analytics
