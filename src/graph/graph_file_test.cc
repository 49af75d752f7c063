#include "graph/graph_file.h"
#include "graph_build/graph_builder.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "osm/road_extract.h"
#include "tests/support/temp_dir.h"

namespace pg::graph {
namespace {

const RoadGraphs& TownGraphs() {
  static const RoadGraphs graphs = [] {
    auto read =
        osm::ReadRoadExtract(std::string(PG_SOURCE_DIR) + "/tests/fixtures/osm/roads_town.osm");
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    return BuildRoadGraphs(*read);
  }();
  return graphs;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}
template <typename T>
void Patch(std::string& bytes, size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof value);
}

// Header offsets (docs/formats/graph.md).
constexpr size_t kFormatVersionAt = 8;
constexpr size_t kProfileVersionAt = 12;
constexpr size_t kSectionCountAt = 20;
constexpr size_t kSectionTableAt = 40;
constexpr size_t kHeaderCrcAt = 52;
constexpr size_t kHeaderBytes = 128;

// Recomputes the header's CRC after a patch, so that the check after it is reached.
void RepairHeaderCrc(std::string& bytes) {
  Patch<uint32_t>(bytes, kHeaderCrcAt, 0);
  Patch<uint32_t>(
      bytes, kHeaderCrcAt,
      static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), kHeaderBytes)));
}

template <typename A, typename B>
bool SameArray(const A& a, const B& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0;
}

TEST(GraphFile, WritesAndMapsBackEveryArray) {
  testing::TempDir dir;
  const std::string path = dir.File("city.graph");
  ASSERT_TRUE(WriteGraphFile(path, TownGraphs(), 0x1234abcd, R"({"note":"test"})").ok());
  auto file = MappedGraphFile::Open(path, {.expected_fingerprint = 0x1234abcd});
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->source_fingerprint(), 0x1234abcdu);
  EXPECT_EQ((*file)->metadata_json(), R"({"note":"test"})");
  EXPECT_EQ((*file)->file_size(), std::filesystem::file_size(path));
  for (Mode mode : kAllModes) {
    const ModeGraph& built = mode == Mode::kCar ? TownGraphs().car : TownGraphs().foot;
    const ModeGraphView& mapped = (*file)->View(mode);
    EXPECT_EQ(mapped.mode, mode);
    EXPECT_TRUE(SameArray(built.node_segment, mapped.node_segment));
    EXPECT_TRUE(SameArray(built.node_weight_ms, mapped.node_weight_ms));
    EXPECT_TRUE(SameArray(built.turn_head, mapped.turn_head));
    EXPECT_TRUE(SameArray(built.up_head, mapped.up_head));
    EXPECT_TRUE(SameArray(built.up_middle, mapped.up_middle));
    EXPECT_TRUE(SameArray(built.down_weight_ms, mapped.down_weight_ms));
    EXPECT_TRUE(SameArray(built.points, mapped.points));
    EXPECT_TRUE(SameArray(built.segment_way_id, mapped.segment_way_id));
    EXPECT_TRUE(SameArray(built.segment_nodes, mapped.segment_nodes));
    EXPECT_TRUE(SameArray(built.grid_entries, mapped.grid_entries));
    EXPECT_EQ(built.grid.rows, mapped.grid.rows);
    EXPECT_EQ(built.grid.cell_lat_deg, mapped.grid.cell_lat_deg);
  }
}

TEST(GraphFile, TheSameGraphsGiveTheSameBytes) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteGraphFile(dir.File("a.graph"), TownGraphs(), 1, "{}").ok());
  ASSERT_TRUE(WriteGraphFile(dir.File("b.graph"), TownGraphs(), 1, "{}").ok());
  EXPECT_EQ(ReadBytes(dir.File("a.graph")), ReadBytes(dir.File("b.graph")));
}

TEST(GraphFile, RefusesAnotherFormatOrProfileVersionNamingTheFixAndTheFile) {
  testing::TempDir dir;
  const std::string path = dir.File("city.graph");
  ASSERT_TRUE(WriteGraphFile(path, TownGraphs(), 1, "{}").ok());
  const std::string good = ReadBytes(path);

  std::string bytes = good;
  Patch<uint32_t>(bytes, kFormatVersionAt, kGraphFormatVersion + 1);
  WriteBytes(path, bytes);
  auto newer = MappedGraphFile::Open(path);
  EXPECT_EQ(newer.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(newer.status().message().find("graph format version"), std::string::npos);
  EXPECT_NE(newer.status().message().find("build-roads"), std::string::npos);
  EXPECT_NE(newer.status().message().find(path), std::string::npos);

  bytes = good;
  Patch<uint32_t>(bytes, kProfileVersionAt, 999);
  WriteBytes(path, bytes);
  auto profile = MappedGraphFile::Open(path);
  EXPECT_EQ(profile.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(profile.status().message().find("road profile version 999"), std::string::npos);
}

TEST(GraphFile, RefusesAVersionOneFileWhoseLayersMarkedOnlyDestinationOnlyRoads) {
  // Version 1 (before restricted roads ended routes) had the same layout; its node_layer meant
  // less, so its routes would still cut car parks off. Built by an older parkguide, it is
  // refused with the command that rebuilds it.
  ASSERT_EQ(kGraphFormatVersion, 2u);
  testing::TempDir dir;
  const std::string path = dir.File("city.graph");
  ASSERT_TRUE(WriteGraphFile(path, TownGraphs(), 1, "{}").ok());
  std::string bytes = ReadBytes(path);
  Patch<uint32_t>(bytes, kFormatVersionAt, 1);
  Patch<uint32_t>(bytes, kProfileVersionAt, 1);
  WriteBytes(path, bytes);
  auto old = MappedGraphFile::Open(path);
  EXPECT_EQ(old.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(
      old.status().message().find("graph format version 1, but this parkguide reads version 2"),
      std::string::npos)
      << old.status().message();
  EXPECT_NE(old.status().message().find("parkguide build-roads"), std::string::npos);
}

TEST(GraphFile, RefusesAGraphOfAnotherOsmFile) {
  testing::TempDir dir;
  const std::string path = dir.File("city.graph");
  ASSERT_TRUE(WriteGraphFile(path, TownGraphs(), 0xaaaa, "{}").ok());
  auto other = MappedGraphFile::Open(path, {.expected_fingerprint = 0xbbbb});
  EXPECT_EQ(other.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(other.status().message().find("another OSM file"), std::string::npos);
  EXPECT_NE(other.status().message().find(FingerprintToHex(0xaaaa)), std::string::npos);
  EXPECT_TRUE(MappedGraphFile::Open(path).ok()) << "without an expectation any fingerprint goes";
}

TEST(GraphFile, RefusesTruncatedCorruptAndForeignFiles) {
  testing::TempDir dir;
  const std::string path = dir.File("city.graph");
  ASSERT_TRUE(WriteGraphFile(path, TownGraphs(), 1, "{}").ok());
  const std::string good = ReadBytes(path);

  WriteBytes(path, good.substr(0, good.size() - 64));
  auto truncated = MappedGraphFile::Open(path);
  EXPECT_EQ(truncated.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(truncated.status().message().find("truncated"), std::string::npos);

  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x40;
  WriteBytes(path, flipped);
  auto corrupt = MappedGraphFile::Open(path);
  EXPECT_EQ(corrupt.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(corrupt.status().message().find("checksum"), std::string::npos);

  WriteBytes(path, std::string(4096, 'x'));
  auto foreign = MappedGraphFile::Open(path);
  EXPECT_EQ(foreign.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(foreign.status().message().find("not a parkguide graph file"), std::string::npos);

  auto missing = MappedGraphFile::Open(dir.File("none.graph"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(GraphFile, CatchesABrokenStructureEvenWithoutTheChecksum) {
  // A bit flip in an id that the checksum would catch is also caught by the structural checks.
  testing::TempDir dir;
  const std::string path = dir.File("city.graph");
  RoadGraphs graphs = TownGraphs();
  ASSERT_TRUE(WriteGraphFile(path, graphs, 1, "{}").ok());
  std::string bytes = ReadBytes(path);
  // Find the car turn_head section by its content and point its first head out of range.
  const auto& heads = graphs.car.turn_head;
  const std::string needle(reinterpret_cast<const char*>(heads.data()),
                           std::min<size_t>(heads.size(), 16) * sizeof(uint32_t));
  const size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  Patch<uint32_t>(bytes, at, 0xfffffff0u);
  WriteBytes(path, bytes);
  GraphOpenOptions unchecked;
  unchecked.verify_checksum = false;
  auto broken = MappedGraphFile::Open(path, unchecked);
  EXPECT_EQ(broken.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(broken.status().message().find("turn_head"), std::string::npos)
      << broken.status().message();
}

// Found by fuzz/graph_file_fuzzer (fuzz/regressions/graph_file): a header of no sections made
// the loader memcpy into the null data() of an empty table (undefined behaviour, reported by the
// asan-ubsan preset).
TEST(GraphFile, RefusesAFileOfNoSections) {
  testing::TempDir dir;
  const std::string path = dir.File("city.graph");
  ASSERT_TRUE(WriteGraphFile(path, TownGraphs(), 1, "{}").ok());
  std::string bytes = ReadBytes(path);
  Patch<uint32_t>(bytes, kSectionCountAt, 0);
  RepairHeaderCrc(bytes);
  WriteBytes(path, bytes);
  GraphOpenOptions unchecked;
  unchecked.verify_checksum = false;
  auto empty = MappedGraphFile::Open(path, unchecked);
  EXPECT_EQ(empty.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(empty.status().message().find("is missing"), std::string::npos)
      << empty.status().message();
}

// Found by fuzz/graph_file_fuzzer (fuzz/regressions/graph_file): a section table offset so large
// that offset + table size wrapped around to a small end passed the bounds check, and the loader
// then read (checksummed, or copied the table) far outside the mapping.
TEST(GraphFile, RefusesASectionTableOffsetThatWrapsAround) {
  testing::TempDir dir;
  const std::string path = dir.File("city.graph");
  ASSERT_TRUE(WriteGraphFile(path, TownGraphs(), 1, "{}").ok());
  std::string good = ReadBytes(path);
  uint32_t sections = 0;
  std::memcpy(&sections, good.data() + kSectionCountAt, sizeof sections);
  std::string bytes = good;
  Patch<uint64_t>(bytes, kSectionTableAt, 0 - uint64_t{sections} * 64 + kHeaderBytes);
  RepairHeaderCrc(bytes);
  WriteBytes(path, bytes);
  for (bool verify : {true, false}) {
    GraphOpenOptions options;
    options.verify_checksum = verify;
    auto wrapped = MappedGraphFile::Open(path, options);
    EXPECT_EQ(wrapped.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(wrapped.status().message().find("section table is out of the file"),
              std::string::npos)
        << wrapped.status().message();
  }
}

TEST(GraphFile, PathNextToTheDatabase) {
  EXPECT_EQ(GraphPathForDatabase("city.db"), "city.graph");
  EXPECT_EQ(GraphPathForDatabase("/var/lib/pg/xuchang.db"), "/var/lib/pg/xuchang.graph");
  EXPECT_EQ(GraphPathForDatabase("city.sqlite"), "city.sqlite.graph");
}

TEST(GraphFile, FingerprintsFilesByContent) {
  testing::TempDir dir;
  WriteBytes(dir.File("a"), "same");
  WriteBytes(dir.File("b"), "same");
  WriteBytes(dir.File("c"), "other");
  EXPECT_EQ(*FingerprintFile(dir.File("a")), *FingerprintFile(dir.File("b")));
  EXPECT_NE(*FingerprintFile(dir.File("a")), *FingerprintFile(dir.File("c")));
  EXPECT_EQ(FingerprintFile(dir.File("none")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(FingerprintToHex(0xab), "00000000000000ab");
}

}  // namespace
}  // namespace pg::graph
