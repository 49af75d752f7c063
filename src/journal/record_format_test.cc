#include "journal/record_format.h"

#include <gtest/gtest.h>

namespace pg::journal {
namespace {

// A segment of records `first`.. with the given payloads; offsets of each record in `offsets`.
std::string Segment(uint64_t first, const std::vector<std::string>& payloads,
                    std::vector<size_t>* offsets = nullptr) {
  std::string bytes = SegmentHeader(first);
  uint64_t seq = first;
  for (const auto& p : payloads) {
    if (offsets) offsets->push_back(bytes.size());
    AppendRecordHeader(bytes, RecordType::kObservations, seq++, p);
    bytes += p;
  }
  return bytes;
}

std::vector<uint64_t> Seqs(const SegmentScan& scan) {
  std::vector<uint64_t> out;
  for (const auto& r : scan.records) out.push_back(r.seq);
  return out;
}

TEST(ScanSegment, CleanSegmentIsAllRecords) {
  std::string bytes = Segment(7, {"a", "bb", "ccc"});
  SegmentScan scan = ScanSegment(bytes, 7);
  EXPECT_TRUE(scan.header_ok);
  EXPECT_EQ(Seqs(scan), (std::vector<uint64_t>{7, 8, 9}));
  EXPECT_TRUE(scan.damaged.empty());
  EXPECT_EQ(RecordPayload(bytes, scan.records[1]), "bb");
}

TEST(ScanSegment, ZeroedBlockInTheMiddleIsOneRegionAndTheRecordsAfterItAreKept) {
  std::vector<size_t> offsets;
  std::string bytes = Segment(1, {"one", "two-two", "three", "four", "five"}, &offsets);
  for (size_t i = offsets[1]; i < offsets[3]; ++i) bytes[i] = '\0';
  SegmentScan scan = ScanSegment(bytes, 1);
  EXPECT_EQ(Seqs(scan), (std::vector<uint64_t>{1, 4, 5}));
  ASSERT_EQ(scan.damaged.size(), 1u);
  EXPECT_EQ(scan.damaged[0].offset, offsets[1]);
  EXPECT_EQ(scan.damaged[0].end, offsets[3]);
}

TEST(ScanSegment, EveryByteIsEitherInARecordOrInADamagedRegion) {
  std::vector<size_t> offsets;
  std::string bytes = Segment(100, {"alpha", "beta", "gamma", "delta"}, &offsets);
  bytes[offsets[2] + 3] ^= 0x40;
  bytes.insert(offsets[1], "garbage!");
  SegmentScan scan = ScanSegment(bytes, 100);
  size_t covered = kSegmentHeaderBytes;
  for (const auto& r : scan.records) covered += r.size;
  for (const auto& d : scan.damaged) covered += d.size();
  EXPECT_EQ(covered, bytes.size());
  EXPECT_EQ(Seqs(scan), (std::vector<uint64_t>{100, 101, 103}));
}

TEST(ScanSegment, DamagedHeaderStillYieldsTheRecords) {
  std::string bytes = Segment(5, {"x", "y"});
  for (size_t i = 0; i < kSegmentHeaderBytes; ++i) bytes[i] = '\0';
  SegmentScan scan = ScanSegment(bytes, 5);
  EXPECT_FALSE(scan.header_ok);
  EXPECT_EQ(Seqs(scan), (std::vector<uint64_t>{5, 6}));
  ASSERT_EQ(scan.damaged.size(), 1u);
  EXPECT_EQ(scan.damaged[0].offset, 0u);
  EXPECT_EQ(scan.damaged[0].end, kSegmentHeaderBytes);
}

TEST(ScanSegment, RecordThatGoesBackwardsIsDamageNotAReplay) {
  std::string bytes = Segment(10, {"a", "b"});
  std::string stale;
  AppendRecordHeader(stale, RecordType::kObservations, 3, "old");
  bytes += stale + "old";
  SegmentScan scan = ScanSegment(bytes, 10);
  EXPECT_EQ(Seqs(scan), (std::vector<uint64_t>{10, 11}));
  ASSERT_EQ(scan.damaged.size(), 1u);
  EXPECT_NE(scan.damaged[0].why.find("out of order"), std::string::npos);
}

TEST(ScanSegment, UnknownRecordTypeIsReportedApart) {
  std::string bytes = Segment(1, {"a"});
  std::string future;
  AppendRecordHeader(future, static_cast<RecordType>(42), 2, "new");
  bytes += future + "new";
  SegmentScan scan = ScanSegment(bytes, 1);
  EXPECT_EQ(Seqs(scan), (std::vector<uint64_t>{1}));
  ASSERT_EQ(scan.unknown_type.size(), 1u);
  EXPECT_EQ(scan.unknown_type[0].seq, 2u);
}

TEST(Checkpoint, StateReadsBackAndAnyChangedByteIsRefused) {
  std::string file = CheckpointBytes(42, "the state");
  ASSERT_TRUE(CheckpointState(file, 42));
  EXPECT_EQ(*CheckpointState(file, 42), "the state");
  EXPECT_FALSE(CheckpointState(file, 43)) << "named for another seq";
  for (size_t i = 0; i < file.size(); ++i) {
    std::string bad = file;
    bad[i] ^= 1;
    EXPECT_FALSE(CheckpointState(bad, 42)) << "byte " << i;
  }
}

}  // namespace
}  // namespace pg::journal
