// ContractGraph: contraction-hierarchy preprocessing of a directed graph with non-negative
// integer weights (our own implementation: no packaged library does this in Debian).
//
// Nodes are contracted one by one, least important first; contracting v adds a shortcut u→w for
// every pair of remaining neighbours whose shortest path runs through v (checked by a bounded
// local Dijkstra, the "witness search", which stops as soon as every target has a witness or is
// settled). Importance is OSRM's lazy-updated priority (neighbours of a contracted node updated at
// once unless it had many, ContractionOptions::eager_update_neighbours): depth in the hierarchy + 2
// × edge quotient (shortcuts added / arcs removed) + 4 × hop quotient (input arcs the added
// shortcuts stand for / those removed), so the hierarchy stays flat and shortcuts short. (Tried on
// the demo grid and Liechtenstein: weighting depth more, or adding Geisberger's
// contracted-neighbours term, gave more shortcuts, not fewer.)
//
// The result is numbered by rank (the contraction order): node r of the result is the r-th node
// contracted, so the queries' upward searches run over the top of the arrays (good locality).
// For each node r:
//   up[r]   = arcs r→h with rank h > r           (the forward search follows these)
//   down[r] = arcs t→r with rank t > r, stored at r with their tail t (the backward search
//             follows them from r up to t; the forward search reads them to stall)
// Every arc carries a weight, a length (any second metric summed along the same path), and a
// middle node m (rank < r and < the other end) for a shortcut, kNoMiddle for an input arc. A
// shortcut t→h with middle m unpacks into t→m (in down[m]) and m→h (in up[m]).
//
// Invariants of a result (checked by the tests):
//   - first_out arrays have node_count + 1 entries, start at 0, never decrease;
//   - for every r and every arc of up[r] (down[r]) the other end ranks above r;
//   - for every pair (s, t) the shortest s→t distance of the input equals
//     min over v of (upward distance s→v) + (upward distance in down arcs t→v);
//   - no parallel arcs: at most one arc per (tail, head) in up and in down.
//
// Thread-safety: a pure function; runs on the calling thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/progress.h"
#include "graph/road_graph.h"

namespace pg::graph {

// An input arc. Self-loops are ignored; of parallel arcs the lightest is kept.
struct WeightedArc {
  uint32_t tail = 0;
  uint32_t head = 0;
  uint32_t weight = 0;  // REQUIRES: < 2^30, so that sums along any path in a city stay in 32 bits
  uint32_t length = 0;
};

// One direction of a hierarchy, as compressed sparse rows indexed by rank.
struct HierarchyArcs {
  std::vector<uint32_t> first_out;  // node_count + 1
  std::vector<uint32_t> other;      // head (up) or tail (down), by rank
  std::vector<uint32_t> weight;
  std::vector<uint32_t> length;
  std::vector<uint32_t> middle;  // rank of the middle node of a shortcut, or kNoMiddle
};

struct ContractionHierarchy {
  std::vector<uint32_t> rank;  // rank[input node]
  HierarchyArcs up;
  HierarchyArcs down;
  uint64_t shortcuts = 0;  // arcs of up and down that are shortcuts
};

struct ContractionOptions {
  // Nodes a witness search may settle before it gives up (and a shortcut is added): higher
  // values give fewer shortcuts and a slower build.
  uint32_t witness_settle_limit = 500;
  // The same while only estimating a node's priority.
  uint32_t priority_settle_limit = 100;
  // After contracting a node with at most this many neighbours, their priorities are recomputed
  // at once; after one with more, each only when it comes up (the lazy check). In the dense top
  // of a grid-like network, recomputing them at once was most of the build (on generated grids of
  // 10⁴–10⁵ road nodes: 2.6–4× the time) for a hierarchy 0.5 % smaller; real extracts' hierarchies
  // hardly reach such nodes (Liechtenstein: the same within 0.05 %). UINT32_MAX: always at once.
  uint32_t eager_update_neighbours = 16;
  // Hears the nodes contracted so far, as `stage`.
  Progress progress;
  std::string stage = "contract";
};

// Contracts the graph of `node_count` nodes and `arcs`. REQUIRES: every tail and head <
// node_count.
ContractionHierarchy ContractGraph(uint32_t node_count, std::span<const WeightedArc> arcs,
                                   const ContractionOptions& options = {});

}  // namespace pg::graph
