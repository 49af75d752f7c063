#include "api/route_api.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "routing/query_pool.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// Rounds to 1/scale; dividing by the exact scale gives the double nearest the decimal, which the
// JSON writer then prints in its shortest form (113.84, not 113.83999999999999).
double Round(double value, double scale) { return std::round(value * scale) / scale; }

json EndJson(const routing::SnappedPoint& p) {
  return {{"lat", Round(p.location.lat, 1e7)},
          {"lon", Round(p.location.lon, 1e7)},
          {"snap_distance_m", Round(p.snap_distance_m, 10)}};
}

class RouteHandler {
 public:
  explicit RouteHandler(std::shared_ptr<const routing::RoadNetwork> network)
      : network_(std::move(network)) {
    if (network_) {
      car_ = std::make_unique<routing::QueryPool>(network_, routing::Mode::kCar);
      foot_ = std::make_unique<routing::QueryPool>(network_, routing::Mode::kFoot);
    }
  }

  Response Handle(const Request& req) const {
    // Parse and validate.
    auto from = Point(req, "from");
    if (!from.ok()) return BadRequest(from.status());
    auto to = Point(req, "to");
    if (!to.ok()) return BadRequest(to.status());
    routing::Mode mode = routing::Mode::kCar;
    if (auto text = req.Query("mode")) {
      auto parsed = graph::ParseMode(*text, "mode");
      if (!parsed.ok()) return BadRequest(parsed.status());
      mode = *parsed;
    }
    if (!network_) {
      return Response::Problem(503, "Service Unavailable",
                               "this city has no road graph: build it with `parkguide "
                               "build-roads CITY.osm.pbf --db CITY.db`",
                               {}, "urn:parkguide:problem:no-road-graph");
    }
    // Snap and route.
    auto from_snap = network_->Snap(mode, *from, kMaxSnapDistanceM, "from");
    if (!from_snap.ok()) return Unsnappable(from_snap.status());
    auto to_snap = network_->Snap(mode, *to, kMaxSnapDistanceM, "to");
    if (!to_snap.ok()) return Unsnappable(to_snap.status());
    routing::QueryPool& pool = mode == routing::Mode::kCar ? *car_ : *foot_;
    auto query = pool.Acquire();
    auto route = query->FindRoute(*from_snap, *to_snap);
    if (!route.ok()) {
      return Response::Problem(422, "No Route", route.status().message(), {},
                               "urn:parkguide:problem:no-route");
    }
    // Render.
    json coordinates = json::array();
    for (const LatLon& p : route->geometry) {
      coordinates.push_back({Round(p.lon, 1e7), Round(p.lat, 1e7)});
    }
    json body{{"mode", graph::ModeName(mode)},
              {"time_s", Round(route->cost.travel_time_s(), 10)},
              {"distance_m", Round(route->cost.distance_m(), 10)},
              {"from", EndJson(*from_snap)},
              {"to", EndJson(*to_snap)},
              {"geometry", {{"type", "LineString"}, {"coordinates", std::move(coordinates)}}}};
    return Response::Json(200, body.dump());
  }

 private:
  static Result<LatLon> Point(const Request& req, std::string_view name) {
    auto text = req.Query(name);
    if (!text) return InvalidArgument("required, as lat,lon", std::string(name));
    return ParseLatLon(*text, name);
  }

  static Response BadRequest(const Status& s) {
    return Response::Problem(400, "Bad Request", fmt::format("{}: {}", s.field(), s.message()),
                             s.field());
  }

  static Response Unsnappable(const Status& s) {
    if (s.code() == StatusCode::kInvalidArgument) return BadRequest(s);
    return Response::Problem(422, "Unsnappable Point",
                             fmt::format("{}: {}", s.field(), s.message()), s.field(),
                             "urn:parkguide:problem:unsnappable-point");
  }

  std::shared_ptr<const routing::RoadNetwork> network_;
  std::unique_ptr<routing::QueryPool> car_;
  std::unique_ptr<routing::QueryPool> foot_;
};

}  // namespace

void RegisterRouteApi(http::Server& server, std::shared_ptr<const routing::RoadNetwork> network) {
  auto handler = std::make_shared<RouteHandler>(std::move(network));
  server.Route("GET", "/api/v1/route",
               [handler](const Request& req) { return handler->Handle(req); });
}

}  // namespace pg::api
