// ReadApi: the read side of /api/v1 — city, facilities, bays, chargers, history, health.
//
// Every handler goes parse → validate → read one registry snapshot and one live snapshot →
// render. Bad parameters give 400 problem+json naming the parameter and the reason; unknown ids
// 404. No handler writes.
//
// Thread-safety: handlers run concurrently on the server's io threads; everything they read is
// an immutable snapshot or a thread-safe service.
#pragma once

#include <memory>

#include "api/health.h"
#include "api/http/server.h"
#include "core/clock.h"
#include "state/live_state.h"
#include "store/occupancy_history.h"

namespace pg::api {

struct ApiContext {
  state::LiveState* live = nullptr;  // required; also the source of the current registry
  store::OccupancyHistoryReader* store = nullptr;  // required; history
  const Clock* clock = nullptr;                    // required
  std::string version = "dev";
  // What makes /health "degraded" (health.h); none: always "ok".
  std::vector<HealthCheck> health_checks;
};

// Registers GET /health, /api/v1/city, /api/v1/facilities[/{id}[/history]], /api/v1/bays,
// /api/v1/chargers[/{id}], /api/v1/openapi.json. The signs are signs_api.h's.
// REQUIRES: every pointer in `context` is set and outlives `server`.
void RegisterReadApi(http::Server& server, const ApiContext& context);

}  // namespace pg::api
