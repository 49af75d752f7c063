#include "osm/road_extract.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "tests/support/osmium_tool.h"
#include "tests/support/temp_dir.h"

namespace pg::osm {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(PG_SOURCE_DIR) + "/tests/fixtures/osm/" + name;
}

class RoadsTownExtract : public ::testing::Test {
 protected:
  void SetUp() override {
    auto read = ReadRoadExtract(Fixture("roads_town.osm"));
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    x_ = std::move(*read);
  }
  const RoadWay* Way(int64_t id) const {
    for (const RoadWay& w : x_.ways) {
      if (w.id == id) return &w;
    }
    return nullptr;
  }
  const TurnRestriction* Restriction(int64_t id) const {
    for (const TurnRestriction& r : x_.restrictions) {
      if (r.relation_id == id) return &r;
    }
    return nullptr;
  }
  RoadExtract x_;
};

TEST_F(RoadsTownExtract, KeepsRoutableWaysWithTheirNodesInOrder) {
  EXPECT_TRUE(std::is_sorted(x_.node_ids.begin(), x_.node_ids.end()));
  EXPECT_EQ(x_.node_ids.size(), x_.node_locations.size());
  const RoadWay* ring = Way(1005);  // n → NE → e
  ASSERT_NE(ring, nullptr);
  ASSERT_EQ(ring->nodes.size(), 3u);
  EXPECT_EQ(x_.node_ids[ring->nodes[0]], 1002);
  EXPECT_EQ(x_.node_ids[ring->nodes[2]], 1003);
  EXPECT_NEAR(x_.node_locations[ring->nodes[1]].lat, 34.001, 1e-9);
  // Every way in the file has a highway tag; all but the private arm of cell 15 are routable.
  EXPECT_EQ(x_.stats.highway_ways, 182);
  EXPECT_EQ(x_.ways.size(), 181u);
  EXPECT_EQ(Way(16001), nullptr);
}

TEST_F(RoadsTownExtract, AppliesTheProfilesPerWay) {
  EXPECT_FALSE(Way(13002)->car.backward);  // oneway=yes
  EXPECT_FALSE(Way(14004)->car.forward);   // oneway=-1
  EXPECT_TRUE(Way(15011)->car.roundabout);
  EXPECT_FALSE(Way(16004)->car.usable());  // motor_vehicle=no
  EXPECT_TRUE(Way(16004)->foot.allowed);
  EXPECT_TRUE(Way(17001)->car.restricted());
  EXPECT_FALSE(Way(18010)->car.usable());  // footway
  EXPECT_TRUE(Way(18010)->foot.allowed);
  EXPECT_EQ(x_.stats.restricted_ways, 3);
}

TEST_F(RoadsTownExtract, CutsAWayAtANodeTheFileDoesNotHave) {
  const RoadWay* cut = Way(1011);
  ASSERT_NE(cut, nullptr);
  ASSERT_EQ(cut->nodes.size(), 2u);
  EXPECT_EQ(x_.node_ids[cut->nodes[1]], 1012);
  EXPECT_EQ(x_.stats.ways_with_missing_nodes, 1);
  EXPECT_FALSE(std::binary_search(x_.node_ids.begin(), x_.node_ids.end(), 9999999));
}

TEST_F(RoadsTownExtract, FlagsSignalsAndCarBarriers) {
  auto flags_of = [&](int64_t id) {
    auto it = std::lower_bound(x_.node_ids.begin(), x_.node_ids.end(), id);
    return x_.node_flags[static_cast<size_t>(it - x_.node_ids.begin())];
  };
  EXPECT_EQ(flags_of(1001), kTrafficSignals);
  EXPECT_EQ(flags_of(20010), kCarBarrier);  // bollard
  EXPECT_EQ(flags_of(20011), 0);            // gate
  EXPECT_EQ(x_.stats.traffic_signals, 1);
  EXPECT_EQ(x_.stats.car_barriers, 1);
}

TEST_F(RoadsTownExtract, ReadsEveryRestrictionTypeAndSkipsWhatIsNotForCars) {
  struct Expected {
    int64_t id;
    RestrictionKind kind;
    TurnDirection direction;
  };
  for (const Expected& e : {Expected{1, RestrictionKind::kNo, TurnDirection::kLeft},
                            Expected{2, RestrictionKind::kNo, TurnDirection::kRight},
                            Expected{3, RestrictionKind::kNo, TurnDirection::kStraight},
                            Expected{4, RestrictionKind::kNo, TurnDirection::kUTurn},
                            Expected{5, RestrictionKind::kNo, TurnDirection::kAny},
                            Expected{6, RestrictionKind::kNo, TurnDirection::kAny},
                            Expected{7, RestrictionKind::kOnly, TurnDirection::kLeft},
                            Expected{8, RestrictionKind::kOnly, TurnDirection::kRight},
                            Expected{9, RestrictionKind::kOnly, TurnDirection::kStraight},
                            Expected{10, RestrictionKind::kOnly, TurnDirection::kUTurn}}) {
    const TurnRestriction* r = Restriction(e.id);
    ASSERT_NE(r, nullptr) << e.id;
    EXPECT_EQ(r->kind, e.kind) << e.id;
    EXPECT_EQ(r->direction, e.direction) << e.id;
    EXPECT_TRUE(r->via_node.has_value()) << e.id;
  }
  EXPECT_EQ(Restriction(5)->from_ways.size(), 2u);  // no_entry: two from ways
  EXPECT_EQ(Restriction(6)->to_ways.size(), 2u);    // no_exit: two to ways
  // Via a way: kept for the graph build to report.
  const TurnRestriction* via_way = Restriction(105);
  ASSERT_NE(via_way, nullptr);
  EXPECT_EQ(via_way->via_ways, std::vector<int64_t>{1006});
  // Skipped: excepting cars, lorries only, conditional only, not a turn restriction.
  for (int64_t skipped : {101, 102, 103, 104}) EXPECT_EQ(Restriction(skipped), nullptr) << skipped;
  EXPECT_EQ(x_.stats.restrictions_other_vehicles, 2);
  EXPECT_EQ(x_.stats.restrictions_conditional, 1);
  EXPECT_EQ(x_.stats.restrictions_unknown, 1);
  EXPECT_EQ(x_.stats.restrictions, 12);
}

TEST(ReadRoadExtract, ErrorsNameTheFile) {
  testing::TempDir dir;
  auto missing = ReadRoadExtract(dir.File("nope.osm.pbf"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.osm.pbf"), std::string::npos);
  const std::string text = dir.File("notes.osm");
  std::ofstream(text) << "these are my notes\n";
  auto not_osm = ReadRoadExtract(text);
  EXPECT_EQ(not_osm.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(not_osm.status().message().find("notes.osm"), std::string::npos);
}

TEST(ReadRoadExtract, RealExtractMatchesOsmiumToolsHighwayCount) {
  const std::string data = testing::SharedDataDir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent: the real OSM extracts are not here";
  if (!testing::OsmiumToolAvailable()) GTEST_SKIP() << "osmium-tool is not installed";
  const std::string pbf = data + "/osm-monaco/monaco-2025-02-11.osm.pbf";
  auto opl = testing::RunCommand("osmium tags-filter -R -f opl -o - " + testing::ShellQuote(pbf) +
                                 " w/highway");
  ASSERT_TRUE(opl.has_value());
  auto read = ReadRoadExtract(pbf);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(static_cast<size_t>(read->stats.highway_ways), testing::ParseOpl(*opl).size());
  EXPECT_GT(read->stats.car_ways, 1000);
  EXPECT_GT(read->stats.restrictions, 10);
}

}  // namespace
}  // namespace pg::osm
