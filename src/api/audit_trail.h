// AuditTrail: the API's way into the audit log (store/audit_log.h). Write routes record an entry
// per call (api/access.h does it for them); a thread of its own appends them to the store in
// order, several per transaction (a group commit: many writers share one fsync), and tells each
// recorder when its entry is in the store — a write route answers only then, so a change that
// was acknowledged is never missing from the log.
//
//   AuditTrail trail(*store, clock);
//   if (!trail.HasRoom()) → 503, the write does not happen
//   … the write …
//   trail.Record(entry, [answer](bool written) { answer(); });
//
// Nothing recorded is dropped: while the store cannot be written (a storage fault) the entries
// wait and are retried every second, and their writes wait unanswered; past `max_queued` waiting
// entries, HasRoom() says no and the write routes refuse new writes (503) rather than act
// unrecorded. What still waits when the trail stops is lost, logged, and its recorders are told.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/prometheus_text.h"
#include "store/audit_log.h"

namespace pg::api {

struct AuditTrailOptions {
  size_t max_queued = 10'000;
  std::chrono::milliseconds retry{1000};  // after a failed append
};

class AuditTrail {
 public:
  // Starts the writer. REQUIRES: `store` and `clock` outlive the trail.
  AuditTrail(store::AuditWriter& store, const Clock& clock, AuditTrailOptions options = {});
  ~AuditTrail();
  AuditTrail(const AuditTrail&) = delete;
  AuditTrail& operator=(const AuditTrail&) = delete;

  // Whether a write may go ahead: the store is not failing and fewer than max_queued entries
  // wait.
  bool HasRoom() const;
  // What a recorder is told once: true when its entry is in the store; false when the trail
  // stopped with the entry unwritten. Called on the trail's writer thread (or, after Stop, on
  // the recorder's); must be quick.
  using Written = std::function<void(bool written)>;
  // Queues `entry` (its time set to now when unset); never drops it.
  void Record(store::AuditEntry entry, Written written = {});
  // Waits until every entry recorded before the call is in the store, at most `timeout`;
  // whether they are.
  bool Flush(std::chrono::milliseconds timeout);
  // Tries once more to write what waits, then stops the writer; what still waits is lost (and
  // logged). Idempotent; Record after Stop only queues.
  void Stop();

  struct Stats {
    uint64_t recorded = 0;
    uint64_t written = 0;
    uint64_t append_failures = 0;
    size_t queued = 0;
  };
  Stats stats() const;

 private:
  struct Queued {
    store::AuditEntry entry;
    Written written;
  };
  // Tells the recorders of `batch` and forgets it.
  static void Tell(std::vector<Queued>& batch, bool written);

  void Run();
  // Appends `batch`; on failure logs (once per fault) and counts. Called without mu_.
  bool Append(const std::vector<Queued>& batch);

  store::AuditWriter& store_;
  const Clock& clock_;
  const AuditTrailOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;     // the writer: entries queued, or stop
  std::condition_variable written_;  // flushers: entries written
  std::deque<Queued> queue_;         // guarded by mu_
  uint64_t recorded_ = 0;            // guarded by mu_
  uint64_t written_count_ = 0;       // guarded by mu_
  uint64_t append_failures_ = 0;     // guarded by mu_
  bool failing_ = false;             // guarded by mu_
  size_t writing_ = 0;               // guarded by mu_: the batch being appended
  bool stop_ = false;                // guarded by mu_
  bool writer_done_ = false;         // guarded by mu_: Stop joined the writer
  std::thread writer_;
};

// The trail's counters as Prometheus metrics (GET /metrics).
void AppendAuditMetrics(const AuditTrail::Stats& stats, PrometheusText& out);

}  // namespace pg::api
