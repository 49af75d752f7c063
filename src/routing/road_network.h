// RoadNetwork: the immutable routing index of a city — both modes' graphs (mapped read-only from
// the graph file, or held in memory by tests) — and snapping of coordinates onto them.
//
//   PG_ASSIGN_OR_RETURN(auto network, RoadNetwork::Open("city.graph", {}));
//   PG_ASSIGN_OR_RETURN(SnappedPoint from, network->Snap(Mode::kCar, {43.73, 7.42}, 500, "from"));
//   RouteQuery query(*network, Mode::kCar);          // one per thread, reused
//   PG_ASSIGN_OR_RETURN(Route route, query.FindRoute(from, to));
//
// Units everywhere in routing/: times in milliseconds (`_ms`, integers — the graph's unit, so a
// contraction-hierarchy answer equals the reference Dijkstra's exactly), distances in decimetres
// (`_dm`) internally and metres (`_m`, double) at the edges; `travel_time_s()` and
// `distance_m()` convert.
//
// Thread-safety: immutable after construction; share it as shared_ptr<const RoadNetwork>. Every
// const member may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/geo.h"
#include "core/status.h"
#include "graph/graph_file.h"
#include "graph/road_graph.h"

namespace pg::routing {

using graph::Mode;

// A coordinate placed on a mode's graph: the nearest point of the nearest usable segment.
struct SnappedPoint {
  Mode mode = Mode::kCar;
  uint32_t segment = 0;
  double fraction = 0;  // along the segment's geometry by length, 0..1
  LatLon requested;     // the coordinate asked for
  LatLon location;      // where it lands on the road
  double snap_distance_m = 0;
};

class RoadNetwork {
 public:
  // Maps the graph file at `path` (see graph::MappedGraphFile::Open for the errors).
  static Result<std::shared_ptr<const RoadNetwork>> Open(const std::string& path,
                                                         const graph::GraphOpenOptions& options);
  // Over graphs built in memory (tests, benchmarks); the network owns them.
  static std::shared_ptr<const RoadNetwork> FromGraphs(graph::RoadGraphs graphs,
                                                       uint64_t fingerprint = 0);

  const graph::ModeGraphView& View(Mode mode) const { return mode == Mode::kCar ? car_ : foot_; }
  uint64_t fingerprint() const { return fingerprint_; }
  // The mapped file; nullptr for in-memory graphs.
  const graph::MappedGraphFile* file() const { return file_.get(); }

  // Snaps `p` onto the nearest segment of `mode` within `max_distance_m`.
  // Errors: kInvalidArgument (field `field`) when p is not a valid coordinate; kNotFound (field
  // `field`) when no segment of that mode is that near, saying so in metres.
  Result<SnappedPoint> Snap(Mode mode, const LatLon& p, double max_distance_m,
                            std::string_view field = {}) const;

  // A snapped point at an exact position of a segment (tests and benchmarks pick random
  // positions this way). REQUIRES: segment < View(mode).segment_count(), 0 <= fraction <= 1.
  SnappedPoint PointOnSegment(Mode mode, uint32_t segment, double fraction) const;

 private:
  RoadNetwork() = default;

  std::unique_ptr<graph::MappedGraphFile> file_;
  std::unique_ptr<graph::RoadGraphs> owned_;
  graph::ModeGraphView car_;
  graph::ModeGraphView foot_;
  uint64_t fingerprint_ = 0;
};

}  // namespace pg::routing
