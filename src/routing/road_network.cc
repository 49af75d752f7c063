#include "routing/road_network.h"

#include <fmt/format.h>

#include <algorithm>

#include "graph/segment_index.h"

namespace pg::routing {

Result<std::shared_ptr<const RoadNetwork>> RoadNetwork::Open(
    const std::string& path, const graph::GraphOpenOptions& options) {
  PG_ASSIGN_OR_RETURN(auto file, graph::MappedGraphFile::Open(path, options));
  std::shared_ptr<RoadNetwork> network(new RoadNetwork());
  network->car_ = file->View(Mode::kCar);
  network->foot_ = file->View(Mode::kFoot);
  network->fingerprint_ = file->source_fingerprint();
  network->file_ = std::move(file);
  return std::shared_ptr<const RoadNetwork>(std::move(network));
}

std::shared_ptr<const RoadNetwork> RoadNetwork::FromGraphs(graph::RoadGraphs graphs,
                                                           uint64_t fingerprint) {
  std::shared_ptr<RoadNetwork> network(new RoadNetwork());
  network->owned_ = std::make_unique<graph::RoadGraphs>(std::move(graphs));
  network->car_ = network->owned_->car.View();
  network->foot_ = network->owned_->foot.View();
  network->fingerprint_ = fingerprint;
  return network;
}

Result<SnappedPoint> RoadNetwork::Snap(Mode mode, const LatLon& p, double max_distance_m,
                                       std::string_view field) const {
  PG_RETURN_IF_ERROR(ValidateLatLon(p, field));
  std::optional<graph::NearestSegment> nearest =
      graph::FindNearestSegment(View(mode), p, max_distance_m);
  if (!nearest) {
    return NotFound(
        fmt::format("no {} road within {:.0f} m of {:.6f},{:.6f}",
                    mode == Mode::kCar ? "drivable" : "walkable", max_distance_m, p.lat, p.lon),
        std::string(field));
  }
  SnappedPoint s;
  s.mode = mode;
  s.segment = nearest->segment;
  s.fraction = nearest->fraction;
  s.requested = p;
  s.location = nearest->point;
  s.snap_distance_m = nearest->distance_m;
  return s;
}

SnappedPoint RoadNetwork::PointOnSegment(Mode mode, uint32_t segment, double fraction) const {
  const graph::ModeGraphView& g = View(mode);
  PG_ASSERT(segment < g.segment_count());
  fraction = std::clamp(fraction, 0.0, 1.0);
  const auto pts = g.SegmentPoints(segment);
  double total = 0;
  for (size_t i = 0; i + 1 < pts.size(); ++i) {
    total += HaversineMeters(pts[i].ToLatLon(), pts[i + 1].ToLatLon());
  }
  LatLon location = pts.front().ToLatLon();
  double walked = 0;
  const double wanted = fraction * total;
  for (size_t i = 0; i + 1 < pts.size(); ++i) {
    const LatLon a = pts[i].ToLatLon(), b = pts[i + 1].ToLatLon();
    const double len = HaversineMeters(a, b);
    if (walked + len >= wanted || i + 2 == pts.size()) {
      const double t = len > 0 ? std::clamp((wanted - walked) / len, 0.0, 1.0) : 0;
      location = {a.lat + t * (b.lat - a.lat), a.lon + t * (b.lon - a.lon)};
      break;
    }
    walked += len;
  }
  SnappedPoint s;
  s.mode = mode;
  s.segment = segment;
  s.fraction = fraction;
  s.requested = location;
  s.location = location;
  s.snap_distance_m = 0;
  return s;
}

}  // namespace pg::routing
