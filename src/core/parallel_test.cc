#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace pg {
namespace {

TEST(ParallelFor, CallsEveryIndexExactlyOnce) {
  for (int threads : {-1, 0, 1, 2, 7}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{3}, size_t{1000}}) {
      std::vector<std::atomic<int>> calls(n);
      ParallelFor(n, threads, [&](size_t i) { ++calls[i]; });
      for (size_t i = 0; i < n; ++i) EXPECT_EQ(calls[i], 1) << threads << " " << n << " " << i;
    }
  }
}

TEST(ParallelFor, UsesTheCallerAndAtMostTheThreadsAsked) {
  std::mutex mu;
  std::set<std::thread::id> seen;
  ParallelFor(200, 3, [&](size_t) {
    std::lock_guard lock(mu);
    seen.insert(std::this_thread::get_id());
  });
  EXPECT_LE(seen.size(), 3u);
  std::set<std::thread::id> one;
  ParallelFor(50, 1, [&](size_t) { one.insert(std::this_thread::get_id()); });
  EXPECT_EQ(one, std::set<std::thread::id>{std::this_thread::get_id()});
}

}  // namespace
}  // namespace pg
