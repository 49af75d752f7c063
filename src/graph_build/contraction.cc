#include "graph_build/contraction.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "core/status.h"
#include "graph/indexed_heap.h"

namespace pg::graph {
namespace {

constexpr uint32_t kInfinity = std::numeric_limits<uint32_t>::max();

struct DynamicArc {
  uint32_t other = 0;  // head in out-lists, tail in in-lists
  uint32_t weight = 0;
  uint32_t length = 0;
  uint32_t middle = kNoMiddle;
  uint32_t hops = 1;  // input arcs this arc stands for
};

struct Shortcut {
  uint32_t tail = 0;
  uint32_t head = 0;
  DynamicArc arc;  // `other` unused
};

// The contraction state. Invariant: out_[t] holds an arc to h exactly when in_[h] holds one from
// t, with the same weight, length, middle and hops; both lists only name nodes not yet contracted.
class Contractor {
 public:
  Contractor(uint32_t node_count, std::span<const WeightedArc> arcs, ContractionOptions options)
      : options_(options),
        out_(node_count),
        in_(node_count),
        level_(node_count, 0),
        final_up_(node_count),
        final_down_(node_count),
        distance_(node_count, kInfinity),
        target_round_(node_count, 0),
        target_bound_(node_count, 0),
        target_done_(node_count, 0),
        witness_heap_(node_count) {
    for (const WeightedArc& a : arcs) {
      PG_ASSERT(a.tail < node_count && a.head < node_count);
      if (a.tail == a.head) continue;
      AddOrImprove(a.tail, a.head, {a.head, a.weight, a.length, kNoMiddle, 1});
    }
  }

  ContractionHierarchy Run() {
    const uint32_t n = static_cast<uint32_t>(out_.size());
    ContractionHierarchy result;
    result.rank.assign(n, 0);
    IndexedMinHeap<double> queue(n);
    for (uint32_t v = 0; v < n; ++v) queue.PushOrDecrease(v, Priority(v));
    uint32_t next_rank = 0;
    std::vector<uint32_t> neighbours;
    while (!queue.empty()) {
      auto [v, key] = queue.PopMin();
      // Lazy update: the stored priority may be stale; contract only when v is still the least.
      const double priority = Priority(v);
      if (!queue.empty() && priority > queue.MinKey()) {
        queue.PushOrDecrease(v, priority);
        continue;
      }
      neighbours.clear();
      for (const DynamicArc& a : in_[v]) neighbours.push_back(a.other);
      for (const DynamicArc& a : out_[v]) neighbours.push_back(a.other);
      Contract(v);
      result.rank[v] = next_rank++;
      if (next_rank % 4096 == 0 || next_rank == n) {
        ReportProgress(options_.progress, options_.stage, next_rank, n);
      }
      std::sort(neighbours.begin(), neighbours.end());
      neighbours.erase(std::unique(neighbours.begin(), neighbours.end()), neighbours.end());
      const bool eager = neighbours.size() <= options_.eager_update_neighbours;
      for (uint32_t w : neighbours) {
        level_[w] = std::max(level_[w], level_[v] + 1);
        if (eager) queue.Update(w, Priority(w));
      }
    }
    result.up = ToRankSpace(final_up_, result.rank, result.shortcuts);
    result.down = ToRankSpace(final_down_, result.rank, result.shortcuts);
    return result;
  }

 private:
  // Adds tail→head or lowers its weight; returns false when an arc at least as light is there.
  bool AddOrImprove(uint32_t tail, uint32_t head, DynamicArc arc) {
    for (DynamicArc& existing : out_[tail]) {
      if (existing.other != head) continue;
      if (existing.weight <= arc.weight) return false;
      arc.other = head;
      existing = arc;
      for (DynamicArc& back : in_[head]) {
        if (back.other == tail) {
          back = arc;
          back.other = tail;
        }
      }
      return true;
    }
    arc.other = head;
    out_[tail].push_back(arc);
    arc.other = tail;
    in_[head].push_back(arc);
    return true;
  }

  // Dijkstra from `source` avoiding `excluded`, for the targets marked in target_bound_ (each
  // with the length of its path through `excluded`). Stops when every target has a witness (a
  // path no longer than its bound) or is settled without one, when the smallest key exceeds the
  // largest bound, or after `settle_limit` settled nodes. Leaves distances in distance_
  // (kInfinity where not reached); tentative distances are lengths of real paths, so any of them
  // no longer than a bound is a witness.
  void WitnessSearch(uint32_t source, uint32_t excluded, uint32_t max_distance, uint32_t targets,
                     uint32_t settle_limit) {
    for (uint32_t t : touched_) distance_[t] = kInfinity;
    touched_.clear();
    witness_heap_.Clear();
    distance_[source] = 0;
    touched_.push_back(source);
    witness_heap_.PushOrDecrease(source, 0);
    uint32_t open_targets = targets;
    auto close = [&](uint32_t x) {
      if (target_round_[x] == round_ && !target_done_[x]) {
        target_done_[x] = 1;
        --open_targets;
      }
    };
    uint32_t settled = 0;
    while (!witness_heap_.empty() && open_targets > 0) {
      auto [x, d] = witness_heap_.PopMin();
      if (d > max_distance || ++settled > settle_limit) break;
      close(x);  // settled: its distance is final, witnessed or not
      for (const DynamicArc& a : out_[x]) {
        if (a.other == excluded) continue;
        const uint32_t nd = d + a.weight;
        if (nd > max_distance || nd >= distance_[a.other]) continue;
        if (distance_[a.other] == kInfinity) touched_.push_back(a.other);
        distance_[a.other] = nd;
        witness_heap_.PushOrDecrease(a.other, nd);
        if (target_round_[a.other] == round_ && nd <= target_bound_[a.other]) close(a.other);
      }
    }
  }

  // The shortcuts contracting v needs, given `settle_limit`.
  void FindShortcuts(uint32_t v, uint32_t settle_limit, std::vector<Shortcut>& shortcuts) {
    shortcuts.clear();
    for (const DynamicArc& in : in_[v]) {
      // Mark the targets of this search with their bounds (a fresh round clears older marks).
      ++round_;
      uint32_t max_distance = 0;
      uint32_t targets = 0;
      for (const DynamicArc& out : out_[v]) {
        if (out.other == in.other) continue;
        const uint32_t via = in.weight + out.weight;
        if (target_round_[out.other] != round_) {
          target_round_[out.other] = round_;
          target_done_[out.other] = 0;
          target_bound_[out.other] = via;
          ++targets;
        }
        max_distance = std::max(max_distance, via);
      }
      if (targets == 0) continue;
      WitnessSearch(in.other, v, max_distance, targets, settle_limit);
      for (const DynamicArc& out : out_[v]) {
        if (out.other == in.other) continue;
        const uint32_t via = in.weight + out.weight;
        if (distance_[out.other] <= via) continue;  // a witness
        shortcuts.push_back({in.other, out.other,
                             DynamicArc{0, via, in.length + out.length, v, in.hops + out.hops}});
      }
    }
  }

  double Priority(uint32_t v) {
    FindShortcuts(v, options_.priority_settle_limit, scratch_);
    const size_t removed = in_[v].size() + out_[v].size();
    if (removed == 0) return level_[v];
    uint64_t removed_hops = 0;
    for (const DynamicArc& a : in_[v]) removed_hops += a.hops;
    for (const DynamicArc& a : out_[v]) removed_hops += a.hops;
    uint64_t added_hops = 0;
    for (const Shortcut& s : scratch_) added_hops += s.arc.hops;
    return level_[v] + 2.0 * static_cast<double>(scratch_.size()) / static_cast<double>(removed) +
           4.0 * static_cast<double>(added_hops) / static_cast<double>(removed_hops);
  }

  void Contract(uint32_t v) {
    FindShortcuts(v, options_.witness_settle_limit, scratch_);
    final_up_[v] = std::move(out_[v]);
    final_down_[v] = std::move(in_[v]);
    out_[v].clear();
    in_[v].clear();
    for (const DynamicArc& a : final_down_[v]) {
      auto& list = out_[a.other];
      list.erase(std::remove_if(list.begin(), list.end(),
                                [v](const DynamicArc& x) { return x.other == v; }),
                 list.end());
    }
    for (const DynamicArc& a : final_up_[v]) {
      auto& list = in_[a.other];
      list.erase(std::remove_if(list.begin(), list.end(),
                                [v](const DynamicArc& x) { return x.other == v; }),
                 list.end());
    }
    for (const Shortcut& s : scratch_) AddOrImprove(s.tail, s.head, s.arc);
  }

  static HierarchyArcs ToRankSpace(const std::vector<std::vector<DynamicArc>>& lists,
                                   const std::vector<uint32_t>& rank, uint64_t& shortcuts) {
    const uint32_t n = static_cast<uint32_t>(lists.size());
    HierarchyArcs arcs;
    arcs.first_out.assign(n + 1, 0);
    for (uint32_t v = 0; v < n; ++v) {
      arcs.first_out[rank[v] + 1] = static_cast<uint32_t>(lists[v].size());
    }
    for (uint32_t r = 0; r < n; ++r) arcs.first_out[r + 1] += arcs.first_out[r];
    const uint32_t m = arcs.first_out[n];
    arcs.other.resize(m);
    arcs.weight.resize(m);
    arcs.length.resize(m);
    arcs.middle.resize(m);
    std::vector<DynamicArc> sorted;
    for (uint32_t v = 0; v < n; ++v) {
      sorted = lists[v];
      for (DynamicArc& a : sorted) {
        a.other = rank[a.other];
        if (a.middle != kNoMiddle) {
          a.middle = rank[a.middle];
          ++shortcuts;
        }
      }
      std::sort(sorted.begin(), sorted.end(),
                [](const DynamicArc& a, const DynamicArc& b) { return a.other < b.other; });
      uint32_t i = arcs.first_out[rank[v]];
      for (const DynamicArc& a : sorted) {
        arcs.other[i] = a.other;
        arcs.weight[i] = a.weight;
        arcs.length[i] = a.length;
        arcs.middle[i] = a.middle;
        ++i;
      }
    }
    return arcs;
  }

  ContractionOptions options_;
  std::vector<std::vector<DynamicArc>> out_;
  std::vector<std::vector<DynamicArc>> in_;
  std::vector<uint32_t> level_;
  std::vector<std::vector<DynamicArc>> final_up_;
  std::vector<std::vector<DynamicArc>> final_down_;
  std::vector<uint32_t> distance_;
  std::vector<uint32_t> touched_;
  // Witness targets: marked for the search of round target_round_[x] == round_.
  uint32_t round_ = 0;
  std::vector<uint32_t> target_round_;
  std::vector<uint32_t> target_bound_;
  std::vector<uint8_t> target_done_;
  IndexedMinHeap<uint32_t> witness_heap_;
  std::vector<Shortcut> scratch_;
};

}  // namespace

ContractionHierarchy ContractGraph(uint32_t node_count, std::span<const WeightedArc> arcs,
                                   const ContractionOptions& options) {
  Contractor contractor(node_count, arcs, options);
  return contractor.Run();
}

}  // namespace pg::graph
