// DijkstraQuery: plain Dijkstra without the hierarchy — the reference every contraction-hierarchy
// answer is tested against, and the baseline the benchmarks measure the speed-up over.
//
// It applies the route-end rule itself rather than trusting the graph's layers: it merges each
// local direction's two copies (road_graph.h, NodeLayer) into one node and searches states
// (node, phase) — phase "start area" while the route is still in the local area it started in,
// "core" once it has driven the open core, "end area" once it has left the core into a local
// area, which it may then never leave. A route that would enter a local area and leave it again
// (through traffic) has no state. Answers are comparable to the millisecond with the hierarchy's:
// the same route ends (routing/route.h), the same integer weights.
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
  // With the path (search nodes of the layered graph, checkable turn by turn with
  // internal::CostOfPath). Errors: kNotFound when there is no route.
  Result<Route> FindRoute(const SnappedPoint& from, const SnappedPoint& to);

  // Settles every state reachable from `from`; then CostTo answers for any target.
  void OneToAll(const SnappedPoint& from);
  // The cost from the last OneToAll's origin. REQUIRES: OneToAll was called.
  RouteCost CostTo(const SnappedPoint& to) const;

  // out[i] = cost to targets[i] (one complete search).
  void OneToMany(const SnappedPoint& from, std::span<const SnappedPoint> targets,
                 std::vector<RouteCost>& out);

  uint32_t last_settled() const { return settled_; }

 private:
  enum Phase : uint32_t { kStartArea = 0, kCore = 1, kEndArea = 2, kPhases = 3 };
  static constexpr uint32_t kNoPhase = UINT32_MAX;

  // Merges the layers: base_of_, local_, end_copy_ and the turns between base nodes.
  void MergeLayers();
  // The phase after driving into base node `to` in `phase`; kNoPhase when the rule forbids it.
  uint32_t Enter(uint32_t phase, uint32_t to) const;
  // The search node of the layered graph a state drives.
  uint32_t SearchNodeOf(uint32_t state) const;
  void Relax(uint32_t state, uint32_t distance, uint32_t length, uint32_t parent, uint32_t origin);
  // Searches from `from`: everything reachable, or, with `to`, until `to` is settled.
  void Run(const SnappedPoint& from, const SnappedPoint* to);
  // The best cost to `to` from the labels, with the state the route ends on (kNoNode: direct).
  RouteCost Best(const SnappedPoint& to, uint32_t* last_state, double* end_along) const;
  // The target's directions (base nodes) and what is left to drive on each.
  void TargetsOf(const SnappedPoint& to, std::vector<internal::Seed>& out) const;

  Mode mode_;
  const graph::ModeGraphView* g_;
  // The merged graph: search node → base node (a local direction's end copy → its start copy);
  // per base node whether it is local, its end copy, and its turns.
  std::vector<uint32_t> base_of_;
  std::vector<uint8_t> local_;
  std::vector<uint32_t> end_copy_;
  std::vector<uint32_t> turn_first_, turn_head_, turn_penalty_;
  // Labels by state = base node * kPhases + phase.
  std::vector<uint32_t> distance_;
  std::vector<uint32_t> length_;
  std::vector<uint32_t> parent_;  // previous state; kNoNode at a seed
  std::vector<uint32_t> origin_;  // the start's direction node of the path
  std::vector<uint32_t> touched_;
  graph::IndexedMinHeap<uint32_t> heap_;
  std::vector<internal::Seed> targets_;
  SnappedPoint from_;
  uint32_t settled_ = 0;
};

}  // namespace pg::routing
