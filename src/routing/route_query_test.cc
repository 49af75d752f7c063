// RouteQuery against DijkstraQuery on the fixture town (every mode, many random positions,
// segment ends, shared segments), one-to-many against point-to-point, and the shape of routes.
#include "routing/route_query.h"

#include <gtest/gtest.h>

#include <random>

#include "graph_build/graph_builder.h"
#include "routing/dijkstra.h"
#include "tests/support/roads_town.h"

namespace pg::routing {
namespace {

// Positions that exercise the route ends: random ones, segment ends, and pairs on one segment.
std::vector<SnappedPoint> Positions(const RoadNetwork& net, Mode mode, int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const uint32_t segments = net.View(mode).segment_count();
  std::vector<SnappedPoint> points;
  for (int i = 0; i < count; ++i) {
    const uint32_t s = static_cast<uint32_t>(rng() % segments);
    double f = std::uniform_real_distribution<double>(0, 1)(rng);
    if (i % 10 == 0) f = 0;
    if (i % 10 == 1) f = 1;
    points.push_back(net.PointOnSegment(mode, s, f));
    if (i % 7 == 0) points.push_back(net.PointOnSegment(mode, s, f / 2));  // same segment
  }
  return points;
}

class RouteQueryVsDijkstra : public ::testing::TestWithParam<Mode> {};

TEST_P(RouteQueryVsDijkstra, EveryPairCostsTheSame) {
  const Mode mode = GetParam();
  auto net = testing::RoadsTown();
  RouteQuery ch(*net, mode);
  DijkstraQuery reference(*net, mode);
  const auto points = Positions(*net, mode, 120, 7);
  int reachable = 0;
  for (const SnappedPoint& a : points) {
    reference.OneToAll(a);
    for (const SnappedPoint& b : points) {
      const RouteCost expected = reference.CostTo(b);
      ASSERT_EQ(ch.Cost(a, b), expected) << "segment " << a.segment << "@" << a.fraction << " → "
                                         << b.segment << "@" << b.fraction;
      reachable += expected.reachable();
    }
  }
  // Restricted roads end routes and never cut a point off: every pair is reachable.
  EXPECT_EQ(reachable, static_cast<int>(points.size() * points.size()));
}

TEST_P(RouteQueryVsDijkstra, PointToPointStopsEarlyWithTheSameAnswer) {
  const Mode mode = GetParam();
  auto net = testing::RoadsTown();
  RouteQuery ch(*net, mode);
  DijkstraQuery reference(*net, mode);
  const auto points = Positions(*net, mode, 60, 11);
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    EXPECT_EQ(reference.Cost(points[i], points[i + 1]), ch.Cost(points[i], points[i + 1]));
  }
}

TEST_P(RouteQueryVsDijkstra, OneToManyEqualsRepeatedPointToPoint) {
  const Mode mode = GetParam();
  auto net = testing::RoadsTown();
  RouteQuery query(*net, mode);
  const auto points = Positions(*net, mode, 80, 3);
  const TargetSet prepared(*net, mode, points);
  std::vector<RouteCost> many, from_set, rphast;
  for (size_t i = 0; i < points.size(); i += 5) {
    query.OneToMany(points[i], points, many, RouteQuery::Method::kBuckets);
    query.OneToMany(points[i], points, rphast, RouteQuery::Method::kRphast);
    query.OneToMany(points[i], prepared, from_set);
    ASSERT_EQ(many.size(), points.size());
    EXPECT_EQ(many, from_set);
    EXPECT_EQ(many, rphast);
    for (size_t t = 0; t < points.size(); ++t) {
      EXPECT_EQ(many[t], query.Cost(points[i], points[t])) << i << " → " << t;
    }
  }
}

TEST_P(RouteQueryVsDijkstra, RoutesAreConnectedTurnByTurnAndCostWhatTheyClaim) {
  const Mode mode = GetParam();
  auto net = testing::RoadsTown();
  const graph::ModeGraphView& g = net->View(mode);
  RouteQuery ch(*net, mode);
  DijkstraQuery reference(*net, mode);
  const auto points = Positions(*net, mode, 60, 5);
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    const SnappedPoint& a = points[i];
    const SnappedPoint& b = points[i + 1];
    auto route = ch.FindRoute(a, b);
    auto expected = reference.FindRoute(a, b);
    ASSERT_EQ(route.ok(), expected.ok());
    if (!route.ok()) {
      EXPECT_EQ(route.status().code(), StatusCode::kNotFound);
      continue;
    }
    EXPECT_EQ(route->cost, expected->cost);
    // Turn by turn, the path costs exactly what the query says.
    EXPECT_EQ(internal::CostOfPath(g, route->nodes, route->start_along, route->end_along),
              route->cost);
    EXPECT_EQ(g.SegmentOf(route->nodes.front()), a.segment);
    EXPECT_EQ(g.SegmentOf(route->nodes.back()), b.segment);
    // The line starts and ends at the snapped points and has no gap between consecutive nodes.
    ASSERT_GE(route->geometry.size(), 2u);
    EXPECT_LT(HaversineMeters(route->geometry.front(), a.location), 0.05);
    EXPECT_LT(HaversineMeters(route->geometry.back(), b.location), 0.05);
    double line_m = 0;
    for (size_t k = 1; k < route->geometry.size(); ++k) {
      line_m += HaversineMeters(route->geometry[k - 1], route->geometry[k]);
    }
    EXPECT_NEAR(line_m, route->cost.distance_m(),
                0.1 * static_cast<double>(route->nodes.size()) + 0.2);
  }
}

std::string ModeTestName(const ::testing::TestParamInfo<Mode>& mode) {
  return std::string(graph::ModeName(mode.param));
}
INSTANTIATE_TEST_SUITE_P(Modes, RouteQueryVsDijkstra, ::testing::Values(Mode::kCar, Mode::kFoot),
                         ModeTestName);

TEST(RouteQuery, ARouteToItselfIsFreeAndAlongTheSegmentIsDirect) {
  auto net = testing::RoadsTown();
  RouteQuery q(*net, Mode::kFoot);
  const SnappedPoint a = net->PointOnSegment(Mode::kFoot, 3, 0.2);
  const SnappedPoint b = net->PointOnSegment(Mode::kFoot, 3, 0.7);
  EXPECT_EQ(q.Cost(a, a).travel_time_ms, 0u);
  auto route = q.FindRoute(a, b);
  ASSERT_TRUE(route.ok());
  ASSERT_EQ(route->nodes.size(), 1u);
  const graph::ModeGraphView& g = net->View(Mode::kFoot);
  EXPECT_NEAR(route->cost.distance_dm, 0.5 * g.segment_length_dm[3], 1.0);
}

TEST(RouteQuery, OneWayBackwardsOnTheSameSegmentGoesRound) {
  // On a one-way segment a target behind the start is reached by driving round, not backwards.
  auto net = testing::RoadsTown();
  const graph::ModeGraphView& g = net->View(Mode::kCar);
  uint32_t one_way = graph::kNoNode;
  for (uint32_t s = 0; s < g.segment_count() && one_way == graph::kNoNode; ++s) {
    const auto& sn = g.segment_nodes[s];
    if (sn.forward != graph::kNoNode && sn.backward == graph::kNoNode &&
        sn.forward_end == graph::kNoNode) {
      one_way = s;
    }
  }
  ASSERT_NE(one_way, graph::kNoNode);
  RouteQuery q(*net, Mode::kCar);
  const auto ahead = q.Cost(net->PointOnSegment(Mode::kCar, one_way, 0.2),
                            net->PointOnSegment(Mode::kCar, one_way, 0.8));
  const auto behind = q.Cost(net->PointOnSegment(Mode::kCar, one_way, 0.8),
                             net->PointOnSegment(Mode::kCar, one_way, 0.2));
  ASSERT_TRUE(ahead.reachable() && behind.reachable());
  EXPECT_GT(behind.distance_dm, 2 * g.segment_length_dm[one_way]);
  EXPECT_LT(ahead.distance_dm, g.segment_length_dm[one_way]);
}

TEST(RoadNetwork, SnapFailsClearlyFarFromRoadsAndOnBadCoordinates) {
  auto net = testing::RoadsTown();
  auto far = net->Snap(Mode::kCar, {35.0, 113.8}, 500, "to");
  EXPECT_EQ(far.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(far.status().field(), "to");
  EXPECT_NE(far.status().message().find("500 m"), std::string::npos) << far.status().message();
  auto bad = net->Snap(Mode::kCar, {95.0, 113.8}, 500, "from");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "from");
}

}  // namespace
}  // namespace pg::routing
