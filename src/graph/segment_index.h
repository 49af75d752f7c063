// The spatial index of a mode's segments: building the grid (offline) and finding the segment
// nearest to a coordinate (snapping, at import for facility entrances and per request for route
// endpoints).
//
//   std::optional<NearestSegment> near = FindNearestSegment(car_view, {43.73, 7.42}, 300);
//   if (!near) … nothing within 300 m …
//
// Distances are metres on the sphere of core/geo.h, measured in a local equirectangular
// projection around the query point (exact to well under 0.1 % within a few kilometres).
//
// Thread-safety: pure functions over read-only views.
#pragma once

#include <optional>
#include <vector>

#include "core/geo.h"
#include "graph/road_graph.h"

namespace pg::graph {

struct NearestSegment {
  uint32_t segment = 0;
  // Position along the segment's geometry, by length: 0 at its first point, 1 at its last.
  double fraction = 0;
  LatLon point;  // the nearest point on the segment
  double distance_m = 0;
};

// The segment nearest to `p` no farther than `max_distance_m`, or nullopt. Ties go to the lower
// segment id.
std::optional<NearestSegment> FindNearestSegment(const ModeGraphView& graph, const LatLon& p,
                                                 double max_distance_m);

// Builds the grid over the graph's segments (its `points` and `segment_first_point` must be
// set): cells of about `cell_size_m` (made larger when the area would need more than
// `max_cells`).
void BuildSegmentGrid(ModeGraph& graph, double cell_size_m = 150, uint32_t max_cells = 1u << 22);

}  // namespace pg::graph
