// SectionJson (analytics/analytics.h): the sections of GET /api/v1/analytics/{section} as JSON,
// one builder a section, from the figures ComputeWeek returns.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "analytics/analytics.h"
#include "model/vocabulary.h"

namespace pg::analytics {
namespace {

using nlohmann::json;

// A number, or null when unknown.
template <typename T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// A location as [lat, lon].
// A WGS-84 location shown in `crs` as [lat, lon].
json LatLonJson(const LatLon& inside, Crs crs) {
  const LatLon at = FromWgs84(inside, crs);
  return {at.lat, at.lon};
}

// The week, its bounds in the city's time, the scope and the city: what every section starts with.
json HeadJson(const WeekFigures& w, const date::time_zone* zone) {
  auto fmt_time = [&](Timestamp t) { return zone ? FormatRfc3339(t, *zone) : FormatRfc3339Utc(t); };
  return {{"week", w.week.Label()},
          {"from", fmt_time(w.week.start)},
          {"to", fmt_time(w.week.end)},
          {"district", w.district.empty() ? json(nullptr) : json(w.district)},
          {"city", w.city_id},
          {"time_zone", w.time_zone}};
}

// The headline figures; the peak's time in the city's time (null without a zone).
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
      {"guidance_queries", Opt(k.guidance_queries)},
      {"ev_utilisation", Opt(k.ev_utilisation)},
      {"ev_availability", Opt(k.ev_availability)},
      {"chargers_in_service", k.chargers_in_service},
      {"chargers_in_service_target", Opt(k.chargers_in_service_target)}};
}

// One facility's occupancy figures.
json FacilityJson(const FacilityFigures& f, Crs crs) {
  return {{"id", f.id},
          {"name", {{"zh", f.name.zh}, {"en", f.name.en}}},
          {"district", f.district},
          {"kind", model::Name(f.kind)},
          {"location", LatLonJson(f.location, crs)},
          {"capacity", f.capacity},
          {"mean_occupancy", Opt(f.mean_occupancy)},
          {"peak_occupancy", Opt(f.peak_occupancy)},
          {"saturated_hours", f.saturated_hours},
          {"unknown_share", f.unknown_share}};
}

// Each heat map as 7 rows (Monday first) of 24 local hours.
json HeatMapsJson(const std::vector<HeatMap>& maps) {
  json arr = json::array();
  for (const auto& h : maps) {
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
  return arr;
}

// Each facility's price now and the price suggested.
json PricingJson(const std::vector<FacilityFigures>& facilities) {
  json arr = json::array();
  for (const auto& f : facilities) {
    arr.push_back({{"id", f.id},
                   {"mean_occupancy", Opt(f.mean_occupancy)},
                   {"pricing_occupancy", Opt(f.pricing_occupancy)},
                   {"price_fen_per_hour", Opt(f.price_fen_per_hour)},
                   {"suggested_fen_per_hour", Opt(f.suggested_fen_per_hour)},
                   {"action", f.pricing_action}});
  }
  return arr;
}

// Each district's demand against its supply.
json PressureJson(const std::vector<DistrictPressure>& pressure, Crs crs) {
  json arr = json::array();
  for (const auto& p : pressure) {
    arr.push_back({{"district", p.district},
                   {"facilities", p.facilities},
                   {"capacity", p.capacity},
                   {"mean_occupancy", Opt(p.mean_occupancy)},
                   {"peak_occupancy", Opt(p.peak_occupancy)},
                   {"saturated_hours", p.saturated_hours},
                   {"centre", LatLonJson(p.centre, crs)}});
  }
  return arr;
}

// The on-street figures; with `detail`, each zone and each bay overstayed too.
json OnStreetJson(const OnStreet& o, bool detail, Crs crs) {
  json on = {{"bays", o.bays},
             {"bays_reporting", o.bays_reporting},
             {"sessions", o.sessions},
             {"turnover_per_bay_day", Opt(o.turnover_per_bay_day)},
             {"mean_dwell_minutes", Opt(o.mean_dwell_minutes)},
             {"sessions_with_limit", o.sessions_with_limit},
             {"overstays", o.overstays},
             {"overstay_minutes", o.overstay_minutes}};
  if (!detail) return on;
  json zones = json::array();
  for (const auto& z : o.zones) {
    zones.push_back({{"zone", z.zone},
                     {"district", z.district},
                     {"bays", z.bays},
                     {"sessions", z.sessions},
                     {"mean_dwell_minutes", Opt(z.mean_dwell_minutes)},
                     {"overstays", z.overstays}});
  }
  on["zones"] = zones;
  json points = json::array();
  for (const auto& p : o.points) {
    points.push_back(
        {{"bay", p.bay}, {"location", LatLonJson(p.location, crs)}, {"overstays", p.overstays}});
  }
  on["overstay_bays"] = points;
  return on;
}

// The charging figures an EvSite and an EvDistrict share; fault hours null when no status of
// theirs was recorded.
template <typename SiteOrDistrict>
json ChargingJson(const SiteOrDistrict& s) {
  return {{"district", s.district},
          {"connectors", s.connectors},
          {"utilisation", Opt(s.utilisation)},
          {"availability", Opt(s.availability)},
          {"fault_hours", s.status_recorded ? json(s.fault_hours) : json(nullptr)},
          {"faults_restored", s.faults_restored},
          {"mean_hours_to_restore", Opt(s.mean_hours_to_restore)},
          {"status_recorded", s.status_recorded}};
}

// Adds "ev_districts" and, with `detail`, "ev_sites" to `head`.
void AddChargingJson(const WeekFigures& w, bool detail, json& head) {
  json districts = json::array();
  for (const auto& d : w.ev_districts) {
    json j = ChargingJson(d);
    j["sites"] = d.sites;
    districts.push_back(j);
  }
  head["ev_districts"] = districts;
  if (!detail) return;
  json sites = json::array();
  for (const auto& s : w.ev_sites) {
    json j = ChargingJson(s);
    j["site"] = s.site;
    j["known_hours"] = s.known_hours;
    sites.push_back(j);
  }
  head["ev_sites"] = sites;
}

// Adds "build_out" (chargers by stage and target, per district) and "build_out_changes" to `head`.
void AddBuildOutJson(const WeekFigures& w, json& head) {
  json arr = json::array();
  for (const auto& b : w.build_out) {
    arr.push_back({{"district", b.district},
                   {"planned", b.planned},
                   {"under_construction", b.under_construction},
                   {"in_service", b.in_service},
                   {"retired", b.retired},
                   {"target_in_service", Opt(b.target.in_service)},
                   {"target_total", Opt(b.target.total)}});
  }
  head["build_out"] = arr;
  json changes = json::array();
  for (const auto& c : w.build_out_changes) {
    changes.push_back({{"charger", c.charger},
                       {"district", c.district},
                       {"to", model::Name(c.to)},
                       {"date", c.date}});
  }
  head["build_out_changes"] = changes;
}

// Each source's uptime and counters.
json SourcesJson(const std::vector<SourceQuality>& sources) {
  json arr = json::array();
  for (const auto& s : sources) {
    arr.push_back({{"source", s.source},
                   {"facilities", s.facilities},
                   {"uptime", Opt(s.uptime)},
                   {"silent_periods", s.silent_periods},
                   {"silent_hours", s.silent_hours},
                   {"anomalies", Opt(s.anomalies)},
                   {"corrections", Opt(s.corrections)}});
  }
  return arr;
}

// The data quality section: sources, frozen counts, the worst facilities and the totals.
json QualityJson(const DataQuality& q) {
  json worst = json::array();
  for (const auto& g : q.worst_facilities) {
    worst.push_back({{"id", g.id},
                     {"silent_periods", g.silent_periods},
                     {"silent_hours", g.silent_hours},
                     {"unknown_share", g.unknown_share}});
  }
  json frozen = json::array();
  for (const auto& f : q.frozen) {
    frozen.push_back({{"id", f.id},
                      {"kind", f.charger_site ? "charger_site" : "facility"},
                      {"frozen_hours", f.frozen_hours},
                      {"value", f.value},
                      {"capacity", f.capacity}});
  }
  return {{"sources", SourcesJson(q.sources)},
          {"frozen", frozen},
          {"worst_facilities", worst},
          {"facility_silent_periods", q.facility_silent_periods},
          {"facility_silent_hours", q.facility_silent_hours},
          {"dead_letters", q.dead_letters},
          {"dead_letters_by_channel", q.dead_letters_by_channel},
          {"anomalies", Opt(q.anomalies)},
          {"drift_corrections", Opt(q.corrections)}};
}

// The signs' uptime, overrides and contents published.
json SignsJson(const SignFigures& s) {
  return {{"signs", s.signs},
          {"uptime", Opt(s.uptime)},
          {"offline_hours", s.offline_hours},
          {"overrides", s.overrides},
          {"override_hours", s.override_hours},
          {"contents_published", s.contents_published}};
}

// The forecast's error by horizon against persistence, and why there is none (null if there is).
json ForecastJson(const ForecastAccuracy& f) {
  json arr = json::array();
  for (const auto& h : f.horizons) {
    arr.push_back({{"horizon_minutes", h.minutes},
                   {"pairs", h.pairs},
                   {"mae_model", h.mae_model},
                   {"mae_persistence", h.mae_persistence}});
  }
  return {{"horizons", arr}, {"note", f.note.empty() ? json(nullptr) : json(f.note)}};
}

// Adds the occupancy sections `want` asks for to `head`.
template <typename Want>
void AddOccupancyJson(const WeekFigures& w, const date::time_zone* zone, Crs crs, const Want& want,
                      json& head) {
  if (want("summary") || want("occupancy")) head["kpis"] = KpisJson(w.kpis, zone);
  if (want("occupancy") || want("facilities")) {
    json arr = json::array();
    for (const auto& f : w.facilities) arr.push_back(FacilityJson(f, crs));
    head["facilities"] = arr;
    head["most_saturated"] = w.most_saturated;
    head["most_underused"] = w.most_underused;
  }
  if (want("heatmap")) head["heat_maps"] = HeatMapsJson(w.heat_maps);
  if (want("pricing")) head["pricing"] = PricingJson(w.facilities);
  if (want("summary") || want("pressure")) head["pressure"] = PressureJson(w.pressure, crs);
}

}  // namespace

Result<std::string> SectionJson(const WeekFigures& w, std::string_view section, Crs crs) {
  if (section != "all" && std::ranges::find(kSections, section) == std::end(kSections)) {
    return NotFound(fmt::format("no analytics section '{}'; sections: {}, all", section,
                                fmt::join(kSections, ", ")),
                    "section");
  }
  auto zone_or = LookupTimeZone(w.time_zone);
  const date::time_zone* zone = zone_or.ok() ? *zone_or : nullptr;
  auto want = [&](std::string_view s) { return section == "all" || section == s; };
  json head = HeadJson(w, zone);
  AddOccupancyJson(w, zone, crs, want, head);
  if (want("summary") || want("onstreet")) {
    head["on_street"] = OnStreetJson(w.on_street, want("onstreet"), crs);
  }
  if (want("summary") || want("ev")) AddChargingJson(w, want("ev"), head);
  if (want("summary") || want("buildout")) AddBuildOutJson(w, head);
  if (want("quality")) head["quality"] = QualityJson(w.quality);
  if (want("signs")) head["signs"] = SignsJson(w.signs);
  if (want("forecast")) head["forecast"] = ForecastJson(w.forecast);
  return head.dump();
}

}  // namespace pg::analytics
