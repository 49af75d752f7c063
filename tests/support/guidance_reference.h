// The search of guidance's cost model (guidance::ExpectedCosts) by plain enumeration, the
// reference its depth-first search is tested against.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "routing/route.h"

namespace pg::testing {

// Every ordered choice of at most `depth` options other than `from` (drive[a][b] ==
// routing::kUnreachable: no way from a to b), each costed from its end backwards —
//   rest = drive(at, to) + p_to·min(park_to, rest) + (1 − p_to)·(detour + rest), from no_space —
// the cheapest, or `no_space` when that is cheaper. `order` (may be null) gets the cheapest.
inline double EnumeratedSearch(size_t from, size_t depth, const std::vector<double>& p,
                               const std::vector<double>& park,
                               const std::vector<std::vector<uint32_t>>& drive, double detour,
                               double no_space, std::vector<size_t>* best_order = nullptr) {
  double best = no_space;
  if (best_order != nullptr) best_order->clear();
  std::vector<size_t> order;
  std::function<void()> extend = [&] {
    if (!order.empty()) {
      double rest = no_space;
      bool reachable = true;
      for (size_t m = order.size(); m-- > 0;) {
        const size_t at = m == 0 ? from : order[m - 1], to = order[m];
        if (drive[at][to] == routing::kUnreachable) reachable = false;
        rest = drive[at][to] + p[to] * std::min(park[to], rest) + (1 - p[to]) * (detour + rest);
      }
      if (reachable && rest < best) {
        best = rest;
        if (best_order != nullptr) *best_order = order;
      }
    }
    if (order.size() == depth) return;
    for (size_t j = 0; j < p.size(); ++j) {
      if (j == from || std::find(order.begin(), order.end(), j) != order.end()) continue;
      order.push_back(j);
      extend();
      order.pop_back();
    }
  };
  extend();
  return best;
}

}  // namespace pg::testing
