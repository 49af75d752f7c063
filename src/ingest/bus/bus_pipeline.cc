#include "ingest/bus/bus_pipeline.h"

#include <fmt/format.h>
#include <sodium.h>

#include <charconv>

#include "core/log.h"

namespace pg::ingest {
namespace {

constexpr std::string_view kCheckpointMagic = "parkguide-bus-checkpoint 1\n";

// Unique across nodes and restarts: 16 random hex digits.
std::string RandomIdPrefix() {
  unsigned char bytes[8];
  randombytes_buf(bytes, sizeof bytes);
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out + "-";
}

}  // namespace

BusPipeline::BusPipeline(FileSystem& fs, std::unique_ptr<bus::ObservationBus> bus,
                         state::LiveState& state, BusPipelineOptions options)
    : fs_(fs),
      bus_(std::move(bus)),
      state_(state),
      options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : SystemClock::Instance()),
      id_prefix_(RandomIdPrefix()) {}

Result<std::unique_ptr<BusPipeline>> BusPipeline::Open(FileSystem& fs,
                                                       std::unique_ptr<bus::ObservationBus> bus,
                                                       state::LiveState& state,
                                                       BusPipelineOptions options,
                                                       BusRecovery* report) {
  if (sodium_init() < 0) return Internal("libsodium cannot start");
  std::unique_ptr<BusPipeline> pipeline(
      new BusPipeline(fs, std::move(bus), state, std::move(options)));
  BusRecovery local;
  BusRecovery& r = report ? *report : local;
  PG_RETURN_IF_ERROR(pipeline->RestoreCheckpoint(r));
  PG_RETURN_IF_ERROR(pipeline->CatchUp(r));
  pipeline->publisher_ = std::thread([p = pipeline.get()] { p->PublishLoop(); });
  pipeline->watchdog_ = std::thread([p = pipeline.get()] { p->WatchLoop(); });
  return pipeline;
}

Status BusPipeline::RestoreCheckpoint(BusRecovery& report) {
  Result<std::string> read = fs_.ReadFile(options_.checkpoint_path);
  if (!read.ok() && read.status().code() == StatusCode::kNotFound) return Status::Ok();
  PG_ASSIGN_OR_RETURN(std::string bytes, std::move(read));
  const auto bad = [&](std::string_view why) {
    return DataLoss(fmt::format("{}: not a bus checkpoint ({})", options_.checkpoint_path, why));
  };
  if (!std::string_view(bytes).starts_with(kCheckpointMagic)) return bad("no header");
  const size_t line_end = bytes.find('\n', kCheckpointMagic.size());
  if (line_end == std::string::npos) return bad("no sequence");
  uint64_t seq = 0;
  const char* first = bytes.data() + kCheckpointMagic.size();
  if (std::from_chars(first, bytes.data() + line_end, seq).ec != std::errc()) {
    return bad("no sequence");
  }
  PG_RETURN_IF_ERROR(state_.Restore(std::string_view(bytes).substr(line_end + 1)));
  std::lock_guard lock(mu_);
  applied_ = seq;
  stats_.durable_seq = seq;
  report.checkpoint_seq = seq;
  return Status::Ok();
}

Status BusPipeline::CatchUp(BusRecovery& report) {
  PG_ASSIGN_OR_RETURN(const bus::ObservationBus::Range range, bus_->Sequences());
  const uint64_t last = range.last;
  const uint64_t from = report.checkpoint_seq;
  if (range.first > from + 1) {
    return DataLoss(fmt::format(
        "the bus no longer holds messages {} to {}, which this node has not applied (they are "
        "older than the stream keeps): start it from another node's checkpoint "
        "(docs/operations.md, \"A node away too long\")",
        from + 1, range.first - 1));
  }
  if (last < from) {
    return DataLoss(fmt::format(
        "the bus holds messages up to {} but this node's checkpoint ({}) has applied up to {}: "
        "the stream lost messages or was made anew; this node's state is ahead of it "
        "(docs/operations.md, \"The bus was lost\")",
        last, options_.checkpoint_path, from));
  }
  PG_RETURN_IF_ERROR(FollowFrom(from + 1));
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, options_.catch_up_timeout, [&] { return applied_ >= last; })) {
    return Unavailable(
        fmt::format("the bus holds messages up to {} and this node applied only up to {} in {} s",
                    last, applied_, options_.catch_up_timeout.count()));
  }
  report.caught_up_to = last;
  report.applied = applied_ - from;
  return Status::Ok();
}

BusPipeline::~BusPipeline() {
  Stop();
  bus_.reset();  // no delivery after this: it would find the pipeline gone
}

void BusPipeline::Submit(std::string payload, std::vector<state::ResolvedObservation>,
                         state::BatchContext, Done done) {
  std::string why;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      why = "the server is stopping";
    } else if (stats_.faulted && !bus_->connected()) {
      ++stats_.refused_while_faulted;
      why = fmt::format("the bus cannot take observations ({}); retry in {} s", stats_.fault,
                        stats_.retry_after_s);
    } else if (queue_.size() >= options_.max_queued) {
      why = "the ingest queue is full; retry shortly";
    } else {
      queue_.push_back({std::move(payload), std::move(done)});
      cv_.notify_all();
      return;
    }
  }
  done(Unavailable(why));
}

void BusPipeline::PublishLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Publish(item);
    lock.lock();
  }
}

void BusPipeline::Publish(Item& item) {
  const std::string id = id_prefix_ + std::to_string(++next_id_);
  Result<uint64_t> seq = bus_->Publish(item.payload, id);
  // A publish that timed out may have been stored: the same id again is stored at most once.
  for (int retry = 0; !seq.ok() && retry < 2 && bus_->connected(); ++retry) {
    seq = bus_->Publish(item.payload, id);
  }
  if (!seq.ok()) {
    NoteFault(seq.status());
    return item.done(Status(seq.status().code(), seq.status().message())
                         .WithRetryAfter(std::chrono::seconds(retry_after_s())));
  }
  std::unique_lock lock(mu_);
  ++stats_.records;
  if (stats_.faulted) {
    stats_.faulted = false;
    PG_LOG_INFO("bus: takes observations again");
  }
  if (*seq > applied_) {
    awaiting_.emplace(*seq, std::move(item.done));
    return;
  }
  // Applied already (the delivery overtook the acknowledgement).
  state::BatchCounts counts;
  if (auto it = early_.find(*seq); it != early_.end()) {
    counts = it->second;
    early_.erase(it);
  }
  lock.unlock();
  item.done(counts);
}

Status BusPipeline::FollowFrom(uint64_t seq) {
  return bus_->Follow(seq, [this](uint64_t s, std::string_view id, std::string_view payload) {
    OnMessage(s, id, payload);
  });
}

// The follower of a cluster can stop delivering when the server it followed through goes away
// (libnats's ordered consumer does not always recover): when the stream holds messages this
// node has not applied and none was applied for a while, it follows again from the next one.
void BusPipeline::WatchLoop() {
  constexpr int kStalledChecks = 3;
  const auto check_every = options_.stall_timeout / kStalledChecks;
  uint64_t seen = 0;
  int stalled = 0;
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, check_every, [this] { return stopping_; })) {
    const uint64_t applied = applied_;
    lock.unlock();
    Result<bus::ObservationBus::Range> range = bus_->Sequences();
    const bool behind = range.ok() && range->last > applied;
    stalled = behind && applied == seen ? stalled + 1 : 0;
    seen = applied;
    if (stalled >= kStalledChecks) {
      PG_LOG_WARNING(
          "bus: the stream holds up to {} and nothing after {} was applied for {} ms: following "
          "again from {}",
          range->last, applied, options_.stall_timeout.count(), applied + 1);
      Status followed = FollowFrom(applied + 1);
      if (!followed.ok()) PG_LOG_WARNING("bus: {}", followed.ToString());
      stalled = followed.ok() ? 0 : kStalledChecks - 1;  // failed: again in a second
    }
    lock.lock();
  }
}

void BusPipeline::OnMessage(uint64_t seq, std::string_view id, std::string_view payload) {
  std::lock_guard apply(apply_mu_);
  {
    std::lock_guard lock(mu_);
    if (seq <= applied_) return;  // delivered again after a reconnection
    // Never one out of order: the watchdog follows again from the one missing.
    if (seq != applied_ + 1) return;
  }
  size_t observations = 0;
  Result<state::BatchCounts> counts = ApplyJournalPayload(state_, payload, &observations);
  if (!counts.ok()) {
    // Every node skips it alike, so they stay equal; the publisher's source hears of it.
    PG_LOG_ERROR("bus: message {} cannot be applied and is skipped: {}", seq,
                 counts.status().ToString());
  }
  Done done;
  {
    std::lock_guard lock(mu_);
    applied_ = seq;
    stats_.durable_seq = seq;
    stats_.observations += observations;
    if (auto it = awaiting_.find(seq); it != awaiting_.end()) {
      done = std::move(it->second);
      awaiting_.erase(it);
    } else if (id.starts_with(id_prefix_) && counts.ok()) {
      early_[seq] = *counts;
    }
  }
  cv_.notify_all();  // CatchUp waits for applied_
  if (done) done(counts);
  if (++since_checkpoint_ >= options_.checkpoint_every) WriteCheckpoint();
}

// REQUIRES: apply_mu_ held, so that the bytes and the sequence agree.
void BusPipeline::WriteCheckpoint() {
  uint64_t seq = 0;
  {
    std::lock_guard lock(mu_);
    seq = applied_;
  }
  std::string bytes(kCheckpointMagic);
  bytes += std::to_string(seq) + "\n";
  bytes += state_.Serialize();
  if (Status s = fs_.WriteFileAtomic(options_.checkpoint_path, bytes); !s.ok()) {
    std::lock_guard lock(mu_);
    ++stats_.checkpoint_failures;
    PG_LOG_WARNING("bus: checkpoint {}: {}", options_.checkpoint_path, s.ToString());
    return;
  }
  since_checkpoint_ = 0;
  std::lock_guard lock(mu_);
  ++stats_.checkpoints;
}

void BusPipeline::NoteFault(const Status& error) {
  std::lock_guard lock(mu_);
  if (!stats_.faulted) {
    ++stats_.faults;
    stats_.fault_since = clock_.Now();
    PG_LOG_ERROR("bus: {}; refusing observations until it takes them again", error.ToString());
  }
  stats_.faulted = true;
  stats_.fault = error.message();
  stats_.retry_after_s = 2;
}

void BusPipeline::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (publisher_.joinable()) publisher_.join();
  if (watchdog_.joinable()) watchdog_.join();
  std::lock_guard apply(apply_mu_);
  WriteCheckpoint();
  // Published but never seen applied (the bus went away): their sources retry.
  std::map<uint64_t, Done> left;
  {
    std::lock_guard lock(mu_);
    left.swap(awaiting_);
  }
  for (auto& [seq, done] : left) done(Unavailable("the server is stopping"));
}

PipelineStats BusPipeline::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

int BusPipeline::retry_after_s() const {
  std::lock_guard lock(mu_);
  return stats_.faulted ? stats_.retry_after_s : 0;
}

}  // namespace pg::ingest
