// ReadRoadExtract: the road network of an OSM file as plain records — the raw material of the car
// and foot graphs (graph_build/graph_builder.h builds them; nothing here knows about graphs).
//
// Reads the file with a libosmium handler chain in two passes:
//   1. ways and relations: RoadWayHandler applies the car and foot profiles of osm/road_profile.h
//      to every `highway=*` way and keeps those a car or a pedestrian may use;
//      TurnRestrictionHandler keeps every `type=restriction` relation that applies to cars;
//   2. nodes: RoadNodeHandler keeps the location and the routing flags (traffic signals, car
//      barriers) of exactly the nodes those ways use.
//
//   PG_ASSIGN_OR_RETURN(pg::osm::RoadExtract roads, pg::osm::ReadRoadExtract("city.osm.pbf"));
//   for (const pg::osm::RoadWay& w : roads.ways) … roads.node_locations[w.nodes[0]] …
//
// What a record holds:
//   - nodes are kept in three parallel arrays sorted by OSM id; ways refer to them by index;
//   - a way whose nodes are not all in the file (a cut extract) is kept as one record per run of
//     at least two consecutive nodes present, each with the way's id; consecutive repeats of the
//     same node are dropped;
//   - a restriction keeps its members as ids; whether they exist on the car network is for the
//     graph build to decide (it counts the ones it cannot apply).
// Restrictions kept: `restriction=no_*|only_*` (or, without it, `restriction:motorcar` or
//   `restriction:motor_vehicle`) on `type=restriction`, unless `except` names motorcar or
//   motor_vehicle. Skipped and counted: other vehicles only, conditional only, unknown values.
// Not checked (as libosmium does not check): that nodes and ways are sorted, that a restriction's
//   members have the roles and types OSM documents beyond what is used here.
//
// Thread-safety: ReadRoadExtract may be called from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/geo.h"
#include "core/progress.h"
#include "core/status.h"
#include "osm/road_profile.h"

namespace pg::osm {

struct RoadWay {
  int64_t id = 0;
  HighwayClass highway = HighwayClass::kRoad;
  CarAttributes car;            // usable() when a car may drive it
  FootAttributes foot;          // allowed when a pedestrian may walk it
  std::vector<uint32_t> nodes;  // indices into RoadExtract::node_*; size() >= 2
};

enum class RestrictionKind : uint8_t { kNo, kOnly };

// The manoeuvre a restriction names; kAny for no_entry/no_exit (the members say it all).
enum class TurnDirection : uint8_t { kLeft, kRight, kStraight, kUTurn, kAny };

struct TurnRestriction {
  int64_t relation_id = 0;
  RestrictionKind kind = RestrictionKind::kNo;
  TurnDirection direction = TurnDirection::kAny;
  std::string value;               // as tagged: "no_left_turn"
  std::vector<int64_t> from_ways;  // one, except for no_entry
  std::vector<int64_t> to_ways;    // one, except for no_exit
  std::optional<int64_t> via_node;
  std::vector<int64_t> via_ways;  // a via-way restriction (kept, not applied by the graph build)
};

struct RoadExtractStats {
  int highway_ways = 0;     // ways with a highway=* tag
  int car_ways = 0;         // kept for cars
  int foot_ways = 0;        // kept for pedestrians (a way may count in both)
  int restricted_ways = 0;  // car ways restricted in some direction (destination, private…)
  int ways_with_missing_nodes = 0;      // cut by the extract: kept in pieces, or dropped
  int restrictions = 0;                 // kept
  int restrictions_other_vehicles = 0;  // skipped: for other vehicles only, or excepting cars
  int restrictions_conditional = 0;     // skipped: only a restriction:conditional
  int restrictions_unknown = 0;         // skipped: a value that is not no_*/only_*
  int restrictions_malformed = 0;       // skipped: no from, via or to member
  int traffic_signals = 0;
  int car_barriers = 0;
  int restricted_passages = 0;  // barriers with restricted access (kRestrictedPassage)
};

struct RoadExtract {
  // The bounding box the file's header declares; nullopt when it has none.
  std::optional<BoundingBox> header_bbox;
  std::vector<int64_t> node_ids;  // strictly increasing
  std::vector<LatLon> node_locations;
  std::vector<uint8_t> node_flags;            // RoadNodeFlag bits
  std::vector<RoadWay> ways;                  // by id
  std::vector<TurnRestriction> restrictions;  // by relation id
  RoadExtractStats stats;
};

// Reads the roads of the OSM file at `path`.
// Errors (each naming the file): kNotFound, kInvalidArgument (not an OSM file, or objects out of
// order), kDataLoss (truncated or corrupt), kUnavailable (cannot be read), kResourceExhausted.
// `progress` hears the bytes read of each pass ("read roads", "read road nodes").
Result<RoadExtract> ReadRoadExtract(const std::string& path, const Progress& progress = {});

}  // namespace pg::osm
