// StatusHistory: the bay sensor and charger connector changes between successive live snapshots,
// as the store keeps them (store::Store::AppendBayEvents / AppendChargerStatus) for turnover,
// dwell, overstays, fault hours and time to restore in the weekly report.
//
// A bay's change carries the time its new state began (BayLive::since), so sampling the snapshot
// every few seconds loses only flips shorter than the sampling period; a connector's change
// carries the time of the report that set it. The first Diff reports every known bay and
// connector (re-recording a state already stored replaces it with itself).
//
//   StatusHistory history;
//   auto changes = history.Diff(*live.Snapshot());
//   store.AppendBayEvents(changes.bays);
//
// Thread-safety: not thread-safe; one thread samples.
#pragma once

#include <vector>

#include "model/history.h"
#include "state/live_state.h"

namespace pg::state {

class StatusHistory {
 public:
  struct Changes {
    std::vector<model::BayEvent> bays;
    std::vector<model::ChargerStatusEvent> connectors;
  };
  Changes Diff(const LiveSnapshot& snapshot);

 private:
  const StateIndex* index_ = nullptr;  // of the previous snapshot; a new registry starts over
  std::vector<BayLive> bays_;
  std::vector<ConnectorLive> connectors_;
};

}  // namespace pg::state
