// SensorFeed: the simulated sensors of a city and the ingestion path they report through — a
// LiveState fed by the real IngestService and IngestPipeline, with its journal in a temporary
// directory (under /dev/shm when there is one: the journal's fsyncs are then free, and nothing
// is kept after the run).
//
// Each facility has one source of one kind (docs/simulation.md "Sensors"):
//   kGate       a gate system counting in and out: its count {free, occupied} every 30–60 s
//               (an interval drawn per facility), arriving 1–5 s after it was taken;
//   kOnChange   bay sensors behind a gateway (on-street zones): the zone's count a few seconds
//               (2–10) after each change, and a heartbeat every 5 minutes;
//   kNone       no live feed (a share of the facilities, as in real cities).
// The feed samples the true counts the engine tells it about, so the engine must call
// AdvanceTo(t) before it changes any count at t.
//
//   PG_ASSIGN_OR_RETURN(auto feed, SensorFeed::Open(city, clock, seed, params));
//   feed->AdvanceTo(t);  feed->CountChanged(f, occupied, t);
//   auto snapshot = feed->live().Snapshot();
//
// Thread-safety: one thread drives a feed; the pipeline's committer thread is waited for after
// every batch, so applied state is a deterministic function of the calls.
#pragma once

#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "core/clock.h"
#include "ingest/core/ingest_service.h"
#include "ingest/core/keys.h"
#include "ingest/core/pipeline.h"
#include "simulation/random.h"
#include "simulation/sim_city.h"
#include "state/live_state.h"

namespace pg::simulation {

enum class FeedKind { kGate, kOnChange, kNone };

struct FeedParams {
  double unfed_share = 0.25;  // facilities with no live feed
  int gate_interval_min_s = 30;
  int gate_interval_max_s = 60;
  int gate_delay_min_s = 1;
  int gate_delay_max_s = 5;
  int sensor_delay_min_s = 2;
  int sensor_delay_max_s = 10;
  int heartbeat_s = 300;
};

struct FeedStats {
  uint64_t batches = 0;
  uint64_t observations = 0;
  uint64_t refused = 0;  // batches the ingest service refused (a bug of the feed if ever > 0)
};

class SensorFeed {
 public:
  // Opens the ingestion path with every facility's initial count (`occupied`) reported at
  // `start`. Errors: those of creating the journal directory and of IngestPipeline::Open.
  static Result<std::unique_ptr<SensorFeed>> Open(const SimCity& city, FakeClock& clock,
                                                  uint64_t seed, const FeedParams& params,
                                                  const std::vector<int>& occupied,
                                                  Timestamp start);
  ~SensorFeed();  // stops the pipeline and removes the journal directory
  SensorFeed(const SensorFeed&) = delete;
  SensorFeed& operator=(const SensorFeed&) = delete;

  // Takes every sample and delivers every report due at or before `t`, in time order, each
  // through the ingest service, setting the clock to its arrival. Errors: a batch the service
  // refused (the message says why).
  Status AdvanceTo(Timestamp t);
  // Facility `f`'s true count is `occupied` from `t` on. REQUIRES: AdvanceTo(t) was called.
  void CountChanged(int f, int occupied, Timestamp t);

  FeedKind kind(int f) const { return kinds_[f]; }
  const std::vector<FeedKind>& kinds() const { return kinds_; }
  state::LiveState& live() { return *live_; }
  const FeedStats& stats() const { return stats_; }

 private:
  struct Due {
    int64_t at_ms = 0;
    uint64_t order = 0;  // ties in insertion order
    int facility = 0;
    bool sample = false;   // a gate's periodic sample (else a delivery)
    int occupied = 0;      // deliveries
    int64_t taken_ms = 0;  // deliveries: when the count was taken
    bool operator>(const Due& o) const {
      return at_ms != o.at_ms ? at_ms > o.at_ms : order > o.order;
    }
  };

  SensorFeed(const SimCity& city, FakeClock& clock, const FeedParams& params);
  void Push(Due due);
  Status Deliver(const Due& due);
  int64_t Delay(int f, int lo_s, int hi_s);

  const SimCity& city_;
  FakeClock& clock_;
  const FeedParams params_;
  std::string dir_;
  std::unique_ptr<state::LiveState> live_;
  ingest::KeyRing keys_;
  std::unique_ptr<ingest::IngestPipeline> pipeline_;
  std::unique_ptr<ingest::IngestService> service_;
  std::vector<std::unique_ptr<ingest::Principal>> principals_;  // by facility
  std::vector<FeedKind> kinds_;
  std::vector<int> interval_s_;
  std::vector<int> truth_;
  std::vector<int64_t> seq_;
  std::vector<Rng> rng_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  uint64_t order_ = 0;
  FeedStats stats_;
};

}  // namespace pg::simulation
