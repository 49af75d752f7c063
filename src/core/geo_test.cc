#include "core/geo.h"

#include <gtest/gtest.h>

#include <vector>

namespace pg {
namespace {

TEST(Geo, HaversineMatchesAKnownDistance) {
  // One degree of latitude is about 111.2 km on the sphere.
  EXPECT_NEAR(HaversineMeters({34.0, 113.8}, {35.0, 113.8}), 111195, 50);
  EXPECT_DOUBLE_EQ(HaversineMeters({34.0, 113.8}, {34.0, 113.8}), 0.0);
}

TEST(Geo, ParsesLatLonAndRejectsOutOfRange) {
  auto p = ParseLatLon("34.03,113.85", "dest");
  ASSERT_TRUE(p.ok());
  EXPECT_DOUBLE_EQ(p->lat, 34.03);
  auto bad = ParseLatLon("95,113", "dest");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "dest");
  EXPECT_FALSE(ParseLatLon("34.0", "dest").ok());
  EXPECT_FALSE(ParseLatLon("a,b", "dest").ok());
}

TEST(Geo, BoundingBoxUsesLonLatOrder) {
  auto box = ParseBoundingBox("113.8,34.0,113.9,34.1", "bbox");
  ASSERT_TRUE(box.ok());
  EXPECT_TRUE(box->Contains({34.05, 113.85}));
  EXPECT_FALSE(box->Contains({34.05, 113.95}));
  EXPECT_FALSE(ParseBoundingBox("113.9,34.0,113.8,34.1", "bbox").ok());
  EXPECT_FALSE(ParseBoundingBox("1,2,3", "bbox").ok());
}

TEST(Geo, CentroidOfASquareIsItsCentre) {
  std::vector<LatLon> square{{0, 0}, {0, 0.002}, {0.002, 0.002}, {0.002, 0}, {0, 0}};
  LatLon c = RingCentroid(square);
  EXPECT_NEAR(c.lat, 0.001, 1e-9);
  EXPECT_NEAR(c.lon, 0.001, 1e-9);
  EXPECT_TRUE(RingContains(square, {0.001, 0.001}));
  EXPECT_FALSE(RingContains(square, {0.003, 0.001}));
}

TEST(Geo, DistanceToPolylineUsesTheNearestSegment) {
  std::vector<LatLon> line{{0, 0}, {0, 0.01}};
  // 0.001 degrees of latitude north of the middle of the segment: about 111 m.
  EXPECT_NEAR(DistanceToPolylineMeters(line, {0.001, 0.005}), 111.2, 0.5);
}

}  // namespace
}  // namespace pg
