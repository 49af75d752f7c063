// The soak's event-stream clients (bench/soak.cc): many GET /api/v1/stream readers on a few
// threads (epoll, non-blocking sockets), each reading its stream as a browser's EventSource does —
// the snapshot, `sync`, then changes — and reconnecting with Last-Event-ID when the server drops
// it. They count events and, for each change event, the delivery lag: the wall clock at receipt
// minus the newest `updated` time in the event (the observation time the soak's ingest stamped,
// on the same machine's clock, so there is no skew between sender and receiver).
//
//   StreamFleet fleet(port, specs, /*threads=*/2, stats);
//   fleet.Start();  ...  fleet.Stop();
//
// A client binds its socket to the loopback address it is given (StreamSpec::local_address, e.g.
// 127.0.0.7): a server that limits streams per address sees a thousand readers from many
// addresses, as a city would. Memory per client is bounded (an event over 1 MiB is a framing
// error). Thread-safety: Start and Stop from one thread; StreamStats are atomics.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "latency_histogram.h"

namespace pg::bench {

struct StreamSpec {
  std::string target;           // e.g. /api/v1/stream?facility=F12
  in_addr_t local_address = 0;  // network order; 0: any
};

struct StreamStats {
  std::atomic<int64_t> change_events{0};     // events with an id after the snapshot
  std::atomic<int64_t> snapshot_events{0};   // the snapshot's events (no id), sync excluded
  std::atomic<int64_t> connected{0};         // streams open with a 200 now (a gauge)
  std::atomic<int64_t> reconnects{0};        // connections opened again after the first
  std::atomic<int64_t> non_200{0};           // answers other than 200 (429, 503 …)
  std::atomic<int64_t> connect_failures{0};  // connect refused or reset before the answer
  std::atomic<int64_t> dropped{0};           // a 200 stream that ended or broke
  std::atomic<int64_t> framing_errors{0};
  AtomicHistogram lag;  // receipt − newest `updated` of each change event
};

class StreamFleet {
 public:
  StreamFleet(uint16_t port, std::vector<StreamSpec> specs, int threads, StreamStats& stats);
  ~StreamFleet();
  StreamFleet(const StreamFleet&) = delete;
  StreamFleet& operator=(const StreamFleet&) = delete;

  // Opens every stream (spread over the threads) and reads until Stop.
  void Start();
  // Closes every stream and joins the threads.
  void Stop();

  struct Worker;

 private:
  const uint16_t port_;
  const int thread_count_;
  std::vector<StreamSpec> specs_;
  StreamStats& stats_;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace pg::bench
