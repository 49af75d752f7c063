// Road profiles: how the tags of an OSM highway way (and of the nodes on it) decide whether a car
// or a pedestrian may use it, in which directions and how fast. Pure functions over Tags, so every
// rule is testable without a file; osm/road_extract.h applies them while reading.
//
//   CarAttributes car = CarProfile(tags);   // {"highway","residential"},{"oneway","-1"}
//   car.forward == false, car.backward == true, car.backward_speed_kmh == 25
//
// Car rules (the defaults of OSRM's car profile where it has one, so drive times compare):
//   - classes motorway … living_street, service (and *_link) only; `area=yes`, `impassable=yes`,
//     `smoothness=impassable`, `oneway=reversible|alternating` are not driven;
//   - access: the most specific of motorcar, motor_vehicle, vehicle, access (each also with
//     :forward/:backward, which beats the same key without) decides: no, agricultural, forestry,
//     emergency, psv, bus, military, permit → not driven; destination, customers, delivery,
//     private, residents → *restricted*: driven only at the start or the end of a route, never
//     through (`forward_restricted`, docs/formats/graph.md "Restricted roads"); anything else
//     (yes, permissive, designated, unknown values) → driven. A list ("destination;forestry")
//     counts as its most permissive value;
//   - direction: oneway[:motor_vehicle|:vehicle] yes/true/1, -1/reverse, no/false/0; implied
//     one-way for junction=roundabout|circular and highway=motorway|motorway_link;
//   - speed (km/h): a default per class (motorway 90, trunk 85, primary 65, secondary 55,
//     tertiary 40, unclassified and residential 25, service 15, living_street 10, links lower);
//     service=parking_aisle|driveway|alley|drive-through 10; where maxspeed[:forward|:backward]
//     is given, 80 % of it (a road is rarely driven at its limit — OSRM's factor).
// Foot rules: footway, path, pedestrian, steps, living_street, residential, service, track, road,
//   corridor, platform and the classes unclassified … trunk (not `motorroad=yes`) are walked in
//   both directions at 5 km/h (steps 3 km/h); cycleway and bridleway only with an explicit foot
//   permission; motorways never; foot=no|private|use_sidepath, or access=no|private without a
//   foot permission, exclude a way.
// Not considered (documented in docs/formats/graph.md): conditional restrictions, time-dependent
//   access, surface and track quality, width/weight/height limits, lanes, turn lanes.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "osm/tags.h"

namespace pg::osm {

// Whenever any rule of this file changes, bump graph::kRoadProfileVersion (graph/graph_file.h):
// the graph file records it, so a graph built with other rules is rebuilt rather than silently
// used. (It lives there so that the server, which never links the OSM reader, can check it.)

enum class HighwayClass : uint8_t {
  kMotorway,
  kMotorwayLink,
  kTrunk,
  kTrunkLink,
  kPrimary,
  kPrimaryLink,
  kSecondary,
  kSecondaryLink,
  kTertiary,
  kTertiaryLink,
  kUnclassified,
  kResidential,
  kLivingStreet,
  kService,
  kRoad,
  kTrack,
  kPedestrian,
  kFootway,
  kPath,
  kSteps,
  kCycleway,
  kBridleway,
  kCorridor,
  kPlatform,
};

// The class of a `highway=*` value; nullopt for values no profile routes on (construction,
// proposed, raceway, bus_guideway, elevator…).
std::optional<HighwayClass> ParseHighwayClass(std::string_view value);

struct CarAttributes {
  bool forward = false;           // may be driven in the way's node order
  bool backward = false;          // … against it
  double forward_speed_kmh = 0;   // > 0 when forward
  double backward_speed_kmh = 0;  // > 0 when backward
  // Restricted access (destination, private, customers…) in that direction: a route may start or
  // end here, never pass through. Only set for a direction that is driven.
  bool forward_restricted = false;
  bool backward_restricted = false;
  bool roundabout = false;  // junction=roundabout|circular
  bool usable() const { return forward || backward; }
  bool restricted() const { return forward_restricted || backward_restricted; }
};

struct FootAttributes {
  bool allowed = false;  // walked in both directions
  double speed_kmh = 0;  // > 0 when allowed
};

// The car attributes of a way with these tags; unusable (both directions false) when the way is
// not a highway a car may drive.
CarAttributes CarProfile(const Tags& way_tags);

// The foot attributes of a way with these tags.
FootAttributes FootProfile(const Tags& way_tags);

// The speed limit an OSM maxspeed value states, in km/h: "50", "50 km/h", "30 mph", "10 knots",
// country zones ("DE:urban", "CH:rural", "FR:motorway", "DE:zone30"), "walk". nullopt for "none",
// "signals", "variable", 0 and anything not understood (the class default applies then).
std::optional<double> ParseMaxspeedKmh(std::string_view value);

// What a node on a road means for routing.
enum RoadNodeFlag : uint8_t {
  kTrafficSignals = 1 << 0,  // highway=traffic_signals: a car passing it loses time
  kCarBarrier = 1 << 1,      // a barrier a car cannot pass (bollard, block…; a gate can be passed
                             // unless the node's access says otherwise)
  kRestrictedPassage = 1 << 2,  // a barrier with restricted access (a private gate): passed only
                                // by routes that start or end behind it
};

// The RoadNodeFlag bits for a node with these tags (0 for most nodes).
uint8_t RoadNodeFlags(const Tags& node_tags);

}  // namespace pg::osm
