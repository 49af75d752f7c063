// The hand-written towns of tests/fixtures/osm/ as road networks, each built once per test
// program: the routing rules, the route ends, the route and roads APIs are tested on them.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/geo.h"
#include "graph_build/graph_builder.h"
#include "osm/road_extract.h"
#include "routing/road_network.h"

namespace pg::testing {

// A fixture town's extract and the road network built from it.
struct FixtureRoads {
  osm::RoadExtract extract;
  std::shared_ptr<const routing::RoadNetwork> network;

  // Where OSM node `osm_node` of the town is (a test failure when it has none).
  LatLon At(int64_t osm_node) const {
    auto it = std::lower_bound(extract.node_ids.begin(), extract.node_ids.end(), osm_node);
    EXPECT_TRUE(it != extract.node_ids.end() && *it == osm_node) << osm_node;
    if (it == extract.node_ids.end()) return {};
    return extract.node_locations[static_cast<size_t>(it - extract.node_ids.begin())];
  }
};

// tests/fixtures/osm/<name>, read and built on first use (a test failure when it cannot be read).
inline const FixtureRoads& LoadFixtureRoads(const std::string& name) {
  static std::map<std::string, FixtureRoads>* towns = new std::map<std::string, FixtureRoads>;
  auto it = towns->find(name);
  if (it != towns->end()) return it->second;
  FixtureRoads town;
  auto read = osm::ReadRoadExtract(std::string(PG_SOURCE_DIR) + "/tests/fixtures/osm/" + name);
  EXPECT_TRUE(read.ok()) << read.status().ToString();
  if (read.ok()) town.extract = std::move(*read);
  town.network = routing::RoadNetwork::FromGraphs(graph::BuildRoadGraphs(town.extract));
  return towns->emplace(name, std::move(town)).first->second;
}

inline std::shared_ptr<const routing::RoadNetwork> RoadsTown() {
  return LoadFixtureRoads("roads_town.osm").network;
}

}  // namespace pg::testing
