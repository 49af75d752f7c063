#include "api/route_json.h"

#include <fmt/format.h>

#include <cmath>

#include "api/problem_responses.h"

namespace pg::api {

double RoundTo(double value, double scale) { return std::round(value * scale) / scale; }

Result<LatLon> RequiredPoint(const http::Request& req, std::string_view name, Crs crs) {
  auto text = req.Query(name);
  if (!text) return InvalidArgument("required, as lat,lon", std::string(name));
  PG_ASSIGN_OR_RETURN(LatLon given, ParseLatLon(*text, name));
  return ToWgs84(given, crs);
}

nlohmann::json SnappedPointJson(const routing::SnappedPoint& p, Crs crs) {
  const LatLon shown = FromWgs84(p.location, crs);
  return {{"lat", RoundTo(shown.lat, 1e7)},
          {"lon", RoundTo(shown.lon, 1e7)},
          {"snap_distance_m", RoundTo(p.snap_distance_m, 10)}};
}

nlohmann::json LineStringJson(std::span<const LatLon> points, Crs crs) {
  nlohmann::json coordinates = nlohmann::json::array();
  for (const LatLon& inside : points) {
    const LatLon p = FromWgs84(inside, crs);
    coordinates.push_back({RoundTo(p.lon, 1e7), RoundTo(p.lat, 1e7)});
  }
  return {{"type", "LineString"}, {"coordinates", std::move(coordinates)}};
}

http::Response UnsnappableProblem(const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument) return ProblemFromStatus(s);
  ProblemShape shape;
  shape.type = "urn:parkguide:problem:unsnappable-point";
  shape.status = 422;
  shape.title = "Unsnappable Point";
  return ProblemFromStatus(s, shape);
}

}  // namespace pg::api
