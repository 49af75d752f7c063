// WriteOsmFile: plain nodes, ways and relations written as an OSM file with libosmium.
//
// The demo city generator writes its map through this, so the demo is imported through the same
// path as a real city (ReadParkingExtract, the graph build). The file is what OSM tools expect of
// an extract: objects sorted (nodes, ways, relations, each by id), version 1, one timestamp,
// changeset 1, and a header with the generator "parkguide" and a bounding box.
//
//   pg::osm::OsmWriteData data;
//   data.nodes.push_back({1, {34.02, 113.85}, {{"amenity", "parking"}}});
//   PG_RETURN_IF_ERROR(pg::osm::WriteOsmFile("demo.osm.pbf", data));
//
// Not checked: that ways and relations refer to objects in the file (dangling references are
// legal in OSM extracts), that tags make sense.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/geo.h"
#include "core/status.h"
#include "core/time.h"

namespace pg::osm {

using TagList = std::vector<std::pair<std::string, std::string>>;

struct OsmWriteNode {
  int64_t id = 0;
  LatLon location;
  TagList tags;
};

struct OsmWriteWay {
  int64_t id = 0;
  std::vector<int64_t> node_ids;
  TagList tags;
};

struct OsmWriteMember {
  char type = 'w';  // 'n', 'w' or 'r'
  int64_t ref = 0;
  std::string role;
};

struct OsmWriteRelation {
  int64_t id = 0;
  std::vector<OsmWriteMember> members;
  TagList tags;
};

struct OsmWriteData {
  std::vector<OsmWriteNode> nodes;  // any order: written sorted by id
  std::vector<OsmWriteWay> ways;
  std::vector<OsmWriteRelation> relations;
  // The header bounding box; when absent, the box around all nodes.
  std::optional<BoundingBox> bbox;
  // The timestamp every object carries (a fixed default keeps generated files reproducible).
  Timestamp timestamp = FromUnixMillis(1'735'689'600'000);  // 2025-01-01T00:00:00Z
};

// Writes `data` to `path`, replacing any file there. The format comes from the extension:
// ".osm.pbf" (or ".pbf") for PBF, ".osm" for XML. The file is written beside `path` under a
// temporary name and renamed into place, so a reader never sees a partial file.
// Errors: kInvalidArgument for another extension, a duplicate id within a type, a node location
// outside WGS 84 ranges, a member type other than n/w/r, a tag key or value longer than OSM
// allows (each naming the object); kUnavailable when the file cannot be written.
Status WriteOsmFile(const std::string& path, const OsmWriteData& data);

}  // namespace pg::osm
