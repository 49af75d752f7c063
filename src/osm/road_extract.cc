#include "osm/road_extract.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include <osmium/handler.hpp>
#include <osmium/io/any_input.hpp>
#include <osmium/osm/node.hpp>
#include <osmium/osm/relation.hpp>
#include <osmium/osm/way.hpp>
#include <osmium/visitor.hpp>

#include "osm/osm_input.h"

namespace pg::osm {
namespace {

Tags CopyTags(const osmium::TagList& tags) {
  Tags out;
  for (const osmium::Tag& tag : tags) out.emplace(tag.key(), tag.value());
  return out;
}

// A kept way before its nodes are known: node ids, not indices.
struct RawWay {
  int64_t id = 0;
  HighwayClass highway = HighwayClass::kRoad;
  CarAttributes car;
  FootAttributes foot;
  std::vector<int64_t> node_ids;
};

// Pass 1: applies the profiles to every highway way and keeps the usable ones.
class RoadWayHandler : public osmium::handler::Handler {
 public:
  explicit RoadWayHandler(RoadExtractStats& stats) : stats_(stats) {}

  void way(const osmium::Way& way) {
    const char* highway_value = way.tags()["highway"];
    if (highway_value == nullptr) return;
    ++stats_.highway_ways;
    std::optional<HighwayClass> highway = ParseHighwayClass(highway_value);
    if (!highway) return;
    const Tags tags = CopyTags(way.tags());
    RawWay raw;
    raw.car = CarProfile(tags);
    raw.foot = FootProfile(tags);
    if (!raw.car.usable() && !raw.foot.allowed) return;
    raw.id = way.id();
    raw.highway = *highway;
    raw.node_ids.reserve(way.nodes().size());
    for (const osmium::NodeRef& ref : way.nodes()) raw.node_ids.push_back(ref.ref());
    ways_.push_back(std::move(raw));
  }

  std::vector<RawWay>& ways() { return ways_; }

 private:
  RoadExtractStats& stats_;
  std::vector<RawWay> ways_;
};

bool ExceptsCars(const Tags& tags) {
  const std::string* except = FindTag(tags, "except");
  if (except == nullptr) return false;
  std::string_view rest = *except;
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view item = rest.substr(0, semi);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "motorcar" || item == "motor_vehicle" || item == "vehicle") return true;
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return false;
}

// Splits "no_left_turn" into kind and direction; false for anything else.
bool ParseRestrictionValue(std::string_view value, RestrictionKind& kind,
                           TurnDirection& direction) {
  if (value.starts_with("no_")) {
    kind = RestrictionKind::kNo;
    value.remove_prefix(3);
  } else if (value.starts_with("only_")) {
    kind = RestrictionKind::kOnly;
    value.remove_prefix(5);
  } else {
    return false;
  }
  if (value == "left_turn") {
    direction = TurnDirection::kLeft;
  } else if (value == "right_turn") {
    direction = TurnDirection::kRight;
  } else if (value == "straight_on") {
    direction = TurnDirection::kStraight;
  } else if (value == "u_turn") {
    direction = TurnDirection::kUTurn;
  } else if ((value == "entry" || value == "exit") && kind == RestrictionKind::kNo) {
    direction = TurnDirection::kAny;
  } else {
    return false;
  }
  return true;
}

// Pass 1: turn restrictions that apply to cars.
class TurnRestrictionHandler : public osmium::handler::Handler {
 public:
  explicit TurnRestrictionHandler(RoadExtractStats& stats) : stats_(stats) {}

  void relation(const osmium::Relation& relation) {
    const char* type = relation.tags()["type"];
    if (type == nullptr) return;
    const std::string_view type_value(type);
    if (type_value != "restriction" && type_value != "restriction:motorcar" &&
        type_value != "restriction:motor_vehicle") {
      return;
    }
    const Tags tags = CopyTags(relation.tags());
    const std::string* value = FindTag(tags, "restriction");
    if (value == nullptr) value = FindTag(tags, "restriction:motorcar");
    if (value == nullptr) value = FindTag(tags, "restriction:motor_vehicle");
    if (value == nullptr) {
      bool conditional = false;
      for (const auto& [key, v] : tags) {
        if (key.starts_with("restriction") && key.ends_with(":conditional")) conditional = true;
      }
      ++(conditional ? stats_.restrictions_conditional : stats_.restrictions_other_vehicles);
      return;
    }
    if (ExceptsCars(tags)) {
      ++stats_.restrictions_other_vehicles;
      return;
    }
    TurnRestriction r;
    r.relation_id = relation.id();
    r.value = *value;
    if (!ParseRestrictionValue(r.value, r.kind, r.direction)) {
      ++stats_.restrictions_unknown;
      return;
    }
    for (const osmium::RelationMember& m : relation.members()) {
      const std::string_view role = m.role();
      if (m.type() == osmium::item_type::way && role == "from") {
        r.from_ways.push_back(m.ref());
      } else if (m.type() == osmium::item_type::way && role == "to") {
        r.to_ways.push_back(m.ref());
      } else if (role == "via" && m.type() == osmium::item_type::node) {
        r.via_node = m.ref();
      } else if (role == "via" && m.type() == osmium::item_type::way) {
        r.via_ways.push_back(m.ref());
      }
    }
    if (r.from_ways.empty() || r.to_ways.empty() || (!r.via_node && r.via_ways.empty()) ||
        (r.via_node && !r.via_ways.empty())) {
      ++stats_.restrictions_malformed;
      return;
    }
    restrictions_.push_back(std::move(r));
  }

  std::vector<TurnRestriction>& restrictions() { return restrictions_; }

 private:
  RoadExtractStats& stats_;
  std::vector<TurnRestriction> restrictions_;
};

// Pass 2: locations and flags of the nodes the kept ways use.
class RoadNodeHandler : public osmium::handler::Handler {
 public:
  // REQUIRES: `wanted` is sorted and unique; `locations` and `flags` have its size.
  RoadNodeHandler(const std::vector<int64_t>& wanted, std::vector<LatLon>& locations,
                  std::vector<uint8_t>& flags, std::vector<bool>& found)
      : wanted_(wanted), locations_(locations), flags_(flags), found_(found) {}

  void node(const osmium::Node& node) {
    auto it = std::lower_bound(wanted_.begin(), wanted_.end(), node.id());
    if (it == wanted_.end() || *it != node.id() || !node.location().valid()) return;
    const size_t i = static_cast<size_t>(it - wanted_.begin());
    found_[i] = true;
    locations_[i] = {node.location().lat_without_check(), node.location().lon_without_check()};
    const osmium::TagList& tags = node.tags();
    if (tags.has_key("barrier") || tags.has_key("highway"))
      flags_[i] = RoadNodeFlags(CopyTags(tags));
  }

 private:
  const std::vector<int64_t>& wanted_;
  std::vector<LatLon>& locations_;
  std::vector<uint8_t>& flags_;
  std::vector<bool>& found_;
};

// Pass 1: the road ways (sorted by id) and turn restrictions (by relation id), with the file's
// bounding box.
std::vector<RawWay> ReadWaysAndRestrictions(const osmium::io::File& file, RoadExtract& extract,
                                            const Progress& progress) {
  RoadWayHandler way_handler{extract.stats};
  TurnRestrictionHandler restriction_handler{extract.stats};
  osmium::io::Reader reader{file, osmium::osm_entity_bits::way | osmium::osm_entity_bits::relation};
  const osmium::Box box = reader.header().box();
  if (box.valid()) {
    BoundingBox bbox;
    bbox.Extend({box.bottom_left().lat(), box.bottom_left().lon()});
    bbox.Extend({box.top_right().lat(), box.top_right().lon()});
    extract.header_bbox = bbox;
  }
  internal::ApplyReporting(reader, progress, "read roads", way_handler, restriction_handler);
  reader.close();
  std::vector<RawWay> raw_ways = std::move(way_handler.ways());
  std::sort(raw_ways.begin(), raw_ways.end(),
            [](const RawWay& a, const RawWay& b) { return a.id < b.id; });
  extract.restrictions = std::move(restriction_handler.restrictions());
  std::sort(extract.restrictions.begin(), extract.restrictions.end(),
            [](const TurnRestriction& a, const TurnRestriction& b) {
              return a.relation_id < b.relation_id;
            });
  extract.stats.restrictions = static_cast<int>(extract.restrictions.size());
  return raw_ways;
}

constexpr uint32_t kAbsent = UINT32_MAX;

// Pass 2: the nodes the ways name (`wanted`, sorted) that the file has, into the extract;
// returns each wanted node's index there, kAbsent for those the file lacks.
std::vector<uint32_t> ReadWantedNodes(const osmium::io::File& file,
                                      const std::vector<int64_t>& wanted, RoadExtract& extract,
                                      const Progress& progress) {
  std::vector<LatLon> locations(wanted.size());
  std::vector<uint8_t> flags(wanted.size(), 0);
  std::vector<bool> found(wanted.size(), false);
  {
    RoadNodeHandler node_handler{wanted, locations, flags, found};
    osmium::io::Reader reader{file, osmium::osm_entity_bits::node};
    internal::ApplyReporting(reader, progress, "read road nodes", node_handler);
    reader.close();
  }
  std::vector<uint32_t> new_index(wanted.size(), kAbsent);
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (!found[i]) continue;
    new_index[i] = static_cast<uint32_t>(extract.node_ids.size());
    extract.node_ids.push_back(wanted[i]);
    extract.node_locations.push_back(locations[i]);
    extract.node_flags.push_back(flags[i]);
    if (flags[i] & kTrafficSignals) ++extract.stats.traffic_signals;
    if (flags[i] & kCarBarrier) ++extract.stats.car_barriers;
    if (flags[i] & kRestrictedPassage) ++extract.stats.restricted_passages;
  }
  return new_index;
}

// Adds a way as the runs of its nodes the file has (a way cut by the extract's edge becomes its
// pieces inside; repeated nodes are dropped); counts it.
void AddWay(const RawWay& raw, const std::vector<int64_t>& wanted,
            const std::vector<uint32_t>& new_index, RoadExtract& extract) {
  if (raw.car.usable()) ++extract.stats.car_ways;
  if (raw.foot.allowed) ++extract.stats.foot_ways;
  if (raw.car.restricted()) ++extract.stats.restricted_ways;
  bool missing = false;
  std::vector<uint32_t> run;
  auto flush = [&] {
    if (run.size() >= 2) {
      RoadWay way;
      way.id = raw.id;
      way.highway = raw.highway;
      way.car = raw.car;
      way.foot = raw.foot;
      way.nodes = std::move(run);
      extract.ways.push_back(std::move(way));
    }
    run.clear();
  };
  for (int64_t id : raw.node_ids) {
    const size_t i =
        static_cast<size_t>(std::lower_bound(wanted.begin(), wanted.end(), id) - wanted.begin());
    if (new_index[i] == kAbsent) {
      missing = true;
      flush();
      continue;
    }
    if (!run.empty() && run.back() == new_index[i]) continue;  // a repeated node
    run.push_back(new_index[i]);
  }
  flush();
  if (missing) ++extract.stats.ways_with_missing_nodes;
}

Result<RoadExtract> ReadUnchecked(const osmium::io::File& file, const Progress& progress) {
  RoadExtract extract;
  std::vector<RawWay> raw_ways = ReadWaysAndRestrictions(file, extract, progress);
  std::vector<int64_t> wanted;
  for (const RawWay& w : raw_ways) {
    wanted.insert(wanted.end(), w.node_ids.begin(), w.node_ids.end());
  }
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  const std::vector<uint32_t> new_index = ReadWantedNodes(file, wanted, extract, progress);
  for (const RawWay& raw : raw_ways) AddWay(raw, wanted, new_index, extract);
  return extract;
}

}  // namespace

Result<RoadExtract> ReadRoadExtract(const std::string& path, const Progress& progress) {
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
