#include "osm/osm_writer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "osm/parking_extract.h"
#include "tests/support/osmium_tool.h"
#include "tests/support/temp_dir.h"

namespace pg::osm {
namespace {

// A small car park as the demo generator would write it, given out of order on purpose.
OsmWriteData DemoData() {
  OsmWriteData data;
  data.nodes = {
      {4, {34.0009, 113.8000}, {}},
      {1, {34.0000, 113.8000}, {}},
      {2, {34.0000, 113.8010}, {}},
      {3, {34.0009, 113.8010}, {}},
      {5, {34.0000, 113.8005}, {{"amenity", "parking_entrance"}}},
      {9, {34.0004, 113.8004}, {{"amenity", "charging_station"}, {"socket:gb_dc", "2"}}},
      {7, {34.0100, 113.8100}, {{"amenity", "parking"}, {"name", "北门停车场"}}},
  };
  data.ways = {
      {20, {1, 5, 2, 3, 4, 1}, {{"amenity", "parking"}, {"capacity", "80"}, {"name", "Demo Lot"}}},
      {10, {1, 2}, {{"highway", "service"}}},
  };
  data.relations = {{30,
                     {{'w', 20, "outer"}},
                     {{"type", "multipolygon"}, {"amenity", "parking"}, {"name", "Demo Area"}}}};
  return data;
}

void ExpectReadsBack(const std::string& path) {
  auto read = ReadParkingExtract(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  std::vector<std::string> refs;
  for (const auto& p : read->parkings) refs.push_back(p.ref.ToString());
  EXPECT_EQ(refs, (std::vector<std::string>{"n7", "w20", "r30"}));
  EXPECT_EQ(*FindTag(read->parkings[0].tags, "name"), "北门停车场");
  EXPECT_EQ(read->parkings[1].geometry, ParkingGeometry::kClosedWay);
  EXPECT_EQ(*FindTag(read->parkings[1].tags, "capacity"), "80");
  EXPECT_EQ(read->parkings[2].geometry, ParkingGeometry::kAssembledRelation);
  ASSERT_EQ(read->entrances.size(), 1u);
  EXPECT_EQ(read->entrances[0].parkings, (std::vector<OsmRef>{{'r', 30}, {'w', 20}}));
  ASSERT_EQ(read->charging_stations.size(), 1u);
  ASSERT_TRUE(read->header_bbox.has_value());
  EXPECT_NEAR(read->header_bbox->min_lat, 34.0, 1e-7);
  EXPECT_NEAR(read->header_bbox->max_lon, 113.81, 1e-7);
}

TEST(WriteOsmFile, PbfReadsBackThroughTheImportPath) {
  testing::TempDir dir;
  const std::string path = dir.File("demo.osm.pbf");
  ASSERT_TRUE(WriteOsmFile(path, DemoData()).ok());
  ExpectReadsBack(path);
}

TEST(WriteOsmFile, XmlReadsBackThroughTheImportPath) {
  testing::TempDir dir;
  const std::string path = dir.File("demo.osm");
  ASSERT_TRUE(WriteOsmFile(path, DemoData()).ok());
  ExpectReadsBack(path);
}

TEST(WriteOsmFile, OsmiumToolAcceptsTheFileAsSortedWithMetadata) {
  if (!testing::OsmiumToolAvailable()) GTEST_SKIP() << "osmium-tool is not installed";
  testing::TempDir dir;
  for (const char* name : {"demo.osm.pbf", "demo.osm"}) {
    const std::string path = dir.File(name);
    ASSERT_TRUE(WriteOsmFile(path, DemoData()).ok());
    const std::string q = testing::ShellQuote(path);
    EXPECT_EQ(testing::RunCommand("osmium fileinfo -e -g data.objects_ordered " + q),
              std::optional<std::string>("yes\n"))
        << name;
    EXPECT_EQ(testing::RunCommand("osmium fileinfo -e -g metadata.all_objects.version " + q),
              std::optional<std::string>("yes\n"))
        << name;
    EXPECT_EQ(testing::RunCommand("osmium fileinfo -e -g metadata.all_objects.timestamp " + q),
              std::optional<std::string>("yes\n"))
        << name;
    EXPECT_TRUE(testing::RunCommand("osmium check-refs -r " + q + " >/dev/null 2>&1").has_value())
        << name;
    auto opl = testing::RunCommand("osmium cat -f opl " + q + " -o -");
    ASSERT_TRUE(opl.has_value());
    auto objects = testing::ParseOpl(*opl);
    ASSERT_EQ(objects.size(), 10u);
    EXPECT_EQ(objects.front().ref, "n1");
    EXPECT_EQ(objects[7].ref, "w10");
    EXPECT_EQ(objects.back().ref, "r30");
    EXPECT_NE(opl->find("t2025-01-01T00:00:00Z"), std::string::npos);
  }
}

TEST(WriteOsmFile, RewritingReplacesTheFile) {
  testing::TempDir dir;
  const std::string path = dir.File("demo.osm.pbf");
  ASSERT_TRUE(WriteOsmFile(path, DemoData()).ok());
  OsmWriteData smaller;
  smaller.nodes = {{1, {1.0, 2.0}, {{"amenity", "parking"}}}};
  ASSERT_TRUE(WriteOsmFile(path, smaller).ok());
  auto read = ReadParkingExtract(path);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->parkings.size(), 1u);
  // Nothing but the file itself is left in the directory.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(WriteOsmFile, RejectsWhatOsmToolsWouldNotRead) {
  testing::TempDir dir;
  OsmWriteData bad_location;
  bad_location.nodes = {{1, {95.0, 10.0}, {}}};
  Status s = WriteOsmFile(dir.File("a.osm.pbf"), bad_location);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("node 1"), std::string::npos) << s.ToString();

  OsmWriteData duplicate;
  duplicate.ways = {{5, {1, 2}, {}}, {5, {2, 3}, {}}};
  s = WriteOsmFile(dir.File("b.osm.pbf"), duplicate);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("way 5"), std::string::npos) << s.ToString();

  OsmWriteData bad_member;
  bad_member.relations = {{1, {{'x', 1, ""}}, {}}};
  EXPECT_EQ(WriteOsmFile(dir.File("c.osm.pbf"), bad_member).code(), StatusCode::kInvalidArgument);

  OsmWriteData long_tag;
  long_tag.nodes = {{1, {1, 1}, {{"name", std::string(5000, 'x')}}}};
  EXPECT_EQ(WriteOsmFile(dir.File("d.osm.pbf"), long_tag).code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(WriteOsmFile(dir.File("e.geojson"), DemoData()).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(WriteOsmFile, UnwritableDirectoryIsUnavailable) {
  testing::TempDir dir;
  Status s = WriteOsmFile(dir.File("no/such/dir/demo.osm.pbf"), DemoData());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
}

}  // namespace
}  // namespace pg::osm
