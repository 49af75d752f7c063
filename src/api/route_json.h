// What the route and guidance endpoints share: reading a "lat,lon" query parameter, rendering
// snapped points and paths as JSON, and the problems of bad and unsnappable points.
//
//   auto dest = RequiredPoint(req, "dest");
//   if (!dest.ok()) return ProblemFromStatus(dest.status());
//   auto snap = network.Snap(Mode::kFoot, *dest, kMaxSnapDistanceM, "dest");
//   if (!snap.ok()) return UnsnappableProblem(snap.status());
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string_view>

#include "api/http/message.h"
#include "core/crs.h"
#include "core/geo.h"
#include "core/status.h"
#include "routing/road_network.h"

namespace pg::api {

// Rounds to 1/scale; dividing by the exact scale gives the double nearest the decimal, which the
// JSON writer then prints in its shortest form (113.84, not 113.83999999999999).
double RoundTo(double value, double scale);

// The query parameter `name` as lat,lon given in `crs`, in WGS-84. Errors: kInvalidArgument
// naming `name` when it is missing or malformed.
Result<LatLon> RequiredPoint(const http::Request& req, std::string_view name, Crs crs);

// {"lat": …, "lon": …, "snap_distance_m": …} of where a point landed on the road, shown in `crs`.
nlohmann::json SnappedPointJson(const routing::SnappedPoint& p, Crs crs);

// A GeoJSON LineString of WGS-84 `points` shown in `crs` ([lon, lat] pairs, to 1e-7 degrees).
nlohmann::json LineStringJson(std::span<const LatLon> points, Crs crs);

// The answer to a failed snap: 400 for an invalid coordinate, else 422
// urn:parkguide:problem:unsnappable-point naming the field.
http::Response UnsnappableProblem(const Status& s);

}  // namespace pg::api
