// Internal to pg_http: the bounded pool that runs RouteOptions::on_worker handlers, so reads
// that compute for long never occupy the io threads that ingest and guidance need.
//
//   WorkerPool pool(2, 64);
//   if (!pool.TryPost([] { ... })) → 503: the queue is full
//   pool.Stop();   // runs what is queued, then joins
//
// The workers run at a lower scheduling priority (nice +10) than the io threads: when reads
// flood, the kernel still gives the io threads the CPU first.
//
// Thread-safety: TryPost from any thread; Stop from one thread at a time. A job must not throw.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pg::api::http::internal {

class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() { Stop(); }

  // Queues `job`; false, queuing nothing, when max_queued jobs wait already or after Stop().
  bool TryPost(std::function<void()> job);
  // Runs every job already queued, then joins the workers. Idempotent.
  void Stop();

  size_t queued() const;
  size_t max_queued() const { return max_queued_; }

 private:
  void Work();

  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace pg::api::http::internal
