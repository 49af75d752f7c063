// The route-end rules on the hand-written town of tests/fixtures/osm/access_town.osm: restricted
// roads (destination, private, customers…) and what only they reach begin and end routes but
// carry no through traffic; access=no is never driven. Each route is also checked against the
// reference Dijkstra (which applies the rule itself) and turn by turn.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "graph_build/graph_builder.h"
#include "osm/road_extract.h"
#include "routing/dijkstra.h"
#include "routing/route_query.h"
#include "tests/support/roads_town.h"

namespace pg::routing {
namespace {

using graph::ModeGraphView;
using graph::NodeLayer;

constexpr Mode kCar = Mode::kCar;
constexpr int64_t kSpine = 1;

class AccessTown : public ::testing::Test {
 protected:
  static const testing::FixtureRoads& Town() {
    return testing::LoadFixtureRoads("access_town.osm");
  }
  static const RoadNetwork& Net() { return *Town().network; }
  static const ModeGraphView& G() { return Net().View(kCar); }

  static LatLon At(int64_t osm_node) { return Town().At(osm_node); }

  // The point `f` of the way from OSM node a to OSM node b, snapped onto `way` by a car.
  static SnappedPoint On(int64_t way, int64_t a, int64_t b, double f) {
    const LatLon p{At(a).lat + f * (At(b).lat - At(a).lat),
                   At(a).lon + f * (At(b).lon - At(a).lon)};
    auto snapped = Net().Snap(kCar, p, 5);
    EXPECT_TRUE(snapped.ok()) << "no car road at way " << way << ": "
                              << snapped.status().ToString();
    if (!snapped.ok()) return {};
    EXPECT_EQ(G().segment_way_id[snapped->segment], way) << "snapped onto another way";
    EXPECT_LT(snapped->snap_distance_m, 0.5);
    return *snapped;
  }

  static bool HasCarNodes(int64_t way) {
    for (uint32_t s = 0; s < G().segment_count(); ++s) {
      if (G().segment_way_id[s] == way) return true;
    }
    return false;
  }

  static Result<Route> FindRoute(const SnappedPoint& a, const SnappedPoint& b) {
    RouteQuery query(Net(), kCar);
    auto route = query.FindRoute(a, b);
    DijkstraQuery reference(Net(), kCar);
    EXPECT_EQ(reference.Cost(a, b), query.Cost(a, b));
    auto slow = reference.FindRoute(a, b);
    EXPECT_EQ(slow.ok(), route.ok());
    if (route.ok()) {
      EXPECT_EQ(internal::CostOfPath(G(), route->nodes, route->start_along, route->end_along),
                route->cost);
      EXPECT_EQ(internal::CostOfPath(G(), slow->nodes, slow->start_along, slow->end_along),
                slow->cost);
    }
    return route;
  }

  // The ways a route drives, in order, consecutive repeats removed.
  static std::vector<int64_t> Ways(const Route& r) {
    std::vector<int64_t> ways;
    for (uint32_t x : r.nodes) {
      const int64_t w = G().segment_way_id[G().SegmentOf(x)];
      if (ways.empty() || ways.back() != w) ways.push_back(w);
    }
    return ways;
  }
  static bool Drives(const Route& r, int64_t way) {
    const auto ways = Ways(r);
    return std::find(ways.begin(), ways.end(), way) != ways.end();
  }
  static NodeLayer LayerOf(uint32_t x) { return static_cast<NodeLayer>(G().node_layer[x]); }

  // Rectangle cells (1, 5, 6, 7): from the spine just west of the shortcut to the north side
  // just east of it. The shortcut is the short way; around it is about 170 m longer.
  static SnappedPoint SouthOf(int cell) { return On(kSpine, 100 * cell + 1, 100 * cell + 2, 0.8); }
  static SnappedPoint NorthOf(int cell) {
    return On(100 * cell + 3, 100 * cell + 5, 100 * cell + 6, 0.2);
  }
  static int64_t Shortcut(int cell) { return 100 * cell + 5; }
};

TEST_F(AccessTown, ADestinationOnlyShortcutCarriesNoThroughTrafficEvenWhenShorter) {
  auto around = FindRoute(SouthOf(1), NorthOf(1));
  ASSERT_TRUE(around.ok()) << around.status().ToString();
  EXPECT_FALSE(Drives(*around, Shortcut(1)));
  // Cell 6 is the same rectangle with a shortcut cars may use: it is taken, and the detour of
  // cell 1 costs more.
  auto through = FindRoute(SouthOf(6), NorthOf(6));
  ASSERT_TRUE(through.ok()) << through.status().ToString();
  EXPECT_TRUE(Drives(*through, Shortcut(6)));
  EXPECT_GT(around->cost.distance_dm, through->cost.distance_dm + 1'000);
  EXPECT_GT(around->cost.travel_time_ms, through->cost.travel_time_ms);
}

TEST_F(AccessTown, RoutesStartAndEndOnADestinationOnlyRoad) {
  const SnappedPoint on_it = On(Shortcut(1), 102, 107, 0.5);
  auto in = FindRoute(SouthOf(1), on_it);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(LayerOf(in->nodes.back()), NodeLayer::kRestrictedEnd);
  auto out = FindRoute(on_it, NorthOf(1));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(LayerOf(out->nodes.front()), NodeLayer::kRestrictedStart);
  // Starting on it, the route drives on along it to the other side.
  EXPECT_EQ(Ways(*out), (std::vector<int64_t>{Shortcut(1), 103}));
}

TEST_F(AccessTown, APrivateCarParkAccessRoadLeadsToItsAisleAndBack) {
  const SnappedPoint aisle = On(202, 203, 204, 0.5);
  const SnappedPoint street = On(kSpine, 103, 201, 0.5);
  auto in = FindRoute(street, aisle);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(Ways(*in), (std::vector<int64_t>{kSpine, 201, 202}));
  auto out = FindRoute(aisle, street);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Ways(*out), (std::vector<int64_t>{202, 201, kSpine}));
}

TEST_F(AccessTown, ACustomersRoadIsReachedAndLeft) {
  const SnappedPoint shop = On(301, 302, 303, 0.5);
  const SnappedPoint street = On(kSpine, 201, 301, 0.5);
  EXPECT_TRUE(FindRoute(street, shop).ok());
  EXPECT_TRUE(FindRoute(shop, street).ok());
}

TEST_F(AccessTown, ADestinationChainAtBothEndsOfOneRoute) {
  // From the open loop behind two destination-only roads to the private car park's aisle.
  auto r = FindRoute(On(403, 404, 405, 0.5), On(202, 203, 204, 0.5));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Ways(*r), (std::vector<int64_t>{403, 402, 401, kSpine, 201, 202}));
  int part = 0;  // 0 start layer, 1 open, 2 end layer: never back
  for (uint32_t x : r->nodes) {
    const int p = LayerOf(x) == NodeLayer::kRestrictedStart ? 0
                  : LayerOf(x) == NodeLayer::kOpen          ? 1
                                                            : 2;
    EXPECT_GE(p, part);
    part = std::max(part, p);
  }
  EXPECT_EQ(part, 2);
  // The loop is open road, but local: no through traffic could ever pass it.
  for (uint32_t s = 0; s < G().segment_count(); ++s) {
    if (G().segment_way_id[s] != 403) continue;
    EXPECT_EQ(LayerOf(G().segment_nodes[s].forward), NodeLayer::kRestrictedStart);
    EXPECT_NE(G().segment_nodes[s].forward_end, graph::kNoNode);
  }
}

TEST_F(AccessTown, AccessNoIsNeverDrivenButAMoreSpecificPermissionIs) {
  EXPECT_FALSE(HasCarNodes(Shortcut(5)));
  auto around = FindRoute(SouthOf(5), NorthOf(5));
  ASSERT_TRUE(around.ok()) << around.status().ToString();
  EXPECT_FALSE(Drives(*around, Shortcut(5)));
  // A point on the closed shortcut (whose nodes no mode keeps) snaps to a road a car may drive.
  const LatLon on_it{(At(502).lat + At(505).lat) / 2, At(502).lon};
  auto snapped = Net().Snap(kCar, on_it, 200);
  ASSERT_TRUE(snapped.ok());
  EXPECT_NE(G().segment_way_id[snapped->segment], Shortcut(5));
  // access=no + motorcar=yes (cell 6): open to cars, through traffic included.
  EXPECT_TRUE(HasCarNodes(Shortcut(6)));
  for (uint32_t s = 0; s < G().segment_count(); ++s) {
    if (G().segment_way_id[s] == Shortcut(6)) {
      EXPECT_EQ(LayerOf(G().segment_nodes[s].forward), NodeLayer::kOpen);
    }
  }
}

TEST_F(AccessTown, APrivateGateLetsThroughOnlyTheRoutesThatEndOrStartBehindIt) {
  // Cell 7: a private gate halfway along the shortcut; both halves are public dead ends.
  auto around = FindRoute(SouthOf(7), NorthOf(7));
  ASSERT_TRUE(around.ok()) << around.status().ToString();
  EXPECT_FALSE(Drives(*around, Shortcut(7)));
  // Cell 8: a car park's road behind a private gate.
  const SnappedPoint behind = On(801, 802, 803, 0.5);
  const SnappedPoint street = On(kSpine, 703, 801, 0.5);
  auto in = FindRoute(street, behind);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(LayerOf(in->nodes.back()), NodeLayer::kRestrictedEnd);
  auto out = FindRoute(behind, street);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(std::any_of(in->geometry.begin(), in->geometry.end(),
                          [&](const LatLon& p) { return HaversineMeters(p, At(802)) < 0.5; }));
}

TEST_F(AccessTown, EveryPairOfPointsHasACarRoute) {
  std::vector<SnappedPoint> points;
  for (uint32_t s = 0; s < G().segment_count(); ++s) {
    points.push_back(Net().PointOnSegment(kCar, s, 0.5));
  }
  RouteQuery query(Net(), kCar);
  DijkstraQuery reference(Net(), kCar);
  for (const SnappedPoint& a : points) {
    reference.OneToAll(a);
    for (const SnappedPoint& b : points) {
      const RouteCost cost = query.Cost(a, b);
      ASSERT_TRUE(cost.reachable())
          << G().segment_way_id[a.segment] << " → " << G().segment_way_id[b.segment];
      ASSERT_EQ(cost, reference.CostTo(b));
    }
  }
}

}  // namespace
}  // namespace pg::routing
