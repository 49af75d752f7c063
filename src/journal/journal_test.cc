#include "journal/journal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/fault_injection_file_system.h"
#include "tests/support/temp_dir.h"

namespace pg::journal {
namespace {

struct Recovered {
  std::string checkpoint;
  std::vector<std::pair<uint64_t, std::string>> records;
  RecoveryReport report;
};

Result<std::unique_ptr<Journal>> OpenJournal(FileSystem& fs, const std::string& dir, Recovered& out,
                                             uint64_t segment_bytes = 1 << 20) {
  out = {};
  return Journal::Open(
      fs, {.dir = dir, .segment_bytes = segment_bytes},
      [&](std::string_view s) {
        out.checkpoint = std::string(s);
        return Status::Ok();
      },
      [&](const JournalRecord& r) {
        out.records.emplace_back(r.seq, std::string(r.payload));
        return Status::Ok();
      },
      &out.report);
}

std::string Payload(int i) { return "record-" + std::to_string(i) + std::string(i % 7, 'x'); }

std::vector<std::string> Segments(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().starts_with("seg-")) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Journal, ReplaysEverySyncedRecordInOrderAfterReopen) {
  testing::TempDir dir;
  Recovered rec;
  {
    auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
    ASSERT_TRUE(j.ok()) << j.status().ToString();
    for (int i = 1; i <= 100; ++i) {
      auto seq = (*j)->Append(RecordType::kObservations, Payload(i));
      ASSERT_TRUE(seq.ok());
      EXPECT_EQ(*seq, static_cast<uint64_t>(i));
    }
    ASSERT_TRUE((*j)->Sync().ok());
  }
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
  ASSERT_TRUE(j.ok());
  ASSERT_EQ(rec.records.size(), 100u);
  for (int i = 1; i <= 100; ++i) {
    EXPECT_EQ(rec.records[i - 1].first, static_cast<uint64_t>(i));
    EXPECT_EQ(rec.records[i - 1].second, Payload(i));
  }
  EXPECT_TRUE(rec.report.damage.empty()) << rec.report.ToString();
  EXPECT_EQ((*j)->last_seq(), 100u);
  // Appending continues the sequence.
  EXPECT_EQ(*(*j)->Append(RecordType::kObservations, "next"), 101u);
}

TEST(Journal, UnsyncedTailIsDroppedOnCrash) {
  testing::TempDir dir;
  testing::FaultInjectionFileSystem fs;
  Recovered rec;
  {
    auto j = OpenJournal(fs, dir.File("j"), rec);
    ASSERT_TRUE(j.ok());
    for (int i = 1; i <= 10; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    ASSERT_TRUE((*j)->Sync().ok());
    for (int i = 11; i <= 15; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
  }  // the destructor flushes the unsynced records to the OS; the crash below drops them
  fs.DropUnsyncedData();
  auto j = OpenJournal(fs, dir.File("j"), rec);
  ASSERT_TRUE(j.ok());
  ASSERT_EQ(rec.records.size(), 10u);
  EXPECT_EQ(rec.records.back().second, Payload(10));
  EXPECT_TRUE(rec.report.damage.empty()) << "a clean cut at a record boundary is no damage";
}

TEST(Journal, TornTailIsTruncatedReportedAndAppendingGoesOn) {
  testing::TempDir dir;
  Recovered rec;
  {
    auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
    ASSERT_TRUE(j.ok());
    for (int i = 1; i <= 20; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    ASSERT_TRUE((*j)->Sync().ok());
  }
  auto segs = Segments(dir.File("j"));
  ASSERT_EQ(segs.size(), 1u);
  auto size = std::filesystem::file_size(segs[0]);
  std::filesystem::resize_file(segs[0], size - 5);  // half of record 20 made it to disk
  {
    auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
    ASSERT_TRUE(j.ok());
    EXPECT_EQ(rec.records.size(), 19u);
    EXPECT_NE(rec.report.damage.find("incomplete record"), std::string::npos)
        << rec.report.ToString();
    EXPECT_GT(rec.report.bytes_dropped, 0u);
    EXPECT_EQ(*(*j)->Append(RecordType::kObservations, "after"), 20u);
    ASSERT_TRUE((*j)->Sync().ok());
  }
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
  ASSERT_TRUE(j.ok());
  EXPECT_TRUE(rec.report.damage.empty()) << rec.report.ToString();
  ASSERT_EQ(rec.records.size(), 20u);
  EXPECT_EQ(rec.records.back().second, "after");
}

TEST(Journal, FlippedByteRecoversEverythingBeforeItAndCountsWhatItDropped) {
  testing::TempDir dir;
  Recovered rec;
  std::vector<uint64_t> offsets;  // where each record starts
  {
    auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
    ASSERT_TRUE(j.ok());
    uint64_t off = kSegmentHeaderBytes;
    for (int i = 1; i <= 30; ++i) {
      offsets.push_back(off);
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
      off += kRecordHeaderBytes + Payload(i).size();
    }
    ASSERT_TRUE((*j)->Sync().ok());
  }
  auto seg = Segments(dir.File("j"))[0];
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offsets[12] + kRecordHeaderBytes + 2));  // in record 13
    char c = 0;
    f.seekg(f.tellp());
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offsets[12] + kRecordHeaderBytes + 2));
    f.put(static_cast<char>(c ^ 0x10));
  }
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
  ASSERT_TRUE(j.ok());
  ASSERT_EQ(rec.records.size(), 12u);
  EXPECT_EQ(rec.records.back().second, Payload(12));
  EXPECT_NE(rec.report.damage.find("checksum mismatch"), std::string::npos);
  EXPECT_EQ(rec.report.records_dropped, 17u) << rec.report.ToString();  // records 14..30
  EXPECT_EQ(std::filesystem::file_size(seg), offsets[12]);
}

TEST(Journal, CheckpointReplacesOldSegmentsAndStartupReplaysOnlyTheRest) {
  testing::TempDir dir;
  Recovered rec;
  {
    auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, /*segment_bytes=*/200);
    ASSERT_TRUE(j.ok());
    for (int i = 1; i <= 50; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    ASSERT_TRUE((*j)->Sync().ok());
    EXPECT_GT(Segments(dir.File("j")).size(), 3u) << "small segments roll";
    ASSERT_TRUE((*j)->WriteCheckpoint("state-after-50").ok());
    EXPECT_EQ(Segments(dir.File("j")).size(), 1u);
    EXPECT_EQ((*j)->bytes_since_checkpoint(), 0u);
    for (int i = 51; i <= 60; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    ASSERT_TRUE((*j)->Sync().ok());
  }
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, 200);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(rec.checkpoint, "state-after-50");
  EXPECT_EQ(rec.report.checkpoint_seq, 50u);
  ASSERT_EQ(rec.records.size(), 10u);
  EXPECT_EQ(rec.records.front().first, 51u);
  EXPECT_EQ(rec.records.back().second, Payload(60));
}

TEST(Journal, MissingRecordsThatNoCheckpointCoversAreDataLoss) {
  testing::TempDir dir;
  Recovered rec;
  {
    auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, 100);
    ASSERT_TRUE(j.ok());
    for (int i = 1; i <= 20; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    ASSERT_TRUE((*j)->Sync().ok());
  }
  auto segs = Segments(dir.File("j"));
  ASSERT_GT(segs.size(), 2u);
  std::filesystem::remove(segs[0]);
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, 100);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kDataLoss);
}

TEST(Journal, AFailedSyncStopsAcceptingAppends) {
  testing::TempDir dir;
  testing::FaultInjectionFileSystem fs;
  Recovered rec;
  auto j = OpenJournal(fs, dir.File("j"), rec);
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE((*j)->Append(RecordType::kObservations, "a").ok());
  fs.FailNextSyncs(1);
  EXPECT_FALSE((*j)->Sync().ok());
  auto next = (*j)->Append(RecordType::kObservations, "b");
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace pg::journal
