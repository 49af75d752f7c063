// The chargers as OCPI 2.2.1 Locations → EVSEs → Connectors, with OCPI's status words, for
// e-mobility platforms and roaming hubs that read OCPI (docs/interchange.md "OCPI").
//
//   json page = interchange::OcpiLocations(input, party, offset, limit);
//
// One Location per charging site (model::Charger::site), one EVSE per connector of a charger
// (OCPI's EVSE is the unit one car uses at a time, and our connectors are used at the same
// time), one Connector in each. Status follows state::ViewCharger: a stale or unknown charger is
// UNKNOWN, never its last word.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "interchange/export_input.h"

namespace pg::interchange {

// Who publishes (OCPI's country_code and party_id of the CPO); the city model has no country.
struct OcpiParty {
  std::string country_code = "CN";  // ISO 3166-1 alpha-2
  std::string party_id = "PGD";     // three characters
};

// The OCPI status of one connector of `charger`, as ViewCharger allows it to be believed:
// AVAILABLE, CHARGING, RESERVED, INOPERATIVE, OUTOFORDER, PLANNED, REMOVED or UNKNOWN.
std::string_view OcpiEvseStatus(const state::ChargerView& view, const model::Charger& charger,
                                int connector);

// Every charging site with at least one charger, in site order.
std::vector<nlohmann::json> OcpiLocationList(const ExportInput& in, const OcpiParty& party);
// The site `id`, or nullopt.
std::optional<nlohmann::json> OcpiLocation(const ExportInput& in, const OcpiParty& party,
                                           const std::string& id);

}  // namespace pg::interchange
