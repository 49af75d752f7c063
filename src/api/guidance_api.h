// GuidanceApi: GET /api/v1/guidance?dest=lat,lon[&origin=lat,lon&arrive=…&stay=…&vehicle=car|ev
// &connector=GBT_DC&accessible=1&height=…&max_walk=…&limit=…&lang=zh|en&explain=1] — where to
// park near a destination, ranked by expected total cost (docs/guidance.md).
//
// parse → validate (ParseGuidanceRequest) → Guide::Answer over the current live snapshot and the
// forecasts → render (GuidanceJson). Errors, as problem+json naming the parameter:
//   400  a parameter missing, malformed or out of range;
//   422  urn:parkguide:problem:unsnappable-point — no footway within 500 m of `dest`, or no car
//        road within 500 m of `origin`;
//   503  urn:parkguide:problem:no-road-graph — the city has no graph file yet.
//
// Thread-safety: handlers run concurrently; the Guide is immutable and leases query objects.
#pragma once

#include <atomic>

#include <string>
#include <utility>
#include <vector>

#include "api/http/server.h"
#include "core/clock.h"
#include "core/crs.h"
#include "forecast/service.h"
#include "guidance/guidance.h"
#include "state/live_state.h"

namespace pg::api {

struct GuidanceApiContext {
  const guidance::Guide* guide = nullptr;  // null: the city has no road graph (503)
  const state::LiveState* live = nullptr;  // required
  const forecast::ArrivalForecaster* forecaster = nullptr;  // may be null: live data only
  const Clock* clock = nullptr;                             // required
  // Counts every answered query when set (the weekly report's "guidance queries served").
  std::atomic<int64_t>* answered = nullptr;
};

// A request as its asker gave it: the guidance request in WGS-84, and the coordinate system
// its points were given in and its answer is to be shown in (`crs`).
struct GuidanceQuery {
  guidance::GuidanceRequest request;
  Crs crs = Crs::kWgs84;
};

// The request from query parameters (name, value), as the API and the CLI take them.
// Errors: kInvalidArgument naming the parameter (`dest` required; ranges in docs/guidance.md).
Result<GuidanceQuery> ParseGuidanceRequest(
    const std::vector<std::pair<std::string, std::string>>& query, Timestamp now);

// The answer as the API's JSON document, its points in `crs`; times in the city's zone.
// Deterministic: the same answer gives the same bytes.
std::string GuidanceJson(const guidance::GuidanceAnswer& answer, const registry::Registry& reg,
                         const guidance::GuidanceParams& params, Crs crs = Crs::kWgs84);

// REQUIRES: context.live and context.clock set; everything outlives `server`.
void RegisterGuidanceApi(http::Server& server, const GuidanceApiContext& context);

}  // namespace pg::api
