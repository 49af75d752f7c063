#include "state/status_history.h"

namespace pg::state {

StatusHistory::Changes StatusHistory::Diff(const LiveSnapshot& snapshot) {
  Changes out;
  if (index_ != snapshot.index.get()) {
    index_ = snapshot.index.get();
    bays_.assign(snapshot.bays.size(), BayLive{});
    connectors_.assign(snapshot.connectors.size(), ConnectorLive{});
  }
  const auto& reg = index_->registry();
  auto bays = reg.bays();
  for (size_t i = 0; i < snapshot.bays.size() && i < bays.size(); ++i) {
    const BayLive& now = snapshot.bays[i];
    BayLive& was = bays_[i];
    if (!now.known) continue;
    if (!was.known || was.occupied != now.occupied || was.since != now.since) {
      out.bays.push_back({bays[i].id, now.since, now.occupied});
    }
    was = now;
  }
  auto chargers = reg.chargers();
  for (uint32_t c = 0; c < chargers.size(); ++c) {
    for (uint32_t k = 0; k < index_->connector_count(c); ++k) {
      uint32_t slot = index_->connector_first(c) + k;
      if (slot >= snapshot.connectors.size()) continue;
      const ConnectorLive& now = snapshot.connectors[slot];
      ConnectorLive& was = connectors_[slot];
      if (!now.known) continue;
      if (!was.known || was.status != now.status) {
        out.connectors.push_back({chargers[c].id, static_cast<int>(k), now.updated, now.status});
      }
      was = now;
    }
  }
  for (const SourceStats& s : snapshot.sources) {
    uint64_t anomalies = s.duplicate + s.out_of_order + s.unknown_target + s.underflow + s.overflow;
    auto [it, fresh] = source_totals_.try_emplace(s.id, anomalies, s.corrections);
    if (fresh && !sources_seen_) continue;
    SourceDelta d{s.id, anomalies - std::min(anomalies, it->second.first),
                  s.corrections - std::min(s.corrections, it->second.second)};
    if (fresh) d = {s.id, anomalies, s.corrections};  // a source first seen now
    it->second = {anomalies, s.corrections};
    if (d.anomalies > 0 || d.corrections > 0) out.sources.push_back(std::move(d));
  }
  sources_seen_ = true;
  return out;
}

}  // namespace pg::state
