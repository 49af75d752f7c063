// StorageHealth: whether the store can write right now, and what went wrong — for /health
// (degraded while a fault lasts) and /metrics.
//
// A write that fails because the database is locked by someone else (SQLITE_BUSY/LOCKED), the
// disk is full (SQLITE_FULL) or the disk failed (SQLITE_IOERR, SQLITE_CANTOPEN) is a *storage
// fault*: the store answers it with kUnavailable and a retry hint (Status::retry_after), which
// grows while the fault lasts (1 s at first, then half the time the fault has lasted, at most
// 60 s), and keeps trying by itself; the first write that succeeds ends the fault.
//
//   if (const store::StorageHealth* h = store.storage_health()) {
//     store::StorageHealthReport r = h->Health();
//     if (r.fault != store::StorageFault::kNone) { /* degraded since r.since: r.last_error */ }
//   }
//
// Thread-safety: StorageHealth::Health and every StorageHealthTracker member may be called from
// any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/prometheus_text.h"
#include "core/time.h"

namespace pg::store {

enum class StorageFault {
  kNone,
  kBusy,     // locked by another connection or process, beyond the busy timeout
  kFull,     // the disk (or a quota) is full
  kIoError,  // the device failed a read, write or sync; or the file cannot be opened
};
std::string_view Name(StorageFault fault);  // "none", "busy", "full", "io_error"

struct StorageHealthReport {
  StorageFault fault = StorageFault::kNone;  // the current fault
  std::optional<Timestamp> since;            // when the current fault began
  // What a writer refused now should wait before retrying; 0 when there is no fault.
  std::chrono::seconds retry_after{0};
  // Since the store was opened:
  uint64_t failures = 0;  // writes refused for a storage fault, all kinds
  uint64_t busy = 0;
  uint64_t full = 0;
  uint64_t io_errors = 0;
  uint64_t recoveries = 0;  // faults that ended
  std::string last_error;   // the newest failure's message ("" when none yet)
  std::optional<Timestamp> last_error_at;
};

// The store's storage faults as Prometheus metrics (GET /metrics): the current fault by kind,
// refused writes by kind, faults that ended.
void AppendStorageMetrics(const StorageHealthReport& report, PrometheusText& out);

class StorageHealth {
 public:
  virtual ~StorageHealth() = default;
  virtual StorageHealthReport Health() const = 0;
};

// The bookkeeping behind StorageHealth, for store implementations.
class StorageHealthTracker final : public StorageHealth {
 public:
  // `clock` must outlive the tracker.
  explicit StorageHealthTracker(const Clock& clock) : clock_(clock) {}

  // Records a write refused for `fault` (not kNone) and returns the retry hint to give.
  std::chrono::seconds Failed(StorageFault fault, std::string message);
  // Records a write that reached the disk: ends the current fault, if any. Returns whether one
  // ended.
  bool Succeeded();
  // Whether a fault is current.
  bool faulted() const;

  StorageHealthReport Health() const override;

 private:
  std::chrono::seconds RetryAfterLocked(Timestamp now) const;

  const Clock& clock_;
  mutable std::mutex mu_;
  StorageHealthReport report_;  // guarded by mu_ (retry_after computed on read)
};

}  // namespace pg::store
