#include "ingest/replay/real_data.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/csv.h"
#include "core/strings.h"
#include "state/rollup.h"

namespace pg::ingest {
namespace {

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return NotFound(fmt::format("cannot read {}", path.string()));
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// "2016/11/7 12:33" → (y, m, d, minute of day).
std::optional<std::array<int, 4>> ParseArrival(std::string_view text) {
  auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto date = SplitString(text.substr(0, space), '/');
  auto time = SplitString(text.substr(space + 1), ':');
  if (date.size() != 3 || time.size() != 2) return std::nullopt;
  auto y = ParseInt(date[0]), m = ParseInt(date[1]), d = ParseInt(date[2]);
  auto h = ParseInt(time[0]), mi = ParseInt(time[1]);
  if (!y || !m || !d || !h || !mi || *h > 23 || *mi > 59) return std::nullopt;
  return std::array<int, 4>{static_cast<int>(*y), static_cast<int>(*m), static_cast<int>(*d),
                            static_cast<int>(*h * 60 + *mi)};
}

std::optional<int> ParseClock(std::string_view text) {
  auto time = SplitString(TrimSpace(text), ':');
  if (time.size() != 2) return std::nullopt;
  auto h = ParseInt(time[0]), mi = ParseInt(time[1]);
  if (!h || !mi || *h > 23 || *mi > 59) return std::nullopt;
  return static_cast<int>(*h * 60 + *mi);
}

std::string Slug(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!s.empty() && s.back() != '-') {
      s += '-';
    }
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s;
}

}  // namespace

Result<BayEventSet> ReadMelbourneBayEvents(const std::string& directory, std::chrono::days shift) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir(directory);
  if (!fs::is_directory(dir / "events", ec)) {
    return NotFound(
        fmt::format("{} has no events/ folder (the melbourne-onstreet data set)", directory));
  }
  PG_ASSIGN_OR_RETURN(const date::time_zone* zone, LookupTimeZone("Australia/Melbourne"));
  // Locations: the 2016 table first, the 2018 snapshot for markers it lacks.
  std::map<std::string, LatLon> located;
  for (const char* name : {"bay_locations_2016.csv", "bay_status_snapshot_2018-09-08.csv"}) {
    auto text = ReadFile(dir / name);
    if (!text.ok()) continue;
    int err = 0;
    auto records = ParseCsv(StripUtf8Bom(*text), &err);
    if (!records.ok()) {
      return InvalidArgument(fmt::format("{} line {}: {}", name, err, records.status().message()));
    }
    int c_marker = -1, c_lat = -1, c_lon = -1;
    bool header = true;
    for (const auto& r : *records) {
      if (header) {
        header = false;
        for (size_t i = 0; i < r.cells.size(); ++i) {
          auto c = TrimSpace(r.cells[i]);
          if (c == "st_marker_id") c_marker = static_cast<int>(i);
          if (c == "lat") c_lat = static_cast<int>(i);
          if (c == "lon") c_lon = static_cast<int>(i);
        }
        if (c_marker < 0 || c_lat < 0 || c_lon < 0) {
          return InvalidArgument(fmt::format("{}: needs st_marker_id, lat and lon columns", name));
        }
        continue;
      }
      if (static_cast<int>(r.cells.size()) <= std::max({c_marker, c_lat, c_lon})) continue;
      auto lat = ParseDouble(r.cells[c_lat]), lon = ParseDouble(r.cells[c_lon]);
      if (!lat || !lon) continue;
      located.emplace(std::string(TrimSpace(r.cells[c_marker])), LatLon{*lat, *lon});
    }
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir / "events", ec)) {
    if (e.path().extension() == ".csv") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  struct Stay {
    Timestamp arrival, departure;
  };
  std::map<std::string, std::vector<Stay>> stays;
  std::map<std::string, std::map<int, int>> limits;  // marker → limit → times seen
  std::map<std::string, std::string> area_of;
  BayEventSet out;
  for (const auto& path : files) {
    PG_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    int err = 0;
    auto records = ParseCsv(StripUtf8Bom(text), &err);
    std::string file = path.filename().string();
    if (!records.ok()) {
      return InvalidArgument(fmt::format("{} line {}: {}", file, err, records.status().message()));
    }
    int c_arr = -1, c_dep = -1, c_marker = -1, c_area = -1, c_vio = -1;
    bool header = true;
    for (const auto& r : *records) {
      if (r.cells.size() == 1 && TrimSpace(r.cells[0]).empty()) continue;
      if (header) {
        header = false;
        for (size_t i = 0; i < r.cells.size(); ++i) {
          auto c = TrimSpace(r.cells[i]);
          if (c == "arrival_time") c_arr = static_cast<int>(i);
          if (c == "departure_time") c_dep = static_cast<int>(i);
          if (c == "street_marker") c_marker = static_cast<int>(i);
          if (c == "area") c_area = static_cast<int>(i);
          if (c == "vio_time") c_vio = static_cast<int>(i);
        }
        if (c_arr < 0 || c_dep < 0 || c_marker < 0 || c_area < 0 || c_vio < 0) {
          return InvalidArgument(fmt::format(
              "{}: needs arrival_time, departure_time, street_marker, area and vio_time", file));
        }
        continue;
      }
      ++out.rows;
      if (static_cast<int>(r.cells.size()) <= std::max({c_arr, c_dep, c_marker, c_area, c_vio})) {
        return InvalidArgument(fmt::format("{} line {}: too few cells", file, r.line));
      }
      auto arrival = ParseArrival(TrimSpace(r.cells[c_arr]));
      auto departure = ParseClock(r.cells[c_dep]);
      auto vio = ParseClock(r.cells[c_vio]);
      if (!arrival || !departure || !vio) {
        return InvalidArgument(
            fmt::format("{} line {}: expected arrival YYYY/M/D H:MM and departure, vio_time H:MM",
                        file, r.line));
      }
      auto [y, m, d, minute] = *arrival;
      std::string marker(TrimSpace(r.cells[c_marker]));
      Timestamp a = FromLocal(y, m, d, minute, *zone) + shift;
      Timestamp b = FromLocal(y, m, d, *departure, *zone) + shift;
      if (b < a) continue;  // not in this set (no stay crosses midnight), but never trust it
      stays[marker].push_back({a, b});
      ++limits[marker][std::max(0, *vio - minute)];
      area_of.emplace(marker, std::string(TrimSpace(r.cells[c_area])));
    }
  }
  std::map<std::string, std::pair<LatLon, int>> zone_centres;
  for (auto& [marker, list] : stays) {
    std::sort(list.begin(), list.end(),
              [](const Stay& x, const Stay& y) { return x.arrival < y.arrival; });
    model::Bay bay;
    bay.id = model::BayId("MEL-" + marker);
    std::string zone_id = "MEL-" + Slug(area_of[marker]);
    bay.facility = model::FacilityId(zone_id);
    bay.sensor_id = marker;
    auto best = std::max_element(limits[marker].begin(), limits[marker].end(),
                                 [](const auto& x, const auto& y) { return x.second < y.second; });
    bay.time_limit_minutes = best->first;
    auto loc = located.find(marker);
    if (loc != located.end()) {
      bay.location = loc->second;
      auto& c = zone_centres[zone_id];
      c.first.lat += loc->second.lat;
      c.first.lon += loc->second.lon;
      ++c.second;
    } else {
      ++out.unlocated_bays;
    }
    std::optional<Timestamp> last_departure;
    for (const Stay& s : list) {
      Timestamp arrival = s.arrival;
      if (last_departure && arrival <= *last_departure) {
        arrival = *last_departure + std::chrono::seconds(1);
        ++out.moved_arrivals;
      }
      Timestamp departure = std::max(s.departure, arrival + std::chrono::seconds(1));
      out.events.push_back({bay.id, arrival, true});
      out.events.push_back({bay.id, departure, false});
      last_departure = departure;
    }
    out.bays.push_back(std::move(bay));
  }
  std::set<std::string> zones;
  for (const auto& [marker, area] : area_of) {
    std::string zone_id = "MEL-" + Slug(area);
    if (!zones.insert(zone_id).second) continue;
    model::Facility f;
    f.id = model::FacilityId(zone_id);
    f.name = {area, area};
    f.kind = model::FacilityKind::kOnStreet;
    f.district = "melbourne";
    auto c = zone_centres.find(zone_id);
    if (c != zone_centres.end()) {
      f.location = {c->second.first.lat / c->second.second, c->second.first.lon / c->second.second};
    }
    f.operator_name = "City of Melbourne";
    out.zones.push_back(std::move(f));
  }
  return out;
}

Status StoreBayEvents(const BayEventSet& set, store::Store& store) {
  model::RegistryData data;
  data.facilities = set.zones;
  data.bays = set.bays;
  PG_RETURN_IF_ERROR(store.WriteRegistry(data, store::RegistryWriteMode::kUpsert).status());
  constexpr size_t kBatch = 20'000;
  for (size_t i = 0; i < set.events.size(); i += kBatch) {
    size_t n = std::min(kBatch, set.events.size() - i);
    PG_RETURN_IF_ERROR(store.AppendBayEvents(std::span(set.events).subspan(i, n)));
  }
  return Status::Ok();
}

std::string ChargerSiteReport::ToText() const {
  return fmt::format("{} charging sites, {} samples, {} rollups", sites, samples, rollups);
}

Result<ChargerSiteReport> StoreChargerSites(const forecast::Dataset& data, store::Store& store,
                                            std::chrono::days shift) {
  ChargerSiteReport report;
  model::RegistryData reg;
  state::RollupBuilder rollups(std::chrono::minutes(5), std::chrono::minutes(15));
  for (const auto& s : data.series) {
    if (s.samples.empty()) continue;
    model::Charger c;
    c.id = model::ChargerId(s.id);
    c.site = s.id;
    c.name = {s.id, s.id};
    auto dash = s.id.find('-');
    c.district = dash == std::string::npos ? std::string() : s.id.substr(0, dash);
    int connectors = 0;
    for (const auto& x : s.samples) connectors = std::max(connectors, x.capacity);
    for (int i = 1; i <= connectors; ++i)
      c.connectors.push_back({i, model::ConnectorType::kGbtDc, 0});
    c.lifecycle = model::Lifecycle::kInService;
    reg.chargers.push_back(std::move(c));
    std::vector<model::ChargerSiteSample> samples;
    for (const auto& x : s.samples) {
      samples.push_back({s.id, x.time + shift, x.occupied, x.capacity});
      rollups.Add(model::OccupancyRollup::Kind::kChargerSite, s.id, x.time + shift, x.occupied,
                  x.capacity);
    }
    PG_RETURN_IF_ERROR(store.AppendChargerSiteOccupancy(samples));
    report.samples += samples.size();
    auto closed = rollups.Flush(s.samples.back().time + shift + std::chrono::minutes(5));
    PG_RETURN_IF_ERROR(store.AppendRollups(closed));
    report.rollups += closed.size();
    ++report.sites;
  }
  PG_RETURN_IF_ERROR(store.WriteRegistry(reg, store::RegistryWriteMode::kUpsert).status());
  return report;
}

Result<int> RegisterReplayedFacilities(const std::vector<Reading>& readings,
                                       const std::string& district, store::Store& store) {
  PG_ASSIGN_OR_RETURN(model::RegistryData existing, store.LoadRegistry());
  std::set<std::string> known;
  for (const auto& f : existing.facilities) known.insert(f.id.str());
  std::map<std::string, int> capacity;
  for (const auto& r : readings) {
    if (!known.contains(r.facility))
      capacity[r.facility] = std::max(capacity[r.facility], r.capacity);
  }
  model::RegistryData data;
  for (const auto& [id, cap] : capacity) {
    model::Facility f;
    f.id = model::FacilityId(id);
    f.name = {id, id};
    f.kind = model::FacilityKind::kMultiStorey;
    f.capacity.total = cap;
    f.district = district;
    data.facilities.push_back(std::move(f));
  }
  if (!data.facilities.empty()) {
    PG_RETURN_IF_ERROR(store.WriteRegistry(data, store::RegistryWriteMode::kUpsert).status());
  }
  return static_cast<int>(data.facilities.size());
}

}  // namespace pg::ingest
