// The hand-written town of tests/fixtures/osm/roads_town.osm as a road network, built once per
// test program: the routing rules, the route and roads APIs are all tested on it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "graph/graph_builder.h"
#include "osm/road_extract.h"
#include "routing/road_network.h"

namespace pg::testing {

inline std::shared_ptr<const routing::RoadNetwork> RoadsTown() {
  static const std::shared_ptr<const routing::RoadNetwork> network = [] {
    auto read =
        osm::ReadRoadExtract(std::string(PG_SOURCE_DIR) + "/tests/fixtures/osm/roads_town.osm");
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    return routing::RoadNetwork::FromGraphs(graph::BuildRoadGraphs(*read));
  }();
  return network;
}

}  // namespace pg::testing
