#include "graph_build/graph_builder.h"

#include <gtest/gtest.h>

#include "osm/road_extract.h"

namespace pg::graph {
namespace {

osm::RoadExtract Town() {
  auto read =
      osm::ReadRoadExtract(std::string(PG_SOURCE_DIR) + "/tests/fixtures/osm/roads_town.osm");
  EXPECT_TRUE(read.ok()) << read.status().ToString();
  return std::move(*read);
}

TEST(BuildRoadGraphs, BothGraphsKeepTheirInvariants) {
  const RoadGraphs g = BuildRoadGraphs(Town());
  EXPECT_TRUE(ValidateModeGraph(g.car.View()).ok()) << ValidateModeGraph(g.car.View()).ToString();
  EXPECT_TRUE(ValidateModeGraph(g.foot.View()).ok());
  EXPECT_GT(g.car.node_segment.size(), 0u);
}

TEST(BuildRoadGraphs, ReportsWhatItAppliedAndWhatItDropped) {
  const RoadGraphs g = BuildRoadGraphs(Town());
  // Relations 1-11 apply; 105 runs via a way.
  EXPECT_EQ(g.car_stats.restrictions_applied, 11u);
  EXPECT_EQ(g.car_stats.restrictions_via_way, 1u);
  EXPECT_EQ(g.car_stats.restrictions_not_on_network, 0u);
  // Cell 4's spur, made a trap by no_u_turn, is the only part outside the largest component.
  EXPECT_EQ(g.car_stats.segments_dropped, 1u);
  EXPECT_EQ(g.foot_stats.segments_dropped, 0u);
  // Local directions, each in two layers: the destination-only arms (two in cell 16, one in
  // cell 18) and cell 18's island loop, open but reached only through its destination-only arm.
  EXPECT_EQ(g.car_stats.enclosed_open_directions, 2u);
  EXPECT_EQ(g.car_stats.restricted_nodes, 2u * (2 + 2 + 2 + 2));
  EXPECT_EQ(g.foot_stats.restricted_nodes, 0u);
  EXPECT_EQ(g.car_stats.search_nodes, g.car.node_segment.size());
  EXPECT_EQ(g.car_stats.turns, g.car.turn_head.size());
  EXPECT_FALSE(g.car_stats.ToText().empty());
}

TEST(BuildRoadGraphs, IsDeterministic) {
  const osm::RoadExtract x = Town();
  const RoadGraphs a = BuildRoadGraphs(x), b = BuildRoadGraphs(x);
  EXPECT_EQ(a.car.node_segment, b.car.node_segment);
  EXPECT_EQ(a.car.up_head, b.car.up_head);
  EXPECT_EQ(a.foot.down_middle, b.foot.down_middle);
  EXPECT_EQ(a.foot.grid_entries.size(), b.foot.grid_entries.size());
}

TEST(TurnPenaltyMs, LeftDearerThanRightAndStraightNearlyFree) {
  EXPECT_LT(TurnPenaltyMs(0), 10u);
  for (double a : {30.0, 60.0, 90.0, 135.0, 180.0}) {
    EXPECT_GT(TurnPenaltyMs(-a), TurnPenaltyMs(a)) << a;
    EXPECT_LE(TurnPenaltyMs(-a), kTurnPenaltyMs);
  }
  EXPECT_LT(TurnPenaltyMs(45), TurnPenaltyMs(90));
  EXPECT_LT(TurnPenaltyMs(90), TurnPenaltyMs(135));
}

}  // namespace
}  // namespace pg::graph
