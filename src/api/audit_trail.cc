#include "api/audit_trail.h"

#include <vector>

#include "core/log.h"

namespace pg::api {

AuditTrail::AuditTrail(store::AuditWriter& store, const Clock& clock, AuditTrailOptions options)
    : store_(store), clock_(clock), options_(options), writer_([this] { Run(); }) {}

AuditTrail::~AuditTrail() { Stop(); }

bool AuditTrail::HasRoom() const {
  std::lock_guard lock(mu_);
  // While the store fails, a write would be made and then wait unanswered for its record:
  // refuse it at once instead (503), it changes nothing.
  return !failing_ && queue_.size() + writing_ < options_.max_queued;
}

void AuditTrail::Record(store::AuditEntry entry, Written written) {
  if (entry.time == Timestamp{}) entry.time = clock_.Now();
  {
    std::lock_guard lock(mu_);
    if (!writer_done_) {
      queue_.push_back({std::move(entry), std::move(written)});
      ++recorded_;
      wake_.notify_one();
      return;
    }
  }
  // Stopped: nothing will write it.
  PG_LOG_ERROR("audit log: an entry recorded after the trail stopped is lost ({} {})", entry.action,
               entry.target);
  if (written) written(false);
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
  std::vector<Queued> lost;
  {
    std::lock_guard lock(mu_);
    writer_done_ = true;
    lost.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
  }
  Tell(lost, false);
}

void AuditTrail::Tell(std::vector<Queued>& batch, bool written) {
  for (auto& q : batch) {
    if (q.written) q.written(written);
  }
  batch.clear();
}

AuditTrail::Stats AuditTrail::stats() const {
  std::lock_guard lock(mu_);
  return {recorded_, written_count_, append_failures_, queue_.size() + writing_};
}

bool AuditTrail::Append(const std::vector<Queued>& batch) {
  std::vector<store::AuditEntry> entries;
  entries.reserve(batch.size());
  for (const auto& q : batch) entries.push_back(q.entry);
  Status s = store_.AppendAudit(entries);
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
    // The batch leaves the queue only once written: entries recorded meanwhile queue behind it.
    std::vector<Queued> batch(std::make_move_iterator(queue_.begin()),
                              std::make_move_iterator(queue_.end()));
    queue_.clear();
    writing_ = batch.size();
    lock.unlock();
    const bool ok = Append(batch);
    if (ok) Tell(batch, true);
    lock.lock();
    if (ok) {
      written_count_ += writing_;
      writing_ = 0;
      written_.notify_all();
      continue;
    }
    writing_ = 0;
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
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
