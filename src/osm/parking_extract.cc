#include "osm/parking_extract.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <osmium/area/assembler.hpp>
#include <osmium/area/multipolygon_manager.hpp>
#include <osmium/handler.hpp>
#include <osmium/handler/check_order.hpp>
#include <osmium/handler/node_locations_for_ways.hpp>
#include <osmium/index/map/flex_mem.hpp>
#include <osmium/io/any_input.hpp>
#include <osmium/osm/area.hpp>
#include <osmium/osm/location.hpp>
#include <osmium/osm/node.hpp>
#include <osmium/osm/relation.hpp>
#include <osmium/osm/way.hpp>
#include <osmium/tags/tags_filter.hpp>
#include <osmium/visitor.hpp>

#include "osm/osm_input.h"

namespace pg::osm {

std::string OsmRef::ToString() const { return fmt::format("{}{}", type, id); }

namespace {

using LocationIndex =
    osmium::index::map::FlexMem<osmium::unsigned_object_id_type, osmium::Location>;
using LocationHandler = osmium::handler::NodeLocationsForWays<LocationIndex, LocationIndex>;

constexpr double kDegToRad = std::numbers::pi / 180.0;

Tags CopyTags(const osmium::TagList& tags) {
  Tags out;
  for (const osmium::Tag& tag : tags) out.emplace(tag.key(), tag.value());
  return out;
}

bool HasAmenity(const osmium::OSMObject& object, const char* value) {
  return object.tags().has_tag("amenity", value);
}

LatLon ToLatLon(const osmium::Location& location) {
  return {location.lat_without_check(), location.lon_without_check()};
}

// The node locations of a way that the file holds, in order; `missing` tells whether any was
// absent (a way reaching outside a cut extract).
std::vector<LatLon> WayLocations(const osmium::Way& way, bool& missing) {
  std::vector<LatLon> points;
  points.reserve(way.nodes().size());
  missing = false;
  for (const osmium::NodeRef& ref : way.nodes()) {
    if (ref.location().valid()) {
      points.push_back(ToLatLon(ref.location()));
    } else {
      missing = true;
    }
  }
  return points;
}

std::vector<int64_t> WayNodeIds(const osmium::Way& way) {
  std::vector<int64_t> ids;
  ids.reserve(way.nodes().size());
  for (const osmium::NodeRef& ref : way.nodes()) ids.push_back(ref.ref());
  return ids;
}

// A way is an area ring when it is closed by id and has at least three distinct vertices.
bool IsClosedRing(const osmium::Way& way) {
  return way.nodes().size() >= 4 && way.nodes().front().ref() == way.nodes().back().ref();
}

// Twice the planar area of a ring in degrees² scaled by cos(lat): only used to weigh rings
// against each other, so the units do not matter.
double RingWeight(std::span<const LatLon> ring) {
  if (ring.size() < 3) return 0;
  const double kx = std::cos(ring[0].lat * kDegToRad);
  double area2 = 0;
  for (size_t i = 0; i < ring.size(); ++i) {
    const LatLon& a = ring[i];
    const LatLon& b = ring[(i + 1) % ring.size()];
    area2 += (a.lon * kx) * b.lat - (b.lon * kx) * a.lat;
  }
  return std::abs(area2);
}

// Centroid of several outer rings, each weighted by its area (holes are ignored: the point is
// a label position, not a mass centre). REQUIRES: !rings.empty() and no ring empty.
LatLon RingsCentroid(const std::vector<std::vector<LatLon>>& rings) {
  if (rings.size() == 1) return RingCentroid(rings[0]);
  double total = 0, lat = 0, lon = 0;
  for (const auto& ring : rings) {
    double w = RingWeight(ring);
    LatLon c = RingCentroid(ring);
    total += w;
    lat += w * c.lat;
    lon += w * c.lon;
  }
  if (total <= 0) return RingCentroid(rings[0]);
  return {lat / total, lon / total};
}

LatLon MeanOf(std::span<const LatLon> points) {
  LatLon mean;
  for (const auto& p : points) {
    mean.lat += p.lat;
    mean.lon += p.lon;
  }
  mean.lat /= static_cast<double>(points.size());
  mean.lon /= static_cast<double>(points.size());
  return mean;
}

// Length-weighted centroid of a polyline (the midpoints of its segments weighted by their
// lengths); the vertex mean when the line has no length. REQUIRES: !line.empty().
LatLon LineCentroid(std::span<const LatLon> line) {
  const double kx = std::cos(line[0].lat * kDegToRad);
  double total = 0, lat = 0, lon = 0;
  for (size_t i = 1; i < line.size(); ++i) {
    const LatLon& a = line[i - 1];
    const LatLon& b = line[i];
    double len = std::hypot((b.lon - a.lon) * kx, b.lat - a.lat);
    total += len;
    lat += len * (a.lat + b.lat) / 2;
    lon += len * (a.lon + b.lon) / 2;
  }
  if (total <= 0) return MeanOf(line);
  return {lat / total, lon / total};
}

// Geometry of a way: a ring when closed and every node is present, otherwise a line.
struct WayShape {
  std::optional<LatLon> point;
  std::vector<LatLon> ring;  // empty unless a complete closed ring
  bool missing_nodes = false;
};

WayShape ShapeOfWay(const osmium::Way& way) {
  WayShape shape;
  std::vector<LatLon> points = WayLocations(way, shape.missing_nodes);
  if (points.empty()) return shape;
  if (IsClosedRing(way) && !shape.missing_nodes) {
    shape.point = RingCentroid(points);
    shape.ring = std::move(points);
  } else {
    shape.point = LineCentroid(points);
  }
  return shape;
}

// ---- Pass 1 -------------------------------------------------------------------------------

struct ParkingRelation {
  int64_t id = 0;
  Tags tags;
  std::vector<int64_t> member_ways;
  std::vector<int64_t> member_nodes;
};

// Records amenity=parking relations of any type and the members their geometry needs.
class ParkingRelationHandler : public osmium::handler::Handler {
 public:
  void relation(const osmium::Relation& relation) {
    if (!HasAmenity(relation, "parking")) return;
    ParkingRelation r;
    r.id = relation.id();
    r.tags = CopyTags(relation.tags());
    for (const osmium::RelationMember& member : relation.members()) {
      if (member.type() == osmium::item_type::way) {
        r.member_ways.push_back(member.ref());
        wanted_ways_.insert(member.ref());
      } else if (member.type() == osmium::item_type::node) {
        r.member_nodes.push_back(member.ref());
        wanted_nodes_.insert(member.ref());
      }
    }
    relations_.push_back(std::move(r));
  }

  std::vector<ParkingRelation>& relations() { return relations_; }
  const std::unordered_set<int64_t>& wanted_ways() const { return wanted_ways_; }
  const std::unordered_set<int64_t>& wanted_nodes() const { return wanted_nodes_; }

 private:
  std::vector<ParkingRelation> relations_;
  std::unordered_set<int64_t> wanted_ways_;
  std::unordered_set<int64_t> wanted_nodes_;
};

// ---- Pass 2 -------------------------------------------------------------------------------

// amenity=parking nodes and ways. REQUIRES: ways carry locations (NodeLocationsForWays runs
// before this handler).
class ParkingHandler : public osmium::handler::Handler {
 public:
  explicit ParkingHandler(ParkingExtract& extract) : extract_(extract) {}

  void node(const osmium::Node& node) {
    if (!HasAmenity(node, "parking") || !node.location().valid()) return;
    ParkingObject p;
    p.ref = {'n', node.id()};
    p.tags = CopyTags(node.tags());
    p.geometry = ParkingGeometry::kNode;
    p.point = ToLatLon(node.location());
    extract_.parkings.push_back(std::move(p));
  }

  void way(const osmium::Way& way) {
    if (!HasAmenity(way, "parking")) return;
    ParkingObject p;
    p.ref = {'w', way.id()};
    p.tags = CopyTags(way.tags());
    p.node_ids = WayNodeIds(way);
    WayShape shape = ShapeOfWay(way);
    if (shape.missing_nodes) ++extract_.stats.ways_with_missing_nodes;
    p.point = shape.point;
    if (!shape.point) {
      p.geometry = ParkingGeometry::kMissing;
    } else if (!shape.ring.empty()) {
      p.geometry = ParkingGeometry::kClosedWay;
      p.outline_rings.push_back(std::move(shape.ring));
    } else {
      p.geometry = ParkingGeometry::kUnclosedWay;
    }
    extract_.parkings.push_back(std::move(p));
  }

 private:
  ParkingExtract& extract_;
};

class EntranceHandler : public osmium::handler::Handler {
 public:
  explicit EntranceHandler(ParkingExtract& extract) : extract_(extract) {}

  void node(const osmium::Node& node) {
    if (!HasAmenity(node, "parking_entrance") || !node.location().valid()) return;
    EntranceNode e;
    e.id = node.id();
    e.tags = CopyTags(node.tags());
    e.point = ToLatLon(node.location());
    extract_.entrances.push_back(std::move(e));
  }

 private:
  ParkingExtract& extract_;
};

class ChargingStationHandler : public osmium::handler::Handler {
 public:
  explicit ChargingStationHandler(ParkingExtract& extract) : extract_(extract) {}

  void node(const osmium::Node& node) {
    if (!HasAmenity(node, "charging_station") || !node.location().valid()) return;
    extract_.charging_stations.push_back(
        {{'n', node.id()}, CopyTags(node.tags()), ToLatLon(node.location())});
  }

  void way(const osmium::Way& way) {
    if (!HasAmenity(way, "charging_station")) return;
    WayShape shape = ShapeOfWay(way);
    if (shape.missing_nodes) ++extract_.stats.ways_with_missing_nodes;
    if (!shape.point) {
      ++extract_.stats.charging_ways_without_location;
      return;
    }
    extract_.charging_stations.push_back({{'w', way.id()}, CopyTags(way.tags()), *shape.point});
  }

 private:
  ParkingExtract& extract_;
};

struct MemberWay {
  std::vector<int64_t> node_ids;
  std::vector<LatLon> points;  // the locations present
  bool complete_ring = false;  // closed and every node present
};

// Keeps what parking relations need of their members, for relations libosmium cannot assemble.
class RelationMemberHandler : public osmium::handler::Handler {
 public:
  explicit RelationMemberHandler(const ParkingRelationHandler& relations) : relations_(relations) {}

  void node(const osmium::Node& node) {
    if (node.location().valid() && relations_.wanted_nodes().contains(node.id())) {
      nodes_.emplace(node.id(), ToLatLon(node.location()));
    }
  }

  void way(const osmium::Way& way) {
    if (!relations_.wanted_ways().contains(way.id())) return;
    MemberWay m;
    bool missing = false;
    m.node_ids = WayNodeIds(way);
    m.points = WayLocations(way, missing);
    m.complete_ring = IsClosedRing(way) && !missing;
    ways_.emplace(way.id(), std::move(m));
  }

  const MemberWay* FindWay(int64_t id) const {
    auto it = ways_.find(id);
    return it == ways_.end() ? nullptr : &it->second;
  }
  const LatLon* FindNode(int64_t id) const {
    auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : &it->second;
  }

 private:
  const ParkingRelationHandler& relations_;
  std::unordered_map<int64_t, MemberWay> ways_;
  std::unordered_map<int64_t, LatLon> nodes_;
};

// What libosmium assembled from relations: the outer rings of parking relations (by relation
// id) and the whole polygons of boundaries.
class AreaHandler : public osmium::handler::Handler {
 public:
  void area(const osmium::Area& area) {
    if (area.from_way()) return;  // not asked for (create_way_polygons = false)
    std::vector<BoundaryArea::Polygon> polygons;
    for (const osmium::OuterRing& outer : area.outer_rings()) {
      BoundaryArea::Polygon polygon{.outer = RingPoints(outer), .inners = {}};
      if (polygon.outer.size() < 4) continue;
      for (const osmium::InnerRing& inner : area.inner_rings(outer)) {
        if (auto hole = RingPoints(inner); hole.size() >= 4) polygon.inners.push_back(hole);
      }
      polygons.push_back(std::move(polygon));
    }
    // An assembly failure yields an empty area: leave it to the fallback geometry.
    if (polygons.empty()) return;
    if (IsBoundary(area)) {
      boundaries_.push_back(
          {.ref = {'r', area.orig_id()}, .tags = CopyTags(area.tags()), .polygons = polygons});
    }
    if (HasAmenity(area, "parking")) {
      auto& rings = rings_[area.orig_id()];
      for (auto& polygon : polygons) rings.push_back(std::move(polygon.outer));
    }
  }

  std::vector<std::vector<LatLon>>* FindRings(int64_t relation_id) {
    auto it = rings_.find(relation_id);
    return it == rings_.end() ? nullptr : &it->second;
  }

  std::vector<BoundaryArea> TakeBoundaries() {
    std::sort(boundaries_.begin(), boundaries_.end(),
              [](const auto& a, const auto& b) { return a.ref < b.ref; });
    return std::move(boundaries_);
  }

 private:
  template <typename Ring>
  static std::vector<LatLon> RingPoints(const Ring& ring) {
    std::vector<LatLon> points;
    for (const osmium::NodeRef& ref : ring) {
      if (ref.location().valid()) points.push_back(ToLatLon(ref.location()));
    }
    return points;
  }

  static bool IsBoundary(const osmium::Area& area) {
    return area.tags().has_tag("boundary", "administrative") || area.tags().has_key("timezone");
  }

  std::unordered_map<int64_t, std::vector<std::vector<LatLon>>> rings_;
  std::vector<BoundaryArea> boundaries_;
};

// ---- After the passes ---------------------------------------------------------------------

ParkingObject BuildRelation(ParkingRelation& r, const RelationMemberHandler& members,
                            AreaHandler& areas, ExtractStats& stats) {
  ParkingObject p;
  p.ref = {'r', r.id};
  p.tags = std::move(r.tags);
  std::vector<LatLon> present;
  std::vector<std::vector<LatLon>> member_rings;
  for (int64_t way_id : r.member_ways) {
    const MemberWay* way = members.FindWay(way_id);
    if (way == nullptr) continue;
    p.node_ids.insert(p.node_ids.end(), way->node_ids.begin(), way->node_ids.end());
    present.insert(present.end(), way->points.begin(), way->points.end());
    if (way->complete_ring) member_rings.push_back(way->points);
  }
  for (int64_t node_id : r.member_nodes) {
    if (const LatLon* node = members.FindNode(node_id)) present.push_back(*node);
  }
  if (auto* rings = areas.FindRings(r.id)) {
    p.geometry = ParkingGeometry::kAssembledRelation;
    p.outline_rings = std::move(*rings);
    p.point = RingsCentroid(p.outline_rings);
    ++stats.parking_relations_assembled;
  } else if (!member_rings.empty()) {
    p.geometry = ParkingGeometry::kPartialRelation;
    p.outline_rings = std::move(member_rings);
    p.point = RingsCentroid(p.outline_rings);
    ++stats.parking_relations_partial;
  } else if (!present.empty()) {
    p.geometry = ParkingGeometry::kPartialRelation;
    p.point = MeanOf(present);
    ++stats.parking_relations_partial;
  } else {
    p.geometry = ParkingGeometry::kMissing;
  }
  return p;
}

void LinkEntrances(ParkingExtract& extract) {
  std::unordered_map<int64_t, EntranceNode*> by_id;
  for (auto& e : extract.entrances) by_id.emplace(e.id, &e);
  for (const auto& p : extract.parkings) {
    for (int64_t node_id : p.node_ids) {
      auto it = by_id.find(node_id);
      if (it == by_id.end()) continue;
      auto& list = it->second->parkings;
      // A closed way lists its first node twice.
      if (std::find(list.begin(), list.end(), p.ref) == list.end()) list.push_back(p.ref);
    }
  }
  for (auto& e : extract.entrances) std::sort(e.parkings.begin(), e.parkings.end());
}

void CountGeometry(ParkingExtract& extract) {
  ExtractStats& s = extract.stats;
  for (const auto& p : extract.parkings) {
    switch (p.geometry) {
      case ParkingGeometry::kNode:
        ++s.parking_nodes;
        break;
      case ParkingGeometry::kClosedWay:
        ++s.parking_closed_ways;
        break;
      case ParkingGeometry::kUnclosedWay:
        ++s.parking_unclosed_ways;
        break;
      case ParkingGeometry::kAssembledRelation:
      case ParkingGeometry::kPartialRelation:
        break;  // counted while building
      case ParkingGeometry::kMissing:
        ++s.parking_without_location;
        break;
    }
  }
}

Result<ParkingExtract> ReadUnchecked(const osmium::io::File& file, const Progress& progress) {
  ParkingExtract extract;

  // Pass 1: relations, for the multipolygon assembler and for our own fallback geometry.
  osmium::area::Assembler::config_type assembler_config;
  assembler_config.create_way_polygons = false;  // closed ways: ParkingHandler makes rings
  osmium::TagsFilter area_filter{false};
  area_filter.add_rule(true, "amenity", "parking");
  area_filter.add_rule(true, "boundary", "administrative");
  area_filter.add_rule(true, "timezone");
  osmium::area::MultipolygonManager<osmium::area::Assembler> mp_manager{assembler_config,
                                                                        area_filter};
  ParkingRelationHandler relations;
  {
    osmium::io::Reader reader{file, osmium::osm_entity_bits::relation};
    const osmium::io::Header header = reader.header();
    const osmium::Box box = header.box();
    if (box.valid()) {
      BoundingBox bbox;
      bbox.Extend(ToLatLon(box.bottom_left()));
      bbox.Extend(ToLatLon(box.top_right()));
      extract.header_bbox = bbox;
    }
    internal::ApplyReporting(reader, progress, "read car park relations", mp_manager, relations);
    reader.close();
  }
  mp_manager.prepare_for_lookup();

  // Pass 2: nodes and ways, with locations attached to ways before the handlers see them.
  LocationIndex index_pos;
  LocationIndex index_neg;
  LocationHandler location_handler{index_pos, index_neg};
  location_handler.ignore_errors();  // cut extracts: a missing node is a data anomaly, counted
  ParkingHandler parking_handler{extract};
  EntranceHandler entrance_handler{extract};
  ChargingStationHandler charging_handler{extract};
  RelationMemberHandler member_handler{relations};
  AreaHandler area_handler;
  {
    osmium::io::Reader reader{file, osmium::osm_entity_bits::node | osmium::osm_entity_bits::way};
    auto areas = mp_manager.handler(
        [&area_handler](osmium::memory::Buffer&& b) { osmium::apply(b, area_handler); });
    internal::ApplyReporting(reader, progress, "read car parks", location_handler, parking_handler,
                             entrance_handler, charging_handler, member_handler, areas);
    reader.close();
  }

  for (ParkingRelation& r : relations.relations()) {
    extract.parkings.push_back(BuildRelation(r, member_handler, area_handler, extract.stats));
  }
  extract.boundaries = area_handler.TakeBoundaries();
  CountGeometry(extract);
  LinkEntrances(extract);
  return extract;
}

}  // namespace

Result<ParkingExtract> ReadParkingExtract(const std::string& path, const Progress& progress) {
  PG_ASSIGN_OR_RETURN(osmium::io::File file, internal::CheckOsmPath(path));
  // libosmium reports every problem by exception, some of them from its worker threads; none
  // may leave this adapter.
  try {
    return ReadUnchecked(file, progress);
  } catch (...) {
    return internal::StatusFromReadException(path, file);
  }
}

}  // namespace pg::osm
