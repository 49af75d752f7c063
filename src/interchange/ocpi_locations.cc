#include "interchange/ocpi_locations.h"

#include <fmt/format.h>

#include <map>

#include "model/vocabulary.h"

namespace pg::interchange {
namespace {

using nlohmann::json;

std::optional<model::ChargerStatus> ReportedStatus(const state::ChargerView& view, int connector) {
  for (const auto& r : view.reported) {
    if (r.connector == connector) return r.status;
  }
  return std::nullopt;
}

std::string_view InUseStatus(model::ChargerStatus s) {
  switch (s) {
    case model::ChargerStatus::kAvailable:
      return "AVAILABLE";
    case model::ChargerStatus::kReserved:
      return "RESERVED";
    case model::ChargerStatus::kUnavailable:
      return "INOPERATIVE";
    case model::ChargerStatus::kFaulted:
      return "OUTOFORDER";
    default:
      return "CHARGING";  // Preparing, Charging, SuspendedEV/EVSE, Finishing: taken
  }
}

// OCPI ConnectorType, connector format and power type of the model's connector types.
struct OcpiConnectorKind {
  std::string_view standard;
  std::string_view format;
  bool dc;
};
OcpiConnectorKind KindOf(model::ConnectorType type) {
  switch (type) {
    case model::ConnectorType::kGbtAc:
      return {"GBT_AC", "SOCKET", false};
    case model::ConnectorType::kGbtDc:
      return {"GBT_DC", "CABLE", true};
    case model::ConnectorType::kCcs2:
      return {"IEC_62196_T2_COMBO", "CABLE", true};
    case model::ConnectorType::kType2:
      return {"IEC_62196_T2", "SOCKET", false};
    case model::ConnectorType::kChademo:
      return {"CHADEMO", "CABLE", true};
  }
  return {"GBT_AC", "SOCKET", false};
}

// OCPI requires voltage and current, which the model does not hold: nominal values of the
// Chinese grid (220 V single phase, 380 V three phase above 7 kW) and a 750 V DC bus; the current
// follows from the power. docs/interchange.md says so.
json ConnectorJson(const model::Connector& k, const std::string& last_updated) {
  const OcpiConnectorKind kind = KindOf(k.type);
  const bool three_phase = !kind.dc && k.power_kw > 7.4;
  const int volts = kind.dc ? 750 : three_phase ? 380 : 220;
  const double watts = k.power_kw * 1000;
  const int amps = watts <= 0    ? 0
                   : three_phase ? static_cast<int>(std::lround(watts / (volts * 1.7320508)))
                                 : static_cast<int>(std::lround(watts / volts));
  json j{{"id", std::to_string(k.id)},
         {"standard", kind.standard},
         {"format", kind.format},
         {"power_type", kind.dc       ? "DC"
                        : three_phase ? "AC_3_PHASE"
                                      : "AC_1_PHASE"},
         {"max_voltage", volts},
         {"max_amperage", amps},
         {"last_updated", last_updated}};
  if (watts > 0) j["max_electric_power"] = static_cast<int64_t>(std::llround(watts));
  return j;
}

std::string Coordinate(double v) { return fmt::format("{:.7f}", v); }
json Coordinates(const LatLon& p) {
  return {{"latitude", Coordinate(p.lat)}, {"longitude", Coordinate(p.lon)}};
}

std::string_view ParkingType(model::FacilityKind kind) {
  switch (kind) {
    case model::FacilityKind::kMultiStorey:
      return "PARKING_GARAGE";
    case model::FacilityKind::kUnderground:
      return "UNDERGROUND_GARAGE";
    case model::FacilityKind::kOnStreet:
      return "ON_STREET";
    default:
      return "PARKING_LOT";
  }
}

// OCPI strings are bounded; a longer name is cut at a character boundary.
std::string Cut(const std::string& text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && ++chars > max_chars) {
      return text.substr(0, i);
    }
  }
  return text;
}

json EvsesOf(const ExportInput& in, const model::Charger& c, Timestamp& newest) {
  json evses = json::array();
  const state::ChargerView view = state::ViewCharger(in.snapshot, c, in.now, in.rules);
  for (const model::Connector& k : c.connectors) {
    Timestamp updated = view.updated.value_or(in.now);
    for (const auto& r : view.reported) {
      if (r.connector == k.id) updated = r.updated;
    }
    newest = std::max(newest, updated);
    const std::string last_updated = FormatRfc3339Utc(updated);
    json evse{{"uid", fmt::format("{}-{}", c.id.str(), k.id)},
              {"status", OcpiEvseStatus(view, c, k.id)},
              {"connectors", json::array({ConnectorJson(k, last_updated)})},
              {"coordinates", Coordinates(c.location)},
              {"last_updated", last_updated}};
    evses.push_back(std::move(evse));
  }
  return evses;
}

json LocationJson(const ExportInput& in, const OcpiParty& party, const std::string& site,
                  const std::vector<const model::Charger*>& chargers) {
  const model::Charger& first = *chargers.front();
  const model::Facility* facility =
      first.facility ? in.registry.FindFacility(*first.facility) : nullptr;
  const model::City& city = in.registry.city();
  const std::string city_name = city.name.In("zh");
  json evses = json::array();
  Timestamp newest{};
  for (const model::Charger* c : chargers) {
    for (auto& e : EvsesOf(in, *c, newest)) evses.push_back(std::move(e));
  }
  const std::string name = facility ? facility->name.In("zh") : first.name.In("zh");
  json j{{"country_code", party.country_code},
         {"party_id", party.party_id},
         {"id", site},
         {"publish", first.access == model::Access::kPublic},
         {"name", Cut(name, 255)},
         // The model keeps no street addresses: the district and city stand in (interchange.md).
         {"address", Cut(first.district.empty() ? city_name : first.district, 45)},
         {"city", Cut(city_name.empty() ? city.id : city_name, 45)},
         {"country", party.country_code == "CN" ? "CHN" : party.country_code},
         {"coordinates", Coordinates(facility ? facility->location : first.location)},
         {"time_zone", city.time_zone},
         {"evses", std::move(evses)},
         {"last_updated", FormatRfc3339Utc(newest == Timestamp{} ? in.now : newest)}};
  if (facility) {
    j["parking_type"] = ParkingType(facility->kind);
    if (facility->opening_hours == "24/7") j["opening_times"] = {{"twentyfourseven", true}};
  }
  if (!first.operator_name.empty()) j["operator"] = {{"name", Cut(first.operator_name, 100)}};
  return j;
}

std::map<std::string, std::vector<const model::Charger*>> Sites(const ExportInput& in) {
  std::map<std::string, std::vector<const model::Charger*>> sites;
  for (const model::Charger& c : in.registry.chargers()) {
    sites[state::ChargerSiteOf(c)].push_back(&c);
  }
  return sites;
}

}  // namespace

std::string_view OcpiEvseStatus(const state::ChargerView& view, const model::Charger& charger,
                                int connector) {
  switch (charger.lifecycle) {
    case model::Lifecycle::kPlanned:
    case model::Lifecycle::kUnderConstruction:
      return "PLANNED";
    case model::Lifecycle::kRetired:
      return "REMOVED";
    case model::Lifecycle::kInService:
      break;
  }
  switch (view.state) {
    case state::ChargerState::kStale:
    case state::ChargerState::kUnknown:
      return "UNKNOWN";
    case state::ChargerState::kFaulted: {
      auto own = ReportedStatus(view, connector);
      auto whole = ReportedStatus(view, 0);
      const auto unavailable = model::ChargerStatus::kUnavailable;
      return own == unavailable || whole == unavailable ? "INOPERATIVE" : "OUTOFORDER";
    }
    case state::ChargerState::kFresh:
      break;
  }
  auto status = ReportedStatus(view, connector);
  return status ? InUseStatus(*status) : "UNKNOWN";
}

std::vector<json> OcpiLocationList(const ExportInput& in, const OcpiParty& party) {
  std::vector<json> out;
  for (const auto& [site, chargers] : Sites(in)) {
    out.push_back(LocationJson(in, party, site, chargers));
  }
  return out;
}

std::optional<json> OcpiLocation(const ExportInput& in, const OcpiParty& party,
                                 const std::string& id) {
  auto sites = Sites(in);
  auto it = sites.find(id);
  if (it == sites.end()) return std::nullopt;
  return LocationJson(in, party, it->first, it->second);
}

}  // namespace pg::interchange
