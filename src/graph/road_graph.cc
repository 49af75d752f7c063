#include "graph/road_graph.h"

#include <fmt/format.h>

#include <cmath>

namespace pg::graph {

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kCar:
      return "car";
    case Mode::kFoot:
      return "foot";
  }
  return "car";
}

Result<Mode> ParseMode(std::string_view text, std::string_view field) {
  if (text == "car") return Mode::kCar;
  if (text == "foot") return Mode::kFoot;
  return InvalidArgument(fmt::format("'{}' is not a travel mode: use car or foot", text),
                         std::string(field));
}

FixedPoint FixedPoint::From(const LatLon& p) {
  return {static_cast<int32_t>(std::lround(p.lat * 1e7)),
          static_cast<int32_t>(std::lround(p.lon * 1e7))};
}

ModeGraphView ModeGraph::View() const {
  ModeGraphView v;
  v.mode = mode;
  v.node_segment = node_segment;
  v.node_weight_ms = node_weight_ms;
  v.node_length_dm = node_length_dm;
  v.node_layer = node_layer;
  v.turn_first_out = turn_first_out;
  v.turn_head = turn_head;
  v.turn_penalty_ms = turn_penalty_ms;
  v.up_first_out = up_first_out;
  v.up_head = up_head;
  v.up_weight_ms = up_weight_ms;
  v.up_length_dm = up_length_dm;
  v.up_middle = up_middle;
  v.down_first_out = down_first_out;
  v.down_tail = down_tail;
  v.down_weight_ms = down_weight_ms;
  v.down_length_dm = down_length_dm;
  v.down_middle = down_middle;
  v.segment_first_point = segment_first_point;
  v.points = points;
  v.segment_way_id = segment_way_id;
  v.segment_length_dm = segment_length_dm;
  v.segment_nodes = segment_nodes;
  v.grid = grid;
  v.grid_first_entry = grid_first_entry;
  v.grid_entries = grid_entries;
  return v;
}

namespace {

Status Bad(const ModeGraphView& g, std::string_view array, std::string_view what) {
  return DataLoss(fmt::format("{} graph: {}: {}", ModeName(g.mode), array, what));
}

// first_out has count + 1 entries from 0, never decreasing, ending at `arcs`.
Status CheckOffsets(const ModeGraphView& g, std::string_view name,
                    std::span<const uint32_t> first_out, size_t count, size_t arcs) {
  if (first_out.size() != count + 1) return Bad(g, name, "wrong number of entries");
  if (first_out.front() != 0 || first_out.back() != arcs) return Bad(g, name, "wrong bounds");
  for (size_t i = 1; i < first_out.size(); ++i) {
    if (first_out[i] < first_out[i - 1]) return Bad(g, name, "offsets decrease");
  }
  return Status::Ok();
}

Status CheckIds(const ModeGraphView& g, std::string_view name, std::span<const uint32_t> ids,
                size_t bound) {
  for (uint32_t id : ids) {
    if (id >= bound) return Bad(g, name, "an id is out of range");
  }
  return Status::Ok();
}

Status CheckHierarchy(const ModeGraphView& g, std::string_view name,
                      std::span<const uint32_t> first_out, std::span<const uint32_t> other,
                      std::span<const uint32_t> weight, std::span<const uint32_t> length,
                      std::span<const uint32_t> middle) {
  const size_t n = g.node_count();
  PG_RETURN_IF_ERROR(CheckOffsets(g, name, first_out, n, other.size()));
  if (weight.size() != other.size() || length.size() != other.size() ||
      middle.size() != other.size()) {
    return Bad(g, name, "arrays of different sizes");
  }
  for (uint32_t r = 0; r < n; ++r) {
    for (uint32_t i = first_out[r]; i < first_out[r + 1]; ++i) {
      if (other[i] >= n || other[i] <= r) return Bad(g, name, "an arc does not lead upwards");
      if (middle[i] != UINT32_MAX && middle[i] >= r) return Bad(g, name, "a bad middle node");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateModeGraph(const ModeGraphView& g) {
  const size_t n = g.node_count();
  const size_t s = g.segment_count();
  if (g.node_weight_ms.size() != n || g.node_length_dm.size() != n || g.node_layer.size() != n) {
    return Bad(g, "node arrays", "of different sizes");
  }
  for (uint32_t x = 0; x < n; ++x) {
    if (g.IsJunction(x)) {
      if (g.node_weight_ms[x] != 0 || g.node_length_dm[x] != 0) {
        return Bad(g, "node_weight_ms", "a junction node with a weight");
      }
      continue;
    }
    if ((g.node_segment[x] >> 1) >= s) return Bad(g, "node_segment", "a segment out of range");
    if (g.node_layer[x] > 2) return Bad(g, "node_layer", "an unknown layer");
  }
  PG_RETURN_IF_ERROR(CheckOffsets(g, "turn_first_out", g.turn_first_out, n, g.turn_head.size()));
  if (g.turn_penalty_ms.size() != g.turn_head.size()) {
    return Bad(g, "turn arrays", "of different sizes");
  }
  PG_RETURN_IF_ERROR(CheckIds(g, "turn_head", g.turn_head, n));
  PG_RETURN_IF_ERROR(CheckHierarchy(g, "up", g.up_first_out, g.up_head, g.up_weight_ms,
                                    g.up_length_dm, g.up_middle));
  PG_RETURN_IF_ERROR(CheckHierarchy(g, "down", g.down_first_out, g.down_tail, g.down_weight_ms,
                                    g.down_length_dm, g.down_middle));
  PG_RETURN_IF_ERROR(
      CheckOffsets(g, "segment_first_point", g.segment_first_point, s, g.points.size()));
  if (g.segment_way_id.size() != s || g.segment_nodes.size() != s) {
    return Bad(g, "segment arrays", "of different sizes");
  }
  for (uint32_t seg = 0; seg < s; ++seg) {
    if (g.segment_first_point[seg + 1] - g.segment_first_point[seg] < 2) {
      return Bad(g, "segment_first_point", "a segment with fewer than two points");
    }
    const SegmentNodes& sn = g.segment_nodes[seg];
    for (uint32_t x : {sn.forward, sn.forward_end, sn.backward, sn.backward_end}) {
      if (x != kNoNode && (x >= n || g.IsJunction(x) || g.SegmentOf(x) != seg)) {
        return Bad(g, "segment_nodes", "a search node of another segment");
      }
    }
    if (sn.forward == kNoNode && sn.backward == kNoNode) {
      return Bad(g, "segment_nodes", "a segment without a search node");
    }
  }
  const uint64_t cells = uint64_t{g.grid.rows} * g.grid.cols;
  PG_RETURN_IF_ERROR(
      CheckOffsets(g, "grid_first_entry", g.grid_first_entry, cells, g.grid_entries.size()));
  for (const GridEntry& e : g.grid_entries) {
    if (e.segment >= s ||
        g.segment_first_point[e.segment] + e.piece + 1 >= g.segment_first_point[e.segment + 1]) {
      return Bad(g, "grid_entries", "a piece out of range");
    }
  }
  if (!(g.grid.cell_lat_deg > 0) || !(g.grid.cell_lon_deg > 0)) {
    return Bad(g, "grid", "a cell without size");
  }
  return Status::Ok();
}

std::string ModeBuildStats::ToText() const {
  std::string out = fmt::format(
      "  ways {}, junctions {}, segments {} (+{} outside the largest component of {}), "
      "search nodes {} ({} in the restricted layers; {} open directions reached only through "
      "restricted ways), turns {}\n"
      "  contraction: {:.2f} s, {} shortcuts, {} up + {} down arcs\n",
      ways, junctions, segments, segments_dropped, components, search_nodes, restricted_nodes,
      enclosed_open_directions, turns, contraction_seconds, shortcuts, up_arcs, down_arcs);
  if (restrictions_applied + restrictions_via_way + restrictions_not_on_network +
          restrictions_not_at_via >
      0) {
    out += fmt::format(
        "  turn restrictions: {} applied; not applied: {} via a way, {} not on the car network, "
        "{} whose from/to way does not touch the via node\n",
        restrictions_applied, restrictions_via_way, restrictions_not_on_network,
        restrictions_not_at_via);
  }
  return out;
}

}  // namespace pg::graph
