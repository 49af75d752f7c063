#include "interchange/ngsi_ld_entities.h"

#include <cmath>

#include "core/strings.h"
#include "interchange/geojson_geometry.h"
#include "model/vocabulary.h"

namespace pg::interchange {
namespace {

using nlohmann::json;

// Attributes whose value is an observation: normalized, they carry observedAt.
constexpr std::string_view kLiveAttributes[] = {"availableSpotNumber", "occupiedSpotNumber",
                                                "occupancy", "status"};

std::string Urn(const ExportInput& in, std::string_view type, const std::string& local) {
  return NgsiLdId(in.registry, type, local);
}

std::string SiteType(const model::Facility& f) { return std::string(NgsiSiteType(f)); }

// The outline as a GeoJSON Polygon, else the point.
json SiteGeometry(const model::Facility& f) {
  return GeoJsonPolygon(f.outline).value_or(GeoJsonPoint(f.location));
}

void Names(json& e, const model::LocalizedName& name) {
  if (!name.zh.empty()) e["name"] = name.zh;
  if (!name.en.empty()) e[name.zh.empty() ? "name" : "alternateName"] = name.en;
}

bool Paid(const model::Facility& f) {
  return f.tariff ? !f.tariff->bands.empty() : f.fee.value_or(false);
}

json SiteCategories(const model::Facility& f) {
  json c = json::array();
  switch (f.kind) {
    case model::FacilityKind::kMultiStorey:
      c.push_back("parkingGarage");
      break;
    case model::FacilityKind::kUnderground:
      c.push_back("underground");
      break;
    case model::FacilityKind::kParkAndRide:
      c.push_back("urbanDeterrentParking");
      break;
    case model::FacilityKind::kSurface:
      c.push_back("parkingLot");
      break;
    case model::FacilityKind::kOnStreet:
      break;
  }
  switch (f.access) {
    case model::Access::kPublic:
      c.push_back("public");
      break;
    case model::Access::kCustomers:
      if (f.kind != model::FacilityKind::kOnStreet) c.push_back("forCustomers");
      break;
    case model::Access::kPrivate:
      if (f.kind != model::FacilityKind::kOnStreet) c.push_back("private");
      break;
  }
  if (f.tariff || f.fee) c.push_back(Paid(f) ? "feeCharged" : "free");
  if (f.capacity.by_category.count(model::SpaceCategory::kDisabled)) c.push_back("forDisabled");
  if (f.capacity.by_category.count(model::SpaceCategory::kEv)) c.push_back("forElectricalCharging");
  if (c.empty()) c.push_back(f.kind == model::FacilityKind::kOnStreet ? "public" : "other");
  return c;
}

// Counts, occupancy and status as ViewFacility allows them; nothing when unknown.
void LiveSite(const ExportInput& in, json& e, const model::Facility& f) {
  const state::FacilityView v = state::ViewFacility(in.registry, in.snapshot, f, in.now, in.rules);
  if (v.state == state::OccupancyState::kUnknown || !v.free || !v.occupied) return;
  e["availableSpotNumber"] = *v.free;
  e["occupiedSpotNumber"] = *v.occupied;
  if (v.updated) e["observationDateTime"] = FormatRfc3339Utc(*v.updated);
  if (f.kind == model::FacilityKind::kOnStreet) return;  // OnStreetParking has neither
  if (v.capacity > 0) {
    e["occupancy"] = std::round(1000.0 * std::min(*v.occupied, v.capacity) / v.capacity) / 1000;
  }
  switch (v.state) {
    case state::OccupancyState::kClosed:
      e["status"] = {"closed"};
      break;
    case state::OccupancyState::kFull:
      e["status"] = {"open", "full"};
      break;
    case state::OccupancyState::kAlmostFull:
      e["status"] = {"open", "almostFull"};
      break;
    default:
      e["status"] = {"open", "spacesAvailable"};
      break;
  }
}

json SiteEntity(const ExportInput& in, const model::Facility& f) {
  const std::string type = SiteType(f);
  json e{{"id", Urn(in, type, f.id.str())}, {"type", type}};
  Names(e, f.name);
  e["location"] = SiteGeometry(f);
  e["category"] = SiteCategories(f);
  e["allowedVehicleType"] = {"car"};
  const int min_total = type == "OffStreetParking" ? 1 : 0;
  if (f.capacity.total && *f.capacity.total >= min_total) e["totalSpotNumber"] = *f.capacity.total;
  if (type == "OffStreetParking") {
    if (f.max_height_m && *f.max_height_m > 0) e["maximumAllowedHeight"] = *f.max_height_m;
    if (!f.opening_hours.empty()) e["openingHours"] = f.opening_hours;
    if (f.kind == model::FacilityKind::kMultiStorey) e["layout"] = {"multiStorey"};
  } else {
    json spots = json::array();
    for (const model::Bay* b : in.registry.BaysOf(f.id)) {
      spots.push_back(Urn(in, "ParkingSpot", b->id.str()));
    }
    if (!spots.empty()) e["refParkingSpot"] = std::move(spots);
  }
  if (f.tariff) e["priceCurrency"] = f.tariff->currency;
  if (!f.operator_name.empty()) e["dataProvider"] = f.operator_name;
  LiveSite(in, e, f);
  return e;
}

json SpotEntity(const ExportInput& in, const model::Bay& b) {
  const model::Facility* f = in.registry.FindFacility(b.facility);
  const bool on_street = !f || f->kind == model::FacilityKind::kOnStreet;
  json e{{"id", Urn(in, "ParkingSpot", b.id.str())},
         {"type", "ParkingSpot"},
         {"location", GeoJsonPoint(b.location)},
         {"category", {on_street ? "onStreet" : "offStreet"}},
         {"refParkingSite", Urn(in, f ? SiteType(*f) : "OnStreetParking", b.facility.str())},
         {"status", "unknown"}};
  if (const state::BayLive* live = in.snapshot.FindBay(b.id.str()); live && live->known) {
    e["status"] = live->occupied ? "occupied" : "free";
    e["timeInstant"] = FormatRfc3339Utc(live->updated);
  }
  return e;
}

std::string_view GroupCategory(model::SpaceCategory c) {
  switch (c) {
    case model::SpaceCategory::kDisabled:
      return "onlyDisabled";
    case model::SpaceCategory::kEv:
      return "onlyElectricalCharging";
    case model::SpaceCategory::kMotorcycle:
      return "vehicleTypeSpaces";
    case model::SpaceCategory::kFamily:
      return "particularConditionsSpaces";
  }
  return "statisticsOnly";
}

void GroupEntities(const ExportInput& in, const model::Facility& f, std::vector<json>& out) {
  const state::FacilityView v = state::ViewFacility(in.registry, in.snapshot, f, in.now, in.rules);
  for (const auto& [category, spaces] : f.capacity.by_category) {
    if (spaces < 1) continue;
    const std::string local = f.id.str() + ":" + std::string(model::Name(category));
    json e{{"id", Urn(in, "ParkingGroup", local)},
           {"type", "ParkingGroup"},
           {"name", std::string(model::Name(category))},
           {"location", GeoJsonPoint(f.location)},
           {"category",
            {GroupCategory(category), "statisticsOnly",
             f.kind == model::FacilityKind::kOnStreet ? "onStreet" : "offStreet"}},
           {"allowedVehicleType",
            category == model::SpaceCategory::kMotorcycle ? "motorcycle" : "car"},
           {"totalSpotNumber", spaces},
           {"refParkingSite", Urn(in, SiteType(f), f.id.str())}};
    for (const auto& c : v.by_category) {
      if (c.category == category && c.free && v.state != state::OccupancyState::kUnknown) {
        e["availableSpotNumber"] = *c.free;
      }
    }
    out.push_back(std::move(e));
  }
}

void AccessEntities(const ExportInput& in, const model::Facility& f, std::vector<json>& out) {
  if (f.kind == model::FacilityKind::kOnStreet) return;  // ParkingAccess names OffStreetParking
  for (const model::Entrance& entrance : f.entrances) {
    const bool vehicle = entrance.kind == model::EntranceKind::kVehicle;
    out.push_back({{"id", Urn(in, "ParkingAccess", f.id.str() + ":" + entrance.id)},
                   {"type", "ParkingAccess"},
                   {"location", GeoJsonPoint(entrance.location)},
                   {"category", vehicle ? json{"vehicleEntrance", "vehicleExit"}
                                        : json{"pedestrianEntrance", "pedestrianExit"}},
                   {"refOffStreetParking", Urn(in, "OffStreetParking", f.id.str())}});
  }
}

bool Wanted(const std::vector<std::string>& types, std::string_view type) {
  return types.empty() || std::find(types.begin(), types.end(), type) != types.end();
}

}  // namespace

std::string NgsiLdId(const registry::Registry& registry, std::string_view type,
                     const std::string& local) {
  return "urn:ngsi-ld:" + std::string(type) + ":" + registry.city().id + ":" + local;
}

std::string_view NgsiSiteType(const model::Facility& facility) {
  return facility.kind == model::FacilityKind::kOnStreet ? "OnStreetParking" : "OffStreetParking";
}

std::string NgsiShortType(std::string_view type) {
  constexpr std::string_view kSdmNamespace = "https://smartdatamodels.org/dataModel.Parking/";
  type = TrimSpace(type);
  if (type.rfind(kSdmNamespace, 0) == 0) type.remove_prefix(kSdmNamespace.size());
  return std::string(type);
}

json Normalized(const json& key_values) {
  std::string observed;
  for (const char* time : {"observationDateTime", "timeInstant"}) {
    if (auto it = key_values.find(time); it != key_values.end()) observed = *it;
  }
  json out = json::object();
  for (const auto& [name, value] : key_values.items()) {
    if (name == "id" || name == "type" || name == "@context") {
      out[name] = value;
    } else if (name.rfind("ref", 0) == 0) {
      out[name] = {{"type", "Relationship"}, {"object", value}};
    } else if (name == "location") {
      out[name] = {{"type", "GeoProperty"}, {"value", value}};
    } else {
      json attribute{{"type", "Property"}, {"value", value}};
      const bool live = std::find(std::begin(kLiveAttributes), std::end(kLiveAttributes), name) !=
                        std::end(kLiveAttributes);
      if (live && !observed.empty()) attribute["observedAt"] = observed;
      out[name] = std::move(attribute);
    }
  }
  return out;
}

std::vector<json> NgsiLdEntities(const ExportInput& in, NgsiForm form,
                                 const std::vector<std::string>& types) {
  std::vector<json> out;
  for (std::string_view type : {"OffStreetParking", "OnStreetParking"}) {
    if (!Wanted(types, type)) continue;
    for (const model::Facility& f : in.registry.facilities()) {
      if (SiteType(f) == type) out.push_back(SiteEntity(in, f));
    }
  }
  if (Wanted(types, "ParkingSpot")) {
    for (const model::Bay& b : in.registry.bays()) out.push_back(SpotEntity(in, b));
  }
  for (const model::Facility& f : in.registry.facilities()) {
    if (Wanted(types, "ParkingGroup")) GroupEntities(in, f, out);
  }
  for (const model::Facility& f : in.registry.facilities()) {
    if (Wanted(types, "ParkingAccess")) AccessEntities(in, f, out);
  }
  if (form == NgsiForm::kNormalized) {
    for (json& e : out) e = Normalized(e);
  }
  return out;
}

std::optional<json> NgsiLdEntity(const ExportInput& in, NgsiForm form, const std::string& id) {
  // urn:ngsi-ld:<Type>:… names the one type to render.
  constexpr std::string_view kPrefix = "urn:ngsi-ld:";
  if (id.rfind(kPrefix, 0) != 0) return std::nullopt;
  const std::string type = id.substr(kPrefix.size(), id.find(':', kPrefix.size()) - kPrefix.size());
  for (json& e : NgsiLdEntities(in, form, {type})) {
    if (e["id"] == id) return std::move(e);
  }
  return std::nullopt;
}

}  // namespace pg::interchange
