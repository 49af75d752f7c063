#include "demo/demo_city.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <tuple>

#include "registry/survey.h"

namespace pg::demo {
namespace {

using ingest::simulator::LandUse;
using model::FacilityKind;

// The grid: half-steps of 100 m; streets on every second half-step (200 m blocks).
constexpr LatLon kOrigin{34.017, 113.828};  // south-west corner
constexpr int kHalfSteps = 40;              // 41 × 41 half-step positions, 4 km
constexpr double kStepM = 100.0;
constexpr double kMetersPerDegLat = 111195.0;

LatLon At(double I, double J) {
  double m_per_deg_lon = kMetersPerDegLat * std::cos(kOrigin.lat * 3.14159265358979 / 180.0);
  return {kOrigin.lat + J * kStepM / kMetersPerDegLat, kOrigin.lon + I * kStepM / m_per_deg_lon};
}

int64_t GridNodeId(int I, int J) { return 1'000'000 + J * 1000 + I; }

// A deterministic stream of numbers (SplitMix64), identical on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }
  int Between(int lo, int hi) { return lo + static_cast<int>(Next() % (hi - lo + 1)); }

 private:
  uint64_t state_;
};

struct StreetName {
  const char* zh;
  const char* en;
};
// East–west streets (by row j = 0..20) and north–south streets (by column i = 0..20).
constexpr StreetName kRows[] = {
    {"南环路", "South Ring Rd"},   {"建安路", "Jian'an Rd"},   {"魏文路", "Weiwen Rd"},
    {"学院路", "College Rd"},      {"许继大道", "Xuji Ave"},   {"前进路", "Qianjin Rd"},
    {"天宝路", "Tianbao Rd"},      {"七一路", "Qiyi Rd"},      {"八一路", "Bayi Rd"},
    {"文峰路", "Wenfeng Rd"},      {"春秋路", "Chunqiu Rd"},   {"五一路", "Wuyi Rd"},
    {"劳动路", "Laodong Rd"},      {"新兴路", "Xinxing Rd"},   {"育才路", "Yucai Rd"},
    {"瑞祥路", "Ruixiang Rd"},     {"永昌路", "Yongchang Rd"}, {"灞陵路", "Baling Rd"},
    {"颍昌大道", "Yingchang Ave"}, {"北海路", "Beihai Rd"},    {"北环路", "North Ring Rd"}};
constexpr StreetName kColumns[] = {{"西环路", "West Ring Rd"},
                                   {"芙蓉路", "Furong Rd"},
                                   {"兴业路", "Xingye Rd"},
                                   {"中原路", "Zhongyuan Rd"},
                                   {"莲城大道", "Liancheng Ave"},
                                   {"东明路", "Dongming Rd"},
                                   {"西大街", "West St"},
                                   {"南关街", "Nanguan St"},
                                   {"平定街", "Pingding St"},
                                   {"西湖路", "Xihu Rd"},
                                   {"解放路", "Jiefang Rd"},
                                   {"东大街", "East St"},
                                   {"健康路", "Jiankang Rd"},
                                   {"光明路", "Guangming Rd"},
                                   {"许由路", "Xuyou Rd"},
                                   {"竹林路", "Zhulin Rd"},
                                   {"宏腾路", "Hongteng Rd"},
                                   {"魏武大道", "Weiwu Ave"},
                                   {"长村张路", "Changcunzhang Rd"},
                                   {"新元大道", "Xinyuan Ave"},
                                   {"东环路", "East Ring Rd"}};

// 文峰路 (row 9) is a pedestrian street through the old town between these half-steps.
constexpr int kPedestrianRow = 9;
constexpr int kPedestrianFrom = 16;
constexpr int kPedestrianTo = 24;

bool OnPedestrianStreet(int row, double half_step) {
  return row == kPedestrianRow && half_step >= kPedestrianFrom && half_step < kPedestrianTo;
}

std::string StreetClass(int index) {
  if (index % 4 == 0) return "primary";
  if (index % 2 == 0) return "secondary";
  return "residential";
}

struct District {
  const char* id;
  const char* zh;
  const char* en;
};
constexpr District kDistricts[] = {{"old_town", "老城区", "Old Town"},
                                   {"east", "东城区", "East District"},
                                   {"north", "北站新区", "North Station District"},
                                   {"west", "西湖区", "West Lake District"}};

// Which district a grid block lies in: a central old town, the rest by side of the centre.
const District& DistrictOf(int i, int j) {
  if (i >= 7 && i < 13 && j >= 7 && j < 13) return kDistricts[0];
  if (j >= 13 && i >= 5) return kDistricts[2];
  if (i >= 10) return kDistricts[1];
  return kDistricts[3];
}

struct FacilityPlan {
  const char* zh;
  const char* en;
  FacilityKind kind;
  LandUse use;
  int block_i;  // the block south-west corner (streets i, j)
  int block_j;
  int capacity;
  bool in_survey;  // the survey adds tariff and more; otherwise only OSM knows it
  const char* opening_hours;
};

constexpr FacilityPlan kCarParks[] = {
    {"春秋广场地下停车场", "Chunqiu Square Underground", FacilityKind::kUnderground,
     LandUse::kCommercial, 9, 9, 620, true, "24/7"},
    {"鼓楼商业街停车楼", "Drum Tower Mall Car Park", FacilityKind::kMultiStorey,
     LandUse::kCommercial, 10, 10, 860, true, "Mo-Su 07:00-24:00"},
    {"文峰塔地下停车场", "Wenfeng Pagoda Underground", FacilityKind::kUnderground,
     LandUse::kLeisure, 8, 11, 280, true, "24/7"},
    {"中心医院停车场", "Central Hospital Car Park", FacilityKind::kMultiStorey, LandUse::kHospital,
     11, 8, 540, true, "24/7"},
    {"老城菜市场停车场", "Old Town Market Car Park", FacilityKind::kSurface, LandUse::kCommercial,
     7, 9, 85, true, "Mo-Sa 06:00-21:00"},
    {"西大街停车场", "West Street Car Park", FacilityKind::kSurface, LandUse::kCommercial, 8, 8, 60,
     false, "24/7"},
    {"市政府地下停车场", "City Hall Underground", FacilityKind::kUnderground, LandUse::kOffice, 12,
     11, 420, true, "Mo-Fr 07:00-20:00"},
    {"东城万象汇停车场", "East Mall Car Park", FacilityKind::kUnderground, LandUse::kCommercial, 14,
     8, 1200, true, "24/7"},
    {"金融中心停车楼", "Financial Centre Car Park", FacilityKind::kMultiStorey, LandUse::kOffice,
     15, 10, 760, true, "24/7"},
    {"东城体育馆停车场", "East Stadium Car Park", FacilityKind::kSurface, LandUse::kLeisure, 17, 6,
     480, true, "24/7"},
    {"许继科技园停车场", "Xuji Tech Park Car Park", FacilityKind::kSurface, LandUse::kOffice, 16, 4,
     320, false, "Mo-Fr 06:30-21:00"},
    {"东湖小区停车场", "East Lake Residences Parking", FacilityKind::kUnderground,
     LandUse::kResidential, 13, 5, 350, false, "24/7"},
    {"健康路地下停车场", "Jiankang Rd Underground", FacilityKind::kUnderground, LandUse::kOffice,
     12, 6, 240, true, "24/7"},
    {"高铁北站停车楼", "North Station Car Park", FacilityKind::kMultiStorey, LandUse::kParkAndRide,
     10, 17, 1500, true, "24/7"},
    {"北站地面停车场", "North Station Surface Lot", FacilityKind::kSurface, LandUse::kParkAndRide,
     12, 17, 300, true, "24/7"},
    {"北站新区商务中心", "North Business Centre", FacilityKind::kUnderground, LandUse::kOffice, 8,
     15, 680, true, "24/7"},
    {"北城公园停车场", "North Park Car Park", FacilityKind::kSurface, LandUse::kLeisure, 14, 15,
     150, false, "Mo-Su 06:00-22:00"},
    {"北海小区停车场", "Beihai Residences Parking", FacilityKind::kUnderground,
     LandUse::kResidential, 6, 18, 400, true, "24/7"},
    {"西湖公园停车场", "West Lake Park Car Park", FacilityKind::kSurface, LandUse::kLeisure, 3, 9,
     260, true, "Mo-Su 06:00-22:00"},
    {"西湖商场停车场", "West Lake Plaza Car Park", FacilityKind::kMultiStorey, LandUse::kCommercial,
     5, 11, 540, true, "Mo-Su 08:00-23:00"},
    {"学院路大学停车场", "University Car Park", FacilityKind::kSurface, LandUse::kOffice, 4, 3, 220,
     false, "24/7"},
    {"西城人民医院停车场", "West People's Hospital Car Park", FacilityKind::kUnderground,
     LandUse::kHospital, 6, 6, 380, true, "24/7"},
    {"芙蓉小区停车场", "Furong Residences Parking", FacilityKind::kSurface, LandUse::kResidential,
     1, 7, 180, false, "24/7"},
    {"南环路换乘停车场", "South Ring P+R", FacilityKind::kParkAndRide, LandUse::kParkAndRide, 9, 0,
     450, true, "Mo-Su 05:30-23:30"},
    {"西环路换乘停车场", "West Ring P+R", FacilityKind::kParkAndRide, LandUse::kParkAndRide, 0, 10,
     360, true, "Mo-Su 05:30-23:30"},
    {"东环路换乘停车场", "East Ring P+R", FacilityKind::kParkAndRide, LandUse::kParkAndRide, 19, 12,
     400, true, "Mo-Su 05:30-23:30"},
};

struct ZonePlan {
  const char* zh;
  const char* en;
  bool row;  // along an east–west street (row j) or a north–south one (column i)
  int line;  // the street index
  int from;  // block index along the street
  int time_limit_minutes;
};

constexpr ZonePlan kZones[] = {
    {"春秋路路内泊位(东段)", "Chunqiu Rd kerbside (east)", true, 10, 10, 120},
    {"春秋路路内泊位(西段)", "Chunqiu Rd kerbside (west)", true, 10, 8, 120},
    {"解放路路内泊位", "Jiefang Rd kerbside", false, 10, 11, 60},
    {"东大街路内泊位", "East St kerbside", false, 11, 8, 60},
    {"西大街路内泊位", "West St kerbside", false, 6, 9, 180},
    {"五一路路内泊位", "Wuyi Rd kerbside", true, 11, 12, 120},
    {"健康路路内泊位", "Jiankang Rd kerbside", false, 12, 7, 60},
    {"天宝路路内泊位", "Tianbao Rd kerbside", true, 6, 14, 180},
    {"北海路路内泊位", "Beihai Rd kerbside", true, 19, 7, 120},
    {"西湖路路内泊位", "Xihu Rd kerbside", false, 9, 4, 180},
};

constexpr int kBaysPerZone = 30;

model::Tariff TariffFor(const FacilityPlan& p, const District& d) {
  model::Tariff t;
  bool central = std::string_view(d.id) == "old_town";
  if (p.kind == FacilityKind::kParkAndRide) {
    t.free_minutes = 30;
    t.bands = {{0, 1440, 100}};
    t.daily_cap_fen = 1000;
  } else if (p.use == LandUse::kHospital) {
    t.free_minutes = 30;
    t.bands = {{420, 1140, central ? 500 : 300}, {1140, 420, 100}};
    t.daily_cap_fen = 3000;
  } else {
    t.free_minutes = 15;
    t.bands = {{480, 1200, central ? 800 : 500}, {1200, 480, 200}};
    t.daily_cap_fen = central ? 6000 : 4000;
  }
  return t;
}

std::string Pad(int n, int width) { return fmt::format("{:0{}}", n, width); }

// The city's own record: names, zone, bounding box of the grid and its districts.
model::City CityRecord() {
  model::City c;
  c.id = "demoville";
  c.name = {"示范城（演示）", "Demoville (demo)"};
  c.time_zone = "Asia/Shanghai";
  c.is_demo = true;
  c.bbox.Extend(At(0, 0));
  c.bbox.Extend(At(kHalfSteps, kHalfSteps));
  for (const auto& d : kDistricts) c.districts.push_back({d.id, {d.zh, d.en}, {}});
  return c;
}

// The OSM ways of the streets by (row?, street index, half-step where the segment starts).
using SegmentWays = std::map<std::tuple<bool, int, int>, int64_t>;

// The tags of one block face of street `index`: its class, name and speed, one-way in the old
// town's odd streets, and the pedestrian street's own.
osm::TagList StreetTags(bool row, int index, int half_step, bool one_way) {
  if (row && OnPedestrianStreet(index, half_step)) {
    return {{"highway", "pedestrian"}, {"name", "文峰步行街"}, {"name:en", "Wenfeng Walk"}};
  }
  const StreetName& name = row ? kRows[index] : kColumns[index];
  const std::string cls = StreetClass(index);
  osm::TagList tags = {{"highway", cls}, {"name", name.zh}, {"name:en", name.en}};
  if (cls == "primary") tags.push_back({"maxspeed", "60"});
  if (cls == "secondary") tags.push_back({"maxspeed", "50"});
  if (cls == "residential") tags.push_back({"maxspeed", "30"});
  if (one_way) tags.push_back({"oneway", "yes"});
  return tags;
}

// Adds street `index` (a row or a column) as a way per block face, as OSM ways usually are split
// at every crossing, numbered from `way_id` on; records each in `segments`.
void AddStreet(bool row, int index, int64_t& way_id, SegmentWays& segments,
               osm::OsmWriteData& osm) {
  // The old town's odd streets are one-way, alternating direction.
  const bool one_way = StreetClass(index) == "residential" && index >= 7 && index <= 13;
  const bool reverse = one_way && (index / 2) % 2 == 0;
  for (int k = 0; k < kHalfSteps; k += 2) {
    osm::OsmWriteWay way{way_id++, {}, StreetTags(row, index, k, one_way)};
    for (int h = k; h <= k + 2; ++h) {
      way.node_ids.push_back(row ? GridNodeId(h, 2 * index) : GridNodeId(2 * index, h));
    }
    if (reverse) std::reverse(way.node_ids.begin(), way.node_ids.end());
    segments[{row, index, k}] = way.id;
    osm.ways.push_back(std::move(way));
  }
}

// The street grid: a node every 100 m (rows and columns share nodes at crossings), every street,
// and a no-left-turn restriction. Way ids start at `way_id`, which ends past the last.
void AddStreets(int64_t& way_id, osm::OsmWriteData& osm) {
  for (int J = 0; J <= kHalfSteps; ++J) {
    for (int I = 0; I <= kHalfSteps; ++I) {
      if (I % 2 == 0 || J % 2 == 0) osm.nodes.push_back({GridNodeId(I, J), At(I, J), {}});
    }
  }
  SegmentWays segments;
  for (int j = 0; j <= kHalfSteps / 2; ++j) AddStreet(true, j, way_id, segments, osm);
  for (int i = 0; i <= kHalfSteps / 2; ++i) AddStreet(false, i, way_id, segments, osm);
  // Coming east along 八一路 (row 8) to 解放路 (column 10), no left turn to the north, as real
  // networks have at busy crossings.
  osm.relations.push_back({900,
                           {{'w', segments[{true, 8, 18}], "from"},
                            {'n', GridNodeId(20, 16), "via"},
                            {'w', segments[{false, 10, 16}], "to"}},
                           {{"type", "restriction"}, {"restriction", "no_left_turn"}}});
}

// Where a car park lies in its block: its outline's corners (SW, SE, NE, NW) and its entrance.
struct CarParkShape {
  double ci = 0, cj = 0;  // the centre, in half-steps
  double half = 0;        // half the outline's side, in half-steps
  LatLon corners[4];
  // The entrance faces the street south of the block, or north where the south one is the
  // pedestrian street: a car park's entrance must be reachable by car.
  bool north = false;
  LatLon entrance;
};

CarParkShape ShapeOf(const FacilityPlan& p) {
  CarParkShape s;
  s.ci = 2 * p.block_i + 1;
  s.cj = 2 * p.block_j + 1;
  s.half = p.kind == FacilityKind::kSurface || p.kind == FacilityKind::kParkAndRide ? 0.7 : 0.5;
  const double ci = s.ci, cj = s.cj, half = s.half;
  s.corners[0] = At(ci - half, cj - half);
  s.corners[1] = At(ci + half, cj - half);
  s.corners[2] = At(ci + half, cj + half);
  s.corners[3] = At(ci - half, cj + half);
  s.north = OnPedestrianStreet(p.block_j, ci);
  s.entrance = At(ci, s.north ? cj + half : cj - half);
  return s;
}

// The tags of car park `index` (1-based) as OSM maps it.
osm::TagList CarParkTags(const FacilityPlan& p, int index) {
  const std::string parking = p.kind == FacilityKind::kUnderground   ? "underground"
                              : p.kind == FacilityKind::kMultiStorey ? "multi-storey"
                                                                     : "surface";
  osm::TagList tags = {{"amenity", "parking"},
                       {"parking", parking},
                       {"name", p.zh},
                       {"name:zh", p.zh},
                       {"name:en", p.en},
                       {"capacity", std::to_string(p.capacity)},
                       {"fee", "yes"},
                       {"opening_hours", p.opening_hours},
                       {"operator", index % 3 == 0 ? "宏达停车" : "城投停车"}};
  if (p.kind == FacilityKind::kParkAndRide) tags.push_back({"park_ride", "bus"});
  if (p.kind == FacilityKind::kUnderground) tags.push_back({"maxheight", "2.2"});
  if (p.kind == FacilityKind::kMultiStorey) tags.push_back({"maxheight", "2.1"});
  if (p.use == LandUse::kResidential) tags.push_back({"access", "customers"});
  return tags;
}

// Adds car park `index` (1-based, way 2000 + index) to the map: its outline with the entrance
// node on the south (or north) edge, and the service road from the entrance to the street. New
// nodes are numbered after `node_id`, the service road `way_id`; both end past what they used.
void AddCarParkToMap(const FacilityPlan& p, int index, const CarParkShape& s, int64_t& node_id,
                     int64_t& way_id, osm::OsmWriteData& osm) {
  const int64_t street_node = GridNodeId(static_cast<int>(s.ci), 2 * p.block_j + (s.north ? 2 : 0));
  std::vector<int64_t> ring;
  int64_t entrance_node = 0;
  for (int k = 0; k < 4; ++k) {
    ring.push_back(++node_id);
    osm.nodes.push_back({node_id, s.corners[k], {}});
    if (k == (s.north ? 2 : 0)) {  // on the north (NE→NW) or south (SW→SE) edge
      entrance_node = ++node_id;
      osm.nodes.push_back(
          {entrance_node,
           s.entrance,
           {{"amenity", "parking_entrance"},
            {"parking", p.kind == FacilityKind::kUnderground ? "underground" : "surface"}}});
      ring.push_back(entrance_node);
    }
  }
  ring.push_back(ring.front());
  osm.ways.push_back({2000 + index, ring, CarParkTags(p, index)});
  osm.ways.push_back({way_id++,
                      {entrance_node, street_node},
                      {{"highway", "service"}, {"service", "parking_aisle"}}});
}

// The survey's record of car park `index` (1-based): what OSM has and the tariff, spaces by
// category, height limit, access and district besides.
model::Facility CarParkRecord(const FacilityPlan& p, int index, const CarParkShape& s) {
  const District& d = DistrictOf(p.block_i, p.block_j);
  const int64_t osm_way = 2000 + index;
  model::Facility f;
  f.id = model::FacilityId(fmt::format("osm:w{}", osm_way));
  f.name = {p.zh, p.en};
  f.kind = p.kind;
  f.location = At(s.ci, s.cj);
  for (const auto& corner : s.corners) f.outline.push_back(corner);
  f.outline.push_back(s.corners[0]);
  f.entrances = {{"main", s.entrance, model::EntranceKind::kVehicle},
                 {"foot", At(s.ci + s.half, s.cj), model::EntranceKind::kPedestrian}};
  f.capacity.total = p.capacity;
  f.capacity.by_category[model::SpaceCategory::kDisabled] = std::max(2, p.capacity / 50);
  if (p.capacity >= 300) f.capacity.by_category[model::SpaceCategory::kEv] = p.capacity / 25;
  if (p.use == LandUse::kCommercial || p.use == LandUse::kHospital) {
    f.capacity.by_category[model::SpaceCategory::kFamily] = std::max(4, p.capacity / 60);
  }
  f.operator_name = index % 3 == 0 ? "宏达停车" : "城投停车";
  f.opening_hours = p.opening_hours;
  f.tariff = TariffFor(p, d);
  if (p.kind == FacilityKind::kUnderground) f.max_height_m = 2.2;
  if (p.kind == FacilityKind::kMultiStorey) f.max_height_m = 2.1;
  f.district = d.id;
  f.access = p.use == LandUse::kResidential ? model::Access::kCustomers : model::Access::kPublic;
  f.origin = model::Origin::kSurvey;
  f.osm_ref = fmt::format("w{}", osm_way);
  return f;
}

// Every car park on the map with its land use; the survey's record of those it knows. Service
// roads are numbered from `way_id`, which ends past the last.
void AddCarParks(int64_t& way_id, DemoCity& city) {
  int64_t node_id = 5'000'000;
  int index = 0;
  for (const auto& p : kCarParks) {
    ++index;
    const CarParkShape shape = ShapeOf(p);
    AddCarParkToMap(p, index, shape, node_id, way_id, city.osm);
    city.land_use[fmt::format("osm:w{}", 2000 + index)] = p.use;
    if (p.in_survey) city.survey.facilities.push_back(CarParkRecord(p, index, shape));
  }
}

// On-street zone `number` (1-based, "Z01"…) along its block face, with its tariff and limits.
model::Facility ZoneRecord(const ZonePlan& z, int number) {
  const double I0 = z.row ? 2 * z.from : 2 * z.line;
  const double J0 = z.row ? 2 * z.line : 2 * z.from;
  model::Facility f;
  f.id = model::FacilityId(fmt::format("Z{}", Pad(number, 2)));
  f.name = {z.zh, z.en};
  f.kind = FacilityKind::kOnStreet;
  f.location = z.row ? At(I0 + 1, J0 + 0.08) : At(I0 + 0.08, J0 + 1);
  f.capacity.total = kBaysPerZone;
  f.capacity.by_category[model::SpaceCategory::kDisabled] = 2;
  f.operator_name = "城投停车";
  f.opening_hours = "Mo-Su 07:00-21:00";
  model::Tariff t;
  t.free_minutes = 15;
  t.bands = {{420, 1260, 400}};
  f.tariff = t;
  f.district = DistrictOf(static_cast<int>(I0 / 2), static_cast<int>(J0 / 2)).id;
  f.origin = model::Origin::kSurvey;
  return f;
}

// The sensed bays of `zone` spaced along its block face, the first two for disabled drivers;
// sensors numbered after `bay_number`, which ends past the last.
void AddZoneBays(const ZonePlan& z, const model::Facility& zone, int& bay_number,
                 std::vector<model::Bay>& bays) {
  const double I0 = z.row ? 2 * z.from : 2 * z.line;
  const double J0 = z.row ? 2 * z.line : 2 * z.from;
  for (int b = 0; b < kBaysPerZone; ++b) {
    ++bay_number;
    model::Bay bay;
    bay.id = model::BayId(fmt::format("{}-B{}", zone.id.str(), Pad(b + 1, 2)));
    bay.facility = zone.id;
    double along = 0.1 + 1.8 * (b + 0.5) / kBaysPerZone;  // half-steps along the block face
    bay.location = z.row ? At(I0 + along, J0 + 0.06) : At(I0 + 0.06, J0 + along);
    bay.time_limit_minutes = z.time_limit_minutes;
    if (b < 2) bay.category = model::SpaceCategory::kDisabled;
    bay.sensor_id = fmt::format("MAG-{}", Pad(bay_number, 4));
    bays.push_back(std::move(bay));
  }
}

// On-street zones with sensed bays along one block face each. Returns how many zones.
int AddZones(DemoCity& city) {
  int bay_number = 0;
  int zone_number = 0;
  for (const auto& z : kZones) {
    const model::Facility zone = ZoneRecord(z, ++zone_number);
    city.land_use[zone.id.str()] = LandUse::kCommercial;
    city.survey.facilities.push_back(zone);
    AddZoneBays(z, zone, bay_number, city.survey.bays);
  }
  return zone_number;
}

// Where charger `number` of site `site_number` stands in the build-out: the newest are still
// planned or being built; each with the dates of the steps it took.
void SetBuildOutStage(int number, int site_number, model::Charger& ch) {
  const int stage = (number * 7 + site_number) % 10;
  const int year = 2024 + (number % 3);
  if (stage == 0 || stage == 1) {
    ch.lifecycle = model::Lifecycle::kPlanned;
    ch.planned_date = fmt::format("2026-{:02}-15", 6 + number % 5);
  } else if (stage == 2) {
    ch.lifecycle = model::Lifecycle::kUnderConstruction;
    ch.planned_date = fmt::format("2026-{:02}-01", 1 + number % 6);
    ch.construction_date = fmt::format("2026-{:02}-10", 7 + number % 4);
  } else {
    ch.lifecycle = model::Lifecycle::kInService;
    ch.planned_date = fmt::format("{}-{:02}-01", year - 1, 1 + number % 12);
    ch.construction_date = fmt::format("{}-{:02}-01", year, 1 + number % 6);
    ch.in_service_date = fmt::format("{}-{:02}-20", year, 3 + number % 6);
  }
}

// Charger `number` ("C001"…), the `k`-th (0-based) of site `site_number` in car park `f`: DC
// fast for even `k`, AC otherwise.
model::Charger ChargerRecord(const model::Facility& f, int k, int number, int site_number) {
  model::Charger ch;
  ch.id = model::ChargerId(fmt::format("C{}", Pad(number, 3)));
  ch.site = f.id.str();
  ch.facility = f.id;
  ch.name = {fmt::format("{} {}号桩", f.name.zh, k + 1), fmt::format("{} #{}", f.name.en, k + 1)};
  ch.location = {f.location.lat + 0.00005 * k, f.location.lon + 0.00008};
  if (k % 2 == 0) {
    const double kw = k % 4 == 0 ? 120.0 : 60.0;
    ch.connectors = {{1, model::ConnectorType::kGbtDc, kw}, {2, model::ConnectorType::kGbtDc, kw}};
  } else {
    ch.connectors = {{1, model::ConnectorType::kGbtAc, 7.0}};
  }
  ch.operator_name = "许昌充电";
  ch.district = f.district;
  SetBuildOutStage(number, site_number, ch);
  ch.origin = model::Origin::kSurvey;
  return ch;
}

// Three to five chargers (drawn from `rng`) in each car park of at least 280 spaces.
void AddChargers(Rng& rng, model::RegistryData& survey) {
  int charger_number = 0;
  int site_number = 0;
  for (const auto& f : std::vector<model::Facility>(survey.facilities)) {
    if (f.kind == FacilityKind::kOnStreet || f.capacity.total.value_or(0) < 280) continue;
    ++site_number;
    const int n = 2 + rng.Between(1, 3);
    for (int k = 0; k < n; ++k) {
      survey.chargers.push_back(ChargerRecord(f, k, ++charger_number, site_number));
    }
  }
}

// The ids of the survey's car parks (not on-street zones) in `district`.
std::vector<model::FacilityId> CarParksIn(const model::RegistryData& survey, const char* district) {
  std::vector<model::FacilityId> ids;
  for (const auto& f : survey.facilities) {
    if (f.district == district && f.kind != FacilityKind::kOnStreet) ids.push_back(f.id);
  }
  return ids;
}

// A surveyed sign with its controller; area signs have 4 digits, the others 3.
model::Sign SignRecord(std::string id, model::LocalizedName name, LatLon at, model::SignLevel level,
                       std::vector<model::SignLine> lines) {
  model::Sign s;
  s.id = model::SignId(std::move(id));
  s.name = std::move(name);
  s.location = at;
  s.level = level;
  s.lines = std::move(lines);
  s.digits = level == model::SignLevel::kArea ? 4 : 3;
  s.controller_id = fmt::format("VMS-CTL-{}", s.id.str());
  s.origin = model::Origin::kSurvey;
  return s;
}

// A sign line for car park `k` (1-based in kCarParks) alone.
model::SignLine CarParkLine(int k, model::Arrow arrow) {
  const auto& p = kCarParks[k - 1];
  return {{model::FacilityId(fmt::format("osm:w{}", 2000 + k))}, arrow, {p.zh, p.en}};
}

// Level 1 at arterial crossings (groups by district), level 2 at junctions before the car parks
// (one car park per line, arrows), level 3 at big entrances.
std::vector<model::Sign> Signs(const model::RegistryData& survey) {
  using model::Arrow;
  using model::SignLevel;
  auto in = [&](const char* district) { return CarParksIn(survey, district); };
  auto line = CarParkLine;
  return {
      SignRecord("S1-01", {"许继大道/中原路", "Xuji Ave / Zhongyuan Rd"}, At(6, 8),
                 SignLevel::kArea,
                 {{in("old_town"), Arrow::kStraightRight, {"老城区", "Old Town"}},
                  {in("west"), Arrow::kLeft, {"西湖区", "West Lake"}},
                  {in("east"), Arrow::kRight, {"东城区", "East District"}}}),
      SignRecord("S1-02", {"颍昌大道/解放路", "Yingchang Ave / Jiefang Rd"}, At(20, 36),
                 SignLevel::kArea,
                 {{in("north"), Arrow::kStraight, {"北站新区", "North Station"}},
                  {in("old_town"), Arrow::kLeft, {"老城区", "Old Town"}}}),
      SignRecord("S1-03", {"东环路/春秋路", "East Ring Rd / Chunqiu Rd"}, At(40, 20),
                 SignLevel::kArea,
                 {{in("east"), Arrow::kStraight, {"东城区", "East District"}},
                  {in("old_town"), Arrow::kStraightLeft, {"老城区", "Old Town"}}}),
      SignRecord("S2-01", {"春秋路/西湖路", "Chunqiu Rd / Xihu Rd"}, At(18, 20), SignLevel::kRoute,
                 {line(1, Arrow::kRight), line(2, Arrow::kStraight), line(3, Arrow::kLeft)}),
      SignRecord(
          "S2-02", {"七一路/解放路", "Qiyi Rd / Jiefang Rd"}, At(20, 14), SignLevel::kRoute,
          {line(4, Arrow::kRight), line(1, Arrow::kStraight), line(7, Arrow::kStraightRight)}),
      SignRecord("S2-03", {"天宝路/光明路", "Tianbao Rd / Guangming Rd"}, At(26, 12),
                 SignLevel::kRoute,
                 {line(8, Arrow::kRight), line(9, Arrow::kStraight), line(13, Arrow::kLeft)}),
      SignRecord("S2-04", {"永昌路/东大街", "Yongchang Rd / East St"}, At(22, 32),
                 SignLevel::kRoute,
                 {line(14, Arrow::kStraight), line(15, Arrow::kRight), line(16, Arrow::kLeft)}),
      SignRecord("S2-05", {"春秋路/芙蓉路", "Chunqiu Rd / Furong Rd"}, At(4, 20), SignLevel::kRoute,
                 {line(19, Arrow::kLeft), line(20, Arrow::kStraight)}),
      // Chunqiu Square's entrance faces north: the street south of it is the pedestrian street.
      SignRecord("S3-01", {"春秋广场入口", "Chunqiu Square entrance"}, At(19, 19.5),
                 SignLevel::kEntrance, {line(1, Arrow::kRight)}),
      SignRecord("S3-02", {"万象汇入口", "East Mall entrance"}, At(29, 16.3), SignLevel::kEntrance,
                 {line(8, Arrow::kLeft)}),
      SignRecord("S3-03", {"高铁北站停车楼入口", "North Station entrance"}, At(21, 34.3),
                 SignLevel::kEntrance, {line(14, Arrow::kStraight)}),
      SignRecord("S3-04", {"中心医院入口", "Central Hospital entrance"}, At(23, 16.5),
                 SignLevel::kEntrance, {line(4, Arrow::kRight)})};
}

// The gate systems of the two operators, the bay-sensor gateway of zones Z01…Z<zones> and the
// charger platform, each scoped to what it may write.
std::vector<model::Source> Sources(int zones) {
  model::Source gates;
  gates.id = model::SourceId("sim-gates");
  gates.kind = model::SourceKind::kOperatorSystem;
  gates.scope.operators = {"城投停车", "宏达停车"};
  gates.expected_interval = std::chrono::seconds(60);
  gates.description = "Simulated car-park gate systems (demo)";
  model::Source bays;
  bays.id = model::SourceId("sim-bays");
  bays.kind = model::SourceKind::kSensorGateway;
  for (int z = 1; z <= zones; ++z)
    bays.scope.facilities.emplace_back(fmt::format("Z{}", Pad(z, 2)));
  bays.expected_interval = std::chrono::seconds(60);
  bays.description = "Simulated on-street bay sensor gateway (demo)";
  model::Source chargers;
  chargers.id = model::SourceId("sim-chargers");
  chargers.kind = model::SourceKind::kCharger;
  chargers.scope.operators = {"许昌充电"};
  chargers.expected_interval = std::chrono::seconds(300);
  chargers.description = "Simulated charger platform (demo)";
  return {gates, bays, chargers};
}

}  // namespace

DemoCity GenerateDemoCity(uint64_t seed) {
  DemoCity city;
  Rng rng(seed);
  city.survey.city = CityRecord();
  city.osm.bbox = city.survey.city->bbox;
  int64_t way_id = 100;
  AddStreets(way_id, city.osm);
  // Car parks: an outline inside their block, an entrance joined to the street by a service road.
  // The survey carries full records for most; the rest are OSM-only.
  AddCarParks(way_id, city);
  const int zones = AddZones(city);
  AddChargers(rng, city.survey);
  city.survey.signs = Signs(city.survey);
  city.survey.sources = Sources(zones);
  return city;
}

Result<DemoFiles> WriteDemoCityFiles(const DemoCity& city, const std::string& directory) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(directory) / "survey", ec);
  if (ec) {
    return Unavailable(fmt::format("cannot create '{}': {}", directory, ec.message()));
  }
  DemoFiles files;
  files.osm_path = (std::filesystem::path(directory) / "demoville.osm.pbf").string();
  PG_RETURN_IF_ERROR(osm::WriteOsmFile(files.osm_path, city.osm));
  std::string survey_dir = (std::filesystem::path(directory) / "survey").string();
  PG_RETURN_IF_ERROR(registry::WriteSurveyCsv(city.survey, survey_dir));
  for (const auto& entry : std::filesystem::directory_iterator(survey_dir)) {
    if (entry.path().extension() == ".csv") files.survey_paths.push_back(entry.path().string());
  }
  std::sort(files.survey_paths.begin(), files.survey_paths.end());
  return files;
}

std::string DemoSignRulesJson() {
  // Car parks by their number in kCarParks: 4 the Central Hospital, 10 the East Stadium.
  return R"({
    "defaults": {"full_increasing": 0, "full_decreasing": 5,
                 "almost_full_increasing": "90%", "almost_full_decreasing": "85%"},
    "signs": {"S1-01": {"buffer": 20, "floor": 30, "floor_band": 10},
              "S1-02": {"buffer": 20, "floor": 30, "floor_band": 10},
              "S1-03": {"buffer": 20, "floor": 30, "floor_band": 10},
              "S2-01": {"buffer": 5}, "S2-02": {"buffer": 5}, "S2-03": {"buffer": 5},
              "S2-04": {"buffer": 5}, "S2-05": {"buffer": 5}},
    "plans": [
      {"id": "hospital-visiting", "name": {"zh": "探视高峰预留", "en": "Visiting hours reserve"},
       "facilities": ["osm:w2004"], "days": "Mo-Su", "window": "14:00-17:00",
       "action": "reserve", "reserve": 40},
      {"id": "stadium-event", "name": {"zh": "体育馆赛事", "en": "Stadium event"},
       "facilities": ["osm:w2010"], "days": "Fr,Sa", "window": "18:00-23:00",
       "action": "text", "text": {"zh": "赛事专用", "en": "EVENT ONLY"}}]})";
}

}  // namespace pg::demo
