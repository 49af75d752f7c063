// The live picture as Prometheus metrics (GET /metrics): facilities by live state, each source's
// observations by outcome since the journal began, its silence and its newest accepted batch.
//
//   collectors.push_back([&](PrometheusText& out) { state::AppendLiveMetrics(live, now, out); });
//
// Reads one snapshot; never the store.
#pragma once

#include "core/clock.h"
#include "core/prometheus_text.h"
#include "state/live_state.h"

namespace pg::state {

void AppendLiveMetrics(const LiveState& live, Timestamp now, PrometheusText& out);

}  // namespace pg::state
