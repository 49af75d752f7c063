#include "routing/route_query.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

namespace pg::routing {
namespace {

using graph::kNoMiddle;
using graph::kNoNode;

constexpr uint32_t kUnset = UINT32_MAX;

}  // namespace

void RouteQuery::Side::Resize(uint32_t n) {
  label.assign(n, Label{kUnset, 0, kNoNode, kNoNode});
  heap.Reserve(n);
}

void RouteQuery::Side::Reset() {
  for (uint32_t x : touched) label[x].ms = kUnset;
  touched.clear();
  heap.Clear();
}

RouteQuery::RouteQuery(const RoadNetwork& network, Mode mode)
    : network_(&network), mode_(mode), g_(&network.View(mode)) {
  forward_.Resize(g_->node_count());
  backward_.Resize(g_->node_count());
  bucket_head_.assign(g_->node_count(), kNoNode);
  mark_.assign(g_->node_count(), 0);
  selected_bits_.assign(g_->node_count() / 64 + 1, 0);
  sweep_ms_.assign(g_->node_count(), kUnset);
  sweep_dm_.assign(g_->node_count(), 0);
}

void RouteQuery::Seed(Side& side, const internal::Seed& seed) {
  const uint32_t x = seed.node;
  Label& l = side.label[x];
  if (seed.weight_ms >= l.ms) return;
  if (l.ms == kUnset) side.touched.push_back(x);
  l = {seed.weight_ms, seed.length_dm, kNoNode, kNoNode};
  side.heap.PushOrDecrease(x, seed.weight_ms);
}

uint32_t RouteQuery::SettleForward() {
  const graph::ModeGraphView& g = *g_;
  Side& s = forward_;
  const auto [u, d] = s.heap.PopMin();
  ++settled_;
  // Stall-on-demand: a higher node reaching u more cheaply (through an arc down to u) proves
  // that d is not u's distance, so nothing found from u can be shortest.
  for (uint32_t i = g.down_first_out[u]; i < g.down_first_out[u + 1]; ++i) {
    const uint32_t x = g.down_tail[i];
    const uint32_t dx = s.label[x].ms;
    if (dx != kUnset && dx + g.down_weight_ms[i] < d) return kNoNode;
  }
  const uint32_t du = s.label[u].dm;
  for (uint32_t i = g.up_first_out[u]; i < g.up_first_out[u + 1]; ++i) {
    const uint32_t v = g.up_head[i];
    const uint32_t nd = d + g.up_weight_ms[i];
    Label& l = s.label[v];
    if (nd >= l.ms) continue;
    if (l.ms == kUnset) s.touched.push_back(v);
    l = {nd, du + g.up_length_dm[i], u, i};
    s.heap.PushOrDecrease(v, nd);
  }
  return u;
}

uint32_t RouteQuery::SettleBackward(Side& s) {
  const graph::ModeGraphView& g = *g_;
  const auto [u, d] = s.heap.PopMin();
  ++settled_;
  for (uint32_t i = g.up_first_out[u]; i < g.up_first_out[u + 1]; ++i) {
    const uint32_t v = g.up_head[i];
    const uint32_t dv = s.label[v].ms;
    if (dv != kUnset && dv + g.up_weight_ms[i] < d) return kNoNode;
  }
  const uint32_t du = s.label[u].dm;
  for (uint32_t i = g.down_first_out[u]; i < g.down_first_out[u + 1]; ++i) {
    const uint32_t x = g.down_tail[i];
    const uint32_t nd = d + g.down_weight_ms[i];
    Label& l = s.label[x];
    if (nd >= l.ms) continue;
    if (l.ms == kUnset) s.touched.push_back(x);
    l = {nd, du + g.down_length_dm[i], u, i};
    s.heap.PushOrDecrease(x, nd);
  }
  return u;
}

template <typename Visit>
void RouteQuery::BackwardSearch(Side& side, const SnappedPoint& to, Visit&& visit) {
  side.Reset();
  seeds_.clear();
  internal::TargetSeeds(*g_, to, seeds_);
  for (const internal::Seed& seed : seeds_) Seed(side, seed);
  while (!side.heap.empty()) {
    const uint32_t u = SettleBackward(side);
    if (u != kNoNode) visit(u, side.label[u].ms, side.label[u].dm);
  }
}

RouteCost RouteQuery::Search(const SnappedPoint& from, const SnappedPoint& to) {
  PG_ASSERT(from.mode == mode_ && to.mode == mode_);
  forward_.Reset();
  backward_.Reset();
  settled_ = 0;
  meet_ = kNoNode;
  direct_ = internal::Direct(*g_, from, to);
  RouteCost best = direct_.cost;
  seeds_.clear();
  internal::SourceSeeds(*g_, from, seeds_);
  for (const internal::Seed& seed : seeds_) Seed(forward_, seed);
  seeds_.clear();
  internal::TargetSeeds(*g_, to, seeds_);
  for (const internal::Seed& seed : seeds_) Seed(backward_, seed);

  while (true) {
    const bool forward_open =
        !forward_.heap.empty() && forward_.heap.MinKey() < best.travel_time_ms;
    const bool backward_open =
        !backward_.heap.empty() && backward_.heap.MinKey() < best.travel_time_ms;
    if (!forward_open && !backward_open) break;
    const bool go_forward =
        forward_open && (!backward_open || forward_.heap.MinKey() <= backward_.heap.MinKey());
    Side& side = go_forward ? forward_ : backward_;
    const Side& other = go_forward ? backward_ : forward_;
    const uint32_t u = side.heap.MinId();
    const uint32_t d = side.heap.MinKey();
    const Label& there = other.label[u];
    if (there.ms != kUnset && d + there.ms < best.travel_time_ms) {
      best = {d + there.ms, side.label[u].dm + there.dm};
      meet_ = u;
    }
    if (go_forward) {
      SettleForward();
    } else {
      SettleBackward(backward_);
    }
  }
  return best;
}

RouteCost RouteQuery::Cost(const SnappedPoint& from, const SnappedPoint& to) {
  return Search(from, to);
}

void RouteQuery::Unpack(uint32_t tail, uint32_t head, uint32_t weight, uint32_t middle,
                        std::vector<uint32_t>& out) const {
  const graph::ModeGraphView& g = *g_;
  struct Pending {
    uint32_t tail, head, weight, middle;
  };
  std::vector<Pending> stack{{tail, head, weight, middle}};
  while (!stack.empty()) {
    const Pending p = stack.back();
    stack.pop_back();
    if (p.middle == kNoMiddle) {
      out.push_back(p.head);
      continue;
    }
    // tail→middle is a down arc of middle, middle→head an up arc of middle; the second half is
    // pushed first so that the first half is unpacked first.
    const uint32_t m = p.middle;
    for (uint32_t i = g.up_first_out[m]; i < g.up_first_out[m + 1]; ++i) {
      if (g.up_head[i] == p.head) {
        stack.push_back({m, p.head, g.up_weight_ms[i], g.up_middle[i]});
        break;
      }
    }
    for (uint32_t i = g.down_first_out[m]; i < g.down_first_out[m + 1]; ++i) {
      if (g.down_tail[i] == p.tail) {
        stack.push_back({p.tail, m, g.down_weight_ms[i], g.down_middle[i]});
        break;
      }
    }
  }
}

Result<Route> RouteQuery::FindRoute(const SnappedPoint& from, const SnappedPoint& to) {
  const graph::ModeGraphView& g = *g_;
  Route route;
  route.cost = Search(from, to);
  if (!route.cost.reachable()) {
    return NotFound(fmt::format("no {} route from {:.6f},{:.6f} to {:.6f},{:.6f}",
                                graph::ModeName(mode_), from.location.lat, from.location.lon,
                                to.location.lat, to.location.lon));
  }
  if (meet_ == kNoNode) {
    route.nodes = {direct_.node};
    route.start_along = direct_.from_along;
    route.end_along = direct_.to_along;
    internal::BuildGeometry(g, route);
    return route;
  }
  // Forward half: the hierarchy arcs from the seed the search started at up to the meeting node.
  std::vector<uint32_t> chain;
  for (uint32_t x = meet_; forward_.label[x].parent != kNoNode; x = forward_.label[x].parent) {
    chain.push_back(x);
  }
  const uint32_t root = chain.empty() ? meet_ : forward_.label[chain.back()].parent;
  // The start's direction node the root seed came from (seeds are unique per node).
  uint32_t origin = kNoNode;
  seeds_.clear();
  internal::SourceSeeds(g, from, seeds_);
  for (const internal::Seed& seed : seeds_) {
    if (seed.node == root) origin = seed.origin;
  }
  PG_ASSERT(origin != kNoNode);
  route.nodes = {origin, root};
  route.start_along = internal::AlongNode(g, origin, from);
  std::reverse(chain.begin(), chain.end());
  for (uint32_t x : chain) {
    const uint32_t arc = forward_.label[x].parent_arc;
    Unpack(forward_.label[x].parent, x, g.up_weight_ms[arc], g.up_middle[arc], route.nodes);
  }
  // Backward half: from the meeting node down to the target's seed.
  uint32_t x = meet_;
  while (backward_.label[x].parent != kNoNode) {
    const uint32_t arc = backward_.label[x].parent_arc;
    Unpack(x, backward_.label[x].parent, g.down_weight_ms[arc], g.down_middle[arc], route.nodes);
    x = backward_.label[x].parent;
  }
  seeds_.clear();
  internal::TargetSeeds(g, to, seeds_);
  for (const internal::Seed& seed : seeds_) {
    if (seed.node == x) route.end_along = seed.along;
  }
  internal::BuildGeometry(g, route);
  return route;
}

template <typename Buckets>
void RouteQuery::ForwardScan(const SnappedPoint& from, Buckets&& buckets,
                             std::span<const SnappedPoint> targets, std::vector<RouteCost>& out) {
  out.assign(targets.size(), RouteCost{});
  for (size_t i = 0; i < targets.size(); ++i) {
    out[i] = internal::Direct(*g_, from, targets[i]).cost;
  }
  forward_.Reset();
  seeds_.clear();
  internal::SourceSeeds(*g_, from, seeds_);
  for (const internal::Seed& seed : seeds_) Seed(forward_, seed);
  while (!forward_.heap.empty()) {
    const uint32_t u = SettleForward();
    if (u == kNoNode) continue;
    const uint32_t d = forward_.label[u].ms;
    const uint32_t len = forward_.label[u].dm;
    buckets(u, [&](const TargetSet::Entry& e) {
      RouteCost& best = out[e.target];
      if (d + e.weight_ms < best.travel_time_ms) best = {d + e.weight_ms, len + e.length_dm};
    });
  }
}

// Below this many targets, one backward search each beats marking and sweeping their union
// (measured on Monaco and Liechtenstein, docs/benchmarks.md).
constexpr size_t kRphastFromTargets = 16;

void RouteQuery::OneToMany(const SnappedPoint& from, std::span<const SnappedPoint> targets,
                           std::vector<RouteCost>& out, Method method) {
  PG_ASSERT(from.mode == mode_);
  if (method == Method::kRphast ||
      (method == Method::kAuto && targets.size() >= kRphastFromTargets)) {
    OneToManyRphast(from, targets, out);
    return;
  }
  settled_ = 0;
  for (uint32_t x : bucket_touched_) bucket_head_[x] = kNoNode;
  bucket_touched_.clear();
  chained_.clear();
  for (size_t t = 0; t < targets.size(); ++t) {
    PG_ASSERT(targets[t].mode == mode_);
    BackwardSearch(backward_, targets[t], [&](uint32_t node, uint32_t ms, uint32_t dm) {
      if (bucket_head_[node] == kNoNode) bucket_touched_.push_back(node);
      chained_.push_back({{static_cast<uint32_t>(t), ms, dm}, bucket_head_[node]});
      bucket_head_[node] = static_cast<uint32_t>(chained_.size() - 1);
    });
  }
  ForwardScan(
      from,
      [this](uint32_t node, auto&& f) {
        for (uint32_t i = bucket_head_[node]; i != kNoNode; i = chained_[i].next) {
          f(chained_[i].entry);
        }
      },
      targets, out);
}

void RouteQuery::OneToManyRphast(const SnappedPoint& from, std::span<const SnappedPoint> targets,
                                 std::vector<RouteCost>& out) {
  const graph::ModeGraphView& g = *g_;
  settled_ = 0;
  // 1. Selection: every node some target's backward upward search could reach — a plain
  //    traversal along down arcs to their (higher) tails, shared by all targets.
  if (++round_ == 0) {  // the counter wrapped: clear the marks once every 2^32 queries
    std::fill(mark_.begin(), mark_.end(), 0);
    round_ = 1;
  }
  stack_.clear();
  auto select = [&](uint32_t x) {
    if (mark_[x] == round_) return;
    mark_[x] = round_;
    selected_bits_[x >> 6] |= uint64_t{1} << (x & 63);
    stack_.push_back(x);
  };
  for (const SnappedPoint& t : targets) {
    PG_ASSERT(t.mode == mode_);
    seeds_.clear();
    internal::TargetSeeds(g, t, seeds_);
    for (const internal::Seed& seed : seeds_) select(seed.node);
  }
  // select() appends to stack_ while it is walked: an index, not an iterator.
  for (size_t i = 0; i < stack_.size(); ++i) {  // NOLINT(modernize-loop-convert)
    const uint32_t x = stack_[i];
    for (uint32_t a = g.down_first_out[x]; a < g.down_first_out[x + 1]; ++a) select(g.down_tail[a]);
  }
  settled_ += static_cast<uint32_t>(stack_.size());

  // 2. The forward upward search from the origin, complete.
  forward_.Reset();
  seeds_.clear();
  internal::SourceSeeds(g, from, seeds_);
  for (const internal::Seed& seed : seeds_) Seed(forward_, seed);
  while (!forward_.heap.empty()) SettleForward();

  // 3. The sweep: selected nodes from the highest rank down; every down arc's tail ranks higher
  //    and is selected too, so its label is final when the arc is read.
  for (size_t w = selected_bits_.size(); w-- > 0;) {
    uint64_t bits = selected_bits_[w];
    selected_bits_[w] = 0;
    while (bits != 0) {
      const int top = 63 - std::countl_zero(bits);
      bits &= ~(uint64_t{1} << top);
      const uint32_t x = static_cast<uint32_t>(w * 64 + static_cast<size_t>(top));
      uint32_t best = forward_.label[x].ms;
      uint32_t best_dm = best == kUnset ? 0 : forward_.label[x].dm;
      for (uint32_t a = g.down_first_out[x]; a < g.down_first_out[x + 1]; ++a) {
        const uint32_t h = g.down_tail[a];
        if (sweep_ms_[h] == kUnset) continue;
        const uint32_t via = sweep_ms_[h] + g.down_weight_ms[a];
        if (via < best) {
          best = via;
          best_dm = sweep_dm_[h] + g.down_length_dm[a];
        }
      }
      sweep_ms_[x] = best;
      sweep_dm_[x] = best_dm;
    }
  }

  // 4. Each target: the best of its seeds, or the direct way along a shared segment.
  out.assign(targets.size(), RouteCost{});
  for (size_t i = 0; i < targets.size(); ++i) {
    RouteCost best = internal::Direct(g, from, targets[i]).cost;
    seeds_.clear();
    internal::TargetSeeds(g, targets[i], seeds_);
    for (const internal::Seed& seed : seeds_) {
      const uint32_t d = sweep_ms_[seed.node];
      if (d != kUnset && d + seed.weight_ms < best.travel_time_ms) {
        best = {d + seed.weight_ms, sweep_dm_[seed.node] + seed.length_dm};
      }
    }
    out[i] = best;
  }
}

void RouteQuery::OneToMany(const SnappedPoint& from, const TargetSet& targets,
                           std::vector<RouteCost>& out) {
  PG_ASSERT(from.mode == mode_ && targets.mode_ == mode_ && targets.network_ == network_);
  settled_ = 0;
  ForwardScan(
      from,
      [&targets](uint32_t node, auto&& f) {
        for (uint32_t i = targets.bucket_first_[node]; i < targets.bucket_first_[node + 1]; ++i) {
          f(targets.entries_[i]);
        }
      },
      targets.targets_, out);
}

TargetSet::TargetSet(const RoadNetwork& network, Mode mode, std::span<const SnappedPoint> targets)
    : network_(&network), mode_(mode), targets_(targets.begin(), targets.end()) {
  const uint32_t n = network.View(mode).node_count();
  RouteQuery query(network, mode);
  std::vector<std::pair<uint32_t, Entry>> found;
  for (size_t t = 0; t < targets_.size(); ++t) {
    PG_ASSERT(targets_[t].mode == mode);
    query.BackwardSearch(query.backward_, targets_[t],
                         [&](uint32_t node, uint32_t ms, uint32_t dm) {
                           found.push_back({node, {static_cast<uint32_t>(t), ms, dm}});
                         });
  }
  bucket_first_.assign(n + 1, 0);
  for (const auto& [node, entry] : found) ++bucket_first_[node + 1];
  for (uint32_t i = 0; i < n; ++i) bucket_first_[i + 1] += bucket_first_[i];
  entries_.resize(found.size());
  std::vector<uint32_t> fill(bucket_first_.begin(), bucket_first_.end() - 1);
  for (const auto& [node, entry] : found) entries_[fill[node]++] = entry;
}

}  // namespace pg::routing
