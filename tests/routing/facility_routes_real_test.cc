// Every car park of the real extracts (Monaco, Liechtenstein; ../shared/data) has a car route
// from anywhere and back: guidance's drive to a facility goes to the best of its car points (its
// vehicle entrances and its own location, snapped at import within 250 m), and before restricted
// roads could end routes, car parks behind a private access road or a destination-only street had
// none ("no car route"). Without ../shared/data the test skips — and fails in CI.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <random>

#include "graph/entrance_snaps.h"
#include "graph_build/graph_builder.h"
#include "osm/parking_extract.h"
#include "osm/road_extract.h"
#include "registry/from_osm.h"
#include "routing/route_query.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

using routing::Mode;
using routing::RouteCost;
using routing::SnappedPoint;

struct Counts {
  int facilities = 0;  // with at least one car point
  int unreached = 0;   // some origin reaches none of its car points
  int unleft = 0;      // from none of its car points some origin is reached
};

// Car points by facility; random origins on the car graph; counts facilities cut off.
Counts CountFacilitiesWithoutCarRoutes(const std::string& path, std::string* examples) {
  auto roads = osm::ReadRoadExtract(path);
  auto parking = osm::ReadParkingExtract(path);
  EXPECT_TRUE(roads.ok() && parking.ok());
  if (!roads.ok() || !parking.ok()) return {};
  auto network = routing::RoadNetwork::FromGraphs(graph::BuildRoadGraphs(*roads));
  model::RegistryData registry = registry::RegistryDataFromOsm(*parking, nullptr);
  registry::DropInvalidEntries(registry, nullptr);
  const graph::EntranceSnapTable table = graph::SnapEntrances(
      network->View(Mode::kCar), network->View(Mode::kFoot), registry, 0, nullptr);
  std::map<std::string, std::vector<SnappedPoint>> points;
  for (const graph::EntranceSnap& e : table.entries) {
    if (!e.car) continue;
    points[e.facility_id].push_back(
        network->PointOnSegment(Mode::kCar, e.car->segment, e.car->fraction));
  }
  std::mt19937_64 rng(11);
  std::vector<SnappedPoint> origins;
  const uint32_t segments = network->View(Mode::kCar).segment_count();
  for (int i = 0; i < 20; ++i) {
    origins.push_back(
        network->PointOnSegment(Mode::kCar, static_cast<uint32_t>(rng() % segments), 0.5));
  }
  routing::RouteQuery query(*network, Mode::kCar);
  Counts counts;
  for (const auto& [facility, car_points] : points) {
    ++counts.facilities;
    bool reached = true, left = true;
    for (const SnappedPoint& origin : origins) {
      bool there = false, back = false;
      for (const SnappedPoint& p : car_points) {
        there = there || query.Cost(origin, p).reachable();
        back = back || query.Cost(p, origin).reachable();
      }
      reached = reached && there;
      left = left && back;
    }
    counts.unreached += !reached;
    counts.unleft += !left;
    if ((!reached || !left) && examples->size() < 400) *examples += " " + facility;
  }
  return counts;
}

class FacilityRoutes : public ::testing::TestWithParam<const char*> {};

TEST_P(FacilityRoutes, EveryCarParkHasACarRouteThereAndBack) {
  const std::string dir = testing::SharedDataDir();
  if (dir.empty()) {
    GTEST_SKIP() << "../shared/data is absent: the real OSM extracts are not here";
  }
  std::string examples;
  const Counts c = CountFacilitiesWithoutCarRoutes(dir + "/" + GetParam(), &examples);
  // The figure for docs and reports: how many facilities guidance could not drive to or from.
  std::cout << GetParam() << ": " << c.unreached << " of " << c.facilities
            << " facilities with car points had no car route to them, " << c.unleft
            << " none from them;" << examples << "\n";
  EXPECT_GT(c.facilities, 30);
  EXPECT_EQ(c.unreached, 0) << examples;
  EXPECT_EQ(c.unleft, 0) << examples;
}

INSTANTIATE_TEST_SUITE_P(Extracts, FacilityRoutes,
                         ::testing::Values("osm-monaco/monaco-2025-02-11.osm.pbf",
                                           "osm-liechtenstein/liechtenstein-2024-03-04.osm.pbf"),
                         [](const ::testing::TestParamInfo<const char*>& extract) {
                           return std::string(extract.index == 0 ? "monaco" : "liechtenstein");
                         });

}  // namespace
}  // namespace pg
