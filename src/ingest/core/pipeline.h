// IngestPipeline: the one writer of live data — group commit into the journal, then apply to
// the live state, then acknowledge (SPEC §3: "every accepted observation is durable before it
// is acknowledged; replaying the journal rebuilds the same state").
//
//   PG_ASSIGN_OR_RETURN(auto pipeline, IngestPipeline::Open(fs, {.dir = "city.db.journal"},
//                                                           state, {}, &report));
//   pipeline->Submit(std::move(payload), std::move(resolved), {received, restart_after},
//                    [](Result<state::BatchCounts> r) { /* durable and applied */ });
//
// Group commit: submissions queue; the committer thread takes everything queued, appends one
// journal record per submission, fsyncs once, applies each record's batch to the state in
// journal order (so a replay applies the same batches in the same order), then calls each
// `done`. A checkpoint (the state's bytes) is written when the journal has grown by
// `checkpoint_bytes` since the last one.
//
// Storage faults heal: after a journal error (disk full, EIO) the pipeline is faulted — every
// queued and later submission fails at once with kUnavailable and a retry hint that grows while
// the fault lasts (1, 2, 4 … 30 s) — and the committer retries by itself: it heals the journal
// (cutting back the group that was not durable, which nobody was told was accepted) and probes
// the storage, and takes submissions again as soon as both work. No restart is needed.
//
// Thread-safety: Submit from any thread; `done` runs on the committer thread and must be quick.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/file_system.h"
#include "core/prometheus_text.h"
#include "journal/journal.h"
#include "state/live_state.h"

namespace pg::ingest {

struct PipelineOptions {
  uint64_t checkpoint_bytes = uint64_t{64} << 20;
  // At most this many queued submissions; Submit fails with kUnavailable beyond (the client
  // retries) rather than let memory grow without bound.
  size_t max_queued = 100'000;
  // While the journal's storage fails: the first retry after this long, doubling to the most.
  std::chrono::milliseconds first_retry{1000};
  std::chrono::milliseconds max_retry{30'000};
  // When faults began, for the stats; the system clock when null.
  const Clock* clock = nullptr;
};

struct PipelineStats {
  uint64_t records = 0;  // journal records written
  uint64_t syncs = 0;    // fsyncs (records / syncs = the mean group size)
  uint64_t observations = 0;
  uint64_t checkpoints = 0;
  uint64_t checkpoint_failures = 0;
  uint64_t durable_seq = 0;  // the newest journal record made durable
  // Storage faults: how many began, and the one going on now (if any).
  uint64_t faults = 0;
  uint64_t refused_while_faulted = 0;  // submissions answered "unavailable" during faults
  bool faulted = false;
  Timestamp fault_since;
  std::string fault;  // the error that began it
  int retry_after_s = 0;
};

// The journal's counters and fault as Prometheus metrics (GET /metrics).
void AppendJournalMetrics(const PipelineStats& stats, PrometheusText& out);

// Where the ingest service hands accepted batches: it makes each durable, applies it to the live
// state and only then calls `done` — on one machine through the local journal (IngestPipeline),
// on several through the bus they share (ingest/bus/bus_pipeline.h).
class ObservationPipeline {
 public:
  using Done = std::function<void(Result<state::BatchCounts>)>;
  virtual ~ObservationPipeline() = default;

  // Queues one batch: `payload` is its journal encoding (journal/observation_codec.h), and
  // `resolved` the same observations resolved against the state; `context` must say what the
  // payload's meta says (received, seq restart threshold), so a replay applies it the same.
  // `done` is called exactly once.
  virtual void Submit(std::string payload, std::vector<state::ResolvedObservation> resolved,
                      state::BatchContext context, Done done) = 0;
  // Makes durable what is queued, writes a checkpoint, stops. Later Submits fail with
  // kUnavailable. Idempotent.
  virtual void Stop() = 0;
  virtual PipelineStats stats() const = 0;
  // Seconds a client should wait before retrying a refused submission (0 when not faulted).
  virtual int retry_after_s() const = 0;
};

// Applies one journal payload (a record of the journal, a message of the bus) to `state`, as the
// node that accepted it did. Errors: kDataLoss when the payload cannot be decoded.
Result<state::BatchCounts> ApplyJournalPayload(state::LiveState& state, std::string_view payload,
                                               size_t* observations = nullptr);

class IngestPipeline final : public ObservationPipeline {
 public:
  // Opens the journal in options.dir, restores `state` from its checkpoint and replays the
  // records after it, then starts the committer. `report` (optional) says what recovery found.
  // Errors: those of Journal::Open and of decoding a record (kDataLoss).
  // `fs` and `state` must outlive the pipeline.
  static Result<std::unique_ptr<IngestPipeline>> Open(FileSystem& fs,
                                                      journal::JournalOptions journal_options,
                                                      state::LiveState& state,
                                                      PipelineOptions options,
                                                      journal::RecoveryReport* report);
  ~IngestPipeline() override;  // Stop()
  IngestPipeline(const IngestPipeline&) = delete;
  IngestPipeline& operator=(const IngestPipeline&) = delete;

  void Submit(std::string payload, std::vector<state::ResolvedObservation> resolved,
              state::BatchContext context, Done done) override;
  void Stop() override;
  PipelineStats stats() const override;
  int retry_after_s() const override;

 private:
  struct Item {
    std::string payload;
    std::vector<state::ResolvedObservation> resolved;
    state::BatchContext context;
    Done done;
  };
  IngestPipeline(std::unique_ptr<journal::Journal> journal, state::LiveState& state,
                 PipelineOptions options);
  void Run();
  void Commit(std::vector<Item>& group);
  void Checkpoint();
  // The storage failed with `error`: refuse everything queued and start retrying.
  void BeginFault(const Status& error, std::vector<Item>& group);
  // While faulted: heal and probe the journal when the retry is due; true once it works again.
  bool TryToRecover();

  std::unique_ptr<journal::Journal> journal_;  // the committer thread's alone
  state::LiveState& state_;
  const PipelineOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  PipelineStats stats_;     // guarded by mu_
  // While faulted: when the committer tries again, and the current backoff. Committer only.
  std::chrono::steady_clock::time_point next_retry_;
  std::chrono::milliseconds backoff_{0};
  std::thread thread_;
};

}  // namespace pg::ingest
