#include "graph_build/contraction.h"

#include <gtest/gtest.h>

#include <limits>
#include <numeric>
#include <random>
#include <string>

#include "graph/indexed_heap.h"

namespace pg::graph {
namespace {

constexpr uint64_t kInf = std::numeric_limits<uint64_t>::max();

std::vector<uint64_t> Dijkstra(uint32_t n, const std::vector<WeightedArc>& arcs, uint32_t s) {
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> out(n);
  for (const auto& a : arcs) out[a.tail].emplace_back(a.head, a.weight);
  std::vector<uint64_t> d(n, kInf);
  IndexedMinHeap<uint64_t> heap(n);
  d[s] = 0;
  heap.PushOrDecrease(s, 0);
  while (!heap.empty()) {
    auto [u, du] = heap.PopMin();
    for (auto [v, w] : out[u]) {
      if (du + w < d[v]) {
        d[v] = du + w;
        heap.PushOrDecrease(v, d[v]);
      }
    }
  }
  return d;
}

// Upward distances from s (in rank space) along `arcs`, by plain Dijkstra over the upward graph;
// `length`, when given, receives the second metric along the same paths.
std::vector<uint64_t> Upward(const HierarchyArcs& arcs, uint32_t n, uint32_t s,
                             std::vector<uint64_t>* length = nullptr) {
  std::vector<uint64_t> d(n, kInf);
  if (length != nullptr) length->assign(n, 0);
  IndexedMinHeap<uint64_t> heap(n);
  d[s] = 0;
  heap.PushOrDecrease(s, 0);
  while (!heap.empty()) {
    auto [u, du] = heap.PopMin();
    for (uint32_t i = arcs.first_out[u]; i < arcs.first_out[u + 1]; ++i) {
      const uint32_t v = arcs.other[i];
      if (du + arcs.weight[i] < d[v]) {
        d[v] = du + arcs.weight[i];
        if (length != nullptr) (*length)[v] = (*length)[u] + arcs.length[i];
        heap.PushOrDecrease(v, d[v]);
      }
    }
  }
  return d;
}

std::vector<WeightedArc> RandomGraph(uint32_t n, uint32_t m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<WeightedArc> arcs;
  for (uint32_t i = 0; i < m; ++i) {
    const uint32_t a = static_cast<uint32_t>(rng() % n), b = static_cast<uint32_t>(rng() % n);
    // Some zero weights and many ties: both are where witness searches go wrong.
    const uint32_t w = static_cast<uint32_t>(rng() % 4 == 0 ? rng() % 3 : rng() % 1000);
    arcs.push_back({a, b, w, w * 3 + 1});
  }
  return arcs;
}

// The shortest distance from each of `sources` to every node through the hierarchy (up from the
// source, down to the target) equals the input's, by Dijkstra.
void ExpectDistancesPreserved(uint32_t n, const std::vector<WeightedArc>& arcs,
                              const ContractionHierarchy& ch, const std::vector<uint32_t>& sources,
                              const std::string& what) {
  std::vector<std::vector<uint64_t>> downs;
  for (uint32_t t = 0; t < n; ++t) downs.push_back(Upward(ch.down, n, ch.rank[t]));
  for (uint32_t s : sources) {
    const auto expected = Dijkstra(n, arcs, s);
    const auto up = Upward(ch.up, n, ch.rank[s]);
    for (uint32_t t = 0; t < n; ++t) {
      const auto& down = downs[t];
      uint64_t best = kInf;
      for (uint32_t v = 0; v < n; ++v) {
        if (up[v] != kInf && down[v] != kInf) best = std::min(best, up[v] + down[v]);
      }
      ASSERT_EQ(best, expected[t]) << what << ": " << s << " → " << t;
    }
  }
}

ContractionOptions WithEagerUpdates(uint32_t neighbours) {
  ContractionOptions options;
  options.eager_update_neighbours = neighbours;
  return options;
}

TEST(ContractGraph, PreservesEveryShortestDistanceOnRandomGraphs) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    const uint32_t n = 60 + static_cast<uint32_t>(seed) * 7;
    const auto arcs = RandomGraph(n, n * 3, seed);
    std::vector<uint32_t> every(n);
    std::iota(every.begin(), every.end(), 0);
    // Neighbours' priorities recomputed at once always, by default, never (the lazy check only).
    for (uint32_t eager : {std::numeric_limits<uint32_t>::max(), 16u, 0u}) {
      const ContractionHierarchy ch = ContractGraph(n, arcs, WithEagerUpdates(eager));
      ExpectDistancesPreserved(n, arcs, ch, every,
                               "seed " + std::to_string(seed) + ", eager " + std::to_string(eager));
    }
  }
}

// A square grid both ways, weights 50–149: the dense top of its hierarchy is where the default
// leaves neighbours' priorities to the lazy check.
std::vector<WeightedArc> GridGraph(uint32_t side, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<WeightedArc> arcs;
  auto link = [&](uint32_t a, uint32_t b) {
    const auto w = static_cast<uint32_t>(50 + rng() % 100);
    arcs.push_back({a, b, w, w});
    arcs.push_back({b, a, w, w});
  };
  for (uint32_t y = 0; y < side; ++y) {
    for (uint32_t x = 0; x < side; ++x) {
      if (x + 1 < side) link(y * side + x, y * side + x + 1);
      if (y + 1 < side) link(y * side + x, (y + 1) * side + x);
    }
  }
  return arcs;
}

size_t ArcCount(const ContractionHierarchy& ch) {
  return ch.up.other.size() + ch.down.other.size();
}

TEST(ContractGraph, LazyPrioritiesOnAGridKeepItCorrectAndAboutAsSmall) {
  const uint32_t side = 40, n = side * side;
  const auto arcs = GridGraph(side, 7);
  const ContractionHierarchy eager =
      ContractGraph(n, arcs, WithEagerUpdates(std::numeric_limits<uint32_t>::max()));
  const ContractionHierarchy by_default = ContractGraph(n, arcs);
  const ContractionHierarchy lazy = ContractGraph(n, arcs, WithEagerUpdates(0));
  EXPECT_NE(lazy.rank, eager.rank) << "priorities left to the lazy check change the order";
  std::vector<uint32_t> sources;
  for (uint32_t s = 0; s < n; s += 97) sources.push_back(s);
  ExpectDistancesPreserved(n, arcs, eager, sources, "eager");
  ExpectDistancesPreserved(n, arcs, by_default, sources, "default");
  ExpectDistancesPreserved(n, arcs, lazy, sources, "lazy");
  EXPECT_LE(ArcCount(by_default), ArcCount(eager) * 105 / 100);
  EXPECT_LE(ArcCount(lazy), ArcCount(eager) * 115 / 100);
}

TEST(ContractGraph, ResultIsAWellFormedHierarchy) {
  const uint32_t n = 300;
  const auto arcs = RandomGraph(n, 1200, 99);
  const ContractionHierarchy ch = ContractGraph(n, arcs);
  std::vector<bool> seen(n, false);
  for (uint32_t r : ch.rank) {
    ASSERT_LT(r, n);
    EXPECT_FALSE(seen[r]) << "ranks form a permutation";
    seen[r] = true;
  }
  uint64_t shortcuts = 0;
  for (const HierarchyArcs* h : {&ch.up, &ch.down}) {
    ASSERT_EQ(h->first_out.size(), n + 1);
    EXPECT_EQ(h->first_out.front(), 0u);
    EXPECT_EQ(h->first_out.back(), h->other.size());
    for (uint32_t r = 0; r < n; ++r) {
      ASSERT_LE(h->first_out[r], h->first_out[r + 1]);
      for (uint32_t i = h->first_out[r]; i < h->first_out[r + 1]; ++i) {
        EXPECT_GT(h->other[i], r) << "arcs lead upwards";
        if (i > h->first_out[r]) {
          EXPECT_LT(h->other[i - 1], h->other[i]) << "no parallel arcs";
        }
        if (h->middle[i] != kNoMiddle) {
          ++shortcuts;
          EXPECT_LT(h->middle[i], r) << "a shortcut's middle ranks below both ends";
        }
      }
    }
  }
  EXPECT_EQ(shortcuts, ch.shortcuts);
}

TEST(ContractGraph, SumsTheSecondMetricAlongShortcuts) {
  // A two-way chain with one path between any two nodes: whatever the order, the lengths the
  // hierarchy gives at the best meeting node add up to the chain's.
  const uint32_t n = 40;
  std::vector<WeightedArc> arcs;
  for (uint32_t i = 0; i + 1 < n; ++i) {
    arcs.push_back({i, i + 1, 10 + i, 100 + i});
    arcs.push_back({i + 1, i, 10 + i, 100 + i});
  }
  const ContractionHierarchy ch = ContractGraph(n, arcs);
  EXPECT_GT(ch.shortcuts, 0u);
  for (uint32_t s = 0; s < n; ++s) {
    std::vector<uint64_t> up_len, down_len;
    const auto up = Upward(ch.up, n, ch.rank[s], &up_len);
    for (uint32_t t = s + 1; t < n; ++t) {
      const auto down = Upward(ch.down, n, ch.rank[t], &down_len);
      uint64_t best = kInf, best_len = 0;
      for (uint32_t v = 0; v < n; ++v) {
        if (up[v] != kInf && down[v] != kInf && up[v] + down[v] < best) {
          best = up[v] + down[v];
          best_len = up_len[v] + down_len[v];
        }
      }
      uint64_t weight = 0, length = 0;
      for (uint32_t i = s; i < t; ++i) {
        weight += 10 + i;
        length += 100 + i;
      }
      EXPECT_EQ(best, weight) << s << " → " << t;
      EXPECT_EQ(best_len, length) << s << " → " << t;
    }
  }
}

TEST(ContractGraph, EmptyAndArclessGraphs) {
  const ContractionHierarchy empty = ContractGraph(0, {});
  EXPECT_EQ(empty.up.first_out, std::vector<uint32_t>{0});
  const ContractionHierarchy lonely = ContractGraph(3, std::vector<WeightedArc>{{1, 1, 5, 5}});
  EXPECT_EQ(lonely.up.other.size() + lonely.down.other.size(), 0u) << "self-loops are dropped";
}

}  // namespace
}  // namespace pg::graph
