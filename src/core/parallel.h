// ParallelFor: the one fork-join loop of parkguide's batch work (backtests, calibration), where
// items are independent and uneven in cost.
//
//   ParallelFor(series.size(), threads, [&](size_t i) { results[i] = Fit(series[i]); });
//
// Thread-safety: `body` is called concurrently for distinct indices and must be safe for that.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace pg {

// Calls body(i) exactly once for every i in [0, n), on `threads` threads of which the caller is
// one (threads < 1 counts as 1), handing out indices one at a time so uneven items balance;
// returns when every call has returned. REQUIRES: `body` does not throw.
template <typename F>
void ParallelFor(size_t n, int threads, F body) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) body(i);
  };
  std::vector<std::thread> pool;
  const size_t helpers = std::min<size_t>(n, static_cast<size_t>(std::max(1, threads))) - (n > 0);
  for (size_t t = 0; t < helpers; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

}  // namespace pg
