// Survey GeoJSON: a FeatureCollection whose features' properties are the JSON model's entries.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "core/strings.h"
#include "model/model_json.h"
#include "model/vocabulary.h"
#include "registry/survey.h"
#include "registry/survey_cells.h"
#include "registry/survey_internal.h"

namespace pg::registry {
namespace survey_internal {
namespace {

using nlohmann::json;

constexpr std::string_view kFeatureTypes = "facility, bay, charger, sign, source";

// Property names a feature of each type may carry without a warning: the JSON model's members,
// plus the flat forms GIS tools write (name_zh, capacity_ev, lat/lon beside a polygon).
const std::set<std::string>& KnownProperties(EntryKind kind) {
  auto keys = [](const json& j, std::initializer_list<const char*> extra) {
    std::set<std::string> out{"type", "id"};
    for (const auto& [key, value] : j.items()) out.insert(key);
    out.insert(extra.begin(), extra.end());
    return out;
  };
  static const auto* facility = new std::set<std::string>(
      keys(model::ToJson(model::Facility{}),
           {"outline", "osm_ref", "lat", "lon", "name_zh", "name_en", "capacity_disabled",
            "capacity_ev", "capacity_family", "capacity_motorcycle"}));
  static const auto* bay = new std::set<std::string>(keys(model::ToJson(model::Bay{}), {}));
  static const auto* charger = new std::set<std::string>(
      keys(model::ToJson(model::Charger{}), {"osm_ref", "name_zh", "name_en"}));
  static const auto* sign =
      new std::set<std::string>(keys(model::ToJson(model::Sign{}), {"name_zh", "name_en"}));
  static const auto* source = new std::set<std::string>(keys(model::ToJson(model::Source{}), {}));
  switch (kind) {
    case EntryKind::kFacility:
      return *facility;
    case EntryKind::kBay:
      return *bay;
    case EntryKind::kCharger:
      return *charger;
    case EntryKind::kSign:
      return *sign;
    case EntryKind::kSource:
    case EntryKind::kCity:
    case EntryKind::kDistrict:
      break;
  }
  return *source;
}

std::optional<EntryKind> FeatureKind(const std::string& type) {
  if (type == "facility") return EntryKind::kFacility;
  if (type == "bay") return EntryKind::kBay;
  if (type == "charger") return EntryKind::kCharger;
  if (type == "sign") return EntryKind::kSign;
  if (type == "source") return EntryKind::kSource;
  return std::nullopt;
}

int LineOfByte(std::string_view text, size_t byte) {
  byte = std::min(byte, text.size());
  int line = 1;
  for (size_t i = 0; i < byte; ++i) {
    if (text[i] == '\n') ++line;
  }
  return line;
}

// A GeoJSON position [lon, lat] as a point; the message says what is wrong.
Result<LatLon> Position(const json& c) {
  if (!c.is_array() || c.size() < 2 || !c[0].is_number() || !c[1].is_number()) {
    return InvalidArgument("coordinates must be [lon, lat] numbers");
  }
  LatLon p{c[1].get<double>(), c[0].get<double>()};
  Status s = ValidateLatLon(p, "geometry");
  if (!s.ok()) return InvalidArgument(s.message());
  return p;
}

// A `crs` member: one of parkguide's names (core/crs.h), or the named-CRS object of the 2008
// GeoJSON format for WGS-84 ({"type": "name", "properties": {"name":
// "urn:ogc:def:crs:OGC:1.3:CRS84"}}), which GIS tools still write.
Result<Crs> CrsOf(const json& value) {
  if (value.is_string()) return ParseCrs(value.get<std::string>(), "crs");
  if (value.is_object() && value.value("type", json()) == "name" && value.contains("properties") &&
      value["properties"].is_object()) {
    json name = value["properties"].value("name", json());
    if (name.is_string()) {
      static const std::set<std::string> wgs84_names{"urn:ogc:def:crs:OGC:1.3:CRS84",
                                                     "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326",
                                                     "urn:ogc:def:crs:EPSG::4326"};
      if (wgs84_names.contains(name.get<std::string>())) return Crs::kWgs84;
      return ParseCrs(name.get<std::string>(), "crs");
    }
  }
  return InvalidArgument("must be wgs84, gcj02 or bd09 (or a GeoJSON 2008 named CRS)", "crs");
}

// One feature, turned into the JSON model's form and read by model_json.
class FeatureReader {
 public:
  FeatureReader(const json& feature, Place at, SurveyReading& reading, Crs collection_crs)
      : feature_(feature), at_(std::move(at)), reading_(reading), crs_(collection_crs) {}

  void Read() {
    if (!feature_.is_object() || feature_.value("type", json()) != "Feature") {
      Fail("type", "is not a GeoJSON Feature");
      return;
    }
    const json& properties = feature_.contains("properties") ? feature_["properties"] : json();
    if (!properties.is_object()) {
      Fail("properties", fmt::format("must be an object whose type is one of: {}", kFeatureTypes));
      return;
    }
    j_ = properties;
    json type = j_.value("type", json());
    if (!type.is_string()) {
      Fail("type", fmt::format("is required: one of {}", kFeatureTypes));
      return;
    }
    std::optional<EntryKind> kind = FeatureKind(type.get<std::string>());
    if (!kind) {
      Fail("type", fmt::format("'{}' is not one of: {}", type.get<std::string>(), kFeatureTypes));
      return;
    }
    kind_ = *kind;
    j_.erase("type");
    if (j_.contains("crs")) {
      auto crs = CrsOf(j_["crs"]);
      if (!crs.ok()) return Fail("crs", crs.status().message());
      crs_ = *crs;
      j_.erase("crs");
    }
    // The id may sit in the properties or, as GeoJSON allows, in the feature itself.
    if (!j_.contains("id") && feature_.contains("id")) j_["id"] = feature_["id"];
    for (const auto& [key, value] : j_.items()) {
      if (!KnownProperties(kind_).contains(key)) {
        reading_.Warning(at_, key,
                         fmt::format("unknown property of a {}, ignored", type.get<std::string>()));
      }
    }
    FlatNames();
    switch (kind_) {
      case EntryKind::kFacility:
        ReadFacility();
        break;
      case EntryKind::kBay:
        Finish(model::BayFromJson, [&] { return PointGeometry(); });
        break;
      case EntryKind::kCharger:
        ReadCharger();
        break;
      case EntryKind::kSign:
        ReadSign();
        break;
      case EntryKind::kSource:
        Finish(model::SourceFromJson, [] { return true; });
        break;
      case EntryKind::kCity:
      case EntryKind::kDistrict:
        break;
    }
  }

 private:
  void Fail(std::string field, std::string message) {
    ok_ = false;
    reading_.Error(at_, std::move(field), std::move(message));
  }

  // name_zh / name_en beside (or instead of) the model's {"name": {"zh", "en"}}.
  void FlatNames() {
    for (const char* lang : {"zh", "en"}) {
      std::string key = fmt::format("name_{}", lang);
      if (!j_.contains(key)) continue;
      if (!j_["name"].is_object()) j_["name"] = json::object();
      j_["name"][lang] = j_[key];
      j_.erase(key);
    }
  }

  // Reads the cell form of a property that may be a string (as a GIS attribute table holds it)
  // instead of the model's JSON, and removes it so model_json does not see it.
  template <typename T>
  std::optional<T> CellForm(const char* key, Result<T> (*parser)(std::string_view)) {
    if (!j_.contains(key) || !j_[key].is_string()) return std::nullopt;
    std::string text = j_[key].get<std::string>();
    j_.erase(key);
    if (TrimSpace(text).empty()) return std::nullopt;
    auto value = parser(text);
    if (!value.ok()) {
      Fail(key, value.status().message());
      return std::nullopt;
    }
    return std::move(*value);
  }

  bool PointGeometry() {
    const json& g = feature_.contains("geometry") ? feature_["geometry"] : json();
    if (!g.is_object() || g.value("type", json()) != "Point") {
      Fail("geometry", "must be a Point");
      return false;
    }
    auto p = Position(g.value("coordinates", json()));
    if (!p.ok()) {
      Fail("geometry", p.status().message());
      return false;
    }
    j_["location"] = {{"lat", p->lat}, {"lon", p->lon}};
    return true;
  }

  // A facility is a Point, or a Polygon whose outer ring is its outline; the point of a polygon
  // is properties lat/lon when given (a car park's centroid may lie outside it), else the centroid.
  bool FacilityGeometry() {
    const json& g = feature_.contains("geometry") ? feature_["geometry"] : json();
    if (g.is_object() && g.value("type", json()) == "Polygon") {
      const json& rings = g.value("coordinates", json());
      if (!rings.is_array() || rings.empty() || !rings[0].is_array() || rings[0].size() < 3) {
        Fail("geometry", "a Polygon needs an outer ring of at least 3 positions");
        return false;
      }
      std::vector<LatLon> ring;
      json outline = json::array();
      for (const auto& c : rings[0]) {
        auto p = Position(c);
        if (!p.ok()) {
          Fail("geometry", p.status().message());
          return false;
        }
        ring.push_back(*p);
        outline.push_back({p->lon, p->lat});
      }
      j_["outline"] = std::move(outline);
      LatLon point = RingCentroid(ring);
      bool has_lat = j_.contains("lat"), has_lon = j_.contains("lon");
      if (has_lat || has_lon) {
        if (!has_lat || !has_lon || !j_["lat"].is_number() || !j_["lon"].is_number()) {
          Fail(has_lat ? "lon" : "lat", "lat and lon must both be numbers when either is given");
          return false;
        }
        point = {j_["lat"].get<double>(), j_["lon"].get<double>()};
        Status s = ValidateLatLon(point, "lat");
        if (!s.ok()) {
          Fail(point.lat < -90 || point.lat > 90 ? "lat" : "lon", s.message());
          return false;
        }
      }
      j_.erase("lat");
      j_.erase("lon");
      j_["location"] = {{"lat", point.lat}, {"lon", point.lon}};
      return true;
    }
    if (!g.is_object() || g.value("type", json()) != "Point") {
      Fail("geometry", "a facility needs a Point or a Polygon");
      return false;
    }
    j_.erase("lat");
    j_.erase("lon");
    return PointGeometry();
  }

  // Parses j_ with the model's reader once the geometry is in place; adds the entry when fine.
  template <typename T, typename Geometry>
  std::optional<T> Parse(Result<T> (*from_json)(const json&), Geometry geometry) {
    bool placed = geometry();
    // A bad geometry is reported already; a stand-in keeps the model from repeating it.
    if (!placed) j_["location"] = {{"lat", 0.0}, {"lon", 0.0}};
    auto entry = from_json(j_);
    if (!entry.ok()) {
      Fail(entry.status().field(), entry.status().message());
      return std::nullopt;
    }
    if (!placed) return std::nullopt;
    return std::move(*entry);
  }

  template <typename T>
  void Add(const std::string& id, std::optional<T> entry) {
    // Every model reader reads the id first, so a missing one has been reported already.
    if (id.empty()) return;
    if (!reading_.Claim(kind_, id, at_)) return;
    if (!ok_ || !entry) {
      if (kind_ == EntryKind::kFacility) reading_.rejected_facilities.emplace_back(id);
      return;
    }
    if constexpr (std::is_same_v<T, model::Source>) {
      reading_.Add(std::move(*entry), at_);
    } else {
      reading_.Add(std::move(*entry), at_, crs_);
    }
  }

  std::string Id() const {
    const json& id = j_.contains("id") ? j_["id"] : json();
    if (id.is_string()) return id.get<std::string>();
    if (id.is_number_integer()) return std::to_string(id.get<int64_t>());
    return {};
  }

  template <typename T, typename Geometry>
  void Finish(Result<T> (*from_json)(const json&), Geometry geometry) {
    std::string id = Id();
    auto entry = Parse(from_json, geometry);
    Add(id, std::move(entry));
  }

  void ReadFacility() {
    if (j_.contains("capacity") && j_["capacity"].is_number()) {
      j_["capacity"] = json{{"total", j_["capacity"]}};
    }
    for (const auto& [category, name] : model::EnumNames<model::SpaceCategory>::kTable) {
      std::string key = fmt::format("capacity_{}", name);
      if (!j_.contains(key)) continue;
      if (!j_["capacity"].is_object()) j_["capacity"] = json::object();
      j_["capacity"][name] = j_[key];
      j_.erase(key);
    }
    auto tariff = CellForm("tariff", ParseTariffCell);
    auto entrances = CellForm("entrances", ParseEntrancesCell);
    std::string id = Id();
    auto facility = Parse(model::FacilityFromJson, [&] { return FacilityGeometry(); });
    if (facility && facility->name.zh.empty() && facility->name.en.empty()) {
      Fail("name", "a facility needs a name in name.zh or name.en (or name_zh, name_en)");
    }
    if (facility) {
      if (tariff) facility->tariff = std::move(tariff);
      if (entrances) facility->entrances = std::move(*entrances);
    }
    Add(id, std::move(facility));
  }

  void ReadCharger() {
    auto connectors = CellForm("connectors", ParseConnectorsCell);
    // Dates as Excel or a GIS tool writes them ("2026/3/1") are normalised like CSV cells.
    std::vector<std::pair<const char*, std::string>> dates;
    for (const char* key :
         {"planned_date", "construction_date", "in_service_date", "retired_date"}) {
      if (j_.contains(key) && j_[key].is_string() && !j_[key].get<std::string>().empty()) {
        auto date = ParseDateCell(j_[key].get<std::string>());
        if (!date.ok()) {
          Fail(key, date.status().message());
        } else {
          j_[key] = *date;
        }
      }
    }
    std::string id = Id();
    auto charger = Parse(model::ChargerFromJson, [&] { return PointGeometry(); });
    if (charger && connectors) charger->connectors = std::move(*connectors);
    Add(id, std::move(charger));
  }

  void ReadSign() {
    auto lines = CellForm("lines", ParseSignLinesCell);
    std::string id = Id();
    auto sign = Parse(model::SignFromJson, [&] { return PointGeometry(); });
    if (sign && lines) sign->lines = std::move(*lines);
    Add(id, std::move(sign));
  }

  const json& feature_;
  Place at_;
  SurveyReading& reading_;
  json j_;
  EntryKind kind_ = EntryKind::kFacility;
  bool ok_ = true;
  Crs crs_;  // of the feature's geometry and coordinates
};

}  // namespace

void ReadGeoJsonSurvey(const std::string& file, std::string_view text, SurveyReading& reading) {
  Place whole{file, 0, -1, true};
  text = StripUtf8Bom(text);
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 3, column 5: …": the prefix is noise.
    std::string what = e.what();
    if (size_t bracket = what.find("] "); bracket != std::string::npos) what.erase(0, bracket + 2);
    reading.Error({file, LineOfByte(text, e.byte), -1, true}, "",
                  fmt::format("not valid JSON: {}", what));
    return;
  } catch (const json::exception& e) {
    reading.Error(whole, "", fmt::format("not valid JSON: {}", e.what()));
    return;
  }
  if (!root.is_object() || root.value("type", json()) != "FeatureCollection") {
    reading.Error(whole, "type", "is not a GeoJSON FeatureCollection");
    return;
  }
  Crs crs = Crs::kWgs84;
  if (root.contains("crs")) {
    auto given = CrsOf(root["crs"]);
    if (!given.ok()) {
      reading.Error(whole, "crs", given.status().message());
      return;
    }
    crs = *given;
  }
  if (root.contains("city") && !root["city"].is_null()) {
    auto city = model::CityFromJson(root["city"]);
    if (!city.ok()) {
      reading.Error(whole, "city." + city.status().field(), city.status().message());
    } else if (reading.city_at) {
      reading.Error(whole, "city",
                    fmt::format("a second city; the city is already given at {}",
                                PlaceText(*reading.city_at)));
    } else {
      reading.Add(std::move(*city), whole, crs);
    }
  }
  const json& features = root.contains("features") ? root["features"] : json();
  if (!features.is_array()) {
    reading.Error(whole, "features", "must be an array of features");
    return;
  }
  for (size_t i = 0; i < features.size(); ++i) {
    FeatureReader(features[i], Place{file, 0, static_cast<int>(i), true}, reading, crs).Read();
  }
}

std::string GeoJsonPropertyOf(EntryKind kind, std::string_view field) {
  if (kind == EntryKind::kCity || kind == EntryKind::kDistrict) {
    return field.empty() ? "city" : "city." + std::string(field);
  }
  if (field == "location") return "geometry";
  if (field.starts_with("capacity:")) return "capacity." + std::string(field.substr(9));
  if (field == "max_height") return "max_height_m";
  if (field == "free_minutes" || field == "daily_cap") return "tariff." + std::string(field);
  if (field == "price_per_hour") return "tariff.bands";
  if (field == "power_kw") return "connectors";
  if (field == "interval") return "interval_s";
  return std::string(field);
}

}  // namespace survey_internal

namespace {

nlohmann::json PointGeometryJson(const LatLon& p) {
  return {{"type", "Point"}, {"coordinates", {p.lon, p.lat}}};
}

nlohmann::json Feature(nlohmann::json properties, std::string_view type, nlohmann::json geometry) {
  properties.erase("location");
  properties.erase("origin");
  properties["type"] = type;
  return {{"type", "Feature"},
          {"geometry", std::move(geometry)},
          {"properties", std::move(properties)}};
}

}  // namespace

Status WriteSurveyGeoJson(const model::RegistryData& data, const std::string& path) {
  using nlohmann::json;
  json features = json::array();
  for (const auto& f : data.facilities) {
    json properties = model::ToJson(f);
    json geometry;
    if (f.outline.empty()) {
      geometry = PointGeometryJson(f.location);
    } else {
      json ring = json::array();
      for (const auto& p : f.outline) ring.push_back({p.lon, p.lat});
      geometry = {{"type", "Polygon"}, {"coordinates", json::array({std::move(ring)})}};
      properties.erase("outline");
      properties["lat"] = f.location.lat;
      properties["lon"] = f.location.lon;
    }
    features.push_back(Feature(std::move(properties), "facility", std::move(geometry)));
  }
  for (const auto& b : data.bays) {
    features.push_back(Feature(model::ToJson(b), "bay", PointGeometryJson(b.location)));
  }
  for (const auto& c : data.chargers) {
    features.push_back(Feature(model::ToJson(c), "charger", PointGeometryJson(c.location)));
  }
  for (const auto& s : data.signs) {
    features.push_back(Feature(model::ToJson(s), "sign", PointGeometryJson(s.location)));
  }
  for (const auto& s : data.sources) {
    json properties = model::ToJson(s);
    properties.erase("revoked_at");
    features.push_back(Feature(std::move(properties), "source", json(nullptr)));
  }
  json root{{"type", "FeatureCollection"}, {"features", std::move(features)}};
  if (data.city) root["city"] = model::ToJson(*data.city);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << root.dump(2) << '\n';
  out.close();
  if (!out) return Unavailable(fmt::format("cannot write {}", path));
  return Status::Ok();
}

}  // namespace pg::registry
