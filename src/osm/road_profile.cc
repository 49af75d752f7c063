#include "osm/road_profile.h"

#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <utility>

namespace pg::osm {
namespace {

constexpr std::pair<std::string_view, HighwayClass> kHighwayClasses[] = {
    {"motorway", HighwayClass::kMotorway},
    {"motorway_link", HighwayClass::kMotorwayLink},
    {"trunk", HighwayClass::kTrunk},
    {"trunk_link", HighwayClass::kTrunkLink},
    {"primary", HighwayClass::kPrimary},
    {"primary_link", HighwayClass::kPrimaryLink},
    {"secondary", HighwayClass::kSecondary},
    {"secondary_link", HighwayClass::kSecondaryLink},
    {"tertiary", HighwayClass::kTertiary},
    {"tertiary_link", HighwayClass::kTertiaryLink},
    {"unclassified", HighwayClass::kUnclassified},
    {"residential", HighwayClass::kResidential},
    {"living_street", HighwayClass::kLivingStreet},
    {"service", HighwayClass::kService},
    {"road", HighwayClass::kRoad},
    {"track", HighwayClass::kTrack},
    {"pedestrian", HighwayClass::kPedestrian},
    {"footway", HighwayClass::kFootway},
    {"path", HighwayClass::kPath},
    {"steps", HighwayClass::kSteps},
    {"cycleway", HighwayClass::kCycleway},
    {"bridleway", HighwayClass::kBridleway},
    {"corridor", HighwayClass::kCorridor},
    {"platform", HighwayClass::kPlatform},
};

// km/h; 0 for classes cars do not drive. OSRM car.lua's defaults.
double CarClassSpeedKmh(HighwayClass c) {
  switch (c) {
    case HighwayClass::kMotorway:
      return 90;
    case HighwayClass::kMotorwayLink:
      return 45;
    case HighwayClass::kTrunk:
      return 85;
    case HighwayClass::kTrunkLink:
      return 40;
    case HighwayClass::kPrimary:
      return 65;
    case HighwayClass::kPrimaryLink:
      return 30;
    case HighwayClass::kSecondary:
      return 55;
    case HighwayClass::kSecondaryLink:
      return 25;
    case HighwayClass::kTertiary:
      return 40;
    case HighwayClass::kTertiaryLink:
      return 20;
    case HighwayClass::kUnclassified:
    case HighwayClass::kResidential:
      return 25;
    case HighwayClass::kLivingStreet:
      return 10;
    case HighwayClass::kService:
      return 15;
    case HighwayClass::kRoad:
    case HighwayClass::kTrack:
    case HighwayClass::kPedestrian:
    case HighwayClass::kFootway:
    case HighwayClass::kPath:
    case HighwayClass::kSteps:
    case HighwayClass::kCycleway:
    case HighwayClass::kBridleway:
    case HighwayClass::kCorridor:
    case HighwayClass::kPlatform:
      return 0;
  }
  return 0;
}

constexpr double kWalkingSpeedKmh = 5;
constexpr double kStepsSpeedKmh = 3;
// Parking aisles, driveways, alleys: crawling speed, and routes avoid them as a navigation app
// does.
constexpr double kMinorServiceSpeedKmh = 10;
// OSRM's speed_reduction: a road is driven below its limit on average.
constexpr double kMaxspeedFactor = 0.8;

bool Is(const std::string* value, std::string_view expected) {
  return value != nullptr && *value == expected;
}

bool IsAnyOf(std::string_view value, std::initializer_list<std::string_view> set) {
  for (std::string_view s : set) {
    if (value == s) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// What an access value means for a car. kRestricted: usable only where a route starts or ends
// (docs/formats/graph.md, "Restricted roads").
enum class AccessVerdict { kUnset, kAllowed, kRestricted, kDenied };

AccessVerdict CarAccessOfOne(std::string_view value) {
  if (IsAnyOf(value, {"no", "agricultural", "forestry", "emergency", "psv", "bus", "military",
                      "permit"})) {
    return AccessVerdict::kDenied;
  }
  if (IsAnyOf(value, {"destination", "customers", "delivery", "private", "residents"})) {
    return AccessVerdict::kRestricted;
  }
  return AccessVerdict::kAllowed;
}

// A list ("destination;agricultural") allows what its most permissive value allows: each value
// names one group that may drive there, and a car in any of them may.
AccessVerdict CarAccessOf(std::string_view value) {
  AccessVerdict best = AccessVerdict::kDenied;
  while (true) {
    const size_t semi = value.find(';');
    const AccessVerdict v = CarAccessOfOne(Trim(value.substr(0, semi)));
    if (v == AccessVerdict::kAllowed) return v;
    if (v == AccessVerdict::kRestricted) best = v;
    if (semi == std::string_view::npos) return best;
    value.remove_prefix(semi + 1);
  }
}

// The car access verdict for one direction ("forward", "backward"), most specific key first.
AccessVerdict CarAccess(const Tags& tags, std::string_view direction) {
  for (std::string_view key : {"motorcar", "motor_vehicle", "vehicle", "access"}) {
    std::string directed = std::string(key) + ":" + std::string(direction);
    if (const std::string* v = FindTag(tags, directed)) return CarAccessOf(*v);
    if (const std::string* v = FindTag(tags, key)) return CarAccessOf(*v);
  }
  return AccessVerdict::kUnset;
}

enum class Oneway { kNone, kForward, kBackward, kClosed };

std::optional<Oneway> ParseOneway(const std::string& value) {
  if (value == "yes" || value == "true" || value == "1") return Oneway::kForward;
  if (value == "-1" || value == "reverse") return Oneway::kBackward;
  if (value == "no" || value == "false" || value == "0") return Oneway::kNone;
  if (value == "reversible" || value == "alternating") return Oneway::kClosed;
  return std::nullopt;  // unknown value: as if untagged
}

Oneway CarOneway(const Tags& tags, HighwayClass highway, bool roundabout) {
  for (std::string_view key : {"oneway:motor_vehicle", "oneway:vehicle", "oneway"}) {
    if (const std::string* v = FindTag(tags, key)) {
      if (auto parsed = ParseOneway(*v)) return *parsed;
    }
  }
  if (roundabout || highway == HighwayClass::kMotorway || highway == HighwayClass::kMotorwayLink) {
    return Oneway::kForward;
  }
  return Oneway::kNone;
}

// The leading number of `text` (digits with an optional '.' part); nullopt when there is none.
std::optional<double> LeadingNumber(std::string_view text, size_t& consumed) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  if (i == 0) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc() || ptr != text.data() + i) return std::nullopt;
  consumed = i;
  return value;
}

// Country defaults for the implicit zones (km/h); the generic value when a country is not listed.
std::optional<double> ZoneSpeedKmh(std::string_view country, std::string_view zone) {
  if (zone == "urban") return country == "RU" ? 60 : 50;
  if (zone == "living_street") return 7;
  if (zone == "walk") return 7;
  if (zone == "rural") {
    if (country == "DE" || country == "AT") return 100;
    if (country == "CH" || country == "LI" || country == "FR") return 80;
    if (country == "CN") return 70;
    return 90;
  }
  if (zone == "trunk") return 100;
  if (zone == "motorway") {
    if (country == "DE") return 130;  // "none" in law; 130 is the advisory speed
    if (country == "CH" || country == "LI" || country == "CN") return 120;
    return 130;
  }
  // "zone30", "zone:30"
  if (zone.starts_with("zone")) {
    zone.remove_prefix(4);
    if (zone.starts_with(":")) zone.remove_prefix(1);
    size_t used = 0;
    if (auto v = LeadingNumber(zone, used); v && used == zone.size() && *v > 0) return *v;
  }
  return std::nullopt;
}

double PositiveOr(std::optional<double> v, double fallback) { return v && *v > 0 ? *v : fallback; }

}  // namespace

std::optional<HighwayClass> ParseHighwayClass(std::string_view value) {
  for (const auto& [name, c] : kHighwayClasses) {
    if (name == value) return c;
  }
  return std::nullopt;
}

std::optional<double> ParseMaxspeedKmh(std::string_view value) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (value == "walk") return 7;
  if (value == "none" || value == "signals" || value == "variable") return std::nullopt;
  // Several values separated by ';' (lanes): the first one.
  if (size_t semi = value.find(';'); semi != std::string_view::npos) {
    value = Trim(value.substr(0, semi));
  }
  if (size_t colon = value.find(':'); colon != std::string_view::npos) {
    return ZoneSpeedKmh(value.substr(0, colon), value.substr(colon + 1));
  }
  size_t used = 0;
  std::optional<double> number = LeadingNumber(value, used);
  if (!number || *number <= 0) return std::nullopt;
  std::string_view unit = Trim(value.substr(used));
  if (unit.empty() || unit == "km/h" || unit == "kmh" || unit == "kph") return *number;
  if (unit == "mph") return *number * 1.609344;
  if (unit == "knots") return *number * 1.852;
  return std::nullopt;
}

CarAttributes CarProfile(const Tags& tags) {
  CarAttributes car;
  const std::string* highway_value = FindTag(tags, "highway");
  if (highway_value == nullptr) return car;
  std::optional<HighwayClass> highway = ParseHighwayClass(*highway_value);
  if (!highway) return car;
  double class_speed = CarClassSpeedKmh(*highway);
  if (class_speed <= 0) return car;
  if (Is(FindTag(tags, "area"), "yes") || Is(FindTag(tags, "impassable"), "yes") ||
      Is(FindTag(tags, "smoothness"), "impassable") || Is(FindTag(tags, "status"), "impassable")) {
    return car;
  }
  if (*highway == HighwayClass::kService) {
    if (const std::string* service = FindTag(tags, "service")) {
      if (IsAnyOf(*service, {"parking_aisle", "driveway", "alley", "drive-through"})) {
        class_speed = kMinorServiceSpeedKmh;
      } else if (IsAnyOf(*service, {"emergency_access"})) {
        return car;
      }
    }
  }
  const std::string* junction = FindTag(tags, "junction");
  car.roundabout = Is(junction, "roundabout") || Is(junction, "circular");

  Oneway oneway = CarOneway(tags, *highway, car.roundabout);
  if (oneway == Oneway::kClosed) return car;
  AccessVerdict forward_access = CarAccess(tags, "forward");
  AccessVerdict backward_access = CarAccess(tags, "backward");
  car.forward = oneway != Oneway::kBackward && forward_access != AccessVerdict::kDenied;
  car.backward = oneway != Oneway::kForward && backward_access != AccessVerdict::kDenied;
  car.forward_restricted = car.forward && forward_access == AccessVerdict::kRestricted;
  car.backward_restricted = car.backward && backward_access == AccessVerdict::kRestricted;

  std::optional<double> maxspeed;
  if (const std::string* v = FindTag(tags, "maxspeed")) maxspeed = ParseMaxspeedKmh(*v);
  std::optional<double> forward_max = maxspeed;
  std::optional<double> backward_max = maxspeed;
  if (const std::string* v = FindTag(tags, "maxspeed:forward")) {
    if (auto s = ParseMaxspeedKmh(*v)) forward_max = s;
  }
  if (const std::string* v = FindTag(tags, "maxspeed:backward")) {
    if (auto s = ParseMaxspeedKmh(*v)) backward_max = s;
  }
  auto speed = [&](std::optional<double> max) {
    return max ? PositiveOr(*max * kMaxspeedFactor, class_speed) : class_speed;
  };
  if (car.forward) car.forward_speed_kmh = speed(forward_max);
  if (car.backward) car.backward_speed_kmh = speed(backward_max);
  return car;
}

FootAttributes FootProfile(const Tags& tags) {
  FootAttributes foot;
  const std::string* highway_value = FindTag(tags, "highway");
  if (highway_value == nullptr) return foot;
  std::optional<HighwayClass> highway = ParseHighwayClass(*highway_value);
  if (!highway) return foot;
  if (*highway == HighwayClass::kMotorway || *highway == HighwayClass::kMotorwayLink) return foot;
  if (Is(FindTag(tags, "impassable"), "yes") || Is(FindTag(tags, "status"), "impassable")) {
    return foot;
  }

  const std::string* foot_tag = FindTag(tags, "foot");
  bool foot_permitted = false;
  if (foot_tag != nullptr) {
    if (IsAnyOf(*foot_tag, {"no", "private", "use_sidepath", "discouraged"})) return foot;
    foot_permitted = IsAnyOf(*foot_tag, {"yes", "designated", "permissive", "official",
                                         "destination", "customers", "delivery"});
  }
  if (!foot_permitted) {
    const std::string* access = FindTag(tags, "access");
    if (access != nullptr && IsAnyOf(*access, {"no", "private", "agricultural", "forestry",
                                               "emergency", "military", "permit"})) {
      return foot;
    }
  }
  switch (*highway) {
    case HighwayClass::kCycleway:
    case HighwayClass::kBridleway:
      if (!foot_permitted) return foot;
      break;
    case HighwayClass::kTrunk:
    case HighwayClass::kTrunkLink:
      if (!foot_permitted && Is(FindTag(tags, "motorroad"), "yes")) return foot;
      break;
    default:
      break;
  }
  foot.allowed = true;
  foot.speed_kmh = *highway == HighwayClass::kSteps ? kStepsSpeedKmh : kWalkingSpeedKmh;
  return foot;
}

uint8_t RoadNodeFlags(const Tags& tags) {
  uint8_t flags = 0;
  if (Is(FindTag(tags, "highway"), "traffic_signals")) flags |= kTrafficSignals;
  if (const std::string* barrier = FindTag(tags, "barrier")) {
    // OSRM's car barrier whitelist: these let a car through unless access says otherwise.
    bool passable = IsAnyOf(
        *barrier, {"cattle_grid", "border_control", "toll_booth", "sally_port", "gate", "lift_gate",
                   "no", "entrance", "height_restrictor", "arch", "swing_gate"});
    switch (CarAccess(tags, "forward")) {
      case AccessVerdict::kDenied:
        passable = false;
        break;
      case AccessVerdict::kAllowed:
        passable = true;
        break;
      case AccessVerdict::kRestricted:
        // A private gate or a residents' rising bollard: for the routes that start or end
        // behind it, never for through traffic.
        flags |= kRestrictedPassage;
        passable = true;
        break;
      case AccessVerdict::kUnset:
        break;
    }
    if (!passable) flags |= kCarBarrier;
  }
  return flags;
}

}  // namespace pg::osm
