#include "api/route_api.h"

#include <nlohmann/json.hpp>

#include "api/problem_responses.h"
#include "api/route_json.h"
#include "routing/query_pool.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

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
    auto crs = CrsParam(req);
    if (!crs.ok()) return ProblemFromStatus(crs.status());
    auto from = RequiredPoint(req, "from", *crs);
    if (!from.ok()) return ProblemFromStatus(from.status());
    auto to = RequiredPoint(req, "to", *crs);
    if (!to.ok()) return ProblemFromStatus(to.status());
    routing::Mode mode = routing::Mode::kCar;
    if (auto text = req.Query("mode")) {
      auto parsed = graph::ParseMode(*text, "mode");
      if (!parsed.ok()) return ProblemFromStatus(parsed.status());
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
    if (!from_snap.ok()) return UnsnappableProblem(from_snap.status());
    auto to_snap = network_->Snap(mode, *to, kMaxSnapDistanceM, "to");
    if (!to_snap.ok()) return UnsnappableProblem(to_snap.status());
    routing::QueryPool& pool = mode == routing::Mode::kCar ? *car_ : *foot_;
    auto query = pool.Acquire();
    auto route = query->FindRoute(*from_snap, *to_snap);
    if (!route.ok()) {
      return Response::Problem(422, "No Route", route.status().message(), {},
                               "urn:parkguide:problem:no-route");
    }
    // Render.
    json body{{"mode", graph::ModeName(mode)},
              {"time_s", RoundTo(route->cost.travel_time_s(), 10)},
              {"distance_m", RoundTo(route->cost.distance_m(), 10)},
              {"from", SnappedPointJson(*from_snap, *crs)},
              {"to", SnappedPointJson(*to_snap, *crs)},
              {"geometry", LineStringJson(route->geometry, *crs)}};
    return JsonResponse(200, std::move(body));
  }

 private:
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
