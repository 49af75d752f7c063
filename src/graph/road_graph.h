// The routable road graph of one travel mode (car or foot) as a struct of arrays: what the offline
// build produces, what the graph file stores and what the server maps read-only.
//
// Edge-based model. A *segment* is a stretch of one OSM way between two junctions, with its
// geometry. A *search node* is one direction of one segment (for cars, a direction outside the
// open core has two search nodes, see NodeLayer). A *turn* x→y says that after driving x one
// may continue on y; turns carry the turn penalty. Shortest paths run over search nodes, so a
// turn restriction or a forbidden U-turn is simply a missing turn, and turn costs are part of the
// metric. (A node-based graph would need node splitting for restrictions and cannot price turns;
// docs/formats/graph.md says more.) Pedestrians turn anywhere for free, so the foot graph puts a
// *junction node* (weight 0, node_segment kJunctionNode) between the directions into and out of
// each junction instead of a turn for every pair: in + out turns instead of in × out.
//
// Units: times in milliseconds (`_ms`, uint32), lengths in decimetres (`_dm`, uint32). Weights
// along any route in a city stay far below 2^31 ms (24 days).
//
// Distance labels, in every search over these arrays, mean "cost to reach the *start* of search
// node x": a turn x→y costs node_weight_ms[x] + turn_penalty_ms, and its length is
// node_length_dm[x]. A route from a point on segment a (fraction t) to a point on segment b
// (fraction s) costs (1-t)·w(a) + turns and whole nodes in between + s·w(b).
//
// Invariants (graph_builder_test.cc and graph_file.cc check them):
//   - search nodes are numbered by contraction rank: 0 is the least important;
//   - every *_first_out array has count + 1 entries, starts at 0 and never decreases;
//   - node_segment[x] >> 1 < segment count, bit 0 saying the node runs against the way's order;
//     or node_segment[x] == kJunctionNode for a junction node (foot only; weight and length 0);
//   - every segment has at least one search node (segments no search node uses are not stored);
//     segment_nodes[s] names them, kNoNode where a direction is not usable;
//   - segment s's points are points[segment_first_point[s] .. segment_first_point[s+1]), at
//     least two, in the way's order; segment_length_dm[s] is their length along the surface;
//   - the turn graph with the layers merged is strongly connected (the build keeps its largest
//     strongly connected component only), and every local direction is reached from the open
//     core through end-layer nodes and reaches it through start-layer nodes: so there is a car
//     route between any two points snapped to the graph (tested on the real extracts);
//   - up/down are a contraction hierarchy of the turn graph (graph_build/contraction.h).
//
// Thread-safety: ModeGraph is a plain value; a ModeGraphView is a read-only view, safe to share
// across threads for as long as what it views lives.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/geo.h"
#include "core/status.h"

namespace pg::graph {

enum class Mode : uint8_t { kCar = 0, kFoot = 1 };
inline constexpr Mode kAllModes[] = {Mode::kCar, Mode::kFoot};

// "car", "foot".
std::string_view ModeName(Mode mode);
// Parses "car" or "foot". Errors: kInvalidArgument naming `field`.
Result<Mode> ParseMode(std::string_view text, std::string_view field);

inline constexpr uint32_t kNoNode = UINT32_MAX;
// up_middle / down_middle of an arc that is not a shortcut (an arc of the turn graph itself).
inline constexpr uint32_t kNoMiddle = UINT32_MAX;
// node_segment of a junction node (the foot graph's junctions, see below).
inline constexpr uint32_t kJunctionNode = UINT32_MAX;

// A WGS 84 position in 1e-7 degrees (the resolution of OSM's PBF format).
struct FixedPoint {
  int32_t lat_e7 = 0;
  int32_t lon_e7 = 0;
  static FixedPoint From(const LatLon& p);
  LatLon ToLatLon() const { return {lat_e7 * 1e-7, lon_e7 * 1e-7}; }
};

// Which search node of a segment's direction a route uses. Through traffic drives the *open
// core* only (the largest strongly connected part of the roads without restricted access,
// graph_builder.h); the other directions are *local* — restricted access (destination, private,
// customers, delivery, residents) or reached only through such ways — and have two copies:
// kRestrictedStart is reachable only from a route's start in the same local area and leads on to
// the core; kRestrictedEnd is reachable from the core and leads only deeper into the local area.
// A route's start uses the first copy, its end either. docs/formats/graph.md, "Restricted
// roads", gives the rules and why.
enum class NodeLayer : uint8_t { kOpen = 0, kRestrictedStart = 1, kRestrictedEnd = 2 };

// The search nodes of one segment, kNoNode when absent.
struct SegmentNodes {
  uint32_t forward = kNoNode;      // kOpen, or kRestrictedStart for a local direction
  uint32_t forward_end = kNoNode;  // kRestrictedEnd copy (local directions only)
  uint32_t backward = kNoNode;
  uint32_t backward_end = kNoNode;
};

// The spatial index over segment pieces (consecutive point pairs): a uniform grid of cells in
// degrees; cell (row, col) lists every piece whose bounding box touches it.
struct GridHeader {
  double min_lat = 0;
  double min_lon = 0;
  double cell_lat_deg = 1;
  double cell_lon_deg = 1;
  uint32_t rows = 0;
  uint32_t cols = 0;
  uint32_t reserved[2] = {0, 0};
};
struct GridEntry {
  uint32_t segment = 0;
  uint32_t piece = 0;  // the piece between the segment's points piece and piece + 1
};

// Read-only arrays of one mode's graph (over a ModeGraph's vectors or a mapped file).
struct ModeGraphView {
  Mode mode = Mode::kCar;

  // Search nodes.
  std::span<const uint32_t> node_segment;    // segment << 1 | against-way-order
  std::span<const uint32_t> node_weight_ms;  // time to traverse the whole segment this way
  std::span<const uint32_t> node_length_dm;
  std::span<const uint8_t> node_layer;  // NodeLayer

  // Turns: the edge-based graph itself (the reference Dijkstra and route starts read it).
  std::span<const uint32_t> turn_first_out;
  std::span<const uint32_t> turn_head;
  std::span<const uint32_t> turn_penalty_ms;

  // Contraction hierarchy, by rank (= search node id); see graph_build/contraction.h.
  std::span<const uint32_t> up_first_out;
  std::span<const uint32_t> up_head;
  std::span<const uint32_t> up_weight_ms;
  std::span<const uint32_t> up_length_dm;
  std::span<const uint32_t> up_middle;
  std::span<const uint32_t> down_first_out;
  std::span<const uint32_t> down_tail;
  std::span<const uint32_t> down_weight_ms;
  std::span<const uint32_t> down_length_dm;
  std::span<const uint32_t> down_middle;

  // Segments and their geometry.
  std::span<const uint32_t> segment_first_point;
  std::span<const FixedPoint> points;
  std::span<const int64_t> segment_way_id;
  std::span<const uint32_t> segment_length_dm;
  std::span<const SegmentNodes> segment_nodes;

  // Spatial index.
  GridHeader grid;
  std::span<const uint32_t> grid_first_entry;  // rows * cols + 1
  std::span<const GridEntry> grid_entries;

  uint32_t node_count() const { return static_cast<uint32_t>(node_segment.size()); }
  uint32_t segment_count() const { return static_cast<uint32_t>(segment_length_dm.size()); }
  bool IsJunction(uint32_t node) const { return node_segment[node] == kJunctionNode; }
  // REQUIRES: !IsJunction(node).
  uint32_t SegmentOf(uint32_t node) const { return node_segment[node] >> 1; }
  bool IsReversed(uint32_t node) const { return (node_segment[node] & 1) != 0; }
  std::span<const FixedPoint> SegmentPoints(uint32_t segment) const {
    return points.subspan(segment_first_point[segment],
                          segment_first_point[segment + 1] - segment_first_point[segment]);
  }
};

// The owning form the build produces and the file writer takes.
struct ModeGraph {
  Mode mode = Mode::kCar;
  std::vector<uint32_t> node_segment;
  std::vector<uint32_t> node_weight_ms;
  std::vector<uint32_t> node_length_dm;
  std::vector<uint8_t> node_layer;
  std::vector<uint32_t> turn_first_out;
  std::vector<uint32_t> turn_head;
  std::vector<uint32_t> turn_penalty_ms;
  std::vector<uint32_t> up_first_out;
  std::vector<uint32_t> up_head;
  std::vector<uint32_t> up_weight_ms;
  std::vector<uint32_t> up_length_dm;
  std::vector<uint32_t> up_middle;
  std::vector<uint32_t> down_first_out;
  std::vector<uint32_t> down_tail;
  std::vector<uint32_t> down_weight_ms;
  std::vector<uint32_t> down_length_dm;
  std::vector<uint32_t> down_middle;
  std::vector<uint32_t> segment_first_point;
  std::vector<FixedPoint> points;
  std::vector<int64_t> segment_way_id;
  std::vector<uint32_t> segment_length_dm;
  std::vector<SegmentNodes> segment_nodes;
  GridHeader grid;
  std::vector<uint32_t> grid_first_entry;
  std::vector<GridEntry> grid_entries;

  ModeGraphView View() const;
};

// Checks the invariants above that can be checked in linear time (array sizes, offsets, ids in
// range, CH arcs pointing upwards). Errors: kDataLoss naming the array at fault.
Status ValidateModeGraph(const ModeGraphView& graph);

// What the offline build (graph_build/graph_builder.h) recorded about one mode's graph: kept
// with the graph for `parkguide build-roads`' report and the graph file's metadata.
struct ModeBuildStats {
  uint32_t ways = 0;  // usable by this mode
  uint32_t junctions = 0;
  uint32_t segments = 0;          // stored (in the largest component)
  uint32_t segments_dropped = 0;  // outside the largest component
  uint32_t search_nodes = 0;
  uint32_t restricted_nodes = 0;  // of search_nodes, in the two restricted layers
  // Unrestricted directions outside the open core: reached only through restricted ways (an
  // open service loop behind a destination-only road), so local too.
  uint32_t enclosed_open_directions = 0;
  uint64_t turns = 0;
  uint64_t shortcuts = 0;
  uint64_t up_arcs = 0;
  uint64_t down_arcs = 0;
  uint32_t components = 0;  // strongly connected components before keeping the largest
  // Turn restrictions (car).
  uint32_t restrictions_applied = 0;
  uint32_t restrictions_via_way = 0;         // via-way restrictions: not applied
  uint32_t restrictions_not_on_network = 0;  // a member is not a car way or node here
  uint32_t restrictions_not_at_via = 0;      // the from or to way does not touch the via node
  double contraction_seconds = 0;
  double total_seconds = 0;

  std::string ToText() const;
};

// Both modes' graphs as built, with what the build recorded (written by WriteGraphFile).
struct RoadGraphs {
  ModeGraph car;
  ModeGraph foot;
  ModeBuildStats car_stats;
  ModeBuildStats foot_stats;
};

}  // namespace pg::graph
