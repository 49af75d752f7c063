#include "routing/dijkstra.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <tuple>

namespace pg::routing {
namespace {

using graph::kNoNode;

constexpr uint32_t kUnset = UINT32_MAX;

}  // namespace

DijkstraQuery::DijkstraQuery(const RoadNetwork& network, Mode mode)
    : mode_(mode), g_(&network.View(mode)) {
  MergeLayers();
  const uint32_t states = g_->node_count() * kPhases;
  distance_.assign(states, kUnset);
  length_.assign(states, 0);
  parent_.assign(states, kNoNode);
  origin_.assign(states, kNoNode);
  heap_.Reserve(states);
}

void DijkstraQuery::MergeLayers() {
  const graph::ModeGraphView& g = *g_;
  const uint32_t n = g.node_count();
  base_of_.resize(n);
  std::iota(base_of_.begin(), base_of_.end(), 0u);
  end_copy_.assign(n, kNoNode);
  local_.assign(n, 0);
  for (const graph::SegmentNodes& sn : g.segment_nodes) {
    for (auto [open, end] :
         {std::pair{sn.forward, sn.forward_end}, {sn.backward, sn.backward_end}}) {
      if (end == kNoNode) continue;
      base_of_[end] = open;
      end_copy_[open] = end;
    }
  }
  for (uint32_t x = 0; x < n; ++x) {
    if (g.node_layer[x] != static_cast<uint8_t>(graph::NodeLayer::kOpen)) local_[base_of_[x]] = 1;
  }
  std::vector<std::tuple<uint32_t, uint32_t, uint32_t>> turns;  // (from, to, penalty)
  for (uint32_t x = 0; x < n; ++x) {
    for (uint32_t i = g.turn_first_out[x]; i < g.turn_first_out[x + 1]; ++i) {
      turns.emplace_back(base_of_[x], base_of_[g.turn_head[i]], g.turn_penalty_ms[i]);
    }
  }
  std::sort(turns.begin(), turns.end());
  turns.erase(std::unique(turns.begin(), turns.end()), turns.end());
  turn_first_.assign(n + 1, 0);
  for (const auto& [from, to, penalty] : turns) {
    ++turn_first_[from + 1];
    turn_head_.push_back(to);
    turn_penalty_.push_back(penalty);
  }
  for (uint32_t x = 0; x < n; ++x) turn_first_[x + 1] += turn_first_[x];
}

uint32_t DijkstraQuery::Enter(uint32_t phase, uint32_t to) const {
  const bool local = local_[to] != 0;
  switch (phase) {
    case kStartArea:
      return local ? kStartArea : kCore;
    case kCore:
      return local ? kEndArea : kCore;
    default:
      return local ? kEndArea : kNoPhase;  // leaving the end area again: through traffic
  }
}

uint32_t DijkstraQuery::SearchNodeOf(uint32_t state) const {
  const uint32_t base = state / kPhases;
  return state % kPhases == kEndArea ? end_copy_[base] : base;
}

void DijkstraQuery::Relax(uint32_t state, uint32_t distance, uint32_t length, uint32_t parent,
                          uint32_t origin) {
  if (distance >= distance_[state]) return;
  if (distance_[state] == kUnset) touched_.push_back(state);
  distance_[state] = distance;
  length_[state] = length;
  parent_[state] = parent;
  origin_[state] = origin;
  heap_.PushOrDecrease(state, distance);
}

void DijkstraQuery::TargetsOf(const SnappedPoint& to, std::vector<internal::Seed>& out) const {
  out.clear();
  internal::TargetSeeds(*g_, to, out);
  for (internal::Seed& t : out) t.node = base_of_[t.node];
}

void DijkstraQuery::Run(const SnappedPoint& from, const SnappedPoint* to) {
  PG_ASSERT(from.mode == mode_ && (to == nullptr || to->mode == mode_));
  const graph::ModeGraphView& g = *g_;
  for (uint32_t s : touched_) distance_[s] = kUnset;
  touched_.clear();
  heap_.Clear();
  settled_ = 0;
  from_ = from;
  // The start: either usable direction of its segment, from where the point lies on it.
  const graph::SegmentNodes& sn = g.segment_nodes[from.segment];
  for (uint32_t x : {sn.forward, sn.backward}) {
    if (x == kNoNode) continue;
    const double rest = 1.0 - internal::AlongNode(g, x, from);
    const uint32_t weight = internal::PartOf(g.node_weight_ms[x], rest);
    const uint32_t length = internal::PartOf(g.node_length_dm[x], rest);
    const uint32_t phase = local_[x] ? kStartArea : kCore;
    for (uint32_t i = turn_first_[x]; i < turn_first_[x + 1]; ++i) {
      const uint32_t y = turn_head_[i];
      const uint32_t next = Enter(phase, y);
      if (next != kNoPhase)
        Relax(y * kPhases + next, weight + turn_penalty_[i], length, kNoNode, x);
    }
  }
  uint32_t best = kUnreachable;
  if (to != nullptr) {
    best = internal::Direct(g, from, *to).cost.travel_time_ms;
    TargetsOf(*to, targets_);
  }
  while (!heap_.empty()) {
    if (to != nullptr && heap_.MinKey() >= best) break;
    const auto [u, d] = heap_.PopMin();
    ++settled_;
    const uint32_t base = u / kPhases;
    if (to != nullptr) {
      for (const internal::Seed& t : targets_) {
        if (t.node == base) best = std::min(best, d + t.weight_ms);
      }
    }
    const uint32_t leave = d + g.node_weight_ms[base];
    for (uint32_t i = turn_first_[base]; i < turn_first_[base + 1]; ++i) {
      const uint32_t y = turn_head_[i];
      const uint32_t next = Enter(u % kPhases, y);
      if (next == kNoPhase) continue;
      Relax(y * kPhases + next, leave + turn_penalty_[i], length_[u] + g.node_length_dm[base], u,
            origin_[u]);
    }
  }
}

RouteCost DijkstraQuery::Best(const SnappedPoint& to, uint32_t* last_state,
                              double* end_along) const {
  RouteCost best = internal::Direct(*g_, from_, to).cost;
  if (last_state != nullptr) *last_state = kNoNode;
  std::vector<internal::Seed> targets;
  TargetsOf(to, targets);
  for (const internal::Seed& t : targets) {
    for (uint32_t phase = 0; phase < kPhases; ++phase) {
      const uint32_t state = t.node * kPhases + phase;
      if (distance_[state] == kUnset) continue;
      const uint32_t cost = distance_[state] + t.weight_ms;
      if (cost >= best.travel_time_ms) continue;
      best = {cost, length_[state] + t.length_dm};
      if (last_state != nullptr) *last_state = state;
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
    uint32_t first = last;
    for (uint32_t s = last; s != kNoNode; s = parent_[s]) {
      route.nodes.push_back(SearchNodeOf(s));
      first = s;
    }
    route.nodes.push_back(origin_[first]);
    std::reverse(route.nodes.begin(), route.nodes.end());
    route.start_along = internal::AlongNode(*g_, route.nodes.front(), from);
    route.end_along = end_along;
  }
  internal::BuildGeometry(*g_, route);
  return route;
}

}  // namespace pg::routing
