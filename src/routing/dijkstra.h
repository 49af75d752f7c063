// DijkstraQuery: plain Dijkstra over the turn graph (no hierarchy) — the reference every
// contraction-hierarchy answer is tested against, and the baseline the benchmarks measure the
// speed-up over. It uses the same route ends (routing/route.h), so answers are comparable to the
// millisecond.
//
//   DijkstraQuery reference(*network, Mode::kCar);
//   EXPECT_EQ(reference.Cost(a, b), ch_query.Cost(a, b));
//   reference.OneToAll(a);  then reference.CostTo(b) for any number of b — cheap after one search.
//
// Thread-safety: one object per thread; borrows the RoadNetwork, which must outlive it.
#pragma once

#include <span>
#include <vector>

#include "graph/indexed_heap.h"
#include "routing/road_network.h"
#include "routing/route.h"

namespace pg::routing {

class DijkstraQuery {
 public:
  DijkstraQuery(const RoadNetwork& network, Mode mode);

  // Stops as soon as the target is settled. REQUIRES: points snapped in this mode.
  RouteCost Cost(const SnappedPoint& from, const SnappedPoint& to);
  // With the path. Errors: kNotFound when there is no route.
  Result<Route> FindRoute(const SnappedPoint& from, const SnappedPoint& to);

  // Settles every node reachable from `from`; then CostTo answers for any target.
  void OneToAll(const SnappedPoint& from);
  // The cost from the last OneToAll's origin. REQUIRES: OneToAll was called.
  RouteCost CostTo(const SnappedPoint& to) const;

  // out[i] = cost to targets[i] (one complete search).
  void OneToMany(const SnappedPoint& from, std::span<const SnappedPoint> targets,
                 std::vector<RouteCost>& out);

  uint32_t last_settled() const { return settled_; }

 private:
  // Searches from `from`: everything reachable, or, with `to`, until `to` is settled.
  void Run(const SnappedPoint& from, const SnappedPoint* to);
  // The best cost to `to` from the labels, with the node the route ends on (kNoNode: direct).
  RouteCost Best(const SnappedPoint& to, uint32_t* last_node, double* end_along) const;

  const RoadNetwork* network_;
  Mode mode_;
  const graph::ModeGraphView* g_;
  std::vector<uint32_t> distance_;
  std::vector<uint32_t> length_;
  std::vector<uint32_t> parent_;  // previous search node; kNoNode at a seed
  std::vector<uint32_t> origin_;  // the start's direction node of the path
  std::vector<uint32_t> touched_;
  graph::IndexedMinHeap<uint32_t> heap_;
  std::vector<internal::Seed> seeds_;
  std::vector<internal::Seed> target_seeds_;
  SnappedPoint from_;
  uint32_t settled_ = 0;
};

}  // namespace pg::routing
