// BusPipeline over an in-memory bus shared by two nodes: the ordering, acknowledgement and
// recovery rules, each on its own; the real NATS server is in tests/cli/scale_out_test.cc.
#include "ingest/bus/bus_pipeline.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <condition_variable>
#include <future>
#include <thread>

#include "journal/observation_codec.h"
#include "tests/support/temp_dir.h"

namespace pg::ingest {
namespace {

const Timestamp test_start = *ParseRfc3339("2026-11-28T08:00:00+08:00");

// The stream every node of a city shares: messages in order, ids stored once.
struct SharedLog {
  std::mutex mu;
  std::condition_variable grew;
  std::vector<std::pair<std::string, std::string>> messages;  // id, payload; seq = index + 1
  uint64_t first = 1;                                         // older ones expired
  bool down = false;
};

// One node's connection to the log: publishes into it, follows it on a thread of its own.
class MemoryBus final : public bus::ObservationBus {
 public:
  explicit MemoryBus(SharedLog& log) : log_(log) {}
  ~MemoryBus() override {
    {
      std::lock_guard lock(log_.mu);
      stop_ = true;
    }
    log_.grew.notify_all();
    if (follower_.joinable()) follower_.join();
  }

  Result<uint64_t> Publish(std::string_view payload, const std::string& id) override {
    std::lock_guard lock(log_.mu);
    if (log_.down) return Unavailable("the bus is down");
    for (size_t i = 0; i < log_.messages.size(); ++i) {
      if (log_.messages[i].first == id) return i + 1;
    }
    log_.messages.emplace_back(id, std::string(payload));
    log_.grew.notify_all();
    return log_.messages.size();
  }

  Status Follow(uint64_t from_seq, Apply apply) override {
    {
      std::lock_guard lock(log_.mu);
      next_ = from_seq;
      apply_ = std::move(apply);
      silent_ = false;
    }
    log_.grew.notify_all();
    if (!follower_.joinable()) follower_ = std::thread([this] { Deliver(); });
    return Status::Ok();
  }

  Result<Range> Sequences() override {
    std::lock_guard lock(log_.mu);
    if (log_.down) return Unavailable("the bus is down");
    return Range{log_.messages.empty() ? 0 : log_.first, log_.messages.size()};
  }
  bool connected() const override {
    std::lock_guard lock(log_.mu);
    return !log_.down;
  }

  // Delivers nothing more until Follow is called again (a follower lost in a failover).
  void GoSilent() {
    std::lock_guard lock(log_.mu);
    silent_ = true;
  }

 private:
  void Deliver() {
    std::unique_lock lock(log_.mu);
    while (true) {
      log_.grew.wait(
          lock, [&] { return stop_ || (!silent_ && !log_.down && next_ <= log_.messages.size()); });
      if (stop_) return;
      const uint64_t seq = next_++;
      const auto [id, payload] = log_.messages[seq - 1];
      Apply apply = apply_;
      lock.unlock();
      apply(seq, id, payload);
      lock.lock();
    }
  }

  SharedLog& log_;
  uint64_t next_ = 1;  // guarded by log_.mu
  Apply apply_;        // guarded by log_.mu
  bool silent_ = false;
  bool stop_ = false;
  std::thread follower_;
};

std::shared_ptr<const registry::Registry> MakeRegistry() {
  model::RegistryData data;
  model::City city;
  city.id = "bus";
  data.city = city;
  for (int i = 0; i < 3; ++i) {
    model::Facility f;
    f.id = model::FacilityId(fmt::format("F{}", i));
    f.capacity.total = 500;
    data.facilities.push_back(f);
  }
  return *registry::Registry::Build(std::move(data));
}

// A node: its live state and its pipeline over its own connection to the shared log.
struct Node {
  Node(SharedLog& log, const std::string& checkpoint)
      : clock(test_start), state(MakeRegistry(), {}, &clock) {
    auto b = std::make_unique<MemoryBus>(log);
    bus = b.get();
    BusPipelineOptions options{.checkpoint_path = checkpoint,
                               .checkpoint_every = 5,
                               .catch_up_timeout = std::chrono::seconds(10),
                               .stall_timeout = std::chrono::milliseconds(300),
                               .clock = &clock};
    auto p = BusPipeline::Open(FileSystem::Default(), std::move(b), state, options, &report);
    status = p.status();
    if (p.ok()) pipeline = std::move(*p);
  }

  // Submits G's count `occupied` with `seq`; the outcome once the pipeline answers.
  Result<state::BatchCounts> Count(int facility, int occupied, int64_t seq) {
    model::Observation o;
    o.type = model::ObservationType::kFacilityCount;
    o.source = model::SourceId("gate");
    o.target = fmt::format("F{}", facility);
    o.time = test_start + std::chrono::seconds(seq);
    o.occupied = occupied;
    o.seq = seq;
    std::string payload;
    const state::BatchContext context{clock.Now(), std::chrono::milliseconds(0)};
    journal::EncodeObservationBatch(
        {journal::Channel::kHttp, context.received, *context.seq_restart_after}, std::span(&o, 1),
        payload);
    std::promise<Result<state::BatchCounts>> answer;
    auto future = answer.get_future();
    pipeline->Submit(std::move(payload), {}, context,
                     [&](Result<state::BatchCounts> r) { answer.set_value(std::move(r)); });
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      return Internal("no answer in 10 s");
    }
    return future.get();
  }

  std::string Bytes() { return state.Serialize(); }

  FakeClock clock;
  state::LiveState state;
  MemoryBus* bus = nullptr;  // owned by the pipeline
  BusRecovery report;
  Status status;
  std::unique_ptr<BusPipeline> pipeline;
};

// Waits until `node` has applied the bus up to `seq`.
bool Applied(Node& node, uint64_t seq) {
  for (int i = 0; i < 200; ++i) {
    if (node.pipeline->stats().durable_seq >= seq) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(BusPipeline, WhatOneNodeAcceptsEveryNodeAppliesAndTheAnswerComesAfter) {
  testing::TempDir dir;
  SharedLog log;
  Node a(log, dir.File("a.ckpt"));
  Node b(log, dir.File("b.ckpt"));
  ASSERT_TRUE(a.status.ok() && b.status.ok()) << a.status.ToString() << b.status.ToString();
  for (int seq = 1; seq <= 12; ++seq) {
    Node& via = seq % 2 ? a : b;
    auto counts = via.Count(seq % 3, 10 * seq, seq);
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    EXPECT_EQ(counts->accepted, 1) << seq;
    EXPECT_GE(via.pipeline->stats().durable_seq, static_cast<uint64_t>(seq));  // applied first
  }
  auto again = a.Count(0, 999, 12);  // the same seq again: stored, applied as a duplicate
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicate, 1);
  ASSERT_TRUE(Applied(b, 13));
  EXPECT_EQ(a.Bytes(), b.Bytes());
}

TEST(BusPipeline, ANodeThatStopsFollowsOnFromItsCheckpoint) {
  testing::TempDir dir;
  SharedLog log;
  Node b(log, dir.File("b.ckpt"));
  {
    Node a(log, dir.File("a.ckpt"));
    for (int seq = 1; seq <= 7; ++seq) ASSERT_TRUE(a.Count(1, seq, seq).ok());
  }  // a stops: its checkpoint holds 7
  for (int seq = 8; seq <= 11; ++seq) ASSERT_TRUE(b.Count(2, seq, seq).ok());
  Node a(log, dir.File("a.ckpt"));
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(a.report.checkpoint_seq, 7u);
  EXPECT_EQ(a.report.applied, 4u);
  EXPECT_EQ(a.report.caught_up_to, 11u);
  EXPECT_EQ(a.Bytes(), b.Bytes());
}

TEST(BusPipeline, WhileTheBusIsDownSubmissionsAreRefusedWithAHint) {
  testing::TempDir dir;
  SharedLog log;
  Node a(log, dir.File("a.ckpt"));
  ASSERT_TRUE(a.Count(0, 1, 1).ok());
  {
    std::lock_guard lock(log.mu);
    log.down = true;
  }
  auto refused = a.Count(0, 2, 2);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_GT(refused.status().retry_after().count(), 0);
  EXPECT_TRUE(a.pipeline->stats().faulted);
  {
    std::lock_guard lock(log.mu);
    log.down = false;
  }
  log.grew.notify_all();
  auto accepted = a.Count(0, 3, 3);
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  EXPECT_FALSE(a.pipeline->stats().faulted);
  EXPECT_EQ(log.messages.size(), 2u) << "nothing refused reached the bus";
}

TEST(BusPipeline, AFollowerThatFallsSilentIsFollowedAgainInOrder) {
  testing::TempDir dir;
  SharedLog log;
  Node a(log, dir.File("a.ckpt"));
  Node b(log, dir.File("b.ckpt"));
  ASSERT_TRUE(a.Count(0, 1, 1).ok());
  ASSERT_TRUE(Applied(b, 1));
  b.bus->GoSilent();
  for (int seq = 2; seq <= 5; ++seq) ASSERT_TRUE(a.Count(0, seq, seq).ok());
  ASSERT_TRUE(Applied(b, 5)) << "the watchdog follows the bus again";
  EXPECT_EQ(a.Bytes(), b.Bytes());
}

TEST(BusPipeline, ACheckpointAheadOfTheBusOrPastWhatItKeepsIsRefused) {
  testing::TempDir dir;
  SharedLog log;
  {
    Node a(log, dir.File("a.ckpt"));
    for (int seq = 1; seq <= 6; ++seq) ASSERT_TRUE(a.Count(0, seq, seq).ok());
  }
  SharedLog lost;  // the stream made anew: empty
  Node ahead(lost, dir.File("a.ckpt"));
  EXPECT_EQ(ahead.status.code(), StatusCode::kDataLoss) << ahead.status.ToString();
  EXPECT_NE(ahead.status.message().find("ahead"), std::string::npos);

  SharedLog expired;  // keeps only from 3 on: a node with no checkpoint cannot begin
  for (int i = 0; i < 6; ++i) expired.messages.emplace_back(std::to_string(i), "x");
  expired.first = 3;
  Node late(expired, dir.File("new.ckpt"));
  EXPECT_EQ(late.status.code(), StatusCode::kDataLoss) << late.status.ToString();
  EXPECT_NE(late.status.message().find("no longer holds messages 1 to 2"), std::string::npos)
      << late.status.message();
}

}  // namespace
}  // namespace pg::ingest
