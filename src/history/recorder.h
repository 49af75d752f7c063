// Recorder: what the store keeps of the live state over time — the occupancy series at fixed
// slots (what forecasts train on), the 5-minute rollups (time-weighted mean, min, max), the bay
// and connector status changes and the sources' anomaly counters (the weekly report), and
// in-process totals as hourly counters (guidance queries).
//
// It subscribes to the live state's events: a facility's new view enters its rollup at the time
// it changed, so the rollups' means are exact between ticks. Tick (every ~10 s) records what only
// time changes — a slot beginning, data going stale, a bay's dwell — and writes what is due.
//
//   history::Recorder recorder(live, store, clock, {.slot = std::chrono::minutes(5)});
//   bus.SubscribeFrom(std::nullopt, [&](const events::EventPtr& e) {
//     recorder.OnEvent(*e);
//     return true;
//   });
//   every 10 s: recorder.Tick();
//
// A store fault is logged and the write retried at the next tick where the data allows (slots
// are written once: a slot whose write failed is tried again until the next slot begins).
//
// Thread-safety: OnEvent (the bus's thread) and Tick (a timer) may run at once; Tick is called
// from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "events/event_bus.h"
#include "model/history.h"
#include "state/live_state.h"
#include "state/rollup.h"
#include "state/status_history.h"
#include "store/counters.h"
#include "store/occupancy_history.h"
#include "store/roles.h"

namespace pg::history {

struct RecorderOptions {
  // The occupancy series' step: one sample per facility and charging site per slot.
  std::chrono::minutes slot{5};
};

// An in-process running total stored as hourly counters (store::CounterWriter::AddToCounter):
// `total` is read each tick and the growth since the last stored value is added to counter `name`.
struct TotalCounter {
  std::string name;
  const std::atomic<int64_t>* total = nullptr;
};

// The store roles the recorder writes: the occupancy history and the counters.
using RecorderStore = store::Roles<store::OccupancyHistoryWriter, store::CounterWriter>;

class Recorder {
 public:
  // `live`, `store`'s store and `clock` must outlive the recorder.
  Recorder(const state::LiveState& live, RecorderStore store, const Clock& clock,
           RecorderOptions options = {});

  // Records the total of `counter` from now on. REQUIRES: before the first Tick.
  void AddTotalCounter(TotalCounter counter);

  // A bus subscriber's callback: takes facility and zone views into their rollups. Quick, never
  // touches the store.
  void OnEvent(const events::Event& event);

  // Samples the live state now and writes what is due: the slot's samples once per slot, the
  // closed rollup buckets, the status changes and counters since the last tick.
  void Tick();

 private:
  void RecordSlot(Timestamp now, const registry::Registry& registry,
                  const state::LiveSnapshot& snapshot);
  void RecordRollups(Timestamp now, const registry::Registry& registry,
                     const state::LiveSnapshot& snapshot);
  void RecordStatusChanges(Timestamp now, const state::LiveSnapshot& snapshot);
  void RecordTotals(Timestamp now);
  void AddCounter(const std::string& name, Timestamp now, int64_t n);

  const state::LiveState& live_;
  store::OccupancyHistoryWriter& history_;
  store::CounterWriter& counters_;
  const Clock& clock_;
  const RecorderOptions options_;

  std::mutex rollups_mu_;
  state::RollupBuilder rollups_;  // guarded by rollups_mu_

  // Tick's thread only.
  Timestamp last_slot_;
  state::StatusHistory status_history_;
  struct Total {
    TotalCounter counter;
    int64_t recorded = 0;
  };
  std::vector<Total> totals_;
};

// Busy connectors per charging site at `now`, recorded at `slot` (sites with no connector that
// may be believed now — state::ViewCharger — are left out).
std::vector<model::ChargerSiteSample> ChargerSiteSamples(const registry::Registry& registry,
                                                         const state::LiveSnapshot& snapshot,
                                                         Timestamp slot, Timestamp now,
                                                         const state::LiveRules& rules);

}  // namespace pg::history
