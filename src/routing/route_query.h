// RouteQuery: point-to-point and one-to-many queries on a contraction hierarchy — the reusable,
// per-thread query object over an immutable RoadNetwork.
//
//   RouteQuery query(*network, Mode::kCar);      // allocates O(nodes) once
//   RouteCost c = query.Cost(from, to);           // c.reachable(), c.travel_time_ms
//   PG_ASSIGN_OR_RETURN(Route r, query.FindRoute(from, to));   // with the path unpacked
//
//   TargetSet entrances(*network, Mode::kCar, entrance_points);   // prepared once, shared
//   query.OneToMany(origin, entrances, costs);     // costs[i] for entrance_points[i]
//
// Point-to-point: bidirectional upward search with stall-on-demand, both directions stopping once
// their smallest key reaches the best route found. One-to-many: the bucket method — a backward
// upward search from every target leaves (target, distance) in buckets at the nodes it settles;
// one forward upward search from the origin then reads the buckets of the nodes it settles.
// A TargetSet keeps those buckets, so queries to a fixed set of targets (a city's car-park
// entrances) cost a single forward search. For targets that change with every query, OneToMany
// over a span builds buckets per call for a few targets and uses RPHAST for many (see Method).
//
// Answers equal the reference Dijkstra's (routing/dijkstra.h) exactly: the same seeds, integer
// milliseconds, and the hierarchy preserves shortest-path distances.
//
// Thread-safety: a RouteQuery is used by one thread at a time; make one per thread (or borrow
// one from a QueryPool). A TargetSet is immutable and may be shared. Both borrow the RoadNetwork,
// which must outlive them.
#pragma once

#include <span>
#include <vector>

#include "graph/indexed_heap.h"
#include "routing/road_network.h"
#include "routing/route.h"

namespace pg::routing {

class RouteQuery;

class TargetSet {
 public:
  // Runs one backward search per target. REQUIRES: every target was snapped in `mode`.
  TargetSet(const RoadNetwork& network, Mode mode, std::span<const SnappedPoint> targets);

  size_t size() const { return targets_.size(); }
  Mode mode() const { return mode_; }

 private:
  friend class RouteQuery;
  struct Entry {
    uint32_t target = 0;
    uint32_t weight_ms = 0;
    uint32_t length_dm = 0;
  };

  const RoadNetwork* network_;
  Mode mode_;
  std::vector<SnappedPoint> targets_;
  std::vector<uint32_t> bucket_first_;  // by search node, node_count + 1 entries
  std::vector<Entry> entries_;
};

class RouteQuery {
 public:
  RouteQuery(const RoadNetwork& network, Mode mode);

  Mode mode() const { return mode_; }
  const RoadNetwork& network() const { return *network_; }

  // Travel time and distance from `from` to `to`; unreachable when no route exists.
  // REQUIRES: both points were snapped in this query's mode (as for every member below).
  RouteCost Cost(const SnappedPoint& from, const SnappedPoint& to);

  // The route with its search nodes and geometry. Errors: kNotFound when no route exists.
  Result<Route> FindRoute(const SnappedPoint& from, const SnappedPoint& to);

  // How OneToMany over a span works: kBuckets runs one backward search per target (cheap for a
  // few targets); kRphast marks the union of the targets' backward search spaces without a
  // priority queue, then sweeps it once downwards in rank order after the forward search
  // (restricted PHAST: the overlap of many targets' search spaces is paid once); kAuto picks by
  // the number of targets.
  enum class Method { kAuto, kBuckets, kRphast };

  // out[i] = Cost(from, targets[i]); `out` is resized.
  void OneToMany(const SnappedPoint& from, std::span<const SnappedPoint> targets,
                 std::vector<RouteCost>& out, Method method = Method::kAuto);
  // The same to a prepared set. REQUIRES: `targets` was prepared on this network and mode.
  void OneToMany(const SnappedPoint& from, const TargetSet& targets, std::vector<RouteCost>& out);

  // Nodes settled (both directions) by the last query: the measure of its search space.
  uint32_t last_settled() const { return settled_; }

 private:
  friend class TargetSet;

  // The state of one search direction; arrays are sized to the graph and reset through
  // `touched`, so a query costs what it visits, not the graph's size.
  // One node's label; kept together so that a relaxation touches one cache line.
  struct Label {
    uint32_t ms;          // distance; kUnset when not reached
    uint32_t dm;          // length along the path that gave `ms`
    uint32_t parent;      // previous node on the search tree; kNoNode at a seed
    uint32_t parent_arc;  // index into up_* (forward) or down_* (backward)
  };
  struct Side {
    std::vector<Label> label;
    std::vector<uint32_t> touched;
    graph::IndexedMinHeap<uint32_t> heap;
    void Resize(uint32_t n);
    void Reset();
  };

  void Seed(Side& side, const internal::Seed& seed);
  // Settles the side's minimum; returns the node, or kNoNode when it was stalled.
  uint32_t SettleForward();
  uint32_t SettleBackward(Side& side);
  // A complete backward upward search from `to`'s seeds; calls visit(node, ms, dm) for every
  // node settled and not stalled.
  template <typename Visit>
  void BackwardSearch(Side& side, const SnappedPoint& to, Visit&& visit);
  // Point-to-point search; leaves the meeting node in meet_.
  RouteCost Search(const SnappedPoint& from, const SnappedPoint& to);
  // Direct costs, then a complete forward upward search reading buckets(node, f), which calls
  // f(entry) for every bucket entry at node.
  template <typename Buckets>
  void ForwardScan(const SnappedPoint& from, Buckets&& buckets,
                   std::span<const SnappedPoint> targets, std::vector<RouteCost>& out);
  // Appends the search nodes a hierarchy arc tail→head stands for, after its tail.
  void Unpack(uint32_t tail, uint32_t head, uint32_t weight, uint32_t middle,
              std::vector<uint32_t>& out) const;

  const RoadNetwork* network_;
  Mode mode_;
  const graph::ModeGraphView* g_;
  Side forward_;
  Side backward_;
  std::vector<internal::Seed> seeds_;
  uint32_t meet_ = graph::kNoNode;
  internal::DirectRoute direct_;
  uint32_t settled_ = 0;
  void OneToManyRphast(const SnappedPoint& from, std::span<const SnappedPoint> targets,
                       std::vector<RouteCost>& out);

  // RPHAST: the selection (marked with the current round) and the sweep's labels.
  uint32_t round_ = 0;
  std::vector<uint32_t> mark_;
  std::vector<uint64_t> selected_bits_;  // by node, for the sweep in descending rank order
  std::vector<uint32_t> stack_;
  std::vector<uint32_t> sweep_ms_;
  std::vector<uint32_t> sweep_dm_;

  // OneToMany over a span with buckets: built per call.
  std::vector<uint32_t> bucket_head_;  // by node: first entry, kNoNode when none
  std::vector<uint32_t> bucket_touched_;
  struct ChainedEntry {
    TargetSet::Entry entry;
    uint32_t next = graph::kNoNode;
  };
  std::vector<ChainedEntry> chained_;
};

}  // namespace pg::routing
