#include "ingest/replay/real_data.h"

#include <date/tz.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/crs.h"
#include "core/csv.h"
#include "core/strings.h"
#include "model/validation.h"
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

namespace {

// The positions of `names` in a CSV header row, in that order. Errors: kInvalidArgument naming
// the file and the columns it lacks.
Result<std::vector<size_t>> HeaderColumns(const CsvRecord& header, std::string_view file,
                                          std::initializer_list<std::string_view> names) {
  std::vector<size_t> at;
  std::vector<std::string_view> missing;
  for (std::string_view name : names) {
    auto it = std::find_if(header.cells.begin(), header.cells.end(),
                           [&](const std::string& c) { return TrimSpace(c) == name; });
    if (it == header.cells.end()) missing.push_back(name);
    at.push_back(static_cast<size_t>(it - header.cells.begin()));
  }
  if (!missing.empty()) {
    return InvalidArgument(fmt::format("{} line {}: needs the columns {}; {} missing", file,
                                       header.line, fmt::join(names, ", "),
                                       fmt::join(missing, ", ")));
  }
  return at;
}

// The records of a CSV file, a byte-order mark skipped. Errors: kNotFound; kInvalidArgument
// naming the file and line.
Result<std::vector<CsvRecord>> ReadCsvFile(const std::filesystem::path& path) {
  PG_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  int err = 0;
  auto records = ParseCsv(StripUtf8Bom(text), &err);
  if (!records.ok()) {
    return InvalidArgument(
        fmt::format("{} line {}: {}", path.filename().string(), err, records.status().message()));
  }
  return records;
}

// Bay locations by street marker: the 2016 table first, the 2018 snapshot for markers it lacks
// (either may be absent). Errors: kInvalidArgument naming file and line.
Result<std::map<std::string, LatLon>> ReadBayLocations(const std::filesystem::path& dir) {
  std::map<std::string, LatLon> located;
  for (const char* name : {"bay_locations_2016.csv", "bay_status_snapshot_2018-09-08.csv"}) {
    auto records = ReadCsvFile(dir / name);
    if (records.status().code() == StatusCode::kNotFound) continue;
    PG_RETURN_IF_ERROR(records.status());
    if (records->empty()) continue;
    PG_ASSIGN_OR_RETURN(auto c,
                        HeaderColumns(records->front(), name, {"st_marker_id", "lat", "lon"}));
    for (size_t i = 1; i < records->size(); ++i) {
      const auto& cells = (*records)[i].cells;
      if (cells.size() <= std::max({c[0], c[1], c[2]})) continue;
      auto lat = ParseDouble(cells[c[1]]), lon = ParseDouble(cells[c[2]]);
      if (!lat || !lon) continue;
      located.emplace(std::string(TrimSpace(cells[c[0]])), LatLon{*lat, *lon});
    }
  }
  return located;
}

struct Stay {
  Timestamp arrival, departure;
};

// What the event files say per street marker.
struct MarkerStays {
  std::map<std::string, std::vector<Stay>> stays;
  std::map<std::string, std::map<int, int>> limits;  // marker → limit in minutes → times seen
  std::map<std::string, std::string> area_of;
  size_t rows = 0;
};

// Adds the stays of one events/N*.csv file. Errors: kInvalidArgument naming file and line.
Status ReadStays(const std::filesystem::path& path, const date::time_zone& zone,
                 std::chrono::days shift, MarkerStays& out) {
  PG_ASSIGN_OR_RETURN(auto records, ReadCsvFile(path));
  std::string file = path.filename().string();
  std::optional<std::vector<size_t>> c;  // arrival, departure, marker, area, violation
  for (const auto& r : records) {
    if (r.cells.size() == 1 && TrimSpace(r.cells[0]).empty()) continue;
    if (!c) {
      PG_ASSIGN_OR_RETURN(
          c, HeaderColumns(
                 r, file, {"arrival_time", "departure_time", "street_marker", "area", "vio_time"}));
      continue;
    }
    ++out.rows;
    if (r.cells.size() <= *std::max_element(c->begin(), c->end())) {
      return InvalidArgument(fmt::format("{} line {}: too few cells", file, r.line));
    }
    auto arrival = ParseArrival(TrimSpace(r.cells[(*c)[0]]));
    auto departure = ParseClock(r.cells[(*c)[1]]);
    auto vio = ParseClock(r.cells[(*c)[4]]);
    if (!arrival || !departure || !vio) {
      return InvalidArgument(fmt::format(
          "{} line {}: expected arrival YYYY/M/D H:MM and departure, vio_time H:MM", file, r.line));
    }
    auto [y, m, d, minute] = *arrival;
    std::string marker(TrimSpace(r.cells[(*c)[2]]));
    Timestamp a = FromLocal(y, m, d, minute, zone) + shift;
    Timestamp b = FromLocal(y, m, d, *departure, zone) + shift;
    if (b < a) continue;  // not in this set (no stay crosses midnight), but never trust it
    out.stays[marker].push_back({a, b});
    ++out.limits[marker][std::max(0, *vio - minute)];
    out.area_of.emplace(marker, std::string(TrimSpace(r.cells[(*c)[3]])));
  }
  return Status::Ok();
}

std::string ZoneIdOf(std::string_view area) { return "MEL-" + Slug(area); }

// The mean position of each zone's located bays.
std::map<std::string, std::pair<LatLon, int>> ZoneCentres(
    const MarkerStays& in, const std::map<std::string, LatLon>& located) {
  std::map<std::string, std::pair<LatLon, int>> centres;
  for (const auto& [marker, list] : in.stays) {
    auto loc = located.find(marker);
    if (loc == located.end()) continue;
    auto area = in.area_of.find(marker);
    auto& c = centres[ZoneIdOf(area == in.area_of.end() ? std::string() : area->second)];
    c.first.lat += loc->second.lat;
    c.first.lon += loc->second.lon;
    ++c.second;
  }
  return centres;
}

// A bay's stays as occupied/free events, an arrival in the second of the previous departure moved
// a second later (a bay holds one state per instant).
void AddStays(const model::BayId& bay, const std::vector<Stay>& list, BayEventSet& out) {
  std::optional<Timestamp> last_departure;
  for (const Stay& s : list) {
    Timestamp arrival = s.arrival;
    if (last_departure && arrival <= *last_departure) {
      arrival = *last_departure + std::chrono::seconds(1);
      ++out.moved_arrivals;
    }
    Timestamp departure = std::max(s.departure, arrival + std::chrono::seconds(1));
    out.events.push_back({bay, arrival, true});
    out.events.push_back({bay, departure, false});
    last_departure = departure;
  }
}

// A bay per marker, at its own place, else at its zone's centre; with neither it is left out with
// its events (counted).
void AddBays(MarkerStays& in, const std::map<std::string, LatLon>& located,
             const std::map<std::string, std::pair<LatLon, int>>& centres, BayEventSet& out) {
  for (auto& [marker, list] : in.stays) {
    std::sort(list.begin(), list.end(),
              [](const Stay& x, const Stay& y) { return x.arrival < y.arrival; });
    model::Bay bay;
    bay.id = model::BayId("MEL-" + marker);
    std::string zone_id = ZoneIdOf(in.area_of[marker]);
    bay.facility = model::FacilityId(zone_id);
    bay.sensor_id = marker;
    auto best = std::max_element(in.limits[marker].begin(), in.limits[marker].end(),
                                 [](const auto& x, const auto& y) { return x.second < y.second; });
    // A limit no sign shows (0 or less: a violation logged at arrival; over a week) is no limit.
    if (best->first >= 1 && best->first <= 7 * 1440) bay.time_limit_minutes = best->first;
    if (auto loc = located.find(marker); loc != located.end()) {
      bay.location = loc->second;
    } else if (auto c = centres.find(zone_id); c != centres.end()) {
      bay.location = {c->second.first.lat / c->second.second,
                      c->second.first.lon / c->second.second};
      ++out.bays_at_zone_centre;
    } else {
      ++out.unlocated_bays;
      out.unlocated_events += 2 * list.size();
      continue;
    }
    AddStays(bay.id, list, out);
    out.bays.push_back(std::move(bay));
  }
}

// One on-street zone per area, at the mean position of its located bays.
void AddZones(const MarkerStays& in, const std::map<std::string, std::pair<LatLon, int>>& centres,
              BayEventSet& out) {
  std::set<std::string> zones;
  for (const auto& [marker, area] : in.area_of) {
    std::string zone_id = ZoneIdOf(area);
    const auto c = centres.find(zone_id);
    if (c == centres.end() || !zones.insert(zone_id).second) continue;
    model::Facility f;
    f.id = model::FacilityId(zone_id);
    f.name = {area, area};
    f.kind = model::FacilityKind::kOnStreet;
    f.district = "melbourne";
    f.location = {c->second.first.lat / c->second.second, c->second.first.lon / c->second.second};
    f.operator_name = "City of Melbourne";
    out.zones.push_back(std::move(f));
  }
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
  PG_ASSIGN_OR_RETURN(auto located, ReadBayLocations(dir));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir / "events", ec)) {
    if (e.path().extension() == ".csv") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  MarkerStays stays;
  for (const auto& path : files) PG_RETURN_IF_ERROR(ReadStays(path, *zone, shift, stays));
  BayEventSet out;
  out.rows = stays.rows;
  const auto centres = ZoneCentres(stays, located);
  AddBays(stays, located, centres, out);
  AddZones(stays, centres, out);
  return out;
}

namespace {

// Writes registry entries a replay made, once they pass the same validation as every import.
// `stored`: the registry as the store holds it (the facilities `data` may refer to).
Status WriteValidated(const model::RegistryData& data, const model::RegistryData& stored,
                      store::RegistryWriter& writer) {
  std::vector<model::FacilityId> known;
  for (const auto& f : stored.facilities) known.push_back(f.id);
  if (auto problems = model::ValidateRegistry(data, known); !problems.empty()) {
    const auto& p = problems.front();
    return InvalidArgument(fmt::format("{} {}: {}: {} ({} problems, nothing registered)",
                                       p.entry_kind, p.index + 1, p.status.field(),
                                       p.status.message(), problems.size()));
  }
  return writer.WriteRegistry(data, store::RegistryWriteMode::kUpsert).status();
}

// kFailedPrecondition naming (some of) the `ids` that have no place in `locations`.
Status Unplaced(const std::vector<std::string>& ids, std::string_view what) {
  const size_t shown = std::min<size_t>(ids.size(), 5);
  return FailedPrecondition(fmt::format(
      "{} {} to register have no location: {}{}; give --locations FILE with a line id,lat,lon "
      "for each (nothing was written)",
      ids.size(), what, fmt::join(ids.begin(), ids.begin() + static_cast<long>(shown), ", "),
      ids.size() > shown ? fmt::format(" and {} more", ids.size() - shown) : ""));
}

}  // namespace

namespace {

// Where the columns of a locations file are; `crs` is optional.
struct LocationColumns {
  size_t id, lat, lon;
  std::optional<size_t> crs;
};

using Located = std::optional<std::pair<std::string, LatLon>>;

// One row of a locations file as (id, WGS-84 place); nullopt for a blank row.
Result<Located> LocationRow(const CsvRecord& r, const LocationColumns& c, std::string_view file) {
  if (r.cells.size() == 1 && TrimSpace(r.cells[0]).empty()) return Located();
  const auto bad = [&](std::string_view column, const std::string& why) {
    return InvalidArgument(fmt::format("{} line {}: {}: {}", file, r.line, column, why));
  };
  if (r.cells.size() <= std::max({c.id, c.lat, c.lon})) return bad("id", "needs id, lat and lon");
  std::string id(TrimSpace(r.cells[c.id]));
  if (id.empty()) return bad("id", "is empty");
  auto lat = ParseDouble(TrimSpace(r.cells[c.lat]));
  auto lon = ParseDouble(TrimSpace(r.cells[c.lon]));
  if (!lat) return bad("lat", fmt::format("'{}' is not a number", r.cells[c.lat]));
  if (!lon) return bad("lon", fmt::format("'{}' is not a number", r.cells[c.lon]));
  if (Status place = model::ValidatePlace({*lat, *lon}, "lat,lon"); !place.ok()) {
    return bad("lat,lon", place.message());
  }
  Crs crs = Crs::kWgs84;
  if (c.crs && *c.crs < r.cells.size()) {
    auto given = ParseCrs(TrimSpace(r.cells[*c.crs]), "crs");
    if (!given.ok()) return bad("crs", given.status().message());
    crs = *given;
  }
  return Located(std::pair{std::move(id), ToWgs84(LatLon{*lat, *lon}, crs)});
}

}  // namespace

Result<Locations> ReadLocationsFile(const std::string& path) {
  const std::string file = std::filesystem::path(path).filename().string();
  PG_ASSIGN_OR_RETURN(auto records, ReadCsvFile(path));
  if (records.empty()) return InvalidArgument(fmt::format("{}: empty; needs id,lat,lon", file));
  PG_ASSIGN_OR_RETURN(auto at, HeaderColumns(records.front(), file, {"id", "lat", "lon"}));
  LocationColumns columns{at[0], at[1], at[2], std::nullopt};
  const auto& header = records.front().cells;
  for (size_t i = 0; i < header.size(); ++i) {
    if (TrimSpace(header[i]) == "crs") columns.crs = i;
  }
  Locations out;
  for (size_t i = 1; i < records.size(); ++i) {
    PG_ASSIGN_OR_RETURN(auto row, LocationRow(records[i], columns, file));
    if (!row) continue;
    if (!out.emplace(row->first, row->second).second) {
      return InvalidArgument(
          fmt::format("{} line {}: id: '{}' is listed twice", file, records[i].line, row->first));
    }
  }
  if (out.empty()) return InvalidArgument(fmt::format("{}: no location in it", file));
  return out;
}

Status StoreBayEvents(const BayEventSet& set, ReplayStore store) {
  model::RegistryData data;
  data.facilities = set.zones;
  data.bays = set.bays;
  PG_ASSIGN_OR_RETURN(model::RegistryData stored,
                      store.get<store::RegistryReader>().LoadRegistry());
  PG_RETURN_IF_ERROR(WriteValidated(data, stored, store.get<store::RegistryWriter>()));
  constexpr size_t kBatch = 20'000;
  for (size_t i = 0; i < set.events.size(); i += kBatch) {
    size_t n = std::min(kBatch, set.events.size() - i);
    PG_RETURN_IF_ERROR(store.get<store::OccupancyHistoryWriter>().AppendBayEvents(
        std::span(set.events).subspan(i, n)));
  }
  return Status::Ok();
}

std::string ChargerSiteReport::ToText() const {
  return fmt::format("{} charging sites ({} registered), {} samples, {} rollups", sites, registered,
                     samples, rollups);
}

namespace {

// The charger a station the registry lacks is registered as.
model::Charger ChargerOfStation(const datasets::RawSeries& s, const LatLon& place,
                                std::chrono::days shift) {
  model::Charger c;
  c.id = model::ChargerId(s.id);
  c.site = s.id;
  c.name = {s.id, s.id};
  c.location = place;
  auto dash = s.id.find('-');
  c.district = dash == std::string::npos ? std::string() : s.id.substr(0, dash);
  int connectors = 0;
  for (const auto& x : s.samples) connectors = std::max(connectors, x.capacity);
  for (int i = 1; i <= connectors; ++i)
    c.connectors.push_back({i, model::ConnectorType::kGbtDc, 0});
  c.lifecycle = model::Lifecycle::kInService;
  // In service at least since its data starts (UTC date; the set gives no commissioning date).
  c.in_service_date =
      date::format("%F", std::chrono::floor<std::chrono::days>(s.samples.front().time + shift));
  return c;
}

}  // namespace

Result<ChargerSiteReport> StoreChargerSites(const datasets::Dataset& data, ReplayStore store,
                                            const Locations& locations, std::chrono::days shift) {
  ChargerSiteReport report;
  PG_ASSIGN_OR_RETURN(model::RegistryData stored,
                      store.get<store::RegistryReader>().LoadRegistry());
  std::set<std::string> known;
  for (const auto& c : stored.chargers) known.insert(c.id.str());
  model::RegistryData reg;
  std::vector<std::string> unplaced;
  for (const auto& s : data.series) {
    if (s.samples.empty() || known.contains(s.id)) continue;
    if (auto place = locations.find(s.id); place != locations.end()) {
      reg.chargers.push_back(ChargerOfStation(s, place->second, shift));
    } else {
      unplaced.push_back(s.id);
    }
  }
  if (!unplaced.empty()) return Unplaced(unplaced, "charging stations");
  PG_RETURN_IF_ERROR(WriteValidated(reg, stored, store.get<store::RegistryWriter>()));
  report.registered = reg.chargers.size();
  state::RollupBuilder rollups(std::chrono::minutes(5), std::chrono::minutes(15));
  for (const auto& s : data.series) {
    if (s.samples.empty()) continue;
    std::vector<model::ChargerSiteSample> samples;
    for (const auto& x : s.samples) {
      samples.push_back({s.id, x.time + shift, x.occupied, x.capacity});
      rollups.Add(model::OccupancyRollup::Kind::kChargerSite, s.id, x.time + shift, x.occupied,
                  x.capacity);
    }
    PG_RETURN_IF_ERROR(
        store.get<store::OccupancyHistoryWriter>().AppendChargerSiteOccupancy(samples));
    report.samples += samples.size();
    auto closed = rollups.Flush(s.samples.back().time + shift + std::chrono::minutes(5));
    PG_RETURN_IF_ERROR(store.get<store::OccupancyHistoryWriter>().AppendRollups(closed));
    report.rollups += closed.size();
    ++report.sites;
  }
  return report;
}

Result<int> RegisterReplayedFacilities(const std::vector<Reading>& readings,
                                       const std::string& district, const Locations& locations,
                                       store::RegistryStore& store) {
  PG_ASSIGN_OR_RETURN(model::RegistryData existing, store.LoadRegistry());
  std::set<std::string> known;
  for (const auto& f : existing.facilities) known.insert(f.id.str());
  std::map<std::string, int> capacity;
  for (const auto& r : readings) {
    if (!known.contains(r.facility)) {
      capacity[r.facility] = std::max(capacity[r.facility], r.capacity);
    }
  }
  model::RegistryData data;
  std::vector<std::string> unplaced;
  for (const auto& [id, cap] : capacity) {
    auto place = locations.find(id);
    if (place == locations.end()) {
      unplaced.push_back(id);
      continue;
    }
    model::Facility f;
    f.id = model::FacilityId(id);
    f.name = {id, id};
    f.kind = model::FacilityKind::kMultiStorey;
    f.capacity.total = cap;
    f.district = district;
    f.location = place->second;
    data.facilities.push_back(std::move(f));
  }
  if (!unplaced.empty()) return Unplaced(unplaced, "facilities");
  if (!data.facilities.empty()) PG_RETURN_IF_ERROR(WriteValidated(data, existing, store));
  return static_cast<int>(data.facilities.size());
}

}  // namespace pg::ingest
