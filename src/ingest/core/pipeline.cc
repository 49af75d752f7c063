#include "ingest/core/pipeline.h"

#include <fmt/format.h>

#include "core/log.h"
#include "journal/observation_codec.h"

namespace pg::ingest {

Result<std::unique_ptr<IngestPipeline>> IngestPipeline::Open(
    FileSystem& fs, journal::JournalOptions journal_options, state::LiveState& state,
    PipelineOptions options, journal::RecoveryReport* report) {
  uint64_t replayed = 0;
  auto journal = journal::Journal::Open(
      fs, std::move(journal_options), [&](std::string_view bytes) { return state.Restore(bytes); },
      [&](const journal::JournalRecord& record) -> Status {
        PG_ASSIGN_OR_RETURN(auto batch, journal::DecodeObservationBatch(record.payload));
        state.ApplyBatch(batch.observations,
                         state::BatchContext{batch.meta.received, batch.meta.seq_restart_after,
                                             /*seq_rule_before_epochs=*/batch.meta.version == 1});
        replayed += batch.observations.size();
        return Status::Ok();
      },
      report);
  if (!journal.ok()) return journal.status();
  if (replayed > 0) PG_LOG_INFO("journal: replayed {} observations", replayed);
  return std::unique_ptr<IngestPipeline>(new IngestPipeline(std::move(*journal), state, options));
}

IngestPipeline::IngestPipeline(std::unique_ptr<journal::Journal> journal, state::LiveState& state,
                               PipelineOptions options)
    : journal_(std::move(journal)), state_(state), options_(options), thread_([this] { Run(); }) {}

IngestPipeline::~IngestPipeline() { Stop(); }

void IngestPipeline::Submit(std::string payload, std::vector<state::ResolvedObservation> resolved,
                            state::BatchContext context, Done done) {
  const char* why = nullptr;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      why = "the server is stopping";
    } else if (failed_) {
      why = "the journal failed: the server must restart";
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

void IngestPipeline::Checkpoint() {
  if (Status s = journal_->WriteCheckpoint(state_.Serialize()); !s.ok()) {
    PG_LOG_WARNING("journal: checkpoint failed (the journal keeps growing): {}", s.ToString());
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
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) break;
      group.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
    }
    Status s;
    for (const Item& item : group) {
      auto seq = journal_->Append(journal::RecordType::kObservations, item.payload);
      if (!seq.ok()) {
        s = seq.status();
        break;
      }
    }
    if (s.ok()) s = journal_->Sync();
    if (!s.ok()) {
      PG_LOG_ERROR("journal: {}; refusing writes until restart", s.ToString());
      std::deque<Item> rest;
      {
        std::lock_guard lock(mu_);
        failed_ = true;
        rest.swap(queue_);
      }
      for (Item& item : group) item.done(Unavailable("the journal could not be written"));
      for (Item& item : rest) item.done(Unavailable("the journal could not be written"));
      group.clear();
      continue;
    }
    uint64_t observations = 0;
    for (Item& item : group) {
      state::BatchCounts counts = state_.ApplyResolved(item.resolved, item.context);
      observations += item.resolved.size();
      item.done(counts);
    }
    {
      std::lock_guard lock(mu_);
      stats_.records += group.size();
      ++stats_.syncs;
      stats_.observations += observations;
    }
    group.clear();
    if (journal_->bytes_since_checkpoint() >= options_.checkpoint_bytes) Checkpoint();
  }
  bool failed = false;
  {
    std::lock_guard lock(mu_);
    failed = failed_;
  }
  if (!failed && journal_->bytes_since_checkpoint() > 0) Checkpoint();
}

}  // namespace pg::ingest
