// RoadsApi: GET /api/v1/roads?bbox=west,south,east,north&mode=car|foot&limit=N — the road
// network's geometry as compact polylines, so the dashboard can draw the city's streets from the
// graph file with no tile server (the dashboard must work offline).
//
//   {"mode": "car", "bbox": [w, s, e, n], "count": 2, "truncated": false,
//    "roads": [[lon, lat, lon, lat, ...], ...]}
//
// Each road is one graph segment (a stretch of one OSM way between junctions) as a flat array of
// lon, lat pairs (GeoJSON order, 6 decimals ≈ 0.1 m). `bbox` in the answer is the query's, or the
// whole network's when none was given. A segment is included when its bounding box meets the
// query's. At most `limit` segments (default 200,000, at most 1,000,000), in segment order;
// `truncated` says when more would have matched.
//
// parse → validate → scan the segments (linear; ~10 ms per million points) → render. Errors, as
// problem+json naming the parameter: 400 bbox not "w,s,e,n", mode not car or foot, limit not in
// 1–1,000,000; 503 urn:parkguide:problem:no-road-graph when the city has no graph file.
//
// Thread-safety: handlers run concurrently; the network is immutable.
#pragma once

#include <memory>

#include "api/http/server.h"
#include "routing/road_network.h"

namespace pg::api {

// Registers GET /api/v1/roads. `network` may be null (a city without a road graph): 503 then.
// REQUIRES: called before server.Start().
void RegisterRoadsApi(http::Server& server, std::shared_ptr<const routing::RoadNetwork> network);

}  // namespace pg::api
