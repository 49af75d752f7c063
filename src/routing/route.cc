#include "routing/route.h"

#include <algorithm>
#include <cmath>

namespace pg::routing::internal {
namespace {

using graph::kNoNode;
using graph::ModeGraphView;

void AddSeed(std::vector<Seed>& seeds, size_t first, const Seed& seed) {
  for (size_t i = first; i < seeds.size(); ++i) {
    if (seeds[i].node != seed.node) continue;
    if (seed.weight_ms < seeds[i].weight_ms) seeds[i] = seed;
    return;
  }
  seeds.push_back(seed);
}

// The node's points in its direction of travel with their distance from its start.
void NodePoints(const ModeGraphView& g, uint32_t x, std::vector<LatLon>& points,
                std::vector<double>& from_start_m) {
  points.clear();
  from_start_m.clear();
  for (const graph::FixedPoint& p : g.SegmentPoints(g.SegmentOf(x))) points.push_back(p.ToLatLon());
  if (g.IsReversed(x)) std::reverse(points.begin(), points.end());
  double walked = 0;
  from_start_m.push_back(0);
  for (size_t i = 1; i < points.size(); ++i) {
    walked += HaversineMeters(points[i - 1], points[i]);
    from_start_m.push_back(walked);
  }
}

LatLon PointAt(const std::vector<LatLon>& points, const std::vector<double>& from_start_m,
               double d) {
  for (size_t i = 1; i < points.size(); ++i) {
    if (from_start_m[i] >= d || i + 1 == points.size()) {
      const double len = from_start_m[i] - from_start_m[i - 1];
      const double t = len > 0 ? std::clamp((d - from_start_m[i - 1]) / len, 0.0, 1.0) : 0;
      return {points[i - 1].lat + t * (points[i].lat - points[i - 1].lat),
              points[i - 1].lon + t * (points[i].lon - points[i - 1].lon)};
    }
  }
  return points.front();
}

void Emit(std::vector<LatLon>& out, const LatLon& p) {
  if (out.empty() || !(out.back() == p)) out.push_back(p);
}

}  // namespace

uint32_t PartOf(uint32_t whole, double share) {
  return static_cast<uint32_t>(
      std::lround(static_cast<double>(whole) * std::clamp(share, 0.0, 1.0)));
}

double AlongNode(const ModeGraphView& g, uint32_t x, const SnappedPoint& p) {
  return g.IsReversed(x) ? 1.0 - p.fraction : p.fraction;
}

void SourceSeeds(const ModeGraphView& g, const SnappedPoint& from, std::vector<Seed>& out) {
  const size_t first = out.size();
  const graph::SegmentNodes& sn = g.segment_nodes[from.segment];
  for (uint32_t x : {sn.forward, sn.backward}) {
    if (x == kNoNode) continue;
    const double rest = 1.0 - AlongNode(g, x, from);
    const uint32_t weight = PartOf(g.node_weight_ms[x], rest);
    const uint32_t length = PartOf(g.node_length_dm[x], rest);
    for (uint32_t i = g.turn_first_out[x]; i < g.turn_first_out[x + 1]; ++i) {
      AddSeed(out, first, {g.turn_head[i], weight + g.turn_penalty_ms[i], length, x, 0});
    }
  }
}

void TargetSeeds(const ModeGraphView& g, const SnappedPoint& to, std::vector<Seed>& out) {
  const size_t first = out.size();
  const graph::SegmentNodes& sn = g.segment_nodes[to.segment];
  for (uint32_t y : {sn.forward, sn.forward_end, sn.backward, sn.backward_end}) {
    if (y == kNoNode) continue;
    const double along = AlongNode(g, y, to);
    AddSeed(out, first,
            {y, PartOf(g.node_weight_ms[y], along), PartOf(g.node_length_dm[y], along), kNoNode,
             along});
  }
}

DirectRoute Direct(const ModeGraphView& g, const SnappedPoint& from, const SnappedPoint& to) {
  DirectRoute best;
  if (from.segment != to.segment) return best;
  const graph::SegmentNodes& sn = g.segment_nodes[from.segment];
  for (uint32_t x : {sn.forward, sn.backward}) {
    if (x == kNoNode) continue;
    const double a = AlongNode(g, x, from), b = AlongNode(g, x, to);
    if (b < a) continue;
    const uint32_t weight = PartOf(g.node_weight_ms[x], b - a);
    if (weight < best.cost.travel_time_ms) {
      best.cost = {weight, PartOf(g.node_length_dm[x], b - a)};
      best.node = x;
      best.from_along = a;
      best.to_along = b;
    }
  }
  return best;
}

void BuildGeometry(const ModeGraphView& g, Route& route) {
  route.geometry.clear();
  std::vector<LatLon> points;
  std::vector<double> from_start;
  for (size_t k = 0; k < route.nodes.size(); ++k) {
    if (g.IsJunction(route.nodes[k])) continue;  // a point where the ways around it meet
    NodePoints(g, route.nodes[k], points, from_start);
    const double total = from_start.back();
    const double a = (k == 0 ? route.start_along : 0.0) * total;
    const double b = (k + 1 == route.nodes.size() ? route.end_along : 1.0) * total;
    Emit(route.geometry, PointAt(points, from_start, a));
    for (size_t i = 1; i + 1 < points.size(); ++i) {
      if (from_start[i] > a && from_start[i] < b) Emit(route.geometry, points[i]);
    }
    Emit(route.geometry, PointAt(points, from_start, b));
  }
  // A route of no length still has two ends.
  if (route.geometry.size() == 1) route.geometry.push_back(route.geometry.front());
}

RouteCost CostOfPath(const ModeGraphView& g, const std::vector<uint32_t>& nodes, double start_along,
                     double end_along) {
  if (nodes.empty()) return {};
  if (nodes.size() == 1) {
    if (end_along < start_along) return {};
    return {PartOf(g.node_weight_ms[nodes[0]], end_along - start_along),
            PartOf(g.node_length_dm[nodes[0]], end_along - start_along)};
  }
  uint64_t weight = PartOf(g.node_weight_ms[nodes[0]], 1.0 - start_along);
  uint64_t length = PartOf(g.node_length_dm[nodes[0]], 1.0 - start_along);
  for (size_t k = 0; k + 1 < nodes.size(); ++k) {
    const uint32_t x = nodes[k], y = nodes[k + 1];
    bool found = false;
    uint32_t penalty = UINT32_MAX;
    for (uint32_t i = g.turn_first_out[x]; i < g.turn_first_out[x + 1]; ++i) {
      if (g.turn_head[i] == y) {
        found = true;
        penalty = std::min(penalty, g.turn_penalty_ms[i]);
      }
    }
    if (!found) return {};
    weight += penalty;
    if (k > 0) {
      weight += g.node_weight_ms[x];
      length += g.node_length_dm[x];
    }
  }
  weight += PartOf(g.node_weight_ms[nodes.back()], end_along);
  length += PartOf(g.node_length_dm[nodes.back()], end_along);
  return {static_cast<uint32_t>(weight), static_cast<uint32_t>(length)};
}

}  // namespace pg::routing::internal
