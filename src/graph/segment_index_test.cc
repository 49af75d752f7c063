#include "graph/segment_index.h"

#include <gtest/gtest.h>

#include <random>

#include "graph_build/graph_builder.h"
#include "osm/road_extract.h"

namespace pg::graph {
namespace {

// The nearest segment by looking at every piece.
std::optional<double> BruteForceDistance(const ModeGraphView& g, const LatLon& p, double max_m) {
  std::optional<double> best;
  std::vector<LatLon> one(2);
  for (uint32_t s = 0; s < g.segment_count(); ++s) {
    const auto pts = g.SegmentPoints(s);
    for (size_t i = 0; i + 1 < pts.size(); ++i) {
      one[0] = pts[i].ToLatLon();
      one[1] = pts[i + 1].ToLatLon();
      const double d = DistanceToPolylineMeters(one, p);
      if (d <= max_m && (!best || d < *best)) best = d;
    }
  }
  return best;
}

class SegmentIndex : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto read =
        osm::ReadRoadExtract(std::string(PG_SOURCE_DIR) + "/tests/fixtures/osm/roads_town.osm");
    ASSERT_TRUE(read.ok());
    graphs_ = new RoadGraphs(BuildRoadGraphs(*read));
  }
  static void TearDownTestSuite() { delete graphs_; }
  static RoadGraphs* graphs_;
};
RoadGraphs* SegmentIndex::graphs_ = nullptr;

TEST_F(SegmentIndex, FindsWhatLookingAtEverySegmentFinds) {
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> lat(33.997, 34.003), lon(113.795, 113.92);
  int found = 0;
  for (Mode mode : kAllModes) {
    const ModeGraphView g = (mode == Mode::kCar ? graphs_->car : graphs_->foot).View();
    for (int i = 0; i < 2000; ++i) {
      const LatLon p{lat(rng), lon(rng)};
      for (double max_m : {30.0, 150.0, 1000.0}) {
        const auto expected = BruteForceDistance(g, p, max_m);
        const auto got = FindNearestSegment(g, p, max_m);
        ASSERT_EQ(got.has_value(), expected.has_value()) << p.lat << "," << p.lon << " " << max_m;
        if (!got) continue;
        ++found;
        EXPECT_NEAR(got->distance_m, *expected, 0.01);
        EXPECT_NEAR(HaversineMeters(got->point, p), got->distance_m, 0.01);
        EXPECT_GE(got->fraction, 0);
        EXPECT_LE(got->fraction, 1);
      }
    }
  }
  EXPECT_GT(found, 4000);
}

TEST_F(SegmentIndex, PointsFarOutsideTheGridFindNothingOrTheEdge) {
  const ModeGraphView g = graphs_->car.View();
  EXPECT_FALSE(FindNearestSegment(g, {34.5, 113.8}, 1000).has_value());
  EXPECT_FALSE(FindNearestSegment(g, {-60, -170}, 5000).has_value());
  // Just outside the network's box: the edge is found.
  const auto edge = FindNearestSegment(g, {33.9985, 113.8}, 200);
  ASSERT_TRUE(edge.has_value());
  EXPECT_NEAR(edge->distance_m, 0.0005 * 111195, 2);
}

TEST_F(SegmentIndex, FractionIsTheShareOfTheSegmentsLength) {
  const ModeGraphView g = graphs_->foot.View();
  for (uint32_t s = 0; s < g.segment_count(); s += 7) {
    const auto pts = g.SegmentPoints(s);
    const LatLon a = pts.front().ToLatLon(), b = pts.back().ToLatLon();
    const auto at_start = FindNearestSegment(g, a, 1);
    ASSERT_TRUE(at_start.has_value());
    EXPECT_LT(at_start->distance_m, 0.01);
    if (at_start->segment == s) {
      EXPECT_NEAR(at_start->fraction, 0, 1e-9);
    }
    const auto at_end = FindNearestSegment(g, b, 1);
    ASSERT_TRUE(at_end.has_value());
    if (at_end->segment == s) {
      EXPECT_NEAR(at_end->fraction, 1, 1e-9);
    }
  }
}

}  // namespace
}  // namespace pg::graph
