// The routing rules on the hand-written town of tests/fixtures/osm/roads_town.osm: one crossing
// ("cell") per rule — one-ways, roundabouts, every turn restriction type, access rules,
// foot-only ways, barriers, signals — each checked in the graph (is the manoeuvre there?) and in
// routes (is it avoided, and is the detour found?).
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

// Ids of the fixture: cell k's nodes 1000(k+1) + 1 centre, +2 n, +3 e, +4 s, +5 w, +6 NE; ways
// +1..+4 the arms n, e, s, w (drawn from the centre out), +5 ring n–NE–e.
int64_t Centre(int k) { return 1000 * (k + 1) + 1; }
int64_t NodeId(int k, int offset) { return 1000 * (k + 1) + offset; }
int64_t Arm(int k, char d) {
  return 1000 * (k + 1) + (d == 'n' ? 1 : d == 'e' ? 2 : d == 's' ? 3 : 4);
}

class RoadsTown : public ::testing::Test {
 protected:
  static const testing::FixtureRoads& Town() { return testing::LoadFixtureRoads("roads_town.osm"); }
  static const RoadNetwork& Net() { return *Town().network; }
  static const ModeGraphView& G(Mode mode) { return Net().View(mode); }

  static LatLon At(int64_t osm_node) { return Town().At(osm_node); }

  // First and last point of search node x in its direction of travel.
  static LatLon StartOf(const ModeGraphView& g, uint32_t x) {
    auto pts = g.SegmentPoints(g.SegmentOf(x));
    return (g.IsReversed(x) ? pts.back() : pts.front()).ToLatLon();
  }
  static LatLon EndOf(const ModeGraphView& g, uint32_t x) {
    auto pts = g.SegmentPoints(g.SegmentOf(x));
    return (g.IsReversed(x) ? pts.front() : pts.back()).ToLatLon();
  }
  static bool Near(const LatLon& a, const LatLon& b) { return HaversineMeters(a, b) < 0.5; }

  // Search nodes of `way` (any layer) running into / out of the OSM node `via`.
  static std::vector<uint32_t> Into(Mode mode, int64_t way, int64_t via) {
    const ModeGraphView& g = G(mode);
    std::vector<uint32_t> out;
    for (uint32_t x = 0; x < g.node_count(); ++x) {
      if (g.IsJunction(x)) continue;
      if (g.segment_way_id[g.SegmentOf(x)] == way && Near(EndOf(g, x), At(via))) out.push_back(x);
    }
    return out;
  }
  static std::vector<uint32_t> OutOf(Mode mode, int64_t way, int64_t via) {
    const ModeGraphView& g = G(mode);
    std::vector<uint32_t> out;
    for (uint32_t x = 0; x < g.node_count(); ++x) {
      if (g.IsJunction(x)) continue;
      if (g.segment_way_id[g.SegmentOf(x)] == way && Near(StartOf(g, x), At(via))) {
        out.push_back(x);
      }
    }
    return out;
  }
  static std::vector<uint32_t> NodesOfWay(Mode mode, int64_t way) {
    const ModeGraphView& g = G(mode);
    std::vector<uint32_t> out;
    for (uint32_t x = 0; x < g.node_count(); ++x) {
      if (!g.IsJunction(x) && g.segment_way_id[g.SegmentOf(x)] == way) out.push_back(x);
    }
    return out;
  }
  // The penalty of the turn x→y, or nullopt when the graph has no such turn; a turn through a
  // junction node (the foot graph's) counts as one.
  static std::optional<uint32_t> Turn(Mode mode, uint32_t x, uint32_t y) {
    const ModeGraphView& g = G(mode);
    for (uint32_t i = g.turn_first_out[x]; i < g.turn_first_out[x + 1]; ++i) {
      const uint32_t h = g.turn_head[i];
      if (h == y) return g.turn_penalty_ms[i];
      if (!g.IsJunction(h)) continue;
      for (uint32_t k = g.turn_first_out[h]; k < g.turn_first_out[h + 1]; ++k) {
        if (g.turn_head[k] == y) return g.turn_penalty_ms[i] + g.turn_penalty_ms[k];
      }
    }
    return std::nullopt;
  }
  // Whether some search node of `from_way` into `via` turns into some node of `to_way` out of it.
  static bool CanTurn(Mode mode, int64_t from_way, int64_t via, int64_t to_way) {
    for (uint32_t x : Into(mode, from_way, via)) {
      for (uint32_t y : OutOf(mode, to_way, via)) {
        if (Turn(mode, x, y)) return true;
      }
    }
    return false;
  }
  static bool CarCanTurn(int cell, char from, char to) {
    return CanTurn(Mode::kCar, Arm(cell, from), Centre(cell), Arm(cell, to));
  }

  // A point half way along the first segment of `way`.
  static SnappedPoint Mid(Mode mode, int64_t way) {
    const ModeGraphView& g = G(mode);
    for (uint32_t s = 0; s < g.segment_count(); ++s) {
      if (g.segment_way_id[s] == way) return Net().PointOnSegment(mode, s, 0.5);
    }
    ADD_FAILURE() << "way " << way << " has no " << graph::ModeName(mode) << " segment";
    return {};
  }

  static Result<Route> FindRoute(Mode mode, const SnappedPoint& a, const SnappedPoint& b) {
    RouteQuery query(Net(), mode);
    auto route = query.FindRoute(a, b);
    // Every answer here is also checked against the reference and turn by turn.
    DijkstraQuery reference(Net(), mode);
    EXPECT_EQ(reference.Cost(a, b), query.Cost(a, b));
    if (route.ok()) {
      EXPECT_EQ(internal::CostOfPath(G(mode), route->nodes, route->start_along, route->end_along),
                route->cost);
    }
    return route;
  }

  // The ways a route drives, in order, consecutive repeats removed.
  static std::vector<int64_t> Ways(Mode mode, const Route& r) {
    std::vector<int64_t> ways;
    for (uint32_t x : r.nodes) {
      if (G(mode).IsJunction(x)) continue;
      const int64_t w = G(mode).segment_way_id[G(mode).SegmentOf(x)];
      if (ways.empty() || ways.back() != w) ways.push_back(w);
    }
    return ways;
  }
};

TEST_F(RoadsTown, AControlCrossingAllowsEveryTurnButTheUTurn) {
  for (char from : {'n', 'e', 's', 'w'}) {
    for (char to : {'n', 'e', 's', 'w'}) {
      EXPECT_EQ(CarCanTurn(0, from, to), from != to) << from << "→" << to;
    }
  }
}

TEST_F(RoadsTown, LeftTurnsCostMoreThanRightTurnsAndStraightOnNearlyNothing) {
  auto penalty = [&](char to) {
    return *Turn(Mode::kCar, Into(Mode::kCar, Arm(0, 's'), Centre(0)).at(0),
                 OutOf(Mode::kCar, Arm(0, to), Centre(0)).at(0));
  };
  EXPECT_EQ(penalty('w'), graph::TurnPenaltyMs(-90));
  EXPECT_EQ(penalty('e'), graph::TurnPenaltyMs(90));
  EXPECT_GT(penalty('w'), penalty('e'));
  EXPECT_LT(penalty('n'), 100u);
  // Pedestrians turn for free.
  EXPECT_EQ(*Turn(Mode::kFoot, Into(Mode::kFoot, Arm(0, 's'), Centre(0)).at(0),
                  OutOf(Mode::kFoot, Arm(0, 'w'), Centre(0)).at(0)),
            0u);
}

TEST_F(RoadsTown, ATrafficSignalCostsTheCarsPassingIt) {
  // Cell 0's centre has signals: the arm driven into it takes 2 s longer than driven out of it.
  const ModeGraphView& g = G(Mode::kCar);
  const uint32_t in = Into(Mode::kCar, Arm(0, 'e'), Centre(0)).at(0);
  const uint32_t out = OutOf(Mode::kCar, Arm(0, 'e'), Centre(0)).at(0);
  EXPECT_EQ(g.node_weight_ms[in], g.node_weight_ms[out] + graph::kTrafficSignalPenaltyMs);
  // 25 km/h on a residential street; the length is stored to the decimetre (14 ms at 25 km/h).
  const double expected_ms = g.node_length_dm[out] / 10.0 / (25 / 3.6) * 1000;
  EXPECT_NEAR(g.node_weight_ms[out], expected_ms, 15.0);
}

TEST_F(RoadsTown, CarsTurnRoundOnlyAtDeadEnds) {
  const int64_t spur = NodeId(0, 10);  // the spur of cell 0 ends at node 1010
  EXPECT_TRUE(CanTurn(Mode::kCar, spur, NodeId(0, 10), spur));
  EXPECT_FALSE(CarCanTurn(0, 's', 's'));
  EXPECT_TRUE(CanTurn(Mode::kFoot, Arm(0, 's'), Centre(0), Arm(0, 's')));
}

TEST_F(RoadsTown, NoLeftNoRightNoStraightOn) {
  EXPECT_FALSE(CarCanTurn(1, 's', 'w'));
  EXPECT_TRUE(CarCanTurn(1, 's', 'e'));
  EXPECT_TRUE(CarCanTurn(1, 's', 'n'));
  EXPECT_TRUE(CarCanTurn(1, 'e', 'w'));
  EXPECT_FALSE(CarCanTurn(2, 's', 'e'));
  EXPECT_TRUE(CarCanTurn(2, 's', 'w'));
  EXPECT_FALSE(CarCanTurn(3, 's', 'n'));
  EXPECT_TRUE(CarCanTurn(3, 's', 'e'));
  EXPECT_TRUE(CarCanTurn(3, 'e', 'n'));
  // The restriction holds for cars only.
  EXPECT_TRUE(CanTurn(Mode::kFoot, Arm(1, 's'), Centre(1), Arm(1, 'w')));
}

TEST_F(RoadsTown, ARouteAroundAForbiddenLeftTurnIsFoundAndCostsMore) {
  auto control = FindRoute(Mode::kCar, Mid(Mode::kCar, Arm(0, 's')), Mid(Mode::kCar, Arm(0, 'w')));
  auto detour = FindRoute(Mode::kCar, Mid(Mode::kCar, Arm(1, 's')), Mid(Mode::kCar, Arm(1, 'w')));
  ASSERT_TRUE(control.ok() && detour.ok());
  EXPECT_EQ(Ways(Mode::kCar, *control), (std::vector<int64_t>{Arm(0, 's'), Arm(0, 'w')}));
  const auto ways = Ways(Mode::kCar, *detour);
  for (size_t i = 0; i + 1 < ways.size(); ++i) {
    EXPECT_FALSE(ways[i] == Arm(1, 's') && ways[i + 1] == Arm(1, 'w')) << "turned left anyway";
  }
  // Cell 0 has 2 s of signals at the centre that cell 1 has not: the detour still costs more.
  EXPECT_GT(detour->cost.travel_time_ms, control->cost.travel_time_ms + 10'000);
  EXPECT_GT(detour->cost.distance_dm, control->cost.distance_dm);
}

TEST_F(RoadsTown, NoUTurnAtADeadEndLeavesCarsNoUseOfTheSpur) {
  const int64_t spur = NodeId(4, 10);
  EXPECT_TRUE(NodesOfWay(Mode::kCar, spur).empty());
  EXPECT_FALSE(NodesOfWay(Mode::kFoot, spur).empty());
  EXPECT_FALSE(NodesOfWay(Mode::kCar, NodeId(0, 10)).empty()) << "cell 0's spur is drivable";
}

TEST_F(RoadsTown, NoEntryAndNoExitWithSeveralMembers) {
  EXPECT_FALSE(CarCanTurn(5, 'e', 'n'));
  EXPECT_FALSE(CarCanTurn(5, 'w', 'n'));
  EXPECT_TRUE(CarCanTurn(5, 's', 'n'));
  EXPECT_FALSE(CarCanTurn(6, 's', 'e'));
  EXPECT_FALSE(CarCanTurn(6, 's', 'w'));
  EXPECT_TRUE(CarCanTurn(6, 's', 'n'));
  EXPECT_TRUE(CarCanTurn(6, 'n', 'e'));
}

TEST_F(RoadsTown, OnlyTurnsLeaveNoOtherChoice) {
  EXPECT_TRUE(CarCanTurn(7, 's', 'w'));
  EXPECT_FALSE(CarCanTurn(7, 's', 'n'));
  EXPECT_FALSE(CarCanTurn(7, 's', 'e'));
  EXPECT_TRUE(CarCanTurn(7, 'e', 'n'));  // other approaches unaffected
  EXPECT_TRUE(CarCanTurn(8, 's', 'e'));
  EXPECT_FALSE(CarCanTurn(8, 's', 'w'));
  EXPECT_FALSE(CarCanTurn(8, 's', 'n'));
  EXPECT_TRUE(CarCanTurn(9, 's', 'n'));
  EXPECT_FALSE(CarCanTurn(9, 's', 'e'));
  EXPECT_FALSE(CarCanTurn(9, 's', 'w'));
  EXPECT_TRUE(CarCanTurn(10, 's', 's'));  // only_u_turn
  EXPECT_FALSE(CarCanTurn(10, 's', 'n'));
  EXPECT_FALSE(CarCanTurn(10, 's', 'e'));
  EXPECT_FALSE(CarCanTurn(10, 's', 'w'));
}

TEST_F(RoadsTown, ARestrictionOnAWayThroughTheViaNodeAppliesToTheNamedManoeuvreOnly) {
  // arm_we runs w → centre → e; no_left_turn to arm_n binds eastbound traffic (a left turn),
  // not westbound traffic (a right turn into the same street).
  const int64_t through = Arm(11, 'e');
  const uint32_t north = OutOf(Mode::kCar, Arm(11, 'n'), Centre(11)).at(0);
  int checked = 0;
  for (uint32_t x : Into(Mode::kCar, through, Centre(11))) {
    const bool eastbound = Near(StartOf(G(Mode::kCar), x), At(NodeId(11, 5)));
    EXPECT_EQ(Turn(Mode::kCar, x, north).has_value(), !eastbound);
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST_F(RoadsTown, OneWaysAreDrivenOneWayAndWalkedBoth) {
  // oneway=yes, drawn from the centre out: only outwards.
  EXPECT_TRUE(Into(Mode::kCar, Arm(12, 'e'), Centre(12)).empty());
  EXPECT_EQ(OutOf(Mode::kCar, Arm(12, 'e'), Centre(12)).size(), 1u);
  EXPECT_EQ(Into(Mode::kFoot, Arm(12, 'e'), Centre(12)).size(), 1u);
  // oneway=-1, drawn from the centre out: only inwards.
  EXPECT_EQ(Into(Mode::kCar, Arm(13, 'w'), Centre(13)).size(), 1u);
  EXPECT_TRUE(OutOf(Mode::kCar, Arm(13, 'w'), Centre(13)).empty());

  // From the middle of the one-way arm to the opposite arm: cars go round, walkers go straight.
  auto car = FindRoute(Mode::kCar, Mid(Mode::kCar, Arm(12, 'e')), Mid(Mode::kCar, Arm(12, 'w')));
  auto foot =
      FindRoute(Mode::kFoot, Mid(Mode::kFoot, Arm(12, 'e')), Mid(Mode::kFoot, Arm(12, 'w')));
  ASSERT_TRUE(car.ok() && foot.ok());
  EXPECT_EQ(Ways(Mode::kFoot, *foot), (std::vector<int64_t>{Arm(12, 'e'), Arm(12, 'w')}));
  EXPECT_NE(Ways(Mode::kCar, *car)[1], Arm(12, 'w'));
  EXPECT_GT(car->cost.distance_dm, foot->cost.distance_dm + 1000);
}

TEST_F(RoadsTown, RoundaboutsAreDrivenInTheirDirectionOnly) {
  const int64_t ring = NodeId(14, 11);
  const auto nodes = NodesOfWay(Mode::kCar, ring);
  ASSERT_EQ(nodes.size(), 4u);  // four quarters between the arms, one direction each
  for (uint32_t x : nodes) EXPECT_FALSE(G(Mode::kCar).IsReversed(x));
  auto quarters = [&](char to) {
    auto r = FindRoute(Mode::kCar, Mid(Mode::kCar, Arm(14, 's')), Mid(Mode::kCar, Arm(14, to)));
    EXPECT_TRUE(r.ok());
    return std::count_if(r->nodes.begin(), r->nodes.end(), [&](uint32_t x) {
      return !G(Mode::kCar).IsJunction(x) &&
             G(Mode::kCar).segment_way_id[G(Mode::kCar).SegmentOf(x)] == ring;
    });
  };
  EXPECT_EQ(quarters('e'), 1);  // right: one quarter, counter-clockwise
  EXPECT_EQ(quarters('n'), 2);
  EXPECT_EQ(quarters('w'), 3);  // left: three quarters
}

TEST_F(RoadsTown, AccessNoIsClosedAndMotorVehicleNoIsForWalkers) {
  EXPECT_TRUE(NodesOfWay(Mode::kCar, Arm(15, 'n')).empty());
  EXPECT_TRUE(NodesOfWay(Mode::kFoot, Arm(15, 'n')).empty());
  EXPECT_TRUE(NodesOfWay(Mode::kCar, Arm(15, 'w')).empty());
  EXPECT_FALSE(NodesOfWay(Mode::kFoot, Arm(15, 'w')).empty());
  // A car asked to start on the closed arm starts on the nearest road a car may use.
  const LatLon on_private = At(NodeId(15, 1));  // the centre, where the arms meet
  auto snapped = Net().Snap(Mode::kCar, {on_private.lat + 0.0006, on_private.lon}, 500);
  ASSERT_TRUE(snapped.ok());
  EXPECT_NE(G(Mode::kCar).segment_way_id[snapped->segment], Arm(15, 'n'));
  EXPECT_GT(snapped->snap_distance_m, 10);
}

TEST_F(RoadsTown, DestinationOnlyRoadsBeginAndEndRoutesButCarryNoThroughTraffic) {
  const Mode car = Mode::kCar;
  for (uint32_t x : NodesOfWay(car, Arm(16, 'n'))) {
    EXPECT_NE(G(car).node_layer[x], static_cast<uint8_t>(graph::NodeLayer::kOpen));
  }
  // South arm to the north-east ring side: straight through arm_n or arm_e would be shortest;
  // neither may be used.
  auto through = FindRoute(car, Mid(car, Arm(16, 's')), Mid(car, NodeId(16, 5)));
  ASSERT_TRUE(through.ok());
  for (int64_t w : Ways(car, *through)) {
    EXPECT_NE(w, Arm(16, 'n'));
    EXPECT_NE(w, Arm(16, 'e'));
  }
  // Ending on it, starting on it, and staying within it are fine.
  auto in = FindRoute(car, Mid(car, Arm(16, 's')), Mid(car, Arm(16, 'n')));
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(G(car).node_layer[in->nodes.back()],
            static_cast<uint8_t>(graph::NodeLayer::kRestrictedEnd));
  EXPECT_TRUE(FindRoute(car, Mid(car, Arm(16, 'n')), Mid(car, Arm(16, 's'))).ok());
  EXPECT_TRUE(FindRoute(car, Mid(car, Arm(16, 'n')), Mid(car, Arm(16, 'e'))).ok());
  // Walkers ignore it.
  auto walk =
      FindRoute(Mode::kFoot, Mid(Mode::kFoot, Arm(16, 's')), Mid(Mode::kFoot, Arm(16, 'n')));
  ASSERT_TRUE(walk.ok());
  EXPECT_EQ(Ways(Mode::kFoot, *walk), (std::vector<int64_t>{Arm(16, 's'), Arm(16, 'n')}));
}

TEST_F(RoadsTown, StreetsReachedOnlyThroughADestinationRoadAreRouteEndsToo) {
  const Mode car = Mode::kCar;
  const int64_t island = NodeId(18, 10);
  // The island loop is open road, but no through route can use it: it is local, like its arm.
  for (uint32_t x : NodesOfWay(car, island)) {
    EXPECT_NE(G(car).node_layer[x], static_cast<uint8_t>(graph::NodeLayer::kOpen));
  }
  auto in = FindRoute(car, Mid(car, Arm(18, 's')), Mid(car, island));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(Ways(car, *in), (std::vector<int64_t>{Arm(18, 's'), Arm(18, 'n'), island}));
  auto out = FindRoute(car, Mid(car, island), Mid(car, Arm(18, 's')));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Ways(car, *out), (std::vector<int64_t>{island, Arm(18, 'n'), Arm(18, 's')}));
  EXPECT_TRUE(FindRoute(car, Mid(car, Arm(18, 's')), Mid(car, Arm(18, 'n'))).ok());
  EXPECT_TRUE(
      FindRoute(Mode::kFoot, Mid(Mode::kFoot, Arm(18, 's')), Mid(Mode::kFoot, island)).ok());
}

TEST_F(RoadsTown, FootwaysAreForWalkers) {
  const int64_t footway = NodeId(17, 10);
  EXPECT_TRUE(NodesOfWay(Mode::kCar, footway).empty());
  // From the south arm to the north-east corner, where the footway ends.
  auto corner = Net().Snap(Mode::kFoot, At(NodeId(17, 6)), 1);
  ASSERT_TRUE(corner.ok());
  auto walk = FindRoute(Mode::kFoot, Mid(Mode::kFoot, Arm(17, 's')), *corner);
  ASSERT_TRUE(walk.ok());
  const auto ways = Ways(Mode::kFoot, *walk);
  EXPECT_NE(std::find(ways.begin(), ways.end(), footway), ways.end()) << "takes the short cut";
}

TEST_F(RoadsTown, BollardsStopCarsGatesDoNot) {
  const int64_t bollard = NodeId(19, 10), gate = NodeId(19, 11);
  // Whether a turn at `node` carries on along `way` (not back the way it came).
  auto crosses = [&](Mode mode, int64_t way, int64_t node) {
    for (uint32_t x : Into(mode, way, node)) {
      for (uint32_t y : OutOf(mode, way, node)) {
        if (G(mode).SegmentOf(x) != G(mode).SegmentOf(y) && Turn(mode, x, y)) return true;
      }
    }
    return false;
  };
  EXPECT_FALSE(crosses(Mode::kCar, Arm(19, 'n'), bollard));
  // Where nothing stops anyone, the node is not even a junction: the arm is one segment.
  EXPECT_EQ(NodesOfWay(Mode::kFoot, Arm(19, 'n')).size(), 2u);
  EXPECT_EQ(NodesOfWay(Mode::kCar, Arm(19, 'e')).size(), 2u);
  // A car bound for the east end drives through the gate.
  auto east_end = Net().Snap(Mode::kCar, At(NodeId(19, 3)), 1);
  ASSERT_TRUE(east_end.ok());
  auto through_gate = FindRoute(Mode::kCar, Mid(Mode::kCar, Arm(19, 's')), *east_end);
  ASSERT_TRUE(through_gate.ok());
  EXPECT_TRUE(std::any_of(through_gate->geometry.begin(), through_gate->geometry.end(),
                          [&](const LatLon& p) { return Near(p, At(gate)); }));
  // Both halves of the arm stay drivable up to the bollard, turning round there.
  EXPECT_EQ(NodesOfWay(Mode::kCar, Arm(19, 'n')).size(), 4u);
  EXPECT_TRUE(CanTurn(Mode::kCar, Arm(19, 'n'), bollard, Arm(19, 'n')));
}

}  // namespace
}  // namespace pg::routing
