// The city model of SPEC §2: City, Facility, Bay, Charger, Sign, Source — plain values, no I/O.
//
// Every stage shares these types. Ids are strong string types; units are in field names
// (`price_fen_per_hour`, `max_height_m`, `interval`). Validation lives in model/validation.h,
// JSON mapping in model/model_json.h.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/geo.h"
#include "core/strong_id.h"
#include "core/time.h"
#include "model/opening_hours.h"

namespace pg::model {

using FacilityId = StrongId<struct FacilityIdTag>;
using BayId = StrongId<struct BayIdTag>;
using ChargerId = StrongId<struct ChargerIdTag>;
using SignId = StrongId<struct SignIdTag>;
using SourceId = StrongId<struct SourceIdTag>;

// A name in the city's two display languages; either may be empty (never both for a facility).
struct LocalizedName {
  std::string zh;
  std::string en;
  // The name in `lang` ("zh" or "en"), falling back to the other language.
  const std::string& In(std::string_view lang) const;
  friend bool operator==(const LocalizedName&, const LocalizedName&) = default;
};

// Where a registry entry came from. A survey entry is never overwritten by an OSM import.
enum class Origin { kOsm, kSurvey };

struct District {
  std::string id;
  LocalizedName name;
  std::vector<LatLon> outline;  // closed ring; may be empty when districts are just labels
  friend bool operator==(const District&, const District&) = default;
};

struct City {
  std::string id;  // short, MQTT-topic safe: [a-z0-9_-]+
  LocalizedName name;
  std::string time_zone = "Asia/Shanghai";
  std::vector<std::string> locales{"zh-CN", "en"};
  BoundingBox bbox;
  std::vector<District> districts;
  bool is_demo = false;
  friend bool operator==(const City&, const City&) = default;
};

enum class FacilityKind { kMultiStorey, kUnderground, kSurface, kOnStreet, kParkAndRide };

// Space categories counted separately from the total (SPEC §2).
enum class SpaceCategory { kDisabled, kEv, kFamily, kMotorcycle };

enum class Access {
  kPublic,
  kCustomers,  // restricted: only for customers of a shop, hotel, hospital
  kPrivate,    // restricted: residents, staff
};
inline bool IsRestricted(Access a) { return a != Access::kPublic; }

enum class EntranceKind { kVehicle, kPedestrian };

struct Entrance {
  std::string id;  // unique within the facility
  LatLon location;
  EntranceKind kind = EntranceKind::kVehicle;
  friend bool operator==(const Entrance&, const Entrance&) = default;
};

struct Capacity {
  std::optional<int> total;                  // absent when unknown
  std::map<SpaceCategory, int> by_category;  // subsets of total
  friend bool operator==(const Capacity&, const Capacity&) = default;
};

// A price per hour that applies to the minutes of the day [start_minute, end_minute) local time;
// end_minute may be <= start_minute for a band that crosses midnight.
struct TariffBand {
  int start_minute = 0;
  int end_minute = 24 * 60;
  int64_t price_fen_per_hour = 0;
  friend bool operator==(const TariffBand&, const TariffBand&) = default;
};

struct Tariff {
  int free_minutes = 0;
  std::vector<TariffBand> bands;         // empty: free of charge
  std::optional<int64_t> daily_cap_fen;  // cap per 24 h of stay
  std::string currency = "CNY";
  friend bool operator==(const Tariff&, const Tariff&) = default;
};

struct Facility {
  FacilityId id;
  LocalizedName name;
  FacilityKind kind = FacilityKind::kSurface;
  LatLon location;
  std::vector<LatLon> outline;  // closed outer ring, may be empty
  std::vector<Entrance> entrances;
  Capacity capacity;
  std::string operator_name;
  std::string opening_hours;     // OSM opening_hours syntax; empty means unknown (treated as open)
  std::optional<Tariff> tariff;  // absent when unknown; present with no bands when free
  std::optional<bool> fee;       // OSM fee=yes/no where no tariff is known
  std::optional<double> max_height_m;
  std::string district;
  Access access = Access::kPublic;
  Origin origin = Origin::kSurvey;
  std::string osm_ref;  // "n123", "w456", "r789" when from OSM
  friend bool operator==(const Facility&, const Facility&) = default;
};

struct Bay {
  BayId id;
  FacilityId facility;                    // an on-street zone or a car park
  std::optional<SpaceCategory> category;  // absent: general space
  LatLon location;
  std::optional<int> time_limit_minutes;  // on-street maximum stay
  std::string sensor_id;
  Origin origin = Origin::kSurvey;
  friend bool operator==(const Bay&, const Bay&) = default;
};

enum class ConnectorType { kGbtAc, kGbtDc, kCcs2, kType2, kChademo };

struct Connector {
  int id = 1;  // OCPP connectorId, 1-based
  ConnectorType type = ConnectorType::kGbtAc;
  double power_kw = 0;  // 0 when unknown
  friend bool operator==(const Connector&, const Connector&) = default;
};

// OCPP 1.6 ChargePointStatus.
enum class ChargerStatus {
  kAvailable,
  kPreparing,
  kCharging,
  kSuspendedEv,
  kSuspendedEvse,
  kFinishing,
  kReserved,
  kUnavailable,
  kFaulted,
};

// The build-out programme's lifecycle of a charger.
enum class Lifecycle { kPlanned, kUnderConstruction, kInService, kRetired };

struct Charger {
  ChargerId id;
  std::string site;                    // chargers sharing a site form a charging station
  std::optional<FacilityId> facility;  // the car park it stands in, when any
  LocalizedName name;
  LatLon location;
  std::vector<Connector> connectors;
  std::string operator_name;
  std::string district;
  Access access = Access::kPublic;
  Lifecycle lifecycle = Lifecycle::kInService;
  // Dates of the lifecycle steps, local calendar dates "YYYY-MM-DD" (empty when not reached).
  std::string planned_date;
  std::string construction_date;
  std::string in_service_date;
  std::string retired_date;
  Origin origin = Origin::kSurvey;
  std::string osm_ref;
  friend bool operator==(const Charger&, const Charger&) = default;
};

enum class SignLevel { kArea = 1, kRoute = 2, kEntrance = 3 };
enum class Arrow { kNone, kLeft, kRight, kStraight, kStraightLeft, kStraightRight, kUTurn };

struct SignLine {
  std::vector<FacilityId> facilities;  // one facility, or a group summed on level-1 signs
  Arrow arrow = Arrow::kNone;
  LocalizedName label;
  // When set, the line shows only this class of its (single) facility: the EV or accessible
  // spaces on an entrance sign. Absent: the whole facility (or group). Last, so that existing
  // aggregate initialisers {facilities, arrow, label} keep their meaning.
  std::optional<SpaceCategory> category = std::nullopt;
  friend bool operator==(const SignLine&, const SignLine&) = default;
};

struct Sign {
  SignId id;
  LocalizedName name;
  LatLon location;
  SignLevel level = SignLevel::kRoute;
  std::vector<SignLine> lines;
  int digits = 3;         // width of the count field on the board
  bool bilingual = true;  // alternate zh and en texts
  std::string controller_id;
  Origin origin = Origin::kSurvey;
  friend bool operator==(const Sign&, const Sign&) = default;
};

enum class SourceKind { kOperatorSystem, kSensorGateway, kCharger, kManual };

// What a source may write. `all`, or any union of facilities (with their bays and chargers),
// bays, chargers and operators (every facility and charger of that operator).
struct SourceScope {
  bool all = false;
  std::vector<FacilityId> facilities;
  std::vector<BayId> bays;
  std::vector<ChargerId> chargers;
  std::vector<std::string> operators;
  friend bool operator==(const SourceScope&, const SourceScope&) = default;
};

struct Source {
  SourceId id;
  SourceKind kind = SourceKind::kOperatorSystem;
  SourceScope scope;
  std::chrono::seconds expected_interval{300};
  std::string description;
  std::optional<Timestamp> revoked_at;
  friend bool operator==(const Source&, const Source&) = default;
};

// Everything the registry holds; what imports produce and the store persists.
struct RegistryData {
  std::optional<City> city;
  std::vector<Facility> facilities;
  std::vector<Bay> bays;
  std::vector<Charger> chargers;
  std::vector<Sign> signs;
  std::vector<Source> sources;  // without keys: keys are issued by `parkguide source add`
};

}  // namespace pg::model
