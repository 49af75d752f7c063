#include "api/route_json.h"

#include <fmt/format.h>

#include <cmath>

namespace pg::api {

double RoundTo(double value, double scale) { return std::round(value * scale) / scale; }

Result<LatLon> RequiredPoint(const http::Request& req, std::string_view name) {
  auto text = req.Query(name);
  if (!text) return InvalidArgument("required, as lat,lon", std::string(name));
  return ParseLatLon(*text, name);
}

nlohmann::json SnappedPointJson(const routing::SnappedPoint& p) {
  return {{"lat", RoundTo(p.location.lat, 1e7)},
          {"lon", RoundTo(p.location.lon, 1e7)},
          {"snap_distance_m", RoundTo(p.snap_distance_m, 10)}};
}

nlohmann::json LineStringJson(std::span<const LatLon> points) {
  nlohmann::json coordinates = nlohmann::json::array();
  for (const LatLon& p : points) coordinates.push_back({RoundTo(p.lon, 1e7), RoundTo(p.lat, 1e7)});
  return {{"type", "LineString"}, {"coordinates", std::move(coordinates)}};
}

http::Response BadRequest(const Status& s) {
  return http::Response::Problem(400, "Bad Request", fmt::format("{}: {}", s.field(), s.message()),
                                 s.field());
}

http::Response UnsnappableProblem(const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument) return BadRequest(s);
  return http::Response::Problem(422, "Unsnappable Point",
                                 fmt::format("{}: {}", s.field(), s.message()), s.field(),
                                 "urn:parkguide:problem:unsnappable-point");
}

}  // namespace pg::api
