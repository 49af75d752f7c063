// RouteApi: GET /api/v1/route?from=lat,lon&to=lat,lon&mode=car|foot — travel time (s), distance
// (m) and the route as a GeoJSON LineString, over the city's road graph.
//
// parse → validate → snap both ends → one contraction-hierarchy query (a pooled per-thread query
// object) → render. Errors, as problem+json naming the parameter:
//   400  from / to missing or not "lat,lon"; mode not car or foot;
//   422  urn:parkguide:problem:unsnappable-point — no road of that mode within
//        kMaxSnapDistanceM of `from` or `to` (invalid_params names which);
//   422  urn:parkguide:problem:no-route — both ends snap, but no route joins them (islands,
//        through traffic on destination-only roads);
//   503  urn:parkguide:problem:no-road-graph — the city has no graph file yet.
//
// Thread-safety: handlers run concurrently; the network is immutable and query objects are
// leased one per request.
#pragma once

#include <memory>

#include "api/http/server.h"
#include "routing/road_network.h"

namespace pg::api {

// How far a requested point may be from the nearest usable road.
inline constexpr double kMaxSnapDistanceM = 500;

// Registers GET /api/v1/route. `network` may be null (a city without a road graph): the route
// answers 503 then, and every other endpoint is unaffected.
// REQUIRES: called before server.Start().
void RegisterRouteApi(http::Server& server, std::shared_ptr<const routing::RoadNetwork> network);

}  // namespace pg::api
