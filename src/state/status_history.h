// StatusHistory: the bay sensor and charger connector changes between successive live snapshots,
// as the store keeps them (store::OccupancyHistoryWriter::AppendBayEvents / AppendChargerStatus)
// for turnover, dwell, overstays, fault hours and time to restore in the weekly report.
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

#include <map>
#include <string>
#include <vector>

#include "model/history.h"
#include "state/live_state.h"

namespace pg::state {

class StatusHistory {
 public:
  // What a source's health counters gained since the previous Diff.
  struct SourceDelta {
    std::string source;
    uint64_t anomalies = 0;    // duplicates, out of order, unknown targets, clamped counts
    uint64_t corrections = 0;  // drift corrections of entry/exit counts
  };
  struct Changes {
    std::vector<model::BayEvent> bays;
    std::vector<model::ChargerStatusEvent> connectors;
    // Empty on the first Diff, which only takes the counters' starting point (they count from
    // the journal's beginning, so a restart must not record them again).
    std::vector<SourceDelta> sources;
  };
  Changes Diff(const LiveSnapshot& snapshot);

 private:
  const StateIndex* index_ = nullptr;  // of the previous snapshot; a new registry starts over
  std::vector<BayLive> bays_;
  std::vector<ConnectorLive> connectors_;
  bool sources_seen_ = false;
  std::map<std::string, std::pair<uint64_t, uint64_t>> source_totals_;  // anomalies, corrections
};

}  // namespace pg::state
