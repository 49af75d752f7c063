// The city as FIWARE Smart Data Models (dataModel.Parking) entities for NGSI-LD brokers and
// smart-city platforms: OffStreetParking (car parks), OnStreetParking (on-street zones),
// ParkingSpot (sensed bays), ParkingGroup (the counted categories of a facility) and
// ParkingAccess (entrances), in key-values (simplified) or normalized form (ETSI GS CIM 009
// §4.5). docs/interchange.md maps every attribute.
//
//   auto entities = interchange::NgsiLdEntities(input, NgsiForm::kNormalized);
//
// Ids are URNs, urn:ngsi-ld:<Type>:<city>:<our id>; times are UTC. Live attributes (spot counts,
// status, occupancy) are present only when state::ViewFacility lets them be believed.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "interchange/export_input.h"

namespace pg::interchange {

enum class NgsiForm { kNormalized, kKeyValues };

// The Smart Data Models context of dataModel.Parking; the NGSI-LD core context goes last.
inline constexpr std::string_view kParkingContext =
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/master/context.jsonld";
inline constexpr std::string_view kCoreContext =
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld";

inline constexpr std::string_view kNgsiTypes[] = {"OffStreetParking", "OnStreetParking",
                                                  "ParkingSpot", "ParkingGroup", "ParkingAccess"};

// Every entity of the listed types (all five when `types` is empty), in type order, then in
// registry order.
std::vector<nlohmann::json> NgsiLdEntities(const ExportInput& in, NgsiForm form,
                                           const std::vector<std::string>& types = {});

// The entity with this id, or nullopt.
std::optional<nlohmann::json> NgsiLdEntity(const ExportInput& in, NgsiForm form,
                                           const std::string& id);

// The entity id of our `local` id as a `type` entity of the registry's city:
// urn:ngsi-ld:<type>:<city>:<local>.
std::string NgsiLdId(const registry::Registry& registry, std::string_view type,
                     const std::string& local);
// The entity type of a facility: OnStreetParking for on-street zones, else OffStreetParking.
std::string_view NgsiSiteType(const model::Facility& facility);
// A type as a client may give it, short or expanded with the Smart Data Models namespace
// ("https://smartdatamodels.org/dataModel.Parking/OffStreetParking") → the short name.
std::string NgsiShortType(std::string_view type);

// Key-values → normalized (ETSI GS CIM 009 §4.5.4 in reverse): `ref*` attributes become
// Relationships, `location` a GeoProperty, the rest Properties; live attributes carry observedAt.
nlohmann::json Normalized(const nlohmann::json& key_values);

}  // namespace pg::interchange
