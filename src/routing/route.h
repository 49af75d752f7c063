// What a route query answers (RouteCost, Route) and how a route's ends meet the graph (the seeds
// shared by the contraction-hierarchy queries and the reference Dijkstra, so both answer the same
// question to the millisecond).
//
// A route starts at a snapped point on segment a and may leave it in either direction the mode
// allows (as a driver parked at the kerb can); it reaches the target point on segment b coming
// along either direction. With the graph's labels ("cost to reach the start of search node x",
// road_graph.h):
//   - source seeds: for each usable direction x of a, at distance `along` (0..1 in x's direction
//     of travel) from x's start, and each turn x→y: y with (1 - along)·w(x) + penalty(x→y);
//   - target seeds: for each direction node y of b (both layers of a destination-only road),
//     y with along·w(y) still to go after reaching y's start;
//   - direct: when a == b and the target lies ahead in a direction x, (along_to - along_from)·w(x).
// Partial weights and lengths are rounded to whole milliseconds and decimetres.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "core/geo.h"
#include "graph/road_graph.h"
#include "routing/road_network.h"

namespace pg::routing {

inline constexpr uint32_t kUnreachable = UINT32_MAX;

struct RouteCost {
  uint32_t travel_time_ms = kUnreachable;  // kUnreachable when there is no route
  uint32_t distance_dm = 0;                // along the route found
  bool reachable() const { return travel_time_ms != kUnreachable; }
  double travel_time_s() const { return travel_time_ms / 1000.0; }
  double distance_m() const { return distance_dm / 10.0; }
  friend bool operator==(const RouteCost&, const RouteCost&) = default;
};

struct Route {
  RouteCost cost;
  // The search nodes driven, in order: the first is the start's direction node, the last the
  // target's. One node when start and target share a segment direction.
  std::vector<uint32_t> nodes;
  double start_along = 0;        // where the route starts on nodes.front(), 0..1 in its direction
  double end_along = 0;          // where it ends on nodes.back()
  std::vector<LatLon> geometry;  // from the snapped start to the snapped target
};

namespace internal {

struct Seed {
  uint32_t node = graph::kNoNode;
  uint32_t weight_ms = 0;
  uint32_t length_dm = 0;
  uint32_t origin = graph::kNoNode;  // source seeds: the start's direction node it came from
  double along = 0;                  // target seeds: where the target lies on `node`
};

struct DirectRoute {
  RouteCost cost;
  uint32_t node = graph::kNoNode;  // the direction driven
  double from_along = 0;
  double to_along = 0;
};

// `share` (clamped to 0..1) of `whole`, rounded: the partial weights and lengths of route ends.
uint32_t PartOf(uint32_t whole, double share);

// Where `p` lies on the direction node x of its segment, 0..1 in x's direction of travel.
double AlongNode(const graph::ModeGraphView& g, uint32_t x, const SnappedPoint& p);

// Appends the seeds of a route starting at `from` (one per reachable node, the cheapest).
void SourceSeeds(const graph::ModeGraphView& g, const SnappedPoint& from, std::vector<Seed>& out);
// Appends the seeds of a route ending at `to`.
void TargetSeeds(const graph::ModeGraphView& g, const SnappedPoint& to, std::vector<Seed>& out);
// The cheapest route along the shared segment, or an unreachable cost.
DirectRoute Direct(const graph::ModeGraphView& g, const SnappedPoint& from, const SnappedPoint& to);

// Fills route.geometry from route.nodes, start_along and end_along.
void BuildGeometry(const graph::ModeGraphView& g, Route& route);

// The cost of driving `nodes` from `start_along` on the first to `end_along` on the last, turn by
// turn, or an unreachable cost when two consecutive nodes have no turn between them. The test of
// every path a query returns.
RouteCost CostOfPath(const graph::ModeGraphView& g, const std::vector<uint32_t>& nodes,
                     double start_along, double end_along);

}  // namespace internal
}  // namespace pg::routing
