#include "ingest/core/pipeline.h"

#include <fmt/format.h>

#include "core/log.h"
#include "journal/observation_codec.h"

namespace pg::ingest {

Result<state::BatchCounts> ApplyJournalPayload(state::LiveState& state, std::string_view payload,
                                               size_t* observations) {
  PG_ASSIGN_OR_RETURN(auto batch, journal::DecodeObservationBatch(payload));
  const auto outcomes = state.ApplyBatch(
      batch.observations, state::BatchContext{batch.meta.received, batch.meta.seq_restart_after,
                                              /*seq_rule_before_epochs=*/batch.meta.version == 1});
  if (observations != nullptr) *observations = batch.observations.size();
  state::BatchCounts counts;
  for (const state::ApplyOutcome& o : outcomes) counts.Add(o.result);
  return counts;
}

Result<std::unique_ptr<IngestPipeline>> IngestPipeline::Open(
    FileSystem& fs, journal::JournalOptions journal_options, state::LiveState& state,
    PipelineOptions options, journal::RecoveryReport* report) {
  uint64_t replayed = 0;
  auto journal = journal::Journal::Open(
      fs, std::move(journal_options), [&](std::string_view bytes) { return state.Restore(bytes); },
      [&](const journal::JournalRecord& record) -> Status {
        size_t observations = 0;
        PG_RETURN_IF_ERROR(ApplyJournalPayload(state, record.payload, &observations).status());
        replayed += observations;
        return Status::Ok();
      },
      report);
  if (!journal.ok()) return journal.status();
  if (replayed > 0) PG_LOG_INFO("journal: replayed {} observations", replayed);
  return std::unique_ptr<IngestPipeline>(new IngestPipeline(std::move(*journal), state, options));
}

IngestPipeline::IngestPipeline(std::unique_ptr<journal::Journal> journal, state::LiveState& state,
                               PipelineOptions options)
    : journal_(std::move(journal)), state_(state), options_(options) {
  stats_.durable_seq = journal_->last_seq();
  thread_ = std::thread([this] { Run(); });
}

IngestPipeline::~IngestPipeline() { Stop(); }

void IngestPipeline::Submit(std::string payload, std::vector<state::ResolvedObservation> resolved,
                            state::BatchContext context, Done done) {
  std::string why;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      why = "the server is stopping";
    } else if (stats_.faulted) {
      ++stats_.refused_while_faulted;
      why = fmt::format("the journal cannot be written ({}); retry in {} s", stats_.fault,
                        stats_.retry_after_s);
    } else if (queue_.size() >= options_.max_queued) {
      why = "the ingest queue is full; retry shortly";
    } else {
      queue_.push_back({std::move(payload), std::move(resolved), context, std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(Unavailable(why));
}

void IngestPipeline::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

PipelineStats IngestPipeline::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

int IngestPipeline::retry_after_s() const {
  std::lock_guard lock(mu_);
  return stats_.faulted ? stats_.retry_after_s : 0;
}

void IngestPipeline::Checkpoint() {
  if (Status s = journal_->WriteCheckpoint(state_.Serialize()); !s.ok()) {
    PG_LOG_WARNING("journal: checkpoint failed (the journal keeps growing): {}", s.ToString());
    std::lock_guard lock(mu_);
    ++stats_.checkpoint_failures;
    return;
  }
  std::lock_guard lock(mu_);
  ++stats_.checkpoints;
}

void IngestPipeline::Run() {
  std::vector<Item> group;
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (stats_.faulted) {
        cv_.wait_until(lock, next_retry_, [this] { return stopping_; });
      } else {
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      }
      if (stopping_ && (queue_.empty() || stats_.faulted)) break;
      if (stats_.faulted) {
        lock.unlock();
        TryToRecover();
        continue;
      }
      group.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
    }
    Commit(group);
    group.clear();
  }
  std::vector<Item> rest;
  bool faulted = false;
  {
    std::lock_guard lock(mu_);
    faulted = stats_.faulted;
    rest.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
  }
  for (Item& item : rest) item.done(Unavailable("the server is stopping"));
  if (!faulted && journal_->bytes_since_checkpoint() > 0) Checkpoint();
}

// Journal first (one record per batch, one fsync), then the state in journal order, then the
// acknowledgements: nothing is acknowledged that a crash could lose.
void IngestPipeline::Commit(std::vector<Item>& group) {
  Status s;
  for (const Item& item : group) {
    auto seq = journal_->Append(journal::RecordType::kObservations, item.payload);
    if (!seq.ok()) {
      s = seq.status();
      break;
    }
  }
  if (s.ok()) s = journal_->Sync();
  if (!s.ok()) return BeginFault(s, group);
  uint64_t observations = 0;
  for (Item& item : group) {
    state::BatchCounts counts = state_.ApplyResolved(item.resolved, item.context);
    observations += item.resolved.size();
    item.done(counts);
  }
  {
    std::lock_guard lock(mu_);
    stats_.records += group.size();
    stats_.durable_seq = journal_->last_seq();
    ++stats_.syncs;
    stats_.observations += observations;
  }
  if (journal_->bytes_since_checkpoint() >= options_.checkpoint_bytes) Checkpoint();
}

void IngestPipeline::BeginFault(const Status& error, std::vector<Item>& group) {
  PG_LOG_ERROR("journal: {}; refusing writes and retrying until the storage works again",
               error.ToString());
  backoff_ = options_.first_retry;
  next_retry_ = std::chrono::steady_clock::now() + backoff_;
  std::deque<Item> rest;
  std::string why;
  {
    std::lock_guard lock(mu_);
    ++stats_.faults;
    stats_.faulted = true;
    stats_.fault = error.message();
    stats_.fault_since = options_.clock ? options_.clock->Now() : SystemClock::Instance().Now();
    stats_.retry_after_s = static_cast<int>(
        std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(backoff_).count()));
    rest.swap(queue_);
    why = fmt::format("the journal could not be written ({}); retry in {} s", stats_.fault,
                      stats_.retry_after_s);
  }
  for (Item& item : group) item.done(Unavailable(why));
  for (Item& item : rest) item.done(Unavailable(why));
}

bool IngestPipeline::TryToRecover() {
  if (std::chrono::steady_clock::now() < next_retry_) return false;
  Status s = journal_->Heal();
  if (s.ok()) s = journal_->Probe();
  std::lock_guard lock(mu_);
  if (s.ok()) {
    PG_LOG_INFO("journal: writable again after a fault since {} ({}); taking writes",
                FormatRfc3339Utc(stats_.fault_since), stats_.fault);
    stats_.faulted = false;
    stats_.retry_after_s = 0;
    return true;
  }
  backoff_ = std::min(backoff_ * 2, options_.max_retry);
  next_retry_ = std::chrono::steady_clock::now() + backoff_;
  stats_.retry_after_s = static_cast<int>(
      std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(backoff_).count()));
  PG_LOG_WARNING("journal: still failing ({}); next try in {} s", s.message(),
                 stats_.retry_after_s);
  return false;
}

void AppendJournalMetrics(const PipelineStats& j, PrometheusText& out) {
  out.Counter("parkguide_journal_records_total", "Journal records written", j.records);
  out.Counter("parkguide_journal_syncs_total", "Journal fsyncs (records/syncs: group size)",
              j.syncs);
  out.Counter("parkguide_journal_observations_total", "Observations made durable", j.observations);
  out.Counter("parkguide_journal_checkpoints_total", "Checkpoints written", j.checkpoints);
  out.Counter("parkguide_journal_checkpoint_failures_total", "Checkpoints that failed",
              j.checkpoint_failures);
  out.Gauge("parkguide_journal_fault", "1 while the journal's storage refuses writes",
            j.faulted ? 1 : 0);
  out.Counter("parkguide_journal_faults_total", "Storage faults of the journal that began",
              j.faults);
  out.Counter("parkguide_journal_refused_while_faulted_total",
              "Submissions answered 503 during storage faults", j.refused_while_faulted);
}

}  // namespace pg::ingest
