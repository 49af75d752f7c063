#include "interchange/geojson_layers.h"

#include <cmath>
#include <string>

#include "interchange/geojson_geometry.h"
#include "model/vocabulary.h"

namespace pg::interchange {
namespace {

using nlohmann::json;

constexpr std::pair<GeoJsonLayer, std::string_view> kLayerNames[] = {
    {GeoJsonLayer::kFacilities, "facilities"},
    {GeoJsonLayer::kZones, "zones"},
    {GeoJsonLayer::kBays, "bays"},
    {GeoJsonLayer::kChargers, "chargers"},
    {GeoJsonLayer::kSigns, "signs"}};

json Feature(const std::string& id, json geometry, json properties) {
  return {{"type", "Feature"},
          {"id", id},
          {"geometry", std::move(geometry)},
          {"properties", std::move(properties)}};
}

json OrNull(const std::optional<int>& v) { return v ? json(*v) : json(nullptr); }
json OrNull(const std::string& v) { return v.empty() ? json(nullptr) : json(v); }
json TimeOrNull(const ExportInput& in, const std::optional<Timestamp>& t) {
  return t ? json(TimeIn(in, *t)) : json(nullptr);
}

// Whether parking there costs money: a tariff with bands, else OSM's fee tag, else unknown.
json Fee(const model::Facility& f) {
  if (f.tariff) return !f.tariff->bands.empty();
  return f.fee ? json(*f.fee) : json(nullptr);
}

json FacilityProperties(const ExportInput& in, const model::Facility& f) {
  json p{{"name_zh", OrNull(f.name.zh)},
         {"name_en", OrNull(f.name.en)},
         {"kind", model::Name(f.kind)},
         {"operator", OrNull(f.operator_name)},
         {"district", OrNull(f.district)},
         {"access", model::Name(f.access)},
         {"capacity", OrNull(f.capacity.total)},
         {"opening_hours", OrNull(f.opening_hours)},
         {"fee", Fee(f)},
         {"max_height_m", f.max_height_m ? json(*f.max_height_m) : json(nullptr)}};
  const state::FacilityView view =
      state::ViewFacility(in.registry, in.snapshot, f, in.now, in.rules);
  p["state"] = state::Name(view.state);
  p["free"] = OrNull(view.free);
  p["occupied"] = OrNull(view.occupied);
  p["updated"] = TimeOrNull(in, view.updated);
  // One column per category on every feature, so that a GIS table has the same columns.
  for (const auto& [category, name] : model::EnumNames<model::SpaceCategory>::kTable) {
    auto capacity = f.capacity.by_category.find(category);
    p[std::string("capacity_") + name] =
        capacity == f.capacity.by_category.end() ? json(nullptr) : json(capacity->second);
    p[std::string("free_") + name] = nullptr;
    for (const auto& c : view.by_category) {
      if (c.category == category) p[std::string("free_") + name] = OrNull(c.free);
    }
  }
  return p;
}

json FacilityFeatures(const ExportInput& in, bool zones) {
  json features = json::array();
  for (const model::Facility& f : in.registry.facilities()) {
    if ((f.kind == model::FacilityKind::kOnStreet) != zones) continue;
    std::optional<json> polygon = zones ? GeoJsonPolygon(f.outline) : std::nullopt;
    features.push_back(Feature(f.id.str(), polygon ? std::move(*polygon) : GeoJsonPoint(f.location),
                               FacilityProperties(in, f)));
  }
  return features;
}

json BayFeatures(const ExportInput& in) {
  json features = json::array();
  for (const model::Bay& b : in.registry.bays()) {
    json p{{"facility", b.facility.str()},
           {"category", b.category ? json(model::Name(*b.category)) : json(nullptr)},
           {"time_limit_minutes", OrNull(b.time_limit_minutes)},
           {"sensor_id", OrNull(b.sensor_id)},
           {"occupied", nullptr},
           {"since", nullptr},
           {"updated", nullptr},
           {"overstay", nullptr}};
    if (const state::BayLive* live = in.snapshot.FindBay(b.id.str()); live && live->known) {
      p["occupied"] = live->occupied;
      p["since"] = TimeIn(in, live->since);
      p["updated"] = TimeIn(in, live->updated);
      p["overstay"] = live->occupied && b.time_limit_minutes &&
                      in.now - live->since > std::chrono::minutes(*b.time_limit_minutes);
    }
    features.push_back(Feature(b.id.str(), GeoJsonPoint(b.location), std::move(p)));
  }
  return features;
}

json ChargerProperties(const ExportInput& in, const model::Charger& c) {
  std::string types, statuses;
  double max_kw = 0;
  for (const model::Connector& k : c.connectors) {
    if (types.find(model::Name(k.type)) == std::string::npos) {
      types += (types.empty() ? "" : ",") + std::string(model::Name(k.type));
    }
    max_kw = std::max(max_kw, k.power_kw);
  }
  const state::ChargerView view = state::ViewCharger(in.snapshot, c, in.now, in.rules);
  for (const auto& r : view.reported) {
    statuses += (statuses.empty() ? "" : ",") + std::to_string(r.connector) + ":" +
                std::string(model::Name(r.status));
  }
  return {{"site", c.site},
          {"facility", c.facility ? json(c.facility->str()) : json(nullptr)},
          {"name_zh", OrNull(c.name.zh)},
          {"name_en", OrNull(c.name.en)},
          {"operator", OrNull(c.operator_name)},
          {"district", OrNull(c.district)},
          {"access", model::Name(c.access)},
          {"lifecycle", model::Name(c.lifecycle)},
          {"connectors", c.connectors.size()},
          {"connector_types", OrNull(types)},
          {"power_kw_max", max_kw > 0 ? json(max_kw) : json(nullptr)},
          {"state", state::Name(view.state)},
          {"available", OrNull(view.available)},
          {"statuses", OrNull(statuses)},
          {"updated", TimeOrNull(in, view.updated)}};
}

json ChargerFeatures(const ExportInput& in) {
  json features = json::array();
  for (const model::Charger& c : in.registry.chargers()) {
    features.push_back(Feature(c.id.str(), GeoJsonPoint(c.location), ChargerProperties(in, c)));
  }
  return features;
}

// The board's lines in one language, " | " between lines: "万达广场 123 | 人民医院 满".
std::string BoardText(const signs::SignContent& content, std::string_view lang) {
  std::string out;
  for (const signs::LineContent& line : content.lines) {
    std::string text = line.label.In(lang);
    const std::string& shown = line.text.In(lang);
    if (!shown.empty()) text += (text.empty() ? "" : " ") + shown;
    out += (out.empty() ? "" : " | ") + text;
  }
  return out;
}

json SignFeatures(const ExportInput& in) {
  json features = json::array();
  for (const model::Sign& s : in.registry.signs()) {
    std::optional<signs::SignContent> content;
    if (in.sign_content) content = in.sign_content(s.id);
    json p{{"name_zh", OrNull(s.name.zh)},
           {"name_en", OrNull(s.name.en)},
           {"level", static_cast<int>(s.level)},
           {"lines", s.lines.size()},
           {"controller", OrNull(s.controller_id)},
           {"text_zh", content ? json(BoardText(*content, "zh")) : json(nullptr)},
           {"text_en", content ? json(BoardText(*content, "en")) : json(nullptr)}};
    features.push_back(Feature(s.id.str(), GeoJsonPoint(s.location), std::move(p)));
  }
  return features;
}

}  // namespace

std::string TimeIn(const ExportInput& in, Timestamp t) {
  return FormatRfc3339(t, in.registry.time_zone());
}

std::optional<GeoJsonLayer> ParseGeoJsonLayer(std::string_view name) {
  for (const auto& [layer, n] : kLayerNames) {
    if (n == name) return layer;
  }
  return std::nullopt;
}

std::string_view Name(GeoJsonLayer layer) {
  for (const auto& [l, n] : kLayerNames) {
    if (l == layer) return n;
  }
  return "?";
}

std::string_view GeoJsonLayerNames() { return "facilities, zones, bays, chargers, signs"; }

json GeoJsonLayerCollection(const ExportInput& in, GeoJsonLayer layer) {
  json features;
  switch (layer) {
    case GeoJsonLayer::kFacilities:
      features = FacilityFeatures(in, false);
      break;
    case GeoJsonLayer::kZones:
      features = FacilityFeatures(in, true);
      break;
    case GeoJsonLayer::kBays:
      features = BayFeatures(in);
      break;
    case GeoJsonLayer::kChargers:
      features = ChargerFeatures(in);
      break;
    case GeoJsonLayer::kSigns:
      features = SignFeatures(in);
      break;
  }
  // "name" is a foreign member (RFC 7946 §6.1) GDAL and QGIS read as the layer's name.
  return {{"type", "FeatureCollection"},
          {"name", std::string(in.registry.city().id) + "_" + std::string(Name(layer))},
          {"generated", TimeIn(in, in.now)},
          {"features", std::move(features)}};
}

}  // namespace pg::interchange
