#include "api/audit_trail.h"

#include <vector>

#include "core/log.h"

namespace pg::api {

AuditTrail::AuditTrail(store::AuditWriter& store, const Clock& clock, AuditTrailOptions options)
    : store_(store), clock_(clock), options_(options), writer_([this] { Run(); }) {}

AuditTrail::~AuditTrail() { Stop(); }

bool AuditTrail::HasRoom() const {
  std::lock_guard lock(mu_);
  return queue_.size() < options_.max_queued;
}

void AuditTrail::Record(store::AuditEntry entry) {
  if (entry.time == Timestamp{}) entry.time = clock_.Now();
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(entry));
    ++recorded_;
  }
  wake_.notify_one();
}

bool AuditTrail::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const uint64_t target = recorded_;
  return written_.wait_for(lock, timeout, [&] { return written_count_ >= target; });
}

void AuditTrail::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

AuditTrail::Stats AuditTrail::stats() const {
  std::lock_guard lock(mu_);
  return {recorded_, written_count_, append_failures_, queue_.size()};
}

bool AuditTrail::Append(const std::vector<store::AuditEntry>& batch) {
  Status s = store_.AppendAudit(batch);
  std::lock_guard lock(mu_);
  if (s.ok()) {
    if (failing_) PG_LOG_INFO("audit log: writable again; {} entries written", batch.size());
    failing_ = false;
    return true;
  }
  ++append_failures_;
  if (!failing_) {
    PG_LOG_WARNING("audit log: {} entries cannot be written ({}); retrying, writes wait",
                   batch.size(), s.ToString());
  }
  failing_ = true;
  return false;
}

void AuditTrail::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing waits
    const bool last_try = stop_;
    std::vector<store::AuditEntry> batch(queue_.begin(), queue_.end());
    lock.unlock();
    const bool ok = Append(batch);
    lock.lock();
    if (ok) {
      // Entries recorded meanwhile stay queued behind the batch: remove only the batch.
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(batch.size()));
      written_count_ += batch.size();
      written_.notify_all();
      continue;
    }
    if (last_try) {
      PG_LOG_ERROR("audit log: stopping with {} entries unwritten: they are lost", queue_.size());
      return;
    }
    wake_.wait_for(lock, options_.retry, [this] { return stop_; });
  }
}

void AppendAuditMetrics(const AuditTrail::Stats& stats, PrometheusText& out) {
  out.Counter("parkguide_audit_entries_total", "Audit log entries recorded", stats.recorded);
  out.Counter("parkguide_audit_append_failures_total",
              "Appends to the audit log that failed (retried)", stats.append_failures);
  out.Gauge("parkguide_audit_entries_queued", "Audit log entries waiting to be written",
            stats.queued);
}

}  // namespace pg::api
