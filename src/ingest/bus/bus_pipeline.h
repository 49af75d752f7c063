// BusPipeline: the ingest pipeline of a city served by several nodes (ObservationPipeline).
// A batch is published to the city's bus (bus/observation_bus.h) and acknowledged to its
// source only once the bus acknowledged it and this node applied it; every node applies every
// message of the bus in the bus's order, so all hold the same live state. The bus is the
// write-ahead log: there is no local journal. A checkpoint (the state's bytes and the last
// applied sequence) is written beside the city's files now and then and at Stop, and a node
// that starts follows on from it.
//
// Faults: while the bus cannot take a message (no server reachable, no acknowledgement in
// time) submissions fail at once with kUnavailable and a retry hint (HTTP 503); they are taken
// again as soon as the connection is back. Nothing unacknowledged is applied anywhere unless
// the bus stored it — then every node applies it, and the source's retry (the same seq) is a
// duplicate.
//
// Thread-safety: Submit from any thread; `done` runs on the bus's delivery thread or on the
// publisher thread and must be quick.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bus/observation_bus.h"
#include "core/clock.h"
#include "core/file_system.h"
#include "ingest/core/pipeline.h"
#include "state/live_state.h"

namespace pg::ingest {

struct BusPipelineOptions {
  std::string checkpoint_path;  // this node's checkpoint file (<db>.bus-checkpoint)
  // A checkpoint once this many messages were applied since the last, and at Stop.
  uint64_t checkpoint_every = 20'000;
  size_t max_queued = 100'000;  // Submit fails with kUnavailable beyond
  // How long Open waits to have applied what the bus held when it started.
  std::chrono::seconds catch_up_timeout{300};
  // Nothing applied for this long while the bus holds more: follow it again from the next
  // message (a cluster's failover can leave the follower silent).
  std::chrono::milliseconds stall_timeout{3'000};
  const Clock* clock = nullptr;  // fault times; the system clock when null
};

// What Open found.
struct BusRecovery {
  uint64_t checkpoint_seq = 0;  // the sequence the checkpoint was taken at (0: none)
  uint64_t caught_up_to = 0;    // the bus's newest sequence when Open returned
  uint64_t applied = 0;         // messages applied while catching up
};

class BusPipeline final : public ObservationPipeline {
 public:
  // Restores `state` from the checkpoint (if any), follows the bus from the message after it and
  // returns once it has applied everything the bus held at the start. Errors: kDataLoss when the
  // checkpoint cannot be read or the bus holds fewer messages than the checkpoint has applied
  // (the stream was lost or made anew: this node's state is ahead of it — see
  // docs/operations.md); kUnavailable when catching up takes longer than the timeout; those
  // of the bus. `fs` and `state` must outlive the pipeline.
  static Result<std::unique_ptr<BusPipeline>> Open(FileSystem& fs,
                                                   std::unique_ptr<bus::ObservationBus> bus,
                                                   state::LiveState& state,
                                                   BusPipelineOptions options, BusRecovery* report);
  ~BusPipeline() override;

  void Submit(std::string payload, std::vector<state::ResolvedObservation> resolved,
              state::BatchContext context, Done done) override;
  void Stop() override;
  PipelineStats stats() const override;
  int retry_after_s() const override;

 private:
  struct Item {
    std::string payload;
    Done done;
  };
  BusPipeline(FileSystem& fs, std::unique_ptr<bus::ObservationBus> bus, state::LiveState& state,
              BusPipelineOptions options);
  Status RestoreCheckpoint(BusRecovery& report);
  Status CatchUp(BusRecovery& report);
  Status FollowFrom(uint64_t seq);
  void WatchLoop();
  void PublishLoop();
  // Publishes one batch; its `done` is called once this node has applied it, or at once on error.
  void Publish(Item& item);
  // The bus's delivery thread: one message, in order.
  void OnMessage(uint64_t seq, std::string_view id, std::string_view payload);
  void WriteCheckpoint();
  void NoteFault(const Status& error);

  FileSystem& fs_;
  std::unique_ptr<bus::ObservationBus> bus_;
  state::LiveState& state_;
  const BusPipelineOptions options_;
  const Clock& clock_;
  const std::string id_prefix_;  // of this process's message ids: unique across nodes and boots

  std::mutex apply_mu_;  // held while a message is applied and while the checkpoint is taken
  uint64_t since_checkpoint_ = 0;  // guarded by apply_mu_

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;             // guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  uint64_t applied_ = 0;               // guarded by mu_: the newest sequence applied here
  std::map<uint64_t, Done> awaiting_;  // guarded by mu_: published here, not applied yet
  // The counts of this node's messages applied before it heard their acknowledgement (the
  // delivery can overtake it). Guarded by mu_.
  std::map<uint64_t, state::BatchCounts> early_;
  uint64_t next_id_ = 0;  // publisher thread only
  PipelineStats stats_;   // guarded by mu_
  std::thread publisher_;
  std::thread watchdog_;
};

}  // namespace pg::ingest
