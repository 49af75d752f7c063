// Glue between the live state and the forecast service, kept out of app.cc so either side can
// change with a small edit here: which series are forecast, the live value of each, and the
// charging-site samples the history recorder stores.
//
// Thread-safety: LiveStateReader reads immutable snapshots; safe from any thread.
#pragma once

#include <vector>

#include "forecast/service.h"
#include "model/history.h"
#include "registry/registry.h"
#include "state/live_state.h"

namespace pg::app {

// Every facility with a capacity, and every charging site of in-service chargers.
std::vector<forecast::SeriesKey> ForecastSeries(const registry::Registry& registry);

// Busy connectors per charging site at `now`, recorded at `slot` (sites with no connector that
// may be believed now — state::ViewCharger — are left out).
std::vector<model::ChargerSiteSample> ChargerSiteSamples(const registry::Registry& registry,
                                                         const state::LiveSnapshot& snapshot,
                                                         Timestamp slot, Timestamp now,
                                                         const state::LiveRules& rules);

class LiveStateReader final : public forecast::LiveReader {
 public:
  // `live` and `clock` must outlive the reader.
  LiveStateReader(const state::LiveState& live, const Clock& clock) : live_(live), clock_(clock) {}
  std::optional<forecast::LiveValue> Current(const forecast::SeriesKey& key) const override;

 private:
  const state::LiveState& live_;
  const Clock& clock_;
};

}  // namespace pg::app
