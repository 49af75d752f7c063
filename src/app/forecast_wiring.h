// Glue between the live state and the forecast service, kept out of app.cc so either side can
// change with a small edit here: which series are forecast and the live value of each.
//
// Thread-safety: LiveStateReader reads immutable snapshots; safe from any thread.
#pragma once

#include <vector>

#include "forecast/service.h"
#include "registry/registry.h"
#include "state/live_state.h"

namespace pg::app {

// Every facility with a capacity, and every charging site of in-service chargers.
std::vector<forecast::SeriesKey> ForecastSeries(const registry::Registry& registry);

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
