#include "routing/dijkstra.h"

#include <fmt/format.h>

#include <algorithm>

namespace pg::routing {
namespace {

using graph::kNoNode;

constexpr uint32_t kUnset = UINT32_MAX;

}  // namespace

DijkstraQuery::DijkstraQuery(const RoadNetwork& network, Mode mode)
    : network_(&network), mode_(mode), g_(&network.View(mode)) {
  const uint32_t n = g_->node_count();
  distance_.assign(n, kUnset);
  length_.assign(n, 0);
  parent_.assign(n, kNoNode);
  origin_.assign(n, kNoNode);
  heap_.Reserve(n);
}

void DijkstraQuery::Run(const SnappedPoint& from, const SnappedPoint* to) {
  PG_ASSERT(from.mode == mode_ && (to == nullptr || to->mode == mode_));
  const graph::ModeGraphView& g = *g_;
  for (uint32_t x : touched_) distance_[x] = kUnset;
  touched_.clear();
  heap_.Clear();
  settled_ = 0;
  from_ = from;
  seeds_.clear();
  internal::SourceSeeds(g, from, seeds_);
  for (const internal::Seed& s : seeds_) {
    if (s.weight_ms >= distance_[s.node]) continue;
    if (distance_[s.node] == kUnset) touched_.push_back(s.node);
    distance_[s.node] = s.weight_ms;
    length_[s.node] = s.length_dm;
    parent_[s.node] = kNoNode;
    origin_[s.node] = s.origin;
    heap_.PushOrDecrease(s.node, s.weight_ms);
  }
  uint32_t best = kUnreachable;
  if (to != nullptr) {
    best = internal::Direct(g, from, *to).cost.travel_time_ms;
    target_seeds_.clear();
    internal::TargetSeeds(g, *to, target_seeds_);
  }
  while (!heap_.empty()) {
    if (to != nullptr && heap_.MinKey() >= best) break;
    const auto [u, d] = heap_.PopMin();
    ++settled_;
    if (to != nullptr) {
      for (const internal::Seed& t : target_seeds_) {
        if (t.node == u) best = std::min(best, d + t.weight_ms);
      }
    }
    const uint32_t leave = d + g.node_weight_ms[u];
    for (uint32_t i = g.turn_first_out[u]; i < g.turn_first_out[u + 1]; ++i) {
      const uint32_t v = g.turn_head[i];
      const uint32_t nd = leave + g.turn_penalty_ms[i];
      if (nd >= distance_[v]) continue;
      if (distance_[v] == kUnset) touched_.push_back(v);
      distance_[v] = nd;
      length_[v] = length_[u] + g.node_length_dm[u];
      parent_[v] = u;
      origin_[v] = origin_[u];
      heap_.PushOrDecrease(v, nd);
    }
  }
}

RouteCost DijkstraQuery::Best(const SnappedPoint& to, uint32_t* last_node,
                              double* end_along) const {
  const internal::DirectRoute direct = internal::Direct(*g_, from_, to);
  RouteCost best = direct.cost;
  if (last_node != nullptr) *last_node = kNoNode;
  std::vector<internal::Seed> seeds;
  internal::TargetSeeds(*g_, to, seeds);
  for (const internal::Seed& t : seeds) {
    if (distance_[t.node] == kUnset) continue;
    const uint32_t cost = distance_[t.node] + t.weight_ms;
    if (cost < best.travel_time_ms) {
      best = {cost, length_[t.node] + t.length_dm};
      if (last_node != nullptr) *last_node = t.node;
      if (end_along != nullptr) *end_along = t.along;
    }
  }
  return best;
}

RouteCost DijkstraQuery::Cost(const SnappedPoint& from, const SnappedPoint& to) {
  Run(from, &to);
  return Best(to, nullptr, nullptr);
}

void DijkstraQuery::OneToAll(const SnappedPoint& from) { Run(from, nullptr); }

RouteCost DijkstraQuery::CostTo(const SnappedPoint& to) const { return Best(to, nullptr, nullptr); }

void DijkstraQuery::OneToMany(const SnappedPoint& from, std::span<const SnappedPoint> targets,
                              std::vector<RouteCost>& out) {
  OneToAll(from);
  out.clear();
  for (const SnappedPoint& t : targets) out.push_back(CostTo(t));
}

Result<Route> DijkstraQuery::FindRoute(const SnappedPoint& from, const SnappedPoint& to) {
  Run(from, &to);
  Route route;
  uint32_t last = kNoNode;
  double end_along = 0;
  route.cost = Best(to, &last, &end_along);
  if (!route.cost.reachable()) {
    return NotFound(fmt::format("no {} route from {:.6f},{:.6f} to {:.6f},{:.6f}",
                                graph::ModeName(mode_), from.location.lat, from.location.lon,
                                to.location.lat, to.location.lon));
  }
  if (last == kNoNode) {
    const internal::DirectRoute direct = internal::Direct(*g_, from, to);
    route.nodes = {direct.node};
    route.start_along = direct.from_along;
    route.end_along = direct.to_along;
  } else {
    for (uint32_t x = last; x != kNoNode; x = parent_[x]) route.nodes.push_back(x);
    route.nodes.push_back(origin_[route.nodes.back()]);
    std::reverse(route.nodes.begin(), route.nodes.end());
    route.start_along = internal::AlongNode(*g_, route.nodes.front(), from);
    route.end_along = end_along;
  }
  internal::BuildGeometry(*g_, route);
  return route;
}

}  // namespace pg::routing
