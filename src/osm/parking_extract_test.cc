#include "osm/parking_extract.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "osm/osm_writer.h"
#include "tests/support/osmium_tool.h"
#include "tests/support/temp_dir.h"

namespace pg::osm {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(PG_SOURCE_DIR) + "/tests/fixtures/osm/" + name;
}

const ParkingObject* Find(const ParkingExtract& extract, const std::string& ref) {
  for (const auto& p : extract.parkings) {
    if (p.ref.ToString() == ref) return &p;
  }
  return nullptr;
}

const EntranceNode* FindEntrance(const ParkingExtract& extract, int64_t id) {
  for (const auto& e : extract.entrances) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

class TownFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto read = ReadParkingExtract(Fixture("parking_town.osm"));
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    extract_ = std::move(*read);
  }
  ParkingExtract extract_;
};

TEST_F(TownFixture, KeepsEveryParkingObjectInFileOrder) {
  std::vector<std::string> refs;
  for (const auto& p : extract_.parkings) refs.push_back(p.ref.ToString());
  EXPECT_EQ(refs, (std::vector<std::string>{"n1", "n2", "n3", "n60", "n61", "w101", "w102", "r201",
                                            "r202", "r203"}));
  EXPECT_EQ(extract_.stats.parking_nodes, 5);
  EXPECT_EQ(extract_.stats.parking_closed_ways, 1);
  EXPECT_EQ(extract_.stats.parking_unclosed_ways, 1);
  EXPECT_EQ(extract_.stats.parking_relations_assembled, 1);
  EXPECT_EQ(extract_.stats.parking_relations_partial, 1);
  EXPECT_EQ(extract_.stats.parking_without_location, 1);
}

TEST_F(TownFixture, NodeKeepsItsTagsAndPoint) {
  const ParkingObject* p = Find(extract_, "n2");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->geometry, ParkingGeometry::kNode);
  ASSERT_TRUE(p->point.has_value());
  EXPECT_NEAR(p->point->lat, 34.0010, 1e-7);
  EXPECT_NEAR(p->point->lon, 113.8000, 1e-7);
  ASSERT_NE(FindTag(p->tags, "name"), nullptr);
  EXPECT_EQ(*FindTag(p->tags, "name"), "中心停车场");
  EXPECT_EQ(*FindTag(p->tags, "capacity"), "approx 50");
  EXPECT_EQ(FindTag(p->tags, "fee"), nullptr);
  EXPECT_TRUE(p->outline_rings.empty());
}

TEST_F(TownFixture, ClosedWayGetsAreaCentroidAndItsRing) {
  const ParkingObject* p = Find(extract_, "w101");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->geometry, ParkingGeometry::kClosedWay);
  ASSERT_EQ(p->outline_rings.size(), 1u);
  EXPECT_EQ(p->outline_rings[0].size(), 6u);
  EXPECT_EQ(p->outline_rings[0].front(), p->outline_rings[0].back());
  ASSERT_TRUE(p->point.has_value());
  EXPECT_NEAR(p->point->lat, 34.01045, 1e-6);
  EXPECT_NEAR(p->point->lon, 113.8105, 1e-6);
  EXPECT_EQ(p->node_ids, (std::vector<int64_t>{10, 11, 14, 12, 13, 10}));
}

TEST_F(TownFixture, UnclosedWayIsKeptWithLineCentroidAndNoOutline) {
  const ParkingObject* p = Find(extract_, "w102");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->geometry, ParkingGeometry::kUnclosedWay);
  EXPECT_TRUE(p->outline_rings.empty());
  ASSERT_TRUE(p->point.has_value());
  // Segments of 0.001° and 0.002° of longitude: the length-weighted centre is at 113.8015.
  EXPECT_NEAR(p->point->lon, 113.8015, 1e-7);
  EXPECT_NEAR(p->point->lat, 34.0200, 1e-7);
}

TEST_F(TownFixture, MultipolygonRelationGetsTheAssembledOuterRing) {
  const ParkingObject* p = Find(extract_, "r201");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->geometry, ParkingGeometry::kAssembledRelation);
  ASSERT_EQ(p->outline_rings.size(), 1u);
  EXPECT_EQ(p->outline_rings[0].size(), 5u);
  ASSERT_TRUE(p->point.has_value());
  EXPECT_NEAR(p->point->lat, 34.03025, 1e-6);
  EXPECT_NEAR(p->point->lon, 113.8303, 1e-6);
  EXPECT_EQ(*FindTag(p->tags, "name"), "Station Garage");
}

TEST_F(TownFixture, RelationWithMissingMembersKeepsTheGeometryPresent) {
  const ParkingObject* partial = Find(extract_, "r202");
  ASSERT_NE(partial, nullptr);
  EXPECT_EQ(partial->geometry, ParkingGeometry::kPartialRelation);
  ASSERT_EQ(partial->outline_rings.size(), 1u);
  ASSERT_TRUE(partial->point.has_value());
  EXPECT_NEAR(partial->point->lat, 34.0402, 1e-6);

  const ParkingObject* missing = Find(extract_, "r203");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->geometry, ParkingGeometry::kMissing);
  EXPECT_FALSE(missing->point.has_value());
  EXPECT_TRUE(missing->outline_rings.empty());
  EXPECT_EQ(*FindTag(missing->tags, "name"), "Beyond the Edge");
}

TEST_F(TownFixture, EntrancesListTheParkingsWhoseOutlineContainsThem) {
  ASSERT_EQ(extract_.entrances.size(), 5u);
  const EntranceNode* on_way = FindEntrance(extract_, 14);
  ASSERT_NE(on_way, nullptr);
  EXPECT_EQ(on_way->parkings, (std::vector<OsmRef>{{'w', 101}}));
  EXPECT_EQ(*FindTag(on_way->tags, "parking"), "multi-storey");
  const EntranceNode* on_member_way = FindEntrance(extract_, 35);
  ASSERT_NE(on_member_way, nullptr);
  EXPECT_EQ(on_member_way->parkings, (std::vector<OsmRef>{{'r', 202}}));
  for (int64_t id : {15, 16, 17}) {
    const EntranceNode* e = FindEntrance(extract_, id);
    ASSERT_NE(e, nullptr);
    EXPECT_TRUE(e->parkings.empty()) << id;
  }
}

TEST_F(TownFixture, ChargingStationsComeFromNodesAndWays) {
  std::vector<std::string> refs;
  for (const auto& c : extract_.charging_stations) refs.push_back(c.ref.ToString());
  EXPECT_EQ(refs, (std::vector<std::string>{"n40", "n41", "n42", "w105"}));
  const auto& way = extract_.charging_stations.back();
  EXPECT_NEAR(way.point.lat, 34.0451, 1e-6);
  EXPECT_NEAR(way.point.lon, 113.8451, 1e-6);
  EXPECT_EQ(*FindTag(way.tags, "socket:gb_dc:output"), "120 kW");
}

TEST_F(TownFixture, HeaderBoundingBoxIsTheDeclaredOne) {
  ASSERT_TRUE(extract_.header_bbox.has_value());
  EXPECT_DOUBLE_EQ(extract_.header_bbox->min_lat, 33.99);
  EXPECT_DOUBLE_EQ(extract_.header_bbox->min_lon, 113.79);
  EXPECT_DOUBLE_EQ(extract_.header_bbox->max_lat, 34.06);
  EXPECT_DOUBLE_EQ(extract_.header_bbox->max_lon, 113.86);
}

// ---- Errors -----------------------------------------------------------------------------------

TEST(ReadParkingExtract, MissingFileIsNotFoundAndNamesTheFile) {
  testing::TempDir dir;
  auto read = ReadParkingExtract(dir.File("nowhere.osm.pbf"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_NE(read.status().message().find("nowhere.osm.pbf"), std::string::npos);
}

TEST(ReadParkingExtract, TextFileNamedPbfIsInvalidArgument) {
  testing::TempDir dir;
  std::string path = dir.File("city.osm.pbf");
  std::ofstream(path) << "this is a shopping list, not a map\nmilk\neggs\n";
  auto read = ReadParkingExtract(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument) << read.status().ToString();
  EXPECT_NE(read.status().message().find(path), std::string::npos);
  EXPECT_NE(read.status().message().find("not an OSM file"), std::string::npos);
}

TEST(ReadParkingExtract, EmptyFileAndUnknownExtensionAreInvalidArgument) {
  testing::TempDir dir;
  std::ofstream(dir.File("empty.osm.pbf")).flush();
  EXPECT_EQ(ReadParkingExtract(dir.File("empty.osm.pbf")).status().code(),
            StatusCode::kInvalidArgument);
  std::filesystem::copy_file(Fixture("parking_town.osm"), dir.File("town.txt"));
  auto read = ReadParkingExtract(dir.File("town.txt"));
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument) << read.status().ToString();
}

TEST(ReadParkingExtract, TruncatedXmlIsDataLoss) {
  testing::TempDir dir;
  std::ifstream in(Fixture("parking_town.osm"), std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string path = dir.File("cut.osm");
  std::ofstream(path, std::ios::binary) << text.substr(0, text.size() / 2);
  auto read = ReadParkingExtract(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kDataLoss) << read.status().ToString();
  EXPECT_NE(read.status().message().find(path), std::string::npos);
}

TEST(ReadParkingExtract, TruncatedPbfIsDataLoss) {
  // A PBF written by libosmium, cut inside its data block (no ../shared needed).
  testing::TempDir dir;
  OsmWriteData data;
  for (int64_t id = 1; id <= 500; ++id) {
    data.nodes.push_back({id,
                          {34.0 + 1e-4 * static_cast<double>(id), 113.8},
                          {{"amenity", "parking"}, {"name", "P" + std::to_string(id)}}});
  }
  const std::string whole = dir.File("whole.osm.pbf");
  ASSERT_TRUE(WriteOsmFile(whole, data).ok());
  ASSERT_TRUE(ReadParkingExtract(whole).ok());
  std::ifstream in(whole, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = dir.File("cut.osm.pbf");
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() - 100);
  auto read = ReadParkingExtract(cut);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kDataLoss) << read.status().ToString();
  EXPECT_NE(read.status().message().find(cut), std::string::npos);
  EXPECT_NE(read.status().message().find("truncated"), std::string::npos);
}

TEST(ReadParkingExtract, UnsortedWaysAreInvalidArgument) {
  testing::TempDir dir;
  std::string path = dir.File("unsorted.osm");
  std::ofstream(path) << R"(<?xml version="1.0"?><osm version="0.6">
  <node id="1" lat="1" lon="1"/><node id="2" lat="1" lon="1.001"/><node id="3" lat="1.001" lon="1"/>
  <way id="2"><nd ref="1"/><nd ref="3"/><tag k="amenity" v="parking"/></way>
  <way id="1"><nd ref="1"/><nd ref="2"/><tag k="amenity" v="parking"/></way>
</osm>)";
  auto read = ReadParkingExtract(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument) << read.status().ToString();
  EXPECT_NE(read.status().message().find("not sorted"), std::string::npos)
      << read.status().ToString();
}

// ---- Real extracts (../shared/data) -----------------------------------------------------------

class RealExtractTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const std::string dir = testing::SharedDataDir();
    if (dir.empty()) GTEST_SKIP() << "../shared is absent: no public OSM extracts to read";
    path_ = dir + "/" + GetParam();
    if (!std::filesystem::exists(path_)) GTEST_SKIP() << path_ << " is absent";
  }
  std::string path_;
};

// How many objects osmium-tool selects with `filter` (an osmium tags-filter expression).
std::optional<size_t> OsmiumCount(const std::string& path, const std::string& filter) {
  auto opl = testing::RunCommand("osmium tags-filter -R -f opl " + testing::ShellQuote(path) + " " +
                                 testing::ShellQuote(filter) + " -o - 2>/dev/null");
  if (!opl) return std::nullopt;
  return testing::ParseOpl(*opl).size();
}

TEST_P(RealExtractTest, CountsMatchOsmiumTool) {
  if (!testing::OsmiumToolAvailable()) GTEST_SKIP() << "osmium-tool is not installed";
  auto read = ReadParkingExtract(path_);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  const ParkingExtract& extract = *read;

  auto parkings = OsmiumCount(path_, "nwr/amenity=parking");
  ASSERT_TRUE(parkings.has_value());
  EXPECT_EQ(extract.parkings.size(), *parkings);
  auto entrances = OsmiumCount(path_, "n/amenity=parking_entrance");
  ASSERT_TRUE(entrances.has_value());
  EXPECT_EQ(extract.entrances.size(), *entrances);
  auto chargers = OsmiumCount(path_, "nw/amenity=charging_station");
  ASSERT_TRUE(chargers.has_value());
  EXPECT_EQ(extract.charging_stations.size() +
                static_cast<size_t>(extract.stats.charging_ways_without_location),
            *chargers);

  // Every parking has a location in these extracts (way→node references are complete).
  for (const auto& p : extract.parkings) EXPECT_TRUE(p.point.has_value()) << p.ref.ToString();
  const ExtractStats& s = extract.stats;
  EXPECT_EQ(s.parking_nodes + s.parking_closed_ways + s.parking_unclosed_ways +
                s.parking_relations_assembled + s.parking_relations_partial +
                s.parking_without_location,
            static_cast<int>(extract.parkings.size()));
  std::printf(
      "%s: %zu parkings (%d nodes, %d closed ways, %d unclosed ways, %d relations "
      "assembled, %d partial, %d without location), %zu entrances, %zu charging "
      "stations\n",
      GetParam(), extract.parkings.size(), s.parking_nodes, s.parking_closed_ways,
      s.parking_unclosed_ways, s.parking_relations_assembled, s.parking_relations_partial,
      s.parking_without_location, extract.entrances.size(), extract.charging_stations.size());
}

TEST_P(RealExtractTest, HeaderBoundingBoxIsTheFilesNotTheDataExtent) {
  auto read = ReadParkingExtract(path_);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->header_bbox.has_value());
  const BoundingBox& box = *read->header_bbox;
  // Both files declare a box well under one degree; their boundary nodes reach much further.
  EXPECT_LT(box.max_lat - box.min_lat, 0.5);
  EXPECT_LT(box.max_lon - box.min_lon, 0.5);
  if (testing::OsmiumToolAvailable()) {
    auto info = testing::RunCommand("osmium fileinfo -g header.boxes " +
                                    testing::ShellQuote(path_) + " 2>/dev/null");
    ASSERT_TRUE(info.has_value());
    // "(min_lon,min_lat,max_lon,max_lat)"
    double v[4];
    ASSERT_EQ(std::sscanf(info->c_str(), " (%lf,%lf,%lf,%lf)", &v[0], &v[1], &v[2], &v[3]), 4)
        << *info;
    EXPECT_NEAR(box.min_lon, v[0], 1e-7);
    EXPECT_NEAR(box.min_lat, v[1], 1e-7);
    EXPECT_NEAR(box.max_lon, v[2], 1e-7);
    EXPECT_NEAR(box.max_lat, v[3], 1e-7);
  }
}

TEST_P(RealExtractTest, TruncatedCopyIsDataLoss) {
  testing::TempDir dir;
  const std::string cut = dir.File("cut.osm.pbf");
  const auto size = std::filesystem::file_size(path_);
  std::ifstream in(path_, std::ios::binary);
  std::string bytes(size / 2, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::ofstream(cut, std::ios::binary) << bytes;
  auto read = ReadParkingExtract(cut);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kDataLoss) << read.status().ToString();
  EXPECT_NE(read.status().message().find(cut), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(SharedData, RealExtractTest,
                         ::testing::Values("osm-monaco/monaco-2025-02-11.osm.pbf",
                                           "osm-liechtenstein/liechtenstein-2024-03-04.osm.pbf"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           return std::string(param_info.param).starts_with("osm-monaco")
                                      ? "Monaco"
                                      : "Liechtenstein";
                         });

}  // namespace
}  // namespace pg::osm
