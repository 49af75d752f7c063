// The OpenStreetMap side of the registry import (`parkguide import-osm CITY.osm.pbf --db city.db`).
//
// RegistryDataFromOsm maps the plain records of osm/parking_extract.h to the city model:
// `amenity=parking` → Facility, `amenity=parking_entrance` → Entrance of a facility,
// `amenity=charging_station` → Charger. ImportOsmFile reads, maps, validates and writes the result
// to the store, replacing the previous OSM import; survey entries with the same id win. Tag by tag
// mapping and what is not checked: docs/formats/osm-import.md.
//
//   PG_ASSIGN_OR_RETURN(auto store, pg::store::OpenSqliteStore("city.db"));
//   PG_ASSIGN_OR_RETURN(pg::registry::OsmImportReport report,
//                       pg::registry::ImportOsmFile("city.osm.pbf", *store));
//   std::cout << report.ToText();
//
// OSM data is free-form: a tag the import cannot use (capacity "approx 50", opening_hours it does
// not support, maxheight "low") is left out of the model and listed in the report, with the
// object; it never stops the import.
//
// Thread-safety: plain functions; ImportOsmFile is as safe as the store it is given.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/geo.h"
#include "core/progress.h"
#include "core/status.h"
#include "model/city_model.h"
#include "osm/parking_extract.h"
#include "registry/city_from_osm.h"
#include "store/registry_store.h"

namespace pg::registry {

// An entrance that is not on a parking outline joins the nearest facility within this distance
// (to the outline when the facility has one, else to its point).
inline constexpr double kEntranceLinkRadiusM = 100;
// A charging station outside every outline joins the facility whose point is nearest within
// this distance.
inline constexpr double kChargerLinkRadiusM = 50;

// One tag (or object) the import could not use as it stands, and what it did instead.
struct OsmImportProblem {
  std::string osm_ref;  // "w456"
  std::string field;    // the OSM key at fault ("capacity", "socket:type1"), or "geometry",
                        // "validation"
  std::string message;  // "'approx 50' is not a count; capacity left unknown"
};

struct OsmImportReport {
  std::string path;                        // the OSM file (set by ImportOsmFile)
  std::optional<BoundingBox> header_bbox;  // as the file's header declares it

  // Facilities in the result (after validation).
  int facilities = 0;
  std::map<model::FacilityKind, int> facilities_by_kind;
  int facilities_with_capacity = 0;
  int facilities_without_capacity = 0;
  int facilities_restricted = 0;  // access customers or private: kept, flagged in the model
  int facilities_unnamed = 0;     // no name in OSM: named after their kind (and ref)
  int facilities_from_lines = 0;  // unclosed ways: point on the line, no outline
  int facilities_from_partial_relations = 0;  // relations cut by the extract: best-effort shape
  int facilities_without_location = 0;        // nothing of them in the file: left out

  // Entrances.
  int entrances_on_outline = 0;  // a node of the facility's way or relation
  int entrances_nearby = 0;      // within kEntranceLinkRadiusM
  int entrances_unlinked = 0;    // no facility near: left out

  // Chargers: one per charging station (its own site).
  int charger_sites = 0;
  int connectors = 0;
  int chargers_in_facility = 0;
  int chargers_without_sockets = 0;        // connectors assumed from `capacity` (GBT_AC, 0 kW)
  int charging_stations_not_for_cars = 0;  // bicycle/scooter-only or motorcar=no: left out

  int dropped_invalid = 0;  // entries model::ValidateRegistry still rejected: left out

  std::vector<OsmImportProblem> problems;  // in object order

  // What the store did (ImportOsmFile only).
  std::optional<store::RegistryWriteSummary> write;
  // The city's name and time zone and where they came from (ImportOsmFile asked to decide them).
  std::optional<CitySettings> city;

  // A summary for the CLI: counts, then the problems grouped by field with a few examples each.
  std::string ToText() const;
};

// Maps `extract` to registry entries: facilities (ids "osm:n123", origin kOsm, osm_ref "n123"),
// their entrances, and chargers. Objects without any location are left out and reported.
// `report` may be null; when given, its counts, problems and header_bbox are filled in (path and
// write are left as they are). The result passes model::ValidateRegistry unless the extract holds
// something this mapping does not foresee; ImportOsmFile drops such entries.
model::RegistryData RegistryDataFromOsm(const osm::ParkingExtract& extract,
                                        OsmImportReport* report);

// Removes every entry model::ValidateRegistry rejects (a charger whose facility is removed stays,
// unlinked), records each in `report` (may be null) and refreshes its counts. Returns how many
// entries were removed.
int DropInvalidEntries(model::RegistryData& data, OsmImportReport* report);

// Reads the OSM file at `osm_path`, maps it, drops what still fails validation and writes the
// result to `store` with RegistryWriteMode::kReplaceOsm: OSM entries of an earlier import that
// this file no longer has are deleted; entries the survey describes are kept as the survey has
// them.
// With `city`, the city's settings are decided as DecideCitySettings does and written when they
// change; without, the stored city is left as it is.
// Errors: those of osm::ReadParkingExtract (kNotFound, kInvalidArgument, kDataLoss,
// kUnavailable; the message names the file), those of DecideCitySettings and those of
// RegistryWriter::WriteRegistry. Nothing is written when reading or deciding fails.
// `progress` hears the reading of the file (osm::ReadParkingExtract).
Result<OsmImportReport> ImportOsmFile(const std::string& osm_path, store::RegistryWriter& store,
                                      const std::optional<CitySettingsRequest>& city = {},
                                      const Progress& progress = {});

}  // namespace pg::registry
