// Wire names of the model's enums, one table per enum, used by JSON, CSV, SQL and the CLI.
//
//   std::string_view s = pg::model::Name(FacilityKind::kMultiStorey);   // "multi_storey"
//   std::optional<FacilityKind> k = pg::model::Parse<FacilityKind>("underground");
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "model/city_model.h"

namespace pg::model {

template <typename E>
struct EnumNames;  // specialised below: static constexpr std::array<std::pair<E, const char*>, N>

#define PG_ENUM_NAMES(E, ...)                                                          \
  template <>                                                                          \
  struct EnumNames<E> {                                                                \
    static constexpr std::pair<E, const char*> kTable[] = {__VA_ARGS__};               \
  }

PG_ENUM_NAMES(FacilityKind, {FacilityKind::kMultiStorey, "multi_storey"},
              {FacilityKind::kUnderground, "underground"}, {FacilityKind::kSurface, "surface"},
              {FacilityKind::kOnStreet, "on_street"},
              {FacilityKind::kParkAndRide, "park_and_ride"});
PG_ENUM_NAMES(SpaceCategory, {SpaceCategory::kDisabled, "disabled"}, {SpaceCategory::kEv, "ev"},
              {SpaceCategory::kFamily, "family"}, {SpaceCategory::kMotorcycle, "motorcycle"});
PG_ENUM_NAMES(Access, {Access::kPublic, "public"}, {Access::kCustomers, "customers"},
              {Access::kPrivate, "private"});
PG_ENUM_NAMES(EntranceKind, {EntranceKind::kVehicle, "vehicle"},
              {EntranceKind::kPedestrian, "pedestrian"});
PG_ENUM_NAMES(Origin, {Origin::kOsm, "osm"}, {Origin::kSurvey, "survey"});
PG_ENUM_NAMES(ConnectorType, {ConnectorType::kGbtAc, "GBT_AC"}, {ConnectorType::kGbtDc, "GBT_DC"},
              {ConnectorType::kCcs2, "CCS2"}, {ConnectorType::kType2, "TYPE2"},
              {ConnectorType::kChademo, "CHADEMO"});
PG_ENUM_NAMES(ChargerStatus, {ChargerStatus::kAvailable, "Available"},
              {ChargerStatus::kPreparing, "Preparing"}, {ChargerStatus::kCharging, "Charging"},
              {ChargerStatus::kSuspendedEv, "SuspendedEV"},
              {ChargerStatus::kSuspendedEvse, "SuspendedEVSE"},
              {ChargerStatus::kFinishing, "Finishing"}, {ChargerStatus::kReserved, "Reserved"},
              {ChargerStatus::kUnavailable, "Unavailable"}, {ChargerStatus::kFaulted, "Faulted"});
PG_ENUM_NAMES(Lifecycle, {Lifecycle::kPlanned, "planned"},
              {Lifecycle::kUnderConstruction, "under_construction"},
              {Lifecycle::kInService, "in_service"}, {Lifecycle::kRetired, "retired"});
PG_ENUM_NAMES(SignLevel, {SignLevel::kArea, "1"}, {SignLevel::kRoute, "2"},
              {SignLevel::kEntrance, "3"});
PG_ENUM_NAMES(Arrow, {Arrow::kNone, "none"}, {Arrow::kLeft, "left"}, {Arrow::kRight, "right"},
              {Arrow::kStraight, "straight"}, {Arrow::kStraightLeft, "straight_left"},
              {Arrow::kStraightRight, "straight_right"}, {Arrow::kUTurn, "u_turn"});
PG_ENUM_NAMES(SourceKind, {SourceKind::kOperatorSystem, "operator_system"},
              {SourceKind::kSensorGateway, "sensor_gateway"}, {SourceKind::kCharger, "charger"},
              {SourceKind::kManual, "manual"});

#undef PG_ENUM_NAMES

template <typename E>
std::string_view Name(E value) {
  for (const auto& [e, name] : EnumNames<E>::kTable) {
    if (e == value) return name;
  }
  return "?";
}

template <typename E>
std::optional<E> Parse(std::string_view text) {
  for (const auto& [e, name] : EnumNames<E>::kTable) {
    if (text == name) return e;
  }
  return std::nullopt;
}

// "a, b, c": the accepted names, for error messages.
template <typename E>
std::string AllowedNames() {
  std::string out;
  for (const auto& [e, name] : EnumNames<E>::kTable) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace pg::model

#include "model/observation.h"

namespace pg::model {
template <>
struct EnumNames<ObservationType> {
  static constexpr std::pair<ObservationType, const char*> kTable[] = {
      {ObservationType::kFacilityCount, "facility_count"},
      {ObservationType::kEntry, "entry"},
      {ObservationType::kExit, "exit"},
      {ObservationType::kBay, "bay"},
      {ObservationType::kCharger, "charger"},
      {ObservationType::kFacilityStatus, "facility_status"}};
};
template <>
struct EnumNames<FacilityStatus> {
  static constexpr std::pair<FacilityStatus, const char*> kTable[] = {
      {FacilityStatus::kOpen, "open"}, {FacilityStatus::kClosed, "closed"},
      {FacilityStatus::kFull, "full"}};
};
}  // namespace pg::model
