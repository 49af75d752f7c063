// The contraction hierarchy against plain Dijkstra on the real extracts in ../shared/data
// (Monaco and Liechtenstein), through the graph file as the server reads it: at least 10,000
// random pairs per extract and mode, one-to-many against point-to-point, paths checked turn by
// turn and against the route-end rule, snapping against a look at every segment, every car
// segment reached and left; and Liechtenstein's Rheindamm, a destination-only road with an open
// service loop behind it. Without ../shared/data these tests skip — and fail in CI.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "graph/graph_file.h"
#include "graph/segment_index.h"
#include "graph_build/graph_builder.h"
#include "osm/road_extract.h"
#include "routing/dijkstra.h"
#include "routing/route_query.h"
#include "tests/support/temp_dir.h"

namespace pg::routing {
namespace {

struct Extract {
  const char* name;
  const char* path;  // under ../shared/data
};
constexpr Extract kExtracts[] = {
    {"monaco", "osm-monaco/monaco-2025-02-11.osm.pbf"},
    {"liechtenstein", "osm-liechtenstein/liechtenstein-2024-03-04.osm.pbf"},
};

struct Loaded {
  std::shared_ptr<const RoadNetwork> network;
  BoundingBox box;
};

// Builds each extract once per test program, writes its graph file and maps it back.
const Loaded* Load(const Extract& extract) {
  static std::map<std::string, Loaded> cache;
  static testing::TempDir dir;
  const std::string data = testing::SharedDataDir();
  if (data.empty()) return nullptr;
  auto it = cache.find(extract.name);
  if (it != cache.end()) return &it->second;
  auto roads = osm::ReadRoadExtract(data + "/" + extract.path);
  EXPECT_TRUE(roads.ok()) << roads.status().ToString();
  if (!roads.ok()) return nullptr;
  const std::string path = dir.File(std::string(extract.name) + ".graph");
  EXPECT_TRUE(graph::WriteGraphFile(path, graph::BuildRoadGraphs(*roads), 42, "{}").ok());
  auto network = RoadNetwork::Open(path, {.expected_fingerprint = 42});
  EXPECT_TRUE(network.ok()) << network.status().ToString();
  if (!network.ok()) return nullptr;
  Loaded loaded{*network, roads->header_bbox.value_or(BoundingBox{})};
  return &cache.emplace(extract.name, std::move(loaded)).first->second;
}

// Random route ends: positions along random segments, and random coordinates in the extract's
// box snapped to the nearest road (those may land anywhere on a segment, ends included).
std::vector<SnappedPoint> RandomPoints(const Loaded& l, Mode mode, int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  const uint32_t segments = l.network->View(mode).segment_count();
  std::vector<SnappedPoint> points;
  while (static_cast<int>(points.size()) < count) {
    if (points.size() % 2 == 0) {
      points.push_back(
          l.network->PointOnSegment(mode, static_cast<uint32_t>(rng() % segments), unit(rng)));
      continue;
    }
    const LatLon p{l.box.min_lat + unit(rng) * (l.box.max_lat - l.box.min_lat),
                   l.box.min_lon + unit(rng) * (l.box.max_lon - l.box.min_lon)};
    auto snapped = l.network->Snap(mode, p, 300);
    if (snapped.ok()) points.push_back(*snapped);
  }
  return points;
}

// A route drives local directions (NodeLayer) only at its ends: start-layer nodes, then open
// ones, then end-layer ones, each part possibly empty.
bool ObeysTheRouteEndRule(const graph::ModeGraphView& g, const std::vector<uint32_t>& nodes) {
  auto part = [&](uint32_t x) {
    switch (static_cast<graph::NodeLayer>(g.node_layer[x])) {
      case graph::NodeLayer::kRestrictedStart:
        return 0;
      case graph::NodeLayer::kOpen:
        return 1;
      case graph::NodeLayer::kRestrictedEnd:
        return 2;
    }
    return 3;
  };
  for (size_t k = 0; k + 1 < nodes.size(); ++k) {
    if (part(nodes[k]) > part(nodes[k + 1])) return false;
  }
  return true;
}

class RealExtract : public ::testing::TestWithParam<std::tuple<Extract, Mode>> {
 protected:
  void SetUp() override {
    if (testing::SharedDataDir().empty()) {
      GTEST_SKIP() << "../shared/data is absent: the real OSM extracts are not here";
    }
    loaded_ = Load(std::get<0>(GetParam()));
    ASSERT_NE(loaded_, nullptr);
    mode_ = std::get<1>(GetParam());
  }
  const Loaded* loaded_ = nullptr;
  Mode mode_ = Mode::kCar;
};

TEST_P(RealExtract, ContractionHierarchyEqualsDijkstraOnTenThousandRandomPairs) {
  const RoadNetwork& net = *loaded_->network;
  RouteQuery ch(net, mode_);
  DijkstraQuery reference(net, mode_);
  const auto sources = RandomPoints(*loaded_, mode_, 100, 1);
  const auto targets = RandomPoints(*loaded_, mode_, 100, 2);
  int pairs = 0, reachable = 0;
  for (const SnappedPoint& a : sources) {
    reference.OneToAll(a);
    for (const SnappedPoint& b : targets) {
      const RouteCost expected = reference.CostTo(b);
      ASSERT_EQ(ch.Cost(a, b), expected) << "segment " << a.segment << "@" << a.fraction << " → "
                                         << b.segment << "@" << b.fraction;
      ++pairs;
      reachable += expected.reachable();
    }
  }
  EXPECT_EQ(pairs, 10'000);
  // Every point of the graph can be reached from every other: restricted roads end routes, they
  // never cut them off.
  EXPECT_EQ(reachable, pairs);
}

TEST_P(RealExtract, OneToManyEqualsRepeatedPointToPoint) {
  const RoadNetwork& net = *loaded_->network;
  RouteQuery query(net, mode_);
  const auto targets = RandomPoints(*loaded_, mode_, 500, 3);
  const TargetSet prepared(net, mode_, targets);
  std::vector<RouteCost> many, from_set, rphast;
  for (const SnappedPoint& origin : RandomPoints(*loaded_, mode_, 10, 4)) {
    query.OneToMany(origin, targets, many, RouteQuery::Method::kBuckets);
    query.OneToMany(origin, targets, rphast, RouteQuery::Method::kRphast);
    query.OneToMany(origin, prepared, from_set);
    ASSERT_EQ(many, from_set);
    ASSERT_EQ(many, rphast);
    for (size_t t = 0; t < targets.size(); ++t) {
      ASSERT_EQ(many[t], query.Cost(origin, targets[t])) << "target " << t;
    }
  }
}

TEST_P(RealExtract, PathsAreConnectedAndCostWhatTheQuerySays) {
  const RoadNetwork& net = *loaded_->network;
  const graph::ModeGraphView& g = net.View(mode_);
  RouteQuery query(net, mode_);
  const auto points = RandomPoints(*loaded_, mode_, 301, 5);
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    auto route = query.FindRoute(points[i], points[i + 1]);
    if (!route.ok()) {
      ASSERT_EQ(route.status().code(), StatusCode::kNotFound);
      continue;
    }
    ASSERT_EQ(internal::CostOfPath(g, route->nodes, route->start_along, route->end_along),
              route->cost);
    // Consecutive segment directions meet: one ends where the next begins (junction nodes of
    // the foot graph stand between them and have no place of their own).
    std::vector<uint32_t> driven;
    for (uint32_t x : route->nodes) {
      if (!g.IsJunction(x)) driven.push_back(x);
    }
    for (size_t k = 0; k + 1 < driven.size(); ++k) {
      const auto end = g.SegmentPoints(g.SegmentOf(driven[k]));
      const auto start = g.SegmentPoints(g.SegmentOf(driven[k + 1]));
      const LatLon a = (g.IsReversed(driven[k]) ? end.front() : end.back()).ToLatLon();
      const LatLon b = (g.IsReversed(driven[k + 1]) ? start.back() : start.front()).ToLatLon();
      ASSERT_LT(HaversineMeters(a, b), 0.01);
    }
    EXPECT_TRUE(ObeysTheRouteEndRule(g, route->nodes));
    EXPECT_LT(HaversineMeters(route->geometry.front(), points[i].location), 0.05);
    EXPECT_LT(HaversineMeters(route->geometry.back(), points[i + 1].location), 0.05);
  }
}

TEST_P(RealExtract, SnappingFindsWhatLookingAtEverySegmentFinds) {
  const graph::ModeGraphView& g = loaded_->network->View(mode_);
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<double> unit(0, 1);
  const BoundingBox& box = loaded_->box;
  std::vector<LatLon> piece(2);
  for (int i = 0; i < 200; ++i) {
    const LatLon p{box.min_lat + unit(rng) * (box.max_lat - box.min_lat),
                   box.min_lon + unit(rng) * (box.max_lon - box.min_lon)};
    double best = 1e18;
    for (uint32_t s = 0; s < g.segment_count(); ++s) {
      const auto pts = g.SegmentPoints(s);
      for (size_t k = 0; k + 1 < pts.size(); ++k) {
        piece[0] = pts[k].ToLatLon();
        piece[1] = pts[k + 1].ToLatLon();
        best = std::min(best, DistanceToPolylineMeters(piece, p));
      }
    }
    const auto found = graph::FindNearestSegment(g, p, 400);
    ASSERT_EQ(found.has_value(), best <= 400) << p.lat << "," << p.lon;
    if (found) {
      EXPECT_NEAR(found->distance_m, best, 0.01);
    }
  }
}

TEST_P(RealExtract, EverySegmentIsReachedFromTheOpenCoreAndLeadsBackToIt) {
  const RoadNetwork& net = *loaded_->network;
  const graph::ModeGraphView& g = net.View(mode_);
  uint32_t core = 0;
  while (g.node_layer[g.segment_nodes[core].forward] != 0 &&
         g.node_layer[g.segment_nodes[core].backward] != 0) {
    ++core;
  }
  const SnappedPoint hub = net.PointOnSegment(mode_, core, 0.5);
  DijkstraQuery reference(net, mode_);
  reference.OneToAll(hub);
  RouteQuery ch(net, mode_);
  int cut_off = 0;
  for (uint32_t s = 0; s < g.segment_count(); ++s) {
    const SnappedPoint p = net.PointOnSegment(mode_, s, 0.5);
    const bool there = reference.CostTo(p).reachable();
    const bool back = ch.Cost(p, hub).reachable();
    if (!there || !back) {
      ++cut_off;
      ADD_FAILURE() << "way " << g.segment_way_id[s] << (there ? "" : " cannot be reached")
                    << (back ? "" : " cannot be left");
      if (cut_off > 10) break;
    }
  }
  EXPECT_EQ(cut_off, 0);
}

// Liechtenstein's Rheindamm at Bendern (way 128531696, motor_vehicle=destination) and the open
// service loop behind it (way 610857335): reachable only through destination-only roads, so
// before these rules no car route reached them or left them.
TEST(Rheindamm, ItsDestinationOnlyStretchAndServiceLoopAreRouteEndsFromAnywhere) {
  if (testing::SharedDataDir().empty()) {
    GTEST_SKIP() << "../shared/data is absent: the Liechtenstein extract is not here";
  }
  const Loaded* l = Load(kExtracts[1]);
  ASSERT_NE(l, nullptr);
  const RoadNetwork& net = *l->network;
  const graph::ModeGraphView& g = net.View(Mode::kCar);
  auto first_segment = [&](int64_t way) {
    for (uint32_t s = 0; s < g.segment_count(); ++s) {
      if (g.segment_way_id[s] == way) return s;
    }
    return graph::kNoNode;
  };
  const uint32_t rheindamm = first_segment(128531696), loop = first_segment(610857335);
  ASSERT_NE(rheindamm, graph::kNoNode) << "Rheindamm is not in the car graph";
  ASSERT_NE(loop, graph::kNoNode) << "its service loop is not in the car graph";
  // The loop is open road, but local: only destination-only roads lead there.
  EXPECT_NE(g.node_layer[g.segment_nodes[loop].forward], 0);
  RouteQuery ch(net, Mode::kCar);
  DijkstraQuery reference(net, Mode::kCar);
  for (const SnappedPoint& end : {net.PointOnSegment(Mode::kCar, rheindamm, 0.5),
                                  net.PointOnSegment(Mode::kCar, loop, 0.5)}) {
    for (const SnappedPoint& origin : RandomPoints(*l, Mode::kCar, 50, 7)) {
      const RouteCost there = ch.Cost(origin, end);
      ASSERT_TRUE(there.reachable()) << "no route to segment " << end.segment;
      ASSERT_EQ(there, reference.Cost(origin, end));
      auto back = ch.FindRoute(end, origin);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      ASSERT_EQ(back->cost, reference.Cost(end, origin));
      EXPECT_TRUE(ObeysTheRouteEndRule(g, back->nodes));
    }
  }
}

std::string Name(const ::testing::TestParamInfo<std::tuple<Extract, Mode>>& p) {
  return std::string(std::get<0>(p.param).name) + "_" +
         std::string(graph::ModeName(std::get<1>(p.param)));
}

INSTANTIATE_TEST_SUITE_P(Extracts, RealExtract,
                         ::testing::Combine(::testing::ValuesIn(kExtracts),
                                            ::testing::Values(Mode::kCar, Mode::kFoot)),
                         Name);

}  // namespace
}  // namespace pg::routing
