// ReadParkingExtract: the parking-related objects of an OSM file as plain records.
//
// Reads an OSM file (.osm.pbf, .osm, .osm.gz, .osm.bz2, .opl — format from the extension) with a
// libosmium handler chain in two passes and returns every `amenity=parking` object, every
// `amenity=parking_entrance` node and every `amenity=charging_station` node or way, with all
// their tags and the geometry this file holds for them. Nothing here knows the city model:
// registry/from_osm.h maps these records to facilities, entrances and chargers. The same pass
// keeps the administrative boundaries (and any other area tagged `timezone`) the file holds
// whole, from which registry/city_from_osm.h names the city and finds its time zone.
//
//   PG_ASSIGN_OR_RETURN(pg::osm::ParkingExtract extract, pg::osm::ReadParkingExtract(path));
//   for (const auto& p : extract.parkings) … p.ref.ToString() == "w456", p.tags.at("capacity") …
//
// Geometry rules (what a record holds, by kind):
//   node                 point = the node.
//   closed way           point = area centroid of the ring, outline_rings = {the ring}.
//   unclosed way         point = length-weighted centroid of the line, no outline.
//   relation             outline_rings = the outer rings libosmium assembles (multipolygon and
//                        boundary relations); when assembly is impossible (members missing in a
//                        cut extract, broken rings, other relation types), the closed member
//                        ways that are present serve as rings, else point = mean of the member
//                        locations present.
//   any of these         with no location at all in the file: geometry kMissing, point nullopt;
//                        the object is still returned.
// Rings are closed (front() == back()). Node locations missing from the file are skipped.
//
// Not checked (as libosmium does not check): that nodes and relations are sorted (ways must be:
// the relation assembly checks them), that tags are meaningful, that a PBF file ends at a
// complete block boundary — a PBF file cut exactly between two blocks reads as a shorter, valid
// file. docs/formats/osm-import.md has the whole list.
//
// Thread-safety: ReadParkingExtract may be called from several threads; libosmium reads with its
// own worker pool.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/geo.h"
#include "core/progress.h"
#include "core/status.h"
#include "osm/tags.h"

namespace pg::osm {

// An OSM object reference: type 'n', 'w' or 'r' and the id.
struct OsmRef {
  char type = 'n';
  int64_t id = 0;
  // "n123", "w456", "r789" (the form OSM tools and `osm_ref` use).
  std::string ToString() const;
  friend auto operator<=>(const OsmRef&, const OsmRef&) = default;
};

// How a parking object got its geometry (see the banner).
enum class ParkingGeometry {
  kNode,
  kClosedWay,
  kUnclosedWay,
  kAssembledRelation,  // libosmium assembled the multipolygon
  kPartialRelation,    // some members present, assembly impossible: best effort
  kMissing,            // nothing of it is in the file (a relation none of whose members is, a
                       // way none of whose nodes is): no point at all
};

struct ParkingObject {
  OsmRef ref;
  Tags tags;
  ParkingGeometry geometry = ParkingGeometry::kNode;
  std::optional<LatLon> point;                     // nullopt exactly when geometry is kMissing
  std::vector<std::vector<LatLon>> outline_rings;  // outer rings, closed; may be empty
  // Ways: the way's node ids in order. Relations: node ids of the member ways present (used to
  // find entrances on the outline). Nodes: empty.
  std::vector<int64_t> node_ids;
};

struct EntranceNode {
  int64_t id = 0;
  Tags tags;
  LatLon point;
  // The parking ways (and relations, through their member ways) that contain this node, sorted.
  std::vector<OsmRef> parkings;
};

struct ChargingStationObject {
  OsmRef ref;  // a node or a way
  Tags tags;
  LatLon point;  // the node, or the centroid of the way (area or line)
};

// Counts of what the reader saw, for the import report.
struct ExtractStats {
  int parking_nodes = 0;
  int parking_closed_ways = 0;
  int parking_unclosed_ways = 0;
  int parking_relations_assembled = 0;
  int parking_relations_partial = 0;
  int parking_without_location = 0;  // kMissing: kept, with no point
  int ways_with_missing_nodes = 0;   // parking or charging ways with node locations not in file
  int charging_ways_without_location = 0;  // dropped: no node of the way is in the file
};

// A `boundary=administrative` relation, or any multipolygon or boundary relation tagged
// `timezone`, as libosmium assembled it. Only relations every member way of which the file holds
// are here: a country cut by the extract is not (its rings would be wrong).
struct BoundaryArea {
  struct Polygon {
    std::vector<LatLon> outer;                // closed
    std::vector<std::vector<LatLon>> inners;  // holes (enclaves), closed
  };
  OsmRef ref;  // a relation
  Tags tags;   // name, name:zh, name:en, admin_level, timezone, …
  std::vector<Polygon> polygons;
};

struct ParkingExtract {
  // The bounding box the file's header declares (PBF header bbox, XML <bounds>); nullopt when the
  // file has none. Never derived from the data: extracts carry far-away boundary nodes.
  std::optional<BoundingBox> header_bbox;
  // In file order: nodes, then ways, then relations, each by id.
  std::vector<ParkingObject> parkings;
  std::vector<EntranceNode> entrances;                   // by id
  std::vector<ChargingStationObject> charging_stations;  // nodes, then ways, by id
  std::vector<BoundaryArea> boundaries;                  // by relation id
  ExtractStats stats;
};

// Reads the parking objects of the OSM file at `path`.
// Errors (each message names the file and the problem):
//   kNotFound         the file does not exist;
//   kInvalidArgument  not an OSM file (unknown extension, content not in the format the
//                     extension names, empty), or ways out of order;
//   kDataLoss         an OSM file that is truncated or corrupt;
//   kUnavailable      the file exists but cannot be read (permissions, I/O error).
// `progress` hears the bytes read of each pass ("read car park relations", "read car parks").
Result<ParkingExtract> ReadParkingExtract(const std::string& path, const Progress& progress = {});

}  // namespace pg::osm
