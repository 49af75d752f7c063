#include "api/roads_api.h"
#include "api/problem_responses.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <iterator>

#include "core/strings.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;

constexpr int kDefaultLimit = 200'000;
constexpr int kMaxLimit = 1'000'000;

// The bounding box in 1e-7 degrees, inclusive.
struct FixedBox {
  int32_t min_lat = INT32_MAX, min_lon = INT32_MAX, max_lat = INT32_MIN, max_lon = INT32_MIN;

  void Extend(const graph::FixedPoint& p) {
    min_lat = std::min(min_lat, p.lat_e7);
    max_lat = std::max(max_lat, p.lat_e7);
    min_lon = std::min(min_lon, p.lon_e7);
    max_lon = std::max(max_lon, p.lon_e7);
  }
  bool Meets(const FixedBox& o) const {
    return min_lat <= o.max_lat && o.min_lat <= max_lat && min_lon <= o.max_lon &&
           o.min_lon <= max_lon;
  }
  bool empty() const { return min_lat > max_lat; }
};

int32_t ToE7(double degrees) { return static_cast<int32_t>(std::lround(degrees * 1e7)); }

FixedBox ToFixed(const BoundingBox& b) {
  return FixedBox{ToE7(b.min_lat), ToE7(b.min_lon), ToE7(b.max_lat), ToE7(b.max_lon)};
}

// A point of the graph shown in `crs`; WGS-84 ones as stored, without a round trip through double.
graph::FixedPoint Shown(const graph::FixedPoint& p, Crs crs) {
  return crs == Crs::kWgs84 ? p : graph::FixedPoint::From(FromWgs84(p.ToLatLon(), crs));
}

// Degrees from 1e-7 degrees to 6 decimals, without going through a double's rounding.
void AppendDegrees(std::string& out, int32_t e7) {
  int64_t micro = (static_cast<int64_t>(e7) + (e7 >= 0 ? 5 : -5)) / 10;
  if (micro < 0) {
    out += '-';
    micro = -micro;
  }
  fmt::format_to(std::back_inserter(out), "{}.{:06d}", micro / 1'000'000, micro % 1'000'000);
}

class RoadsHandler {
 public:
  explicit RoadsHandler(std::shared_ptr<const routing::RoadNetwork> network)
      : network_(std::move(network)) {}

  Response Handle(const Request& req) const {
    // Parse and validate.
    auto crs = CrsParam(req);
    if (!crs.ok()) return ProblemFromStatus(crs.status());
    std::optional<FixedBox> query_box, given_box;  // WGS-84; in `crs`, as given
    if (auto text = req.Query("bbox")) {
      auto box = ParseBoundingBox(*text, "bbox");
      if (!box.ok()) return BadParam("bbox", box.status().message());
      given_box = ToFixed(*box);
      query_box = ToFixed(ToWgs84(*box, *crs));
    }
    graph::Mode mode = graph::Mode::kCar;
    if (auto text = req.Query("mode")) {
      auto parsed = graph::ParseMode(*text, "mode");
      if (!parsed.ok()) return BadParam("mode", parsed.status().message());
      mode = *parsed;
    }
    int limit = kDefaultLimit;
    if (auto text = req.Query("limit")) {
      auto v = WholeNumber(*text, "limit", 1, kMaxLimit);
      if (!v.ok()) return ProblemFromStatus(v.status());
      limit = *v;
    }
    if (!network_) {
      return Response::Problem(503, "Service Unavailable",
                               "this city has no road graph: build it with `parkguide "
                               "build-roads CITY.osm.pbf --db CITY.db`",
                               {}, "urn:parkguide:problem:no-road-graph");
    }

    // Scan and render.
    const graph::ModeGraphView& view = network_->View(mode);
    std::string roads;
    roads.reserve(1 << 16);
    FixedBox whole;
    int count = 0;
    bool truncated = false;
    for (uint32_t s = 0; s < view.segment_count(); ++s) {
      auto points = view.SegmentPoints(s);
      FixedBox box;
      for (const auto& p : points) box.Extend(p);
      if (!query_box) {
        whole.Extend({box.min_lat, box.min_lon});
        whole.Extend({box.max_lat, box.max_lon});
      }
      if (query_box && !box.Meets(*query_box)) continue;
      if (count == limit) {
        truncated = true;
        if (query_box) break;
        continue;  // keep measuring the whole network's box
      }
      roads += count++ ? ",[" : "[";
      for (size_t i = 0; i < points.size(); ++i) {
        if (i) roads += ',';
        const graph::FixedPoint p = Shown(points[i], *crs);
        AppendDegrees(roads, p.lon_e7);
        roads += ',';
        AppendDegrees(roads, p.lat_e7);
      }
      roads += ']';
    }
    FixedBox shown;
    if (given_box) {
      shown = *given_box;
    } else if (!whole.empty()) {
      for (int32_t lat : {whole.min_lat, whole.max_lat}) {
        for (int32_t lon : {whole.min_lon, whole.max_lon}) shown.Extend(Shown({lat, lon}, *crs));
      }
    }
    std::string body = fmt::format(R"({{"mode":"{}","bbox":[)", graph::ModeName(mode));
    if (shown.empty()) {
      body += "]";
    } else {
      AppendDegrees(body, shown.min_lon);
      body += ',';
      AppendDegrees(body, shown.min_lat);
      body += ',';
      AppendDegrees(body, shown.max_lon);
      body += ',';
      AppendDegrees(body, shown.max_lat);
      body += "]";
    }
    fmt::format_to(std::back_inserter(body), R"(,"count":{},"truncated":{},"roads":[)", count,
                   truncated);
    body += roads;
    body += "]}";
    Response r = Response::Json(200, std::move(body));
    // The graph file does not change while the server runs.
    r.headers.emplace_back("Cache-Control", "public, max-age=3600");
    return r;
  }

 private:
  std::shared_ptr<const routing::RoadNetwork> network_;
};

}  // namespace

void RegisterRoadsApi(http::Server& server, std::shared_ptr<const routing::RoadNetwork> network) {
  auto handler = std::make_shared<RoadsHandler>(std::move(network));
  server.Route("GET", "/api/v1/roads",
               [handler](const Request& req) { return handler->Handle(req); });
}

}  // namespace pg::api
