// BuildRoadGraphs: the car and foot graphs (graph/road_graph.h, RoadGraphs) from the road records
// of an OSM file, with their contraction hierarchies and spatial indexes — the offline step between
// `osm::ReadRoadExtract` and `WriteGraphFile`.
//
//   PG_ASSIGN_OR_RETURN(osm::RoadExtract roads, osm::ReadRoadExtract(path));
//   RoadGraphs graphs = BuildRoadGraphs(roads);
//
// Steps, per mode:
//   1. junctions: way ends, nodes shared by ways (or met twice by one), restriction via nodes and
//      car barriers; ways are cut into segments between junctions;
//   2. search nodes: each usable direction of each segment; weight = length / profile speed
//      (+ 2 s per traffic signal passed, cars);
//   3. turns between search nodes at each junction: cars lose a turn where a restriction forbids
//      it (no_* removes it; only_* keeps only it), where a barrier blocks the junction, and for
//      U-turns except at dead ends (and where only restricted ways go on); turns through a
//      restricted passage (a private gate) are marked; car turns at intersections cost OSRM's
//      sigmoid of the turn angle (up to 7.5 s, left turns dearer in right-hand traffic) and a
//      U-turn 20 s more; pedestrians turn anywhere, free;
//   4. only the largest strongly connected component is kept, restricted access ignored
//      (fragments cut off by the extract's edge would only give "no route" answers);
//   5. the open core — the largest strongly connected component of the unrestricted directions
//      over unrestricted turns — carries through traffic; every other kept direction is *local*
//      (restricted access, or reached only through restricted ways, like a car park's aisles
//      behind its private access road) and is split into two layers (road_graph.h, NodeLayer),
//      so that a route drives local directions only at its start and at its end;
//   6. contraction hierarchy; everything renumbered by rank; the spatial grid.
// Restrictions the build cannot apply are counted in ModeBuildStats (via ways, members not on
// the car network, a from/to way that does not touch the via node).
//
// Thread-safety: a pure function of its arguments.
#pragma once

#include <cstdint>
#include <string>

#include "graph/road_graph.h"
#include "graph_build/contraction.h"
#include "osm/road_extract.h"

namespace pg::graph {

// Car turn costs, milliseconds (OSRM's car profile: turn_penalty 7.5 s, turn_bias 1.075 for
// right-hand traffic, u_turn_penalty 20 s, traffic_signal_penalty 2 s).
inline constexpr double kTurnPenaltyMs = 7500;
inline constexpr double kTurnBias = 1.075;
inline constexpr uint32_t kUTurnPenaltyMs = 20'000;
inline constexpr uint32_t kTrafficSignalPenaltyMs = 2'000;

// The cost of turning by `angle_deg` (-180..180, positive to the right) at an intersection.
uint32_t TurnPenaltyMs(double angle_deg);

struct BuildOptions {
  ContractionOptions contraction;
  double grid_cell_m = 150;
};

ModeGraph BuildModeGraph(const osm::RoadExtract& extract, Mode mode, const BuildOptions& options,
                         ModeBuildStats* stats);

RoadGraphs BuildRoadGraphs(const osm::RoadExtract& extract, const BuildOptions& options = {});

}  // namespace pg::graph
