#include "store/storage_health.h"

#include <algorithm>

namespace pg::store {

std::string_view Name(StorageFault fault) {
  switch (fault) {
    case StorageFault::kNone:
      return "none";
    case StorageFault::kBusy:
      return "busy";
    case StorageFault::kFull:
      return "full";
    case StorageFault::kIoError:
      return "io_error";
  }
  return "none";
}

std::chrono::seconds StorageHealthTracker::RetryAfterLocked(Timestamp now) const {
  if (report_.fault == StorageFault::kNone || !report_.since) return std::chrono::seconds(0);
  // Clients come back at once for a blip, and ever less often while the fault lasts, so a
  // long outage is not hammered: half the time it has lasted, 1–60 s.
  const auto lasted = std::chrono::duration_cast<std::chrono::seconds>(now - *report_.since);
  return std::clamp(std::chrono::seconds((lasted.count() + 1) / 2), std::chrono::seconds(1),
                    std::chrono::seconds(60));
}

std::chrono::seconds StorageHealthTracker::Failed(StorageFault fault, std::string message) {
  const Timestamp now = clock_.Now();
  std::lock_guard lock(mu_);
  if (report_.fault == StorageFault::kNone) report_.since = now;
  report_.fault = fault;
  ++report_.failures;
  switch (fault) {
    case StorageFault::kBusy:
      ++report_.busy;
      break;
    case StorageFault::kFull:
      ++report_.full;
      break;
    case StorageFault::kIoError:
    case StorageFault::kNone:
      ++report_.io_errors;
      break;
  }
  report_.last_error = std::move(message);
  report_.last_error_at = now;
  return RetryAfterLocked(now);
}

bool StorageHealthTracker::Succeeded() {
  std::lock_guard lock(mu_);
  if (report_.fault == StorageFault::kNone) return false;
  report_.fault = StorageFault::kNone;
  report_.since.reset();
  ++report_.recoveries;
  return true;
}

bool StorageHealthTracker::faulted() const {
  std::lock_guard lock(mu_);
  return report_.fault != StorageFault::kNone;
}

StorageHealthReport StorageHealthTracker::Health() const {
  const Timestamp now = clock_.Now();
  std::lock_guard lock(mu_);
  StorageHealthReport r = report_;
  r.retry_after = RetryAfterLocked(now);
  return r;
}

void AppendStorageMetrics(const StorageHealthReport& r, PrometheusText& out) {
  for (auto fault : {StorageFault::kBusy, StorageFault::kFull, StorageFault::kIoError}) {
    out.Gauge("parkguide_storage_fault", "1 while the database cannot be written, by kind",
              r.fault == fault ? 1 : 0, {{"kind", Name(fault)}});
  }
  const std::pair<StorageFault, uint64_t> failures[] = {{StorageFault::kBusy, r.busy},
                                                        {StorageFault::kFull, r.full},
                                                        {StorageFault::kIoError, r.io_errors}};
  for (const auto& [fault, n] : failures) {
    out.Counter("parkguide_storage_failures_total",
                "Database writes refused for a storage fault, by kind", n, {{"kind", Name(fault)}});
  }
  out.Counter("parkguide_storage_recoveries_total", "Database storage faults that ended",
              r.recoveries);
}

}  // namespace pg::store
