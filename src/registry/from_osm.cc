#include "registry/from_osm.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/strings.h"
#include "core/text_bounds.h"
#include "model/opening_hours.h"
#include "model/validation.h"
#include "model/vocabulary.h"

namespace pg::registry {
namespace {

using model::FacilityKind;
using osm::FindTag;
using osm::Tags;

constexpr double kMetersPerDegreeLat = 111'320;
constexpr double kDegToRad = std::numbers::pi / 180.0;
// A count beyond this is a typo or a phone number, not spaces of one car park.
constexpr int64_t kMaxCount = 100'000;
// One OSM charging station rarely has more than a few dozen points; more is a tagging error.
constexpr int kMaxConnectors = 100;

// Collects problems for one object.
class Problems {
 public:
  Problems(OsmImportReport* report, std::string osm_ref)
      : report_(report), osm_ref_(std::move(osm_ref)) {}
  void Add(std::string field, std::string message) {
    if (report_ != nullptr) {
      report_->problems.push_back({osm_ref_, std::move(field), std::move(message)});
    }
  }

 private:
  OsmImportReport* report_;
  std::string osm_ref_;
};

std::string_view TagOr(const Tags& tags, std::string_view key, std::string_view fallback = {}) {
  const std::string* v = FindTag(tags, key);
  return v == nullptr ? fallback : std::string_view(*v);
}

// ---- Tag parsers ------------------------------------------------------------------------------

// A count of spaces or sockets: digits only (space-trimmed), at most kMaxCount.
std::optional<int> ParseCount(std::string_view text) {
  text = TrimSpace(text);
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  auto v = ParseInt(text);
  if (!v || *v > kMaxCount) return std::nullopt;
  return static_cast<int>(*v);
}

bool IsYesNo(std::string_view text) {
  std::string v = ToLowerAscii(TrimSpace(text));
  return v == "yes" || v == "no";
}

// Whether `text` (UTF-8) holds a Chinese, Japanese or Korean character.
bool ContainsCjk(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    uint32_t cp = 0;
    size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else if ((c >> 5) == 0x6 && i + 1 < text.size()) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
      len = 2;
    } else if ((c >> 4) == 0xE && i + 2 < text.size()) {
      cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(text[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(text[i + 2]) & 0x3Fu);
      len = 3;
    } else if ((c >> 3) == 0x1E && i + 3 < text.size()) {
      cp = ((c & 0x07u) << 18) | ((static_cast<unsigned char>(text[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(text[i + 2]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(text[i + 3]) & 0x3Fu);
      len = 4;
    }
    if ((cp >= 0x2E80 && cp <= 0x9FFF) ||    // radicals, CJK punctuation, kana, unified ideographs
        (cp >= 0xAC00 && cp <= 0xD7AF) ||    // Hangul syllables
        (cp >= 0xF900 && cp <= 0xFAFF) ||    // compatibility ideographs
        (cp >= 0x20000 && cp <= 0x3134F)) {  // extensions B–G
      return true;
    }
    i += len;
  }
  return false;
}

// A free-text tag as the registry keeps it: space-trimmed, control characters replaced and cut
// to the model's limit (core/text_bounds.h). OSM allows 255 characters of anything; a name that
// long, or one with a stray newline, is shown cut rather than the car park left out.
std::string TextTag(const Tags& tags, std::string_view key) {
  return BoundedText(TrimSpace(TagOr(tags, key)), kMaxNameChars);
}

// name:zh and name:en as they are; a plain `name` fills the slot its script belongs to.
model::LocalizedName NameFromTags(const Tags& tags) {
  model::LocalizedName name;
  for (std::string_view key : {"name:zh", "name:zh-Hans", "name:zh-CN"}) {
    if (name.zh.empty()) name.zh = TextTag(tags, key);
  }
  name.en = TextTag(tags, "name:en");
  const std::string plain = TextTag(tags, "name");
  if (!plain.empty()) {
    if (ContainsCjk(plain)) {
      if (name.zh.empty()) name.zh = plain;
    } else if (name.en.empty()) {
      name.en = plain;
    }
  }
  return name;
}

FacilityKind KindFromTags(const Tags& tags) {
  const std::string parking = ToLowerAscii(TagOr(tags, "parking"));
  const std::string park_ride = ToLowerAscii(TrimSpace(TagOr(tags, "park_ride")));
  // A park-and-ride is chosen for its transit link whatever its structure: the purpose wins.
  if ((!park_ride.empty() && park_ride != "no") || parking == "park_and_ride") {
    return FacilityKind::kParkAndRide;
  }
  if (parking == "multi-storey" || parking == "rooftop") return FacilityKind::kMultiStorey;
  if (parking == "underground") return FacilityKind::kUnderground;
  if (parking == "street_side" || parking == "lane" || parking == "on_kerb" ||
      parking == "half_on_kerb" || parking == "layby") {
    return FacilityKind::kOnStreet;
  }
  return FacilityKind::kSurface;
}

// What an unnamed facility is called: its kind, and its `ref` when it has one.
model::LocalizedName GenericName(FacilityKind kind, std::string_view ref) {
  model::LocalizedName name;
  switch (kind) {
    case FacilityKind::kMultiStorey:
      name = {"立体停车库", "Multi-storey car park"};
      break;
    case FacilityKind::kUnderground:
      name = {"地下停车场", "Underground car park"};
      break;
    case FacilityKind::kSurface:
      name = {"停车场", "Car park"};
      break;
    case FacilityKind::kOnStreet:
      name = {"路内停车", "On-street parking"};
      break;
    case FacilityKind::kParkAndRide:
      name = {"停车换乘", "Park and ride"};
      break;
  }
  ref = TrimSpace(ref);
  if (!ref.empty()) {
    name.zh = fmt::format("{} {}", name.zh, ref);
    name.en = fmt::format("{} {}", name.en, ref);
  }
  return name;
}

model::Access AccessFromTags(const Tags& tags) {
  const std::string access = ToLowerAscii(TrimSpace(TagOr(tags, "access")));
  if (access.empty() || access == "yes" || access == "permissive" || access == "public" ||
      access == "destination") {
    return model::Access::kPublic;
  }
  if (access == "customers") return model::Access::kCustomers;
  // private, no, permit, residents, employees, delivery and anything unknown: a driver cannot
  // count on it, so it is restricted (kept, and flagged in the model).
  return model::Access::kPrivate;
}

std::string DistrictFromTags(const Tags& tags) {
  std::string district = TextTag(tags, "addr:district");
  if (district.empty()) district = TextTag(tags, "addr:suburb");
  return district;
}

// "2.1", "2.1 m", "2.1m", "7'", "7'0\"", "6' 6\"" → metres. nullopt for anything else.
std::optional<double> ParseHeightM(std::string_view text) {
  text = TrimSpace(text);
  if (size_t feet = text.find('\''); feet != std::string_view::npos) {
    auto ft = ParseDouble(text.substr(0, feet));
    std::string_view rest = TrimSpace(text.substr(feet + 1));
    double in = 0;
    if (!rest.empty()) {
      if (rest.back() != '"') return std::nullopt;
      auto inches = ParseDouble(rest.substr(0, rest.size() - 1));
      if (!inches) return std::nullopt;
      in = *inches;
    }
    if (!ft) return std::nullopt;
    return *ft * 0.3048 + in * 0.0254;
  }
  if (text.ends_with("m")) text = TrimSpace(text.substr(0, text.size() - 1));
  return ParseDouble(text);
}

std::optional<double> MaxHeightFromTags(const Tags& tags, Problems& problems) {
  const std::string* raw = FindTag(tags, "maxheight");
  if (raw == nullptr) return std::nullopt;
  const std::string lower = ToLowerAscii(TrimSpace(*raw));
  if (lower == "none" || lower == "default") return std::nullopt;
  auto h = ParseHeightM(*raw);
  if (!h) {
    problems.Add("maxheight", fmt::format("'{}' is not a height in metres or feet/inches; "
                                          "max height left unknown",
                                          *raw));
    return std::nullopt;
  }
  if (!(*h > 0 && *h < 20)) {
    problems.Add("maxheight", fmt::format("'{}' ({:.2f} m) is not a plausible clearance; "
                                          "max height left unknown",
                                          *raw, *h));
    return std::nullopt;
  }
  return *h;
}

model::Capacity CapacityFromTags(const Tags& tags, Problems& problems) {
  model::Capacity capacity;
  if (const std::string* raw = FindTag(tags, "capacity")) {
    capacity.total = ParseCount(*raw);
    if (!capacity.total) {
      problems.Add("capacity",
                   fmt::format("'{}' is not a count of spaces; capacity left unknown", *raw));
    }
  }
  // capacity:women and the like are not family spaces; only parent (parent-and-child) spaces are.
  static constexpr std::array<std::pair<const char*, model::SpaceCategory>, 4> kCategories{{
      {"capacity:disabled", model::SpaceCategory::kDisabled},
      {"capacity:charging", model::SpaceCategory::kEv},
      {"capacity:parent", model::SpaceCategory::kFamily},
      {"capacity:motorcycle", model::SpaceCategory::kMotorcycle},
  }};
  for (const auto& [key, category] : kCategories) {
    const std::string* raw = FindTag(tags, key);
    if (raw == nullptr || IsYesNo(*raw)) continue;  // yes/no says whether, not how many
    auto n = ParseCount(*raw);
    if (!n) {
      problems.Add(key, fmt::format("'{}' is not a count of spaces; left out", *raw));
    } else if (capacity.total && *n > *capacity.total) {
      problems.Add(key,
                   fmt::format("{} exceeds the total capacity {}; left out", *n, *capacity.total));
    } else {
      capacity.by_category[category] = *n;
    }
  }
  return capacity;
}

std::string OpeningHoursFromTags(const Tags& tags, Problems& problems) {
  const std::string* raw = FindTag(tags, "opening_hours");
  if (raw == nullptr) return {};
  auto parsed = model::OpeningHours::Parse(*raw);
  if (!parsed.ok()) {
    problems.Add("opening_hours",
                 fmt::format("'{}' is outside the supported subset ({}); left unknown", *raw,
                             parsed.status().message()));
    return {};
  }
  return *raw;
}

std::optional<bool> FeeFromTags(const Tags& tags) {
  const std::string fee = ToLowerAscii(TrimSpace(TagOr(tags, "fee")));
  if (fee == "yes") return true;
  if (fee == "no") return false;
  return std::nullopt;  // conditional fees ("Mo-Fr 08:00-18:00") are not a yes or a no
}

// The outline the model keeps: the largest outer ring (the model has one ring per facility).
std::vector<LatLon> LargestRing(const std::vector<std::vector<LatLon>>& rings) {
  const std::vector<LatLon>* best = nullptr;
  double best_area = -1;
  for (const auto& ring : rings) {
    double kx = std::cos(ring.front().lat * kDegToRad);
    double area2 = 0;
    for (size_t i = 0; i + 1 < ring.size(); ++i) {
      area2 += ring[i].lon * kx * ring[i + 1].lat - ring[i + 1].lon * kx * ring[i].lat;
    }
    if (std::abs(area2) > best_area) {
      best_area = std::abs(area2);
      best = &ring;
    }
  }
  return best == nullptr ? std::vector<LatLon>{} : *best;
}

std::string FacilityIdFor(const osm::OsmRef& ref) { return "osm:" + ref.ToString(); }

std::optional<model::Facility> MapFacility(const osm::ParkingObject& p, OsmImportReport* report) {
  const std::string ref = p.ref.ToString();
  Problems problems(report, ref);
  if (!p.point) {
    problems.Add("geometry", "none of its members is in this extract; left out");
    if (report != nullptr) ++report->facilities_without_location;
    return std::nullopt;
  }
  model::Facility f;
  f.id = model::FacilityId(FacilityIdFor(p.ref));
  f.origin = model::Origin::kOsm;
  f.osm_ref = ref;
  f.kind = KindFromTags(p.tags);
  f.name = NameFromTags(p.tags);
  if (f.name.zh.empty() && f.name.en.empty()) {
    f.name = GenericName(f.kind, BoundedText(TrimSpace(TagOr(p.tags, "ref")), kMaxWordChars));
    if (report != nullptr) ++report->facilities_unnamed;
  }
  f.location = *p.point;
  if (!p.outline_rings.empty()) f.outline = LargestRing(p.outline_rings);
  f.capacity = CapacityFromTags(p.tags, problems);
  f.operator_name = TextTag(p.tags, "operator");
  f.opening_hours = OpeningHoursFromTags(p.tags, problems);
  f.fee = FeeFromTags(p.tags);
  f.max_height_m = MaxHeightFromTags(p.tags, problems);
  f.district = DistrictFromTags(p.tags);
  f.access = AccessFromTags(p.tags);
  if (report != nullptr) {
    if (p.geometry == osm::ParkingGeometry::kUnclosedWay) ++report->facilities_from_lines;
    if (p.geometry == osm::ParkingGeometry::kPartialRelation) {
      ++report->facilities_from_partial_relations;
    }
  }
  return f;
}

// ---- Spatial linking --------------------------------------------------------------------------

// A facility's extent grown by a radius, to skip far facilities before measuring distances.
BoundingBox ReachOf(const model::Facility& f, double radius_m) {
  BoundingBox box;
  box.Extend(f.location);
  for (const auto& p : f.outline) box.Extend(p);
  const double dlat = radius_m / kMetersPerDegreeLat;
  const double coslat = std::max(0.01, std::cos(f.location.lat * kDegToRad));
  const double dlon = radius_m / (kMetersPerDegreeLat * coslat);
  box.min_lat -= dlat;
  box.max_lat += dlat;
  box.min_lon -= dlon;
  box.max_lon += dlon;
  return box;
}

// Distance from `p` to the facility: 0 inside its outline, to the outline's edge outside it,
// to its point when it has no outline.
double DistanceToFacilityM(const model::Facility& f, const LatLon& p) {
  if (f.outline.size() >= 4) {
    if (RingContains(f.outline, p)) return 0;
    return DistanceToPolylineMeters(f.outline, p);
  }
  return HaversineMeters(f.location, p);
}

model::EntranceKind EntranceKindFromTags(const Tags& tags) {
  for (std::string_view key : {"motor_vehicle", "motorcar", "vehicle"}) {
    if (ToLowerAscii(TrimSpace(TagOr(tags, key))) == "no") return model::EntranceKind::kPedestrian;
  }
  return model::EntranceKind::kVehicle;
}

void AddEntrance(model::Facility& f, const model::Entrance& e) {
  for (const auto& existing : f.entrances) {
    if (existing.id == e.id) return;
  }
  f.entrances.push_back(e);
}

void LinkEntrances(const osm::ParkingExtract& extract, std::vector<model::Facility>& facilities,
                   OsmImportReport* report) {
  std::unordered_map<std::string, size_t> by_ref;
  std::vector<BoundingBox> reach;
  for (size_t i = 0; i < facilities.size(); ++i) {
    by_ref.emplace(facilities[i].osm_ref, i);
    reach.push_back(ReachOf(facilities[i], kEntranceLinkRadiusM));
  }
  for (const osm::EntranceNode& node : extract.entrances) {
    model::Entrance entrance;
    entrance.id = "n" + std::to_string(node.id);
    entrance.location = node.point;
    entrance.kind = EntranceKindFromTags(node.tags);
    bool on_outline = false;
    for (const osm::OsmRef& ref : node.parkings) {
      auto it = by_ref.find(ref.ToString());
      if (it == by_ref.end()) continue;
      AddEntrance(facilities[it->second], entrance);
      on_outline = true;
    }
    if (on_outline) {
      if (report != nullptr) ++report->entrances_on_outline;
      continue;
    }
    std::optional<size_t> best;
    double best_m = kEntranceLinkRadiusM;
    for (size_t i = 0; i < facilities.size(); ++i) {
      if (!reach[i].Contains(node.point)) continue;
      double d = DistanceToFacilityM(facilities[i], node.point);
      if (d <= best_m) {
        best_m = d;
        best = i;
      }
    }
    if (best) {
      AddEntrance(facilities[*best], entrance);
      if (report != nullptr) ++report->entrances_nearby;
    } else if (report != nullptr) {
      ++report->entrances_unlinked;
    }
  }
}

// ---- Chargers ---------------------------------------------------------------------------------

struct SocketType {
  std::string_view osm;
  model::ConnectorType type;
};

constexpr std::array<SocketType, 7> kSocketTypes{{
    {"type2", model::ConnectorType::kType2},
    {"type2_cable", model::ConnectorType::kType2},
    {"type2_combo", model::ConnectorType::kCcs2},
    {"tesla_supercharger_ccs", model::ConnectorType::kCcs2},
    {"chademo", model::ConnectorType::kChademo},
    {"gb_ac", model::ConnectorType::kGbtAc},
    {"gb_dc", model::ConnectorType::kGbtDc},
}};

std::optional<model::ConnectorType> SocketTypeOf(std::string_view osm_type) {
  for (const auto& s : kSocketTypes) {
    if (s.osm == osm_type) return s.type;
  }
  return std::nullopt;
}

// "22 kW", "50kW", "22", "3.7 kW", "11000 W", "11 kW;22 kW" (the highest) → kW.
std::optional<double> ParsePowerKw(std::string_view text) {
  std::optional<double> best;
  for (std::string_view part : SplitString(text, ';')) {
    part = TrimSpace(part);
    size_t end = 0;
    while (end < part.size() && ((part[end] >= '0' && part[end] <= '9') || part[end] == '.')) {
      ++end;
    }
    auto value = ParseDouble(part.substr(0, end));
    if (!value) return std::nullopt;
    const std::string unit = ToLowerAscii(TrimSpace(part.substr(end)));
    double kw = 0;
    if (unit.empty() || unit == "kw" || unit == "kva") {
      kw = *value;
    } else if (unit == "w") {
      kw = *value / 1000;
    } else if (unit == "mw") {
      kw = *value * 1000;
    } else {
      return std::nullopt;
    }
    best = std::max(best.value_or(0), kw);
  }
  return best;
}

bool IsYesOrDesignated(std::string_view value) {
  const std::string v = ToLowerAscii(TrimSpace(value));
  return v == "yes" || v == "designated";
}

// Bicycle and scooter charging points carry amenity=charging_station too; they are no use to a
// driver. A station counts as not for cars when motorcar=no, or when it says it is for bicycles
// or scooters and neither says motorcar=yes nor has a car socket.
bool NotForCars(const Tags& tags) {
  if (ToLowerAscii(TrimSpace(TagOr(tags, "motorcar"))) == "no") return true;
  if (IsYesOrDesignated(TagOr(tags, "motorcar"))) return false;
  if (!IsYesOrDesignated(TagOr(tags, "bicycle")) && !IsYesOrDesignated(TagOr(tags, "scooter"))) {
    return false;
  }
  for (const auto& [key, value] : tags) {
    if (key.starts_with("socket:") && SocketTypeOf(std::string_view(key).substr(7))) return false;
  }
  return true;
}

std::vector<model::Connector> ConnectorsFromTags(const Tags& tags, Problems& problems,
                                                 OsmImportReport* report) {
  std::vector<model::Connector> connectors;
  bool capped = false;
  for (const auto& [key, value] : tags) {
    if (!key.starts_with("socket:")) continue;
    const std::string_view osm_type = std::string_view(key).substr(7);
    if (osm_type.find(':') != std::string_view::npos) continue;  // :output, :current, :voltage
    auto type = SocketTypeOf(osm_type);
    if (!type) {
      problems.Add(key, fmt::format("not a connector type of the model ({}); left out",
                                    model::AllowedNames<model::ConnectorType>()));
      continue;
    }
    std::optional<int> count = ParseCount(value);
    const std::string lower = ToLowerAscii(TrimSpace(value));
    if (lower == "no") continue;
    if (lower == "yes") {
      problems.Add(key, "'yes' does not say how many; one connector assumed");
      count = 1;
    } else if (!count) {
      problems.Add(key, fmt::format("'{}' is not a count of sockets; left out", value));
      continue;
    }
    double power_kw = 0;
    const std::string output_key = key + ":output";
    if (const std::string* output = FindTag(tags, output_key)) {
      auto kw = ParsePowerKw(*output);
      if (kw && *kw > 0 && *kw <= 1000) {
        power_kw = *kw;
      } else {
        problems.Add(output_key, fmt::format("'{}' is not a power in kW; left unknown", *output));
      }
    }
    for (int i = 0; i < *count; ++i) {
      if (static_cast<int>(connectors.size()) >= kMaxConnectors) {
        capped = true;
        break;
      }
      connectors.push_back({static_cast<int>(connectors.size()) + 1, *type, power_kw});
    }
  }
  if (capped) {
    problems.Add("socket:*", fmt::format("more than {} sockets; the first {} kept", kMaxConnectors,
                                         kMaxConnectors));
  }
  if (connectors.empty()) {
    int n = 1;
    if (const std::string* capacity = FindTag(tags, "capacity")) {
      if (auto c = ParseCount(*capacity); c && *c >= 1) n = std::min(*c, kMaxConnectors);
    }
    for (int i = 1; i <= n; ++i) connectors.push_back({i, model::ConnectorType::kGbtAc, 0});
    problems.Add("socket:*", fmt::format("no socket:* tag of a known type; {} connector(s) of "
                                         "unknown type assumed (recorded as GBT_AC, 0 kW)",
                                         n));
    if (report != nullptr) ++report->chargers_without_sockets;
  }
  return connectors;
}

// The facility a charger stands in: the one whose outline contains it (the smallest such), else
// the one whose point is nearest within kChargerLinkRadiusM.
std::optional<model::FacilityId> FacilityOfCharger(const LatLon& p,
                                                   const std::vector<model::Facility>& facilities) {
  const model::Facility* best = nullptr;
  double best_extent = 0;
  for (const auto& f : facilities) {
    if (f.outline.size() < 4 || !RingContains(f.outline, p)) continue;
    BoundingBox box;
    for (const auto& q : f.outline) box.Extend(q);
    double extent = (box.max_lat - box.min_lat) * (box.max_lon - box.min_lon);
    if (best == nullptr || extent < best_extent) {
      best = &f;
      best_extent = extent;
    }
  }
  if (best != nullptr) return best->id;
  double best_m = kChargerLinkRadiusM;
  for (const auto& f : facilities) {
    double d = HaversineMeters(f.location, p);
    if (d <= best_m) {
      best_m = d;
      best = &f;
    }
  }
  if (best != nullptr) return best->id;
  return std::nullopt;
}

std::optional<model::Charger> MapCharger(const osm::ChargingStationObject& c,
                                         const std::vector<model::Facility>& facilities,
                                         OsmImportReport* report) {
  if (NotForCars(c.tags)) {
    if (report != nullptr) ++report->charging_stations_not_for_cars;
    return std::nullopt;
  }
  Problems problems(report, c.ref.ToString());
  model::Charger ch;
  ch.id = model::ChargerId(FacilityIdFor(c.ref));
  ch.site = ch.id.str();
  ch.origin = model::Origin::kOsm;
  ch.osm_ref = c.ref.ToString();
  ch.name = NameFromTags(c.tags);
  ch.location = c.point;
  ch.connectors = ConnectorsFromTags(c.tags, problems, report);
  ch.operator_name = TextTag(c.tags, "operator");
  ch.district = DistrictFromTags(c.tags);
  ch.access = AccessFromTags(c.tags);
  ch.lifecycle = model::Lifecycle::kInService;
  ch.facility = FacilityOfCharger(c.point, facilities);
  return ch;
}

// Counts that follow from the entries themselves; refreshed whenever entries are dropped.
void CountEntries(const model::RegistryData& data, OsmImportReport* report) {
  if (report == nullptr) return;
  report->facilities = static_cast<int>(data.facilities.size());
  report->facilities_by_kind.clear();
  report->facilities_with_capacity = 0;
  report->facilities_without_capacity = 0;
  report->facilities_restricted = 0;
  for (const auto& f : data.facilities) {
    ++report->facilities_by_kind[f.kind];
    ++(f.capacity.total ? report->facilities_with_capacity : report->facilities_without_capacity);
    if (model::IsRestricted(f.access)) ++report->facilities_restricted;
  }
  std::set<std::string> sites;
  report->connectors = 0;
  report->chargers_in_facility = 0;
  for (const auto& c : data.chargers) {
    sites.insert(c.site);
    report->connectors += static_cast<int>(c.connectors.size());
    if (c.facility) ++report->chargers_in_facility;
  }
  report->charger_sites = static_cast<int>(sites.size());
}

template <typename T>
void EraseIndices(std::vector<T>& entries, const std::set<size_t>& indices) {
  size_t out = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (indices.contains(i)) continue;
    if (out != i) entries[out] = std::move(entries[i]);  // never self-move: it empties vectors
    ++out;
  }
  entries.resize(out);
}

}  // namespace

model::RegistryData RegistryDataFromOsm(const osm::ParkingExtract& extract,
                                        OsmImportReport* report) {
  model::RegistryData data;
  if (report != nullptr) report->header_bbox = extract.header_bbox;
  for (const osm::ParkingObject& p : extract.parkings) {
    if (auto f = MapFacility(p, report)) data.facilities.push_back(std::move(*f));
  }
  LinkEntrances(extract, data.facilities, report);
  for (const osm::ChargingStationObject& c : extract.charging_stations) {
    if (auto ch = MapCharger(c, data.facilities, report)) data.chargers.push_back(std::move(*ch));
  }
  CountEntries(data, report);
  return data;
}

int DropInvalidEntries(model::RegistryData& data, OsmImportReport* report) {
  int dropped = 0;
  // Dropping a facility can leave a charger pointing at nothing; unlinking it makes it valid, so
  // a second round settles everything.
  for (int round = 0; round < 3; ++round) {
    auto problems = model::ValidateRegistry(data, {});
    if (problems.empty()) break;
    std::set<size_t> bad_facilities;
    std::set<size_t> bad_chargers;
    for (const auto& problem : problems) {
      std::string ref;
      if (problem.entry_kind == "facility") {
        bad_facilities.insert(problem.index);
        ref = data.facilities[problem.index].osm_ref;
      } else if (problem.entry_kind == "charger") {
        const model::Charger& c = data.chargers[problem.index];
        if (problem.status.code() == StatusCode::kNotFound &&
            problem.status.field() == "facility") {
          continue;  // its facility was dropped: unlinked below, not dropped
        }
        bad_chargers.insert(problem.index);
        ref = c.osm_ref;
      } else {
        continue;  // an OSM import produces no other kinds
      }
      if (report != nullptr) {
        report->problems.push_back(
            {ref, "validation",
             fmt::format("{}; left out",
                         problem.status.field().empty()
                             ? problem.status.message()
                             : problem.status.field() + ": " + problem.status.message())});
      }
    }
    dropped += static_cast<int>(bad_facilities.size() + bad_chargers.size());
    EraseIndices(data.facilities, bad_facilities);
    EraseIndices(data.chargers, bad_chargers);
    std::unordered_set<std::string> remaining;
    for (const auto& f : data.facilities) remaining.insert(f.id.str());
    for (auto& c : data.chargers) {
      if (c.facility && !remaining.contains(c.facility->str())) c.facility.reset();
    }
  }
  if (report != nullptr) {
    report->dropped_invalid += dropped;
    CountEntries(data, report);
  }
  return dropped;
}

namespace {

// Where the city's facilities and chargers are; the header bbox's centre when it has none.
std::vector<LatLon> PlacesOf(const model::RegistryData& data,
                             const std::optional<BoundingBox>& header_bbox) {
  std::vector<LatLon> places;
  for (const auto& f : data.facilities) places.push_back(f.location);
  for (const auto& c : data.chargers) places.push_back(c.location);
  if (places.empty() && header_bbox) {
    places.push_back({(header_bbox->min_lat + header_bbox->max_lat) / 2,
                      (header_bbox->min_lon + header_bbox->max_lon) / 2});
  }
  return places;
}

}  // namespace

Result<OsmImportReport> ImportOsmFile(const std::string& osm_path, store::RegistryWriter& store,
                                      const std::optional<CitySettingsRequest>& city,
                                      const Progress& progress) {
  PG_ASSIGN_OR_RETURN(osm::ParkingExtract extract, osm::ReadParkingExtract(osm_path, progress));
  OsmImportReport report;
  report.path = osm_path;
  model::RegistryData data = RegistryDataFromOsm(extract, &report);
  DropInvalidEntries(data, &report);
  if (city) {
    PG_ASSIGN_OR_RETURN(
        report.city,
        DecideCitySettings(extract.boundaries, PlacesOf(data, extract.header_bbox), *city));
    if (report.city->changed) data.city = report.city->city;
  }
  PG_ASSIGN_OR_RETURN(report.write,
                      store.WriteRegistry(data, store::RegistryWriteMode::kReplaceOsm));
  return report;
}

std::string OsmImportReport::ToText() const {
  std::string out;
  auto line = [&out](const std::string& text) {
    out += text;
    out += '\n';
  };
  line(fmt::format("OSM import{}", path.empty() ? "" : " of " + path));
  if (header_bbox) {
    line(fmt::format(
        "  header bbox       {:.6f},{:.6f},{:.6f},{:.6f} (min_lon,min_lat,max_lon,"
        "max_lat)",
        header_bbox->min_lon, header_bbox->min_lat, header_bbox->max_lon, header_bbox->max_lat));
  } else {
    line("  header bbox       none in the file");
  }
  std::string kinds;
  for (const auto& [kind, n] : facilities_by_kind) {
    kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", model::Name(kind), n);
  }
  line(
      fmt::format("  facilities        {}{}", facilities, kinds.empty() ? "" : " (" + kinds + ")"));
  line(fmt::format("    capacity        {} with, {} without", facilities_with_capacity,
                   facilities_without_capacity));
  line(fmt::format("    restricted      {} (access customers or private; kept)",
                   facilities_restricted));
  line(fmt::format("    unnamed         {} (named after their kind)", facilities_unnamed));
  line(fmt::format("    from lines      {} (unclosed ways: no outline)", facilities_from_lines));
  line(fmt::format("    cut relations   {} (members missing: best-effort shape)",
                   facilities_from_partial_relations));
  line(fmt::format("    no location     {} (left out)", facilities_without_location));
  line(fmt::format(
      "  entrances         {} on an outline, {} within {:.0f} m, {} unlinked (left out)",
      entrances_on_outline, entrances_nearby, kEntranceLinkRadiusM, entrances_unlinked));
  line(fmt::format("  chargers          {} sites, {} connectors, {} in a facility", charger_sites,
                   connectors, chargers_in_facility));
  line(fmt::format("    no socket tags  {} (connectors assumed)", chargers_without_sockets));
  line(fmt::format("    not for cars    {} (left out)", charging_stations_not_for_cars));
  line(fmt::format("  invalid           {} (left out)", dropped_invalid));
  if (city) {
    line(fmt::format("  city              {} / {} (id {})", city->city.name.zh, city->city.name.en,
                     city->city.id));
    line(fmt::format("    name from       {}", city->name_source));
    line(fmt::format("  time zone         {}", city->city.time_zone));
    line(fmt::format("    from            {}", city->zone_source));
  }
  if (write) {
    line(
        fmt::format("  store             {} inserted, {} updated, {} kept from the survey, {} "
                    "deleted",
                    write->inserted, write->updated, write->kept_survey, write->deleted));
  }
  if (problems.empty()) {
    line("  problems          none");
    return out;
  }
  std::map<std::string, std::vector<const OsmImportProblem*>> by_field;
  for (const auto& p : problems) by_field[p.field].push_back(&p);
  line(fmt::format("  problems          {} (tags left out of the model)", problems.size()));
  constexpr size_t kExamples = 5;
  for (const auto& [field, list] : by_field) {
    line(fmt::format("    {}: {}", field, list.size()));
    for (size_t i = 0; i < list.size() && i < kExamples; ++i) {
      line(fmt::format("      {} {}", list[i]->osm_ref, list[i]->message));
    }
    if (list.size() > kExamples) line(fmt::format("      … and {} more", list.size() - kExamples));
  }
  return out;
}

}  // namespace pg::registry
