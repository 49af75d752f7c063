#include "demo/demo_city.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "model/validation.h"
#include "registry/survey.h"

namespace pg::demo {
namespace {

using ingest::simulator::LandUse;
using model::FacilityKind;

// The grid: half-steps of 100 m; streets on every second half-step (200 m blocks).
constexpr LatLon kOrigin{34.017, 113.828};  // south-west corner
constexpr int kDemoHalfSteps = 40;          // 41 × 41 half-step positions, 4 km
constexpr double kStepM = 100.0;
constexpr double kMetersPerDegLat = 111195.0;

LatLon At(double I, double J) {
  double m_per_deg_lon = kMetersPerDegLat * std::cos(kOrigin.lat * 3.14159265358979 / 180.0);
  return {kOrigin.lat + J * kStepM / kMetersPerDegLat, kOrigin.lon + I * kStepM / m_per_deg_lon};
}

// The first street way; streets take one way per block face, rows first, then columns.
constexpr int64_t kFirstStreetWay = 100;

// Nodes that only shape a street (DemoCitySize::shape_points) are numbered from here, past every
// other node.
constexpr int64_t kFirstShapeNode = 10'000'000'000;

// Arterials: every fourth street (the primary roads), 800 m apart.
bool IsArterial(int index) { return index % 4 == 0; }

// A square street grid of `half_steps` (even) half-steps a side: nodes where I or J is even,
// streets 0 … blocks() each way, blocks() × blocks() blocks.
struct Grid {
  int half_steps = kDemoHalfSteps;
  StreetPattern streets = StreetPattern::kGrid;
  int shape_points = 0;  // on each half of a block face

  int blocks() const { return half_steps / 2; }
  // Node ids keep the demo's 1,000 per row while rows fit in it.
  // Of the node at half-step column `hi` and row `hj`.
  int64_t NodeId(int hi, int hj) const {
    return 1'000'000 + int64_t{hj} * std::max(1000, half_steps + 1) + hi;
  }
  // The way of the block face of street `index` that starts at half-step `k` (even).
  int64_t SegmentWay(bool row, int index, int k) const {
    const int64_t per_street = blocks();
    const int64_t before = row ? 0 : (per_street + 1) * per_street;
    return kFirstStreetWay + before + index * per_street + k / 2;
  }
  int64_t EndOfStreetWays() const { return SegmentWay(false, blocks() + 1, 0); }
  // Shape point `m` (0-based) of the half face of street `index` from half-step `h`.
  int64_t ShapeNodeId(bool row, int index, int h, int m) const {
    const int64_t face = SegmentWay(row, index, h - h % 2) - kFirstStreetWay;
    return kFirstShapeNode + (face * 2 + h % 2) * shape_points + m;
  }
  // Which half-steps of the block face of street `index` from half-step `k` (even) carry the
  // road: the whole face, or in a compound city, for a face that would join an arterial at a
  // compound's wall, only the half away from it (a dead end; its middle node, where a car park's
  // service road may join, stays on the road), unless it is a gate: the west or south end of a
  // compound's middle street (index % 4 == 2). The city's edge has no walls: the street along it
  // is whole, and streets run into it.
  std::pair<int, int> FaceSpan(int index, int k) const {
    if (streets == StreetPattern::kGrid || IsArterial(index) || index == blocks()) {
      return {k, k + 2};
    }
    if (IsArterial(k / 2) && index % 4 != 2) return {k + 1, k + 2};
    if (IsArterial(k / 2 + 1)) return {k, k + 1};
    return {k, k + 2};
  }
  // Whether the pedestrian street may run along street `index`: in a compound city, not along
  // the edge, which is the only way by car to the compounds' streets that end on it.
  bool MayBePedestrian(int index) const {
    return streets == StreetPattern::kGrid || index != blocks();
  }
  int64_t RoadNodes() const {
    const int64_t n = half_steps + 1, h = half_steps / 2;
    int64_t nodes = n * n - h * h;
    if (shape_points == 0) return nodes;
    int64_t halves = 0;  // of the rows; the columns have as many
    for (int index = 0; index <= blocks(); ++index) {
      for (int k = 0; k < half_steps; k += 2) {
        const auto [from, to] = FaceSpan(index, k);
        halves += to - from;
      }
    }
    return nodes + 2 * halves * shape_points;
  }
};

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

// Street `index`'s names: the demo's own, numbered past them (纬21路 / Wei 21 Rd for rows,
// 经21路 / Jing 21 Rd for columns).
model::LocalizedName StreetNameOf(bool row, int index) {
  constexpr int kNamed = std::size(kRows);
  if (index < kNamed) {
    const StreetName& name = row ? kRows[index] : kColumns[index];
    return {name.zh, name.en};
  }
  return row ? model::LocalizedName{fmt::format("纬{}路", index), fmt::format("Wei {} Rd", index)}
             : model::LocalizedName{fmt::format("经{}路", index), fmt::format("Jing {} Rd", index)};
}

// A larger city repeats the demo's street pattern every kPatternStreets streets each way (a
// "tile" of the demo's size): classes, one-ways, the pedestrian street, the turn restriction.
constexpr int kPatternStreets = 20;

// 文峰路 (row 9) is a pedestrian street through the old town between these half-steps.
constexpr int kPedestrianRow = 9;
constexpr int kPedestrianFrom = 16;
constexpr int kPedestrianTo = 24;

bool IsPedestrianRow(int row) { return row % kPatternStreets == kPedestrianRow; }

bool OnPedestrianStreet(int row, double half_step) {
  const double along = std::fmod(half_step, 2.0 * kPatternStreets);
  return IsPedestrianRow(row) && along >= kPedestrianFrom && along < kPedestrianTo;
}

std::string StreetClass(int index) {
  if (IsArterial(index)) return "primary";
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

// Which district block (i, j) lies in: the demo's four (regions 0), or one of a regions ×
// regions grid of districts d<row>-<column> ("d00-03") over a generated city.
struct DistrictMap {
  int regions = 0;
  int blocks = kDemoHalfSteps / 2;

  std::pair<int, int> RegionOf(int i, int j) const {
    return {std::min(j, blocks - 1) * regions / blocks, std::min(i, blocks - 1) * regions / blocks};
  }
  std::string IdOf(int i, int j) const {
    if (regions == 0) return DistrictOf(i, j).id;
    const auto [row, column] = RegionOf(i, j);
    return fmt::format("d{:02}-{:02}", row, column);
  }
  // Tariffs are dearer in the centre: the old town, or the middle district.
  bool IsCentral(int i, int j) const {
    if (regions == 0) return std::string_view(DistrictOf(i, j).id) == "old_town";
    return RegionOf(i, j) == std::pair(regions / 2, regions / 2);
  }
  std::vector<model::District> All() const {
    std::vector<model::District> all;
    if (regions == 0) {
      for (const auto& d : kDistricts) all.push_back({d.id, {d.zh, d.en}, {}});
    }
    for (int row = 0; row < regions; ++row) {
      for (int column = 0; column < regions; ++column) {
        const int n = row * regions + column + 1;
        all.push_back({fmt::format("d{:02}-{:02}", row, column),
                       {fmt::format("第{}区", n), fmt::format("District {}", n)},
                       {}});
      }
    }
    return all;
  }
};

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

// A car park as the generator places it: a row of kCarParks, or one made from such a row.
struct CarParkPlan {
  std::string zh, en;
  FacilityKind kind = FacilityKind::kSurface;
  LandUse use = LandUse::kCommercial;
  int block_i = 0;  // the block south-west corner (streets i, j)
  int block_j = 0;
  int capacity = 0;
  bool in_survey = true;
  std::string opening_hours;
  int64_t way_id = 0;  // the outline's OSM way; the facility is "osm:w<way_id>"
  std::string district;
  bool central = false;
};

// The demo's car parks: outline ways 2001….
std::vector<CarParkPlan> DemoCarParks() {
  std::vector<CarParkPlan> plans;
  const DistrictMap districts;
  for (const FacilityPlan& p : kCarParks) {
    plans.push_back({p.zh, p.en, p.kind, p.use, p.block_i, p.block_j, p.capacity, p.in_survey,
                     p.opening_hours, 2000 + static_cast<int64_t>(plans.size()) + 1,
                     districts.IdOf(p.block_i, p.block_j),
                     districts.IsCentral(p.block_i, p.block_j)});
  }
  return plans;
}

// An on-street zone as the generator places it: a row of kZones, or one made like it.
struct ZoneSpec {
  std::string zh, en;
  bool row = true;  // along an east–west street (row j) or a north–south one (column i)
  int line = 0;     // the street index
  int from = 0;     // block index along the street
  int time_limit_minutes = 0;
  int bays = kBaysPerZone;
};

std::vector<ZoneSpec> DemoZones() {
  std::vector<ZoneSpec> zones;
  for (const ZonePlan& z : kZones) {
    zones.push_back({z.zh, z.en, z.row, z.line, z.from, z.time_limit_minutes, kBaysPerZone});
  }
  return zones;
}

model::Tariff TariffFor(const CarParkPlan& p) {
  model::Tariff t;
  const bool central = p.central;
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
model::City CityRecord(const Grid& grid, const DistrictMap& districts) {
  model::City c;
  c.id = "demoville";
  c.name = {"示范城（演示）", "Demoville (demo)"};
  c.time_zone = "Asia/Shanghai";
  c.is_demo = true;
  c.bbox.Extend(At(0, 0));
  c.bbox.Extend(At(grid.half_steps, grid.half_steps));
  c.districts = districts.All();
  return c;
}

// The tags of one block face of street `index`: its class, name and speed, one-way in the old
// town's odd streets, and the pedestrian street's own.
osm::TagList StreetTags(bool row, int index, bool pedestrian, bool one_way) {
  if (pedestrian) {
    return {{"highway", "pedestrian"}, {"name", "文峰步行街"}, {"name:en", "Wenfeng Walk"}};
  }
  model::LocalizedName name = StreetNameOf(row, index);
  const std::string cls = StreetClass(index);
  osm::TagList tags = {
      {"highway", cls}, {"name", std::move(name.zh)}, {"name:en", std::move(name.en)}};
  if (cls == "primary") tags.push_back({"maxspeed", "60"});
  if (cls == "secondary") tags.push_back({"maxspeed", "50"});
  if (cls == "residential") tags.push_back({"maxspeed", "30"});
  if (one_way) tags.push_back({"oneway", "yes"});
  return tags;
}

// Adds the shape points of the half face of street `index` from half-step `h` to the map and to
// `way`: evenly along it, each 4 m to one side or the other, as a street bends a little.
void AddShapePoints(const Grid& grid, bool row, int index, int h, std::vector<int64_t>& way,
                    osm::OsmWriteData& osm) {
  for (int m = 0; m < grid.shape_points; ++m) {
    const double along = h + (m + 1.0) / (grid.shape_points + 1);
    const double across = 2 * index + (m % 2 == 0 ? 0.04 : -0.04);
    const int64_t id = grid.ShapeNodeId(row, index, h, m);
    osm.nodes.push_back({id, row ? At(along, across) : At(across, along), {}});
    way.push_back(id);
  }
}

// Adds street `index` (a row or a column) as a way per block face, as OSM ways usually are split
// at every crossing (ids Grid::SegmentWay).
void AddStreet(const Grid& grid, bool row, int index, osm::OsmWriteData& osm) {
  // The old town's odd streets are one-way, alternating direction (not in compounds, whose dead
  // ends a one-way street would make a trap).
  const int in_pattern = index % kPatternStreets;
  const bool one_way = grid.streets == StreetPattern::kGrid &&
                       StreetClass(index) == "residential" && in_pattern >= 7 && in_pattern <= 13;
  const bool reverse = one_way && (index / 2) % 2 == 0;
  for (int k = 0; k < grid.half_steps; k += 2) {
    const bool pedestrian = row && grid.MayBePedestrian(index) && OnPedestrianStreet(index, k);
    osm::OsmWriteWay way{
        grid.SegmentWay(row, index, k), {}, StreetTags(row, index, pedestrian, one_way)};
    const auto [from, to] = grid.FaceSpan(index, k);
    for (int h = from; h <= to; ++h) {
      way.node_ids.push_back(row ? grid.NodeId(h, 2 * index) : grid.NodeId(2 * index, h));
      if (h < to) AddShapePoints(grid, row, index, h, way.node_ids, osm);
    }
    if (reverse) std::reverse(way.node_ids.begin(), way.node_ids.end());
    osm.ways.push_back(std::move(way));
  }
}

// Coming east along 八一路 (row 8) to 解放路 (column 10), no left turn to the north, as real
// networks have at busy crossings; once in every pattern tile the grid holds whole.
void AddTurnRestrictions(const Grid& grid, osm::OsmWriteData& osm) {
  constexpr int kTile = 2 * kPatternStreets;  // half-steps
  int64_t relation_id = 900;
  for (int oy = 0; oy + kTile / 2 < grid.half_steps; oy += kTile) {
    for (int ox = 0; ox + kTile / 2 < grid.half_steps; ox += kTile) {
      osm.relations.push_back({relation_id++,
                               {{'w', grid.SegmentWay(true, (oy + 16) / 2, ox + 18), "from"},
                                {'n', grid.NodeId(ox + 20, oy + 16), "via"},
                                {'w', grid.SegmentWay(false, (ox + 20) / 2, oy + 16), "to"}},
                               {{"type", "restriction"}, {"restriction", "no_left_turn"}}});
    }
  }
}

// The street grid: a node every 100 m (rows and columns share nodes at crossings), every street,
// and the turn restrictions.
void AddStreets(const Grid& grid, osm::OsmWriteData& osm) {
  osm.nodes.reserve(grid.RoadNodes());
  for (int hj = 0; hj <= grid.half_steps; ++hj) {
    for (int hi = 0; hi <= grid.half_steps; ++hi) {
      if (hi % 2 == 0 || hj % 2 == 0) osm.nodes.push_back({grid.NodeId(hi, hj), At(hi, hj), {}});
    }
  }
  osm.ways.reserve(grid.EndOfStreetWays() - kFirstStreetWay);
  for (int j = 0; j <= grid.blocks(); ++j) AddStreet(grid, true, j, osm);
  for (int i = 0; i <= grid.blocks(); ++i) AddStreet(grid, false, i, osm);
  AddTurnRestrictions(grid, osm);
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

CarParkShape ShapeOf(const CarParkPlan& p) {
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
osm::TagList CarParkTags(const CarParkPlan& p, int index) {
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

// Adds car park `index` (1-based, way p.way_id) to the map: its outline with the entrance node
// on the south (or north) edge, and the service road from the entrance to the street. New nodes
// are numbered after `node_id`, the service road `way_id`; both end past what they used.
void AddCarParkToMap(const Grid& grid, const CarParkPlan& p, int index, const CarParkShape& s,
                     int64_t& node_id, int64_t& way_id, osm::OsmWriteData& osm) {
  const int64_t street_node =
      grid.NodeId(static_cast<int>(s.ci), 2 * p.block_j + (s.north ? 2 : 0));
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
  osm.ways.push_back({p.way_id, ring, CarParkTags(p, index)});
  osm.ways.push_back({way_id++,
                      {entrance_node, street_node},
                      {{"highway", "service"}, {"service", "parking_aisle"}}});
}

// The survey's record of car park `index` (1-based): what OSM has and the tariff, spaces by
// category, height limit, access and district besides.
model::Facility CarParkRecord(const CarParkPlan& p, int index, const CarParkShape& s) {
  const int64_t osm_way = p.way_id;
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
  f.tariff = TariffFor(p);
  if (p.kind == FacilityKind::kUnderground) f.max_height_m = 2.2;
  if (p.kind == FacilityKind::kMultiStorey) f.max_height_m = 2.1;
  f.district = p.district;
  f.access = p.use == LandUse::kResidential ? model::Access::kCustomers : model::Access::kPublic;
  f.origin = model::Origin::kSurvey;
  f.osm_ref = fmt::format("w{}", osm_way);
  return f;
}

// Every car park on the map with its land use; the survey's record of those it knows. Outline
// nodes are numbered after `node_id`; service roads from `way_id`, which ends past the last.
void AddCarParks(const Grid& grid, const std::vector<CarParkPlan>& plans, int64_t node_id,
                 int64_t& way_id, DemoCity& city) {
  int index = 0;
  for (const auto& p : plans) {
    ++index;
    const CarParkShape shape = ShapeOf(p);
    AddCarParkToMap(grid, p, index, shape, node_id, way_id, city.osm);
    city.land_use[fmt::format("osm:w{}", p.way_id)] = p.use;
    if (p.in_survey) city.survey.facilities.push_back(CarParkRecord(p, index, shape));
  }
}

// Decimal digits of n, at least `least`: the width ids are padded to.
int Width(int n, int least) { return std::max(least, static_cast<int>(std::to_string(n).size())); }

// The id of on-street zone `number` (1-based) of `zones`: "Z01"….
std::string ZoneId(int number, int zones) { return "Z" + Pad(number, Width(zones, 2)); }

// On-street zone `number` (1-based) of `zones` along its block face, with its tariff and limits.
model::Facility ZoneRecord(const ZoneSpec& z, int number, int zones, const DistrictMap& districts) {
  const double I0 = z.row ? 2 * z.from : 2 * z.line;
  const double J0 = z.row ? 2 * z.line : 2 * z.from;
  model::Facility f;
  f.id = model::FacilityId(ZoneId(number, zones));
  f.name = {z.zh, z.en};
  f.kind = FacilityKind::kOnStreet;
  f.location = z.row ? At(I0 + 1, J0 + 0.08) : At(I0 + 0.08, J0 + 1);
  f.capacity.total = z.bays;
  f.capacity.by_category[model::SpaceCategory::kDisabled] = std::min(2, z.bays);
  f.operator_name = "城投停车";
  f.opening_hours = "Mo-Su 07:00-21:00";
  model::Tariff t;
  t.free_minutes = 15;
  t.bands = {{420, 1260, 400}};
  f.tariff = t;
  f.district = districts.IdOf(static_cast<int>(I0 / 2), static_cast<int>(J0 / 2));
  f.origin = model::Origin::kSurvey;
  return f;
}

// The sensed bays of `zone` spaced along its block face, the first two for disabled drivers;
// sensors numbered after `bay_number`, which ends past the last, padded to `sensor_width`.
void AddZoneBays(const ZoneSpec& z, const model::Facility& zone, int& bay_number, int sensor_width,
                 std::vector<model::Bay>& bays) {
  const double I0 = z.row ? 2 * z.from : 2 * z.line;
  const double J0 = z.row ? 2 * z.line : 2 * z.from;
  for (int b = 0; b < z.bays; ++b) {
    ++bay_number;
    model::Bay bay;
    bay.id = model::BayId(fmt::format("{}-B{}", zone.id.str(), Pad(b + 1, Width(z.bays, 2))));
    bay.facility = zone.id;
    double along = 0.1 + 1.8 * (b + 0.5) / z.bays;  // half-steps along the block face
    bay.location = z.row ? At(I0 + along, J0 + 0.06) : At(I0 + 0.06, J0 + along);
    bay.time_limit_minutes = z.time_limit_minutes;
    if (b < 2) bay.category = model::SpaceCategory::kDisabled;
    bay.sensor_id = fmt::format("MAG-{}", Pad(bay_number, sensor_width));
    bays.push_back(std::move(bay));
  }
}

// On-street zones with sensed bays along one block face each. Returns how many zones.
int AddZones(const std::vector<ZoneSpec>& zones, const DistrictMap& districts, DemoCity& city) {
  int total_bays = 0;
  for (const auto& z : zones) total_bays += z.bays;
  const int sensor_width = Width(total_bays, 4);
  int bay_number = 0;
  int zone_number = 0;
  const int count = static_cast<int>(zones.size());
  city.survey.bays.reserve(total_bays);
  for (const auto& z : zones) {
    const model::Facility zone = ZoneRecord(z, ++zone_number, count, districts);
    city.land_use[zone.id.str()] = LandUse::kCommercial;
    city.survey.facilities.push_back(zone);
    AddZoneBays(z, zone, bay_number, sensor_width, city.survey.bays);
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
model::Charger ChargerRecord(const model::Facility& f, int k, int number, int site_number,
                             int id_width = 3) {
  model::Charger ch;
  ch.id = model::ChargerId(fmt::format("C{}", Pad(number, id_width)));
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
  for (int z = 1; z <= zones; ++z) bays.scope.facilities.emplace_back(ZoneId(z, zones));
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

// Demoville: the hand-placed city on the 4 × 4 km grid.
DemoCity GenerateDemoville(uint64_t seed) {
  DemoCity city;
  Rng rng(seed);
  const Grid grid;
  const DistrictMap districts;
  city.survey.city = CityRecord(grid, districts);
  city.osm.bbox = city.survey.city->bbox;
  AddStreets(grid, city.osm);
  // Car parks: an outline inside their block, an entrance joined to the street by a service road.
  // The survey carries full records for most; the rest are OSM-only.
  int64_t way_id = grid.EndOfStreetWays();
  AddCarParks(grid, DemoCarParks(), 5'000'000, way_id, city);
  const int zones = AddZones(DemoZones(), districts, city);
  AddChargers(rng, city.survey);
  city.survey.signs = Signs(city.survey);
  city.survey.sources = Sources(zones);
  return city;
}

// ---- A city of any size (DemoCitySize): the demo's pattern over a larger grid, its car parks
// and zones spread at random, its counts in the demo's proportions.

// The demo's counts, whose proportions a generated city keeps.
constexpr int kDemoFacilities = 36;
constexpr int kDemoZones = 10;
constexpr int kDemoChargers = 69;
constexpr int kDemoSigns = 12;
// Ids of a generated city's car-park outline ways and nodes: past any street's.
constexpr int64_t kSizedCarParkIdBase = 100'000'000;

struct SizedCounts {
  int car_parks = 0, zones = 0, bays = 0, chargers = 0, signs = 0;
};

int Scaled(int demo_count, int facilities) {
  return static_cast<int>(
      std::lround(static_cast<double>(demo_count) * facilities / kDemoFacilities));
}

SizedCounts CountsFor(const DemoCitySize& size) {
  SizedCounts n;
  n.zones = std::max(1, Scaled(kDemoZones, size.facilities));
  n.car_parks = size.facilities - n.zones;
  n.bays = size.bays.value_or(n.zones * kBaysPerZone);
  n.chargers = size.chargers.value_or(Scaled(kDemoChargers, size.facilities));
  n.signs = size.signs.value_or(Scaled(kDemoSigns, size.facilities));
  return n;
}

// The grid of `size`'s pattern and shape points with `half_steps`.
Grid GridOf(const DemoCitySize& size, int half_steps) {
  return {half_steps, size.streets, size.shape_points};
}

// The even half-steps whose grid has the road node count nearest `size.road_nodes` (the count
// grows with the half-steps).
int HalfStepsFor(const DemoCitySize& size) {
  int lo = 2, hi = 2;  // RoadNodes(lo) < road_nodes ≤ RoadNodes(hi), or hi == 2
  while (GridOf(size, hi).RoadNodes() < size.road_nodes) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 2) {
    const int mid = (lo + hi) / 4 * 2;
    (GridOf(size, mid).RoadNodes() < size.road_nodes ? lo : hi) = mid;
  }
  const auto off = [&](int h) { return std::abs(GridOf(size, h).RoadNodes() - size.road_nodes); };
  return off(lo) < off(hi) ? lo : hi;
}

// Car parks take a block each, in at most half the blocks, so that they spread over the city.
int MinHalfStepsFor(int car_parks) {
  return 2 * static_cast<int>(std::ceil(std::sqrt(2.0 * car_parks)));
}

// About a hundred facilities a district, between 2 × 2 and 31 × 31 districts (kMaxDistricts).
int RegionsFor(int facilities) {
  return std::clamp(static_cast<int>(std::lround(std::sqrt(facilities / 100.0))), 2, 31);
}

// Distinct blocks (i, j) for `count` car parks, uniform over the grid. REQUIRES: count at most
// half the blocks (so a draw is taken with probability at most 1/2).
std::vector<std::pair<int, int>> SpreadBlocks(Rng& rng, int blocks, int count) {
  const uint64_t cells = static_cast<uint64_t>(blocks) * blocks;
  std::vector<bool> taken(cells);
  std::vector<std::pair<int, int>> out;
  out.reserve(count);
  while (static_cast<int>(out.size()) < count) {
    const uint64_t cell = rng.Next() % cells;
    if (taken[cell]) continue;
    taken[cell] = true;
    out.emplace_back(static_cast<int>(cell % blocks), static_cast<int>(cell / blocks));
  }
  return out;
}

// Car park n is made from row (n - 1) mod 26 of kCarParks (kind, land use, capacity, hours,
// whether the survey knows it), so the demo's mix holds at every size; named after it, "#n".
std::vector<CarParkPlan> SizedCarParks(Rng& rng, const Grid& grid, const DistrictMap& districts,
                                       int count) {
  std::vector<CarParkPlan> plans;
  plans.reserve(count);
  const auto blocks = SpreadBlocks(rng, grid.blocks(), count);
  for (int n = 1; n <= count; ++n) {
    const FacilityPlan& t = kCarParks[(n - 1) % std::size(kCarParks)];
    const auto [i, j] = blocks[n - 1];
    plans.push_back({fmt::format("{}{}号", t.zh, n), fmt::format("{} #{}", t.en, n), t.kind, t.use,
                     i, j, t.capacity, t.in_survey, t.opening_hours, kSizedCarParkIdBase + n,
                     districts.IdOf(i, j), districts.IsCentral(i, j)});
  }
  return plans;
}

// `count` zones on distinct block faces (none on a pedestrian street, none on the last street,
// so a zone's kerb stays inside the city), `bays` shared out evenly; time limits from kZones.
std::vector<ZoneSpec> SizedZones(Rng& rng, const Grid& grid, int count, int bays) {
  std::set<std::tuple<bool, int, int>> taken;
  std::vector<ZoneSpec> zones;
  const int b = grid.blocks();
  for (int n = 1; n <= count; ++n) {
    bool row = false;
    int line = 0, from = 0;
    do {
      row = rng.Next() % 2 == 0;
      line = static_cast<int>(rng.Next() % b);
      from = static_cast<int>(rng.Next() % b);
    } while ((row && IsPedestrianRow(line)) || !taken.emplace(row, line, from).second);
    const model::LocalizedName street = StreetNameOf(row, line);
    zones.push_back({fmt::format("{}路内泊位{}号", street.zh, n),
                     fmt::format("{} kerbside #{}", street.en, n), row, line, from,
                     kZones[(n - 1) % std::size(kZones)].time_limit_minutes,
                     bays / count + (n - 1 < bays % count ? 1 : 0)});
  }
  return zones;
}

// `count` chargers shared out evenly over the surveyed car parks of at least 280 spaces (all
// surveyed car parks when none is that big), in the demo's build-out stages and connectors.
void AddChargersEvenly(int count, model::RegistryData& survey) {
  std::vector<const model::Facility*> sites, car_parks;
  for (const auto& f : survey.facilities) {
    if (f.kind == FacilityKind::kOnStreet) continue;
    car_parks.push_back(&f);
    if (f.capacity.total.value_or(0) >= 280) sites.push_back(&f);
  }
  if (sites.empty()) sites = car_parks;
  if (sites.empty()) return;
  const int n_sites = static_cast<int>(sites.size());
  const int width = Width(count, 3);
  survey.chargers.reserve(count);
  int number = 0;
  for (int s = 0; s < n_sites; ++s) {
    const int here = count / n_sites + (s < count % n_sites ? 1 : 0);
    for (int k = 0; k < here; ++k) {
      survey.chargers.push_back(ChargerRecord(*sites[s], k, ++number, s + 1, width));
    }
  }
}

model::SignLine LineTo(const CarParkPlan& p, model::Arrow arrow) {
  return {{model::FacilityId(fmt::format("osm:w{}", p.way_id))}, arrow, {p.zh, p.en}};
}

// "Row street / column street" at the crossing south-west of block (i, j).
model::LocalizedName CrossingName(int i, int j) {
  const model::LocalizedName row = StreetNameOf(true, j), column = StreetNameOf(false, i);
  return {row.zh + "/" + column.zh, row.en + " / " + column.en};
}

std::string SignId(int level, int number, int of) {
  return fmt::format("S{}-{}", level, Pad(number, Width(of, 2)));
}

// Level 1: at a crossing in a district, a line summing its surveyed car parks (straight on) and
// one for the next district's (left); the districts taken in turn.
void AddAreaSigns(int count, const std::vector<const CarParkPlan*>& surveyed,
                  const DistrictMap& districts, std::vector<model::Sign>& signs) {
  std::map<std::string, std::vector<const CarParkPlan*>> by_district;
  for (const CarParkPlan* p : surveyed) {
    auto& list = by_district[p->district];
    if (list.size() < model::kMaxLineFacilities) list.push_back(p);
  }
  std::map<std::string, model::LocalizedName> names;
  for (auto& d : districts.All()) names[d.id] = std::move(d.name);
  std::vector<std::pair<std::string, std::vector<const CarParkPlan*>>> order(by_district.begin(),
                                                                             by_district.end());
  auto line = [&](size_t d, model::Arrow arrow) {
    model::SignLine l{{}, arrow, names[order[d].first]};
    for (const CarParkPlan* p : order[d].second) {
      l.facilities.emplace_back(fmt::format("osm:w{}", p->way_id));
    }
    return l;
  };
  for (int k = 0; k < count && !order.empty(); ++k) {
    const size_t d = k % order.size();
    const CarParkPlan& at = *order[d].second.front();
    std::vector<model::SignLine> lines = {line(d, model::Arrow::kStraight)};
    if (order.size() > 1) lines.push_back(line((d + 1) % order.size(), model::Arrow::kLeft));
    signs.push_back(SignRecord(SignId(1, k + 1, count), CrossingName(at.block_i, at.block_j),
                               At(2 * at.block_i, 2 * at.block_j), model::SignLevel::kArea,
                               std::move(lines)));
  }
}

// Level 2 at the crossing before a car park (itself and the next two nearby, one a line);
// level 3 at a car park's entrance. Spread over the city in `surveyed`'s order.
void AddRouteAndEntranceSigns(int route_count, int entrance_count,
                              const std::vector<const CarParkPlan*>& surveyed,
                              std::vector<model::Sign>& signs) {
  const size_t n = surveyed.size();
  if (n == 0) return;
  constexpr model::Arrow kArrows[] = {model::Arrow::kRight, model::Arrow::kStraight,
                                      model::Arrow::kLeft};
  for (int k = 0; k < route_count; ++k) {
    const size_t a = static_cast<size_t>(k) * n / route_count;
    const CarParkPlan& at = *surveyed[a];
    std::vector<model::SignLine> lines;
    for (size_t m = 0; m < std::min<size_t>(3, n); ++m) {
      lines.push_back(LineTo(*surveyed[(a + m) % n], kArrows[m]));
    }
    signs.push_back(SignRecord(SignId(2, k + 1, route_count), CrossingName(at.block_i, at.block_j),
                               At(2 * at.block_i, 2 * at.block_j), model::SignLevel::kRoute,
                               std::move(lines)));
  }
  for (int k = 0; k < entrance_count; ++k) {
    const CarParkPlan& p = *surveyed[(static_cast<size_t>(k) * n / entrance_count + n / 2) % n];
    const CarParkShape s = ShapeOf(p);
    const double outside = s.north ? s.cj + s.half + 0.3 : s.cj - s.half - 0.3;
    signs.push_back(SignRecord(SignId(3, k + 1, entrance_count),
                               {p.zh + "入口", p.en + " entrance"}, At(s.ci, outside),
                               model::SignLevel::kEntrance, {LineTo(p, model::Arrow::kStraight)}));
  }
}

// `count` signs in the demo's mix of levels (3 : 5 : 4), naming surveyed car parks only.
std::vector<model::Sign> SizedSigns(int count, const std::vector<CarParkPlan>& plans,
                                    const DistrictMap& districts) {
  std::vector<const CarParkPlan*> surveyed;
  for (const auto& p : plans) {
    if (p.in_survey) surveyed.push_back(&p);
  }
  // Nearby car parks next to each other: bands four blocks high, west to east.
  std::sort(surveyed.begin(), surveyed.end(), [](const CarParkPlan* a, const CarParkPlan* b) {
    return std::tuple(a->block_j / 4, a->block_i, a->block_j) <
           std::tuple(b->block_j / 4, b->block_i, b->block_j);
  });
  const int area = count / 4, entrance = count / 3, route = count - area - entrance;
  std::vector<model::Sign> signs;
  signs.reserve(count);
  AddAreaSigns(area, surveyed, districts, signs);
  AddRouteAndEntranceSigns(route, entrance, surveyed, signs);
  return signs;
}

model::City SizedCityRecord(const Grid& grid, const DistrictMap& districts, int facilities) {
  model::City c = CityRecord(grid, districts);
  c.id = "gencity";
  c.name = {fmt::format("生成城（{}个停车设施，演示）", facilities),
            fmt::format("Generated city ({} facilities, demo)", facilities)};
  return c;
}

DemoCity GenerateSizedCity(uint64_t seed, const DemoCitySize& size) {
  const SizedCounts n = CountsFor(size);
  const Grid grid = GridOf(size, HalfStepsFor(size));
  const DistrictMap districts{RegionsFor(size.facilities), grid.blocks()};
  DemoCity city;
  Rng rng(seed);
  city.survey.city = SizedCityRecord(grid, districts, size.facilities);
  city.osm.bbox = city.survey.city->bbox;
  AddStreets(grid, city.osm);
  int64_t way_id = grid.EndOfStreetWays();
  const std::vector<CarParkPlan> car_parks = SizedCarParks(rng, grid, districts, n.car_parks);
  AddCarParks(grid, car_parks, kSizedCarParkIdBase, way_id, city);
  AddZones(SizedZones(rng, grid, n.zones, n.bays), districts, city);
  AddChargersEvenly(n.chargers, city.survey);
  city.survey.signs = SizedSigns(n.signs, car_parks, districts);
  city.survey.sources = Sources(n.zones);
  return city;
}

}  // namespace

Status ValidateDemoCitySize(const DemoCitySize& size) {
  if (size == DemoCitySize{}) return Status::Ok();
  if (size.facilities < kMinGeneratedFacilities || size.facilities > kMaxGeneratedFacilities) {
    return InvalidArgument(
        fmt::format("{} facilities: a generated city has {} to {}", size.facilities,
                    kMinGeneratedFacilities, kMaxGeneratedFacilities),
        "facilities");
  }
  if (size.road_nodes < kMinGeneratedRoadNodes || size.road_nodes > kMaxGeneratedRoadNodes) {
    return InvalidArgument(
        fmt::format("{} road nodes: a generated city has {} to {}", size.road_nodes,
                    kMinGeneratedRoadNodes, kMaxGeneratedRoadNodes),
        "road_nodes");
  }
  const SizedCounts n = CountsFor(size);
  const int needed = MinHalfStepsFor(n.car_parks);
  if (size.shape_points < 0 || size.shape_points > kMaxShapePoints) {
    return InvalidArgument(fmt::format("{} shape points: 0 to {} on each half of a block face",
                                       size.shape_points, kMaxShapePoints),
                           "shape_points");
  }
  if (HalfStepsFor(size) < needed) {
    return InvalidArgument(
        fmt::format("{} facilities need a road network of at least {} nodes (their {} car parks "
                    "take a block each, in at most half the blocks)",
                    size.facilities, GridOf(size, needed).RoadNodes(), n.car_parks),
        "road_nodes");
  }
  constexpr int kMaxBaysPerZone = 200;  // bays 1 m apart along a 200 m block face
  if (n.bays < n.zones || n.bays > n.zones * kMaxBaysPerZone) {
    return InvalidArgument(fmt::format("{} bays: {} facilities have {} on-street zones, which "
                                       "hold 1 to {} bays each",
                                       n.bays, size.facilities, n.zones, kMaxBaysPerZone),
                           "bays");
  }
  if (n.chargers < 0 || n.chargers > 50 * n.car_parks) {
    return InvalidArgument(fmt::format("{} chargers: {} facilities have {} car parks, which hold "
                                       "0 to 50 chargers each",
                                       n.chargers, size.facilities, n.car_parks),
                           "chargers");
  }
  if (n.signs < 0 || n.signs > 10 * size.facilities) {
    return InvalidArgument(
        fmt::format("{} signs: 0 to 10 per facility ({} here)", n.signs, 10 * size.facilities),
        "signs");
  }
  return Status::Ok();
}

int RoadNodeCount(const DemoCitySize& size) {
  if (size == DemoCitySize{}) return static_cast<int>(Grid{}.RoadNodes());
  return static_cast<int>(GridOf(size, HalfStepsFor(size)).RoadNodes());
}

DemoCity GenerateDemoCity(uint64_t seed, const DemoCitySize& size) {
  if (size == DemoCitySize{}) return GenerateDemoville(seed);
  return GenerateSizedCity(seed, size);
}

Result<DemoFiles> WriteDemoCityFiles(const DemoCity& city, const std::string& directory) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(directory) / "survey", ec);
  if (ec) {
    return Unavailable(fmt::format("cannot create '{}': {}", directory, ec.message()));
  }
  DemoFiles files;
  const std::string name = city.survey.city ? city.survey.city->id : "demoville";
  files.osm_path = (std::filesystem::path(directory) / (name + ".osm.pbf")).string();
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
