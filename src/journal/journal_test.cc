#include "journal/journal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/fault_injection_file_system.h"
#include "tests/support/file_damage.h"
#include "tests/support/temp_dir.h"

namespace pg::journal {
namespace {

namespace fsys = std::filesystem;

struct Recovered {
  std::string checkpoint;
  std::vector<std::pair<uint64_t, std::string>> records;
  RecoveryReport report;

  std::vector<uint64_t> Seqs() const {
    std::vector<uint64_t> out;
    for (const auto& [seq, payload] : records) out.push_back(seq);
    return out;
  }
};

// Opens the journal of `options`, recording what recovery hands over into `out`.
Result<std::unique_ptr<Journal>> OpenJournalWith(FileSystem& fs, JournalOptions options,
                                                 Recovered& out) {
  out = {};
  return Journal::Open(
      fs, std::move(options),
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

Result<std::unique_ptr<Journal>> OpenJournal(FileSystem& fs, const std::string& dir, Recovered& out,
                                             uint64_t segment_bytes = 1 << 20,
                                             bool read_only = false) {
  return OpenJournalWith(fs, {.dir = dir, .segment_bytes = segment_bytes, .read_only = read_only},
                         out);
}

std::string Payload(int i) { return "record-" + std::to_string(i) + std::string(i % 7, 'x'); }

std::vector<uint64_t> Range(uint64_t first, uint64_t last, std::vector<uint64_t> except = {}) {
  std::vector<uint64_t> out;
  for (uint64_t i = first; i <= last; ++i) {
    if (std::find(except.begin(), except.end(), i) == except.end()) out.push_back(i);
  }
  return out;
}

std::vector<std::string> Files(const std::string& dir, std::string_view prefix) {
  std::vector<std::string> out;
  if (!fsys::exists(dir)) return out;
  for (const auto& e : fsys::directory_iterator(dir)) {
    if (e.path().filename().string().starts_with(prefix)) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}
std::vector<std::string> Segments(const std::string& dir) { return Files(dir, "seg-"); }

// Writes records 1..n (small segments when asked) and syncs; returns each record's offset in
// its segment.
std::vector<uint64_t> WriteRecords(const std::string& dir, int n,
                                   uint64_t segment_bytes = 1 << 20) {
  Recovered rec;
  auto j = OpenJournal(FileSystem::Default(), dir, rec, segment_bytes);
  EXPECT_TRUE(j.ok()) << j.status().ToString();
  std::vector<uint64_t> offsets;
  uint64_t off = kSegmentHeaderBytes;
  for (int i = 1; i <= n; ++i) {
    offsets.push_back(off);
    EXPECT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    off += kRecordHeaderBytes + Payload(i).size();
  }
  EXPECT_TRUE((*j)->Sync().ok());
  return offsets;
}

using testing::FlipByte;
using testing::Overwrite;

TEST(Journal, ReplaysEverySyncedRecordInOrderAfterReopen) {
  testing::TempDir dir;
  WriteRecords(dir.File("j"), 100);
  Recovered rec;
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
  ASSERT_TRUE(j.ok());
  ASSERT_EQ(rec.Seqs(), Range(1, 100));
  for (int i = 1; i <= 100; ++i) EXPECT_EQ(rec.records[i - 1].second, Payload(i));
  EXPECT_FALSE(rec.report.incident) << rec.report.ToString();
  EXPECT_EQ((*j)->last_seq(), 100u);
  EXPECT_EQ(*(*j)->Append(RecordType::kObservations, "next"), 101u);
}

TEST(Journal, UnsyncedTailIsLostOnPowerLossWithoutAnIncident) {
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
  }  // the destructor flushes the unsynced records to the OS; the power loss drops them
  fs.PowerLoss();
  fs.Restart();
  auto j = OpenJournal(fs, dir.File("j"), rec);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(rec.Seqs(), Range(1, 10));
  EXPECT_FALSE(rec.report.incident) << "a clean cut at a record boundary is no damage";
}

TEST(Journal, TornTailIsCutAndQuarantinedButIsNoIncident) {
  testing::TempDir dir;
  WriteRecords(dir.File("j"), 20);
  auto segs = Segments(dir.File("j"));
  ASSERT_EQ(segs.size(), 1u);
  fsys::resize_file(segs[0], fsys::file_size(segs[0]) - 5);  // half of record 20 made it
  Recovered rec;
  {
    auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
    ASSERT_TRUE(j.ok());
    EXPECT_EQ(rec.Seqs(), Range(1, 19));
    EXPECT_GT(rec.report.torn_tail_bytes, 0u);
    EXPECT_FALSE(rec.report.incident) << rec.report.ToString();
    EXPECT_TRUE(rec.report.unacknowledged.empty());
    EXPECT_EQ(Files(dir.File("j/quarantine"), "seg-").size(), 1u) << "the torn bytes are kept";
    EXPECT_EQ(*(*j)->Append(RecordType::kObservations, "after"), 20u);
    ASSERT_TRUE((*j)->Sync().ok());
  }
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(rec.report.torn_tail_bytes, 0u);
  EXPECT_EQ(rec.Seqs(), Range(1, 20));
  EXPECT_EQ(rec.records.back().second, "after");
}

// Finding: a flipped byte made recovery drop every record after it.
TEST(Journal, FlippedByteLosesOnlyItsRecordAndKeepsEveryIntactOneAfterIt) {
  testing::TempDir dir;
  auto offsets = WriteRecords(dir.File("j"), 30);
  auto seg = Segments(dir.File("j"))[0];
  std::string before = *FileSystem::Default().ReadFile(seg);
  FlipByte(seg, offsets[12] + kRecordHeaderBytes + 2);  // in record 13's payload
  Recovered rec;
  {
    auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
    ASSERT_TRUE(j.ok()) << j.status().ToString();
    EXPECT_EQ(rec.Seqs(), Range(1, 30, {13}));
    ASSERT_TRUE(rec.report.incident);
    const Incident& i = *rec.report.incident;
    EXPECT_EQ(i.severity, "loss");
    EXPECT_EQ(i.lost, (std::vector<SeqRange>{{13, 13}}));
    EXPECT_EQ(i.records_after, 17u);
    ASSERT_EQ(i.files.size(), 1u);
    EXPECT_EQ(i.files[0].offset, offsets[12]);
    EXPECT_NE(i.files[0].why.find("checksum mismatch"), std::string::npos);
    // The damaged record's bytes are in quarantine, byte for byte.
    auto kept = FileSystem::Default().ReadFile(dir.File("j/" + i.files[0].quarantine));
    ASSERT_TRUE(kept.ok());
    EXPECT_EQ(kept->size(), offsets[13] - offsets[12]);
    EXPECT_EQ(kept->substr(0, kRecordHeaderBytes), before.substr(offsets[12], kRecordHeaderBytes));
    EXPECT_EQ(rec.report.unacknowledged.size(), 1u);
    EXPECT_EQ(*(*j)->Append(RecordType::kObservations, "31"), 31u);
    ASSERT_TRUE((*j)->Sync().ok());
  }
  // The next start knows the gap: no new incident, the old one still unacknowledged.
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(rec.Seqs(), Range(1, 31, {13}));
  EXPECT_FALSE(rec.report.incident) << rec.report.ToString();
  EXPECT_EQ(rec.report.unacknowledged.size(), 1u);
}

// Finding: damage in the oldest segment deleted three later, intact segments.
TEST(Journal, DamageInTheOldestSegmentKeepsEveryLaterSegment) {
  testing::TempDir dir;
  WriteRecords(dir.File("j"), 60, /*segment_bytes=*/300);
  auto segs = Segments(dir.File("j"));
  ASSERT_GE(segs.size(), 4u);
  uint64_t size = fsys::file_size(segs[0]);
  FlipByte(segs[0], size / 2);
  Recovered rec;
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, 300);
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(rec.report.incident);
  ASSERT_EQ(rec.report.incident->lost.size(), 1u);
  const SeqRange lost = rec.report.incident->lost[0];
  EXPECT_EQ(lost.count(), 1u);
  EXPECT_EQ(rec.Seqs(), Range(1, 60, {lost.first}));
  for (const auto& s : segs) EXPECT_TRUE(fsys::exists(s)) << s;
}

// Finding: zeroing a segment's 16-byte header dropped the segment and everything after it.
TEST(Journal, ZeroedSegmentHeaderKeepsTheSegmentsRecords) {
  testing::TempDir dir;
  WriteRecords(dir.File("j"), 40, 300);
  auto segs = Segments(dir.File("j"));
  ASSERT_GE(segs.size(), 3u);
  Overwrite(segs[1], 0, std::string(kSegmentHeaderBytes, '\0'));
  Recovered rec;
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, 300);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(rec.Seqs(), Range(1, 40));
  ASSERT_TRUE(rec.report.incident);
  EXPECT_EQ(rec.report.incident->severity, "damage") << "every record is accounted for";
  EXPECT_TRUE(rec.report.incident->lost.empty());
  EXPECT_NE(rec.report.incident->files[0].why.find("segment header"), std::string::npos);
}

// Finding: a missing segment refused start-up while a damaged one started: now both start,
// degraded, with the lost range reported.
TEST(Journal, MissingSegmentIsALostRangeLikeDamage) {
  testing::TempDir dir;
  WriteRecords(dir.File("j"), 40, 300);
  auto segs = Segments(dir.File("j"));
  ASSERT_GE(segs.size(), 3u);
  fsys::remove(segs[1]);
  uint64_t first_missing = *SegmentNumber(fsys::path(segs[1]).filename().string());
  uint64_t first_after = *SegmentNumber(fsys::path(segs[2]).filename().string());
  Recovered rec;
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, 300);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  ASSERT_TRUE(rec.report.incident);
  EXPECT_EQ(rec.report.incident->lost, (std::vector<SeqRange>{{first_missing, first_after - 1}}));
  std::vector<uint64_t> missing = Range(first_missing, first_after - 1);
  EXPECT_EQ(rec.Seqs(), Range(1, 40, missing));
}

TEST(Journal, RecordsTheCityKnowsWereDurableButNoFileHoldsAreLostAndNumberingGoesOn) {
  testing::TempDir dir;
  WriteRecords(dir.File("j"), 40, 300);
  auto segs = Segments(dir.File("j"));
  fsys::remove(segs.back());
  uint64_t first_gone = *SegmentNumber(fsys::path(segs.back()).filename().string());
  Recovered rec;
  auto j =
      OpenJournalWith(FileSystem::Default(),
                      {.dir = dir.File("j"), .segment_bytes = 300, .known_durable_seq = 40}, rec);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(rec.Seqs(), Range(1, first_gone - 1));
  ASSERT_TRUE(rec.report.incident);
  EXPECT_EQ(rec.report.incident->lost, (std::vector<SeqRange>{{first_gone, 40}}));
  EXPECT_EQ(*(*j)->Append(RecordType::kObservations, "next"), 41u)
      << "a lost seq is never reused: a segment found later cannot collide";
}

TEST(Journal, EmptyJournalOfACityWithDurableRecordsRefusesUnlessLossIsAccepted) {
  testing::TempDir dir;
  Recovered rec;
  auto open = [&](bool accept) {
    return OpenJournalWith(
        FileSystem::Default(),
        {.dir = dir.File("j"), .known_durable_seq = 1234, .accept_missing = accept}, rec);
  };
  auto refused = open(false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("up to journal record 1234"), std::string::npos);
  EXPECT_NE(refused.status().message().find("--accept-journal-loss"), std::string::npos);
  EXPECT_TRUE(Segments(dir.File("j")).empty()) << "nothing started beside the real journal";
  auto accepted = open(true);
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(*(*accepted)->Append(RecordType::kObservations, "x"), 1235u);
  auto log = DamageLog::Load(FileSystem::Default(), dir.File("j"));
  ASSERT_EQ(log->Unacknowledged().size(), 1u);
  EXPECT_EQ(log->Unacknowledged()[0].lost, (std::vector<SeqRange>{{1, 1234}}));
}

TEST(Journal, RecordOfAnUnknownTypeRefusesStartup) {
  testing::TempDir dir;
  WriteRecords(dir.File("j"), 3);
  auto seg = Segments(dir.File("j"))[0];
  std::string record;
  AppendRecordHeader(record, static_cast<RecordType>(9), 4, "from the future");
  record += "from the future";
  std::ofstream(seg, std::ios::app | std::ios::binary) << record;
  const std::string before = *FileSystem::Default().ReadFile(seg);
  Recovered rec;
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(j.status().message().find("newer parkguide"), std::string::npos);
  EXPECT_EQ(*FileSystem::Default().ReadFile(seg), before) << "nothing cut or quarantined";
}

TEST(Journal, CheckpointKeepsThePreviousOneAndTheSegmentsItNeeds) {
  testing::TempDir dir;
  Recovered rec;
  {
    auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, /*segment_bytes=*/200);
    ASSERT_TRUE(j.ok());
    for (int i = 1; i <= 30; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    ASSERT_TRUE((*j)->WriteCheckpoint("state-after-30").ok());
    EXPECT_EQ(Files(dir.File("j"), "checkpoint-").size(), 1u);
    EXPECT_GT(Segments(dir.File("j")).size(), 3u) << "one checkpoint: every segment stays";
    for (int i = 31; i <= 50; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    ASSERT_TRUE((*j)->WriteCheckpoint("state-after-50").ok());
    for (int i = 51; i <= 60; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    ASSERT_TRUE((*j)->WriteCheckpoint("state-after-60").ok());
    EXPECT_EQ(Files(dir.File("j"), "checkpoint-").size(), 2u);
    for (const auto& s : Segments(dir.File("j"))) {
      EXPECT_GE(*SegmentNumber(fsys::path(s).filename().string()), 41u)
          << "segments wholly before checkpoint 50 are gone: " << s;
    }
    for (int i = 61; i <= 65; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    ASSERT_TRUE((*j)->Sync().ok());
  }
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, 200);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(rec.checkpoint, "state-after-60");
  EXPECT_EQ(rec.Seqs(), Range(61, 65));
}

// Finding: a clean stop kept one checkpoint and no segment; one flipped byte in it was fatal.
TEST(Journal, DamagedNewestCheckpointFallsBackToThePreviousOneLosingNothing) {
  testing::TempDir dir;
  Recovered rec;
  {
    auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, 200);
    ASSERT_TRUE(j.ok());
    for (int i = 1; i <= 20; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    ASSERT_TRUE((*j)->WriteCheckpoint("state-after-20").ok());
    for (int i = 21; i <= 40; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    ASSERT_TRUE((*j)->WriteCheckpoint("state-after-40").ok());  // a clean stop
  }
  auto cps = Files(dir.File("j"), "checkpoint-");
  ASSERT_EQ(cps.size(), 2u);
  FlipByte(cps[1], fsys::file_size(cps[1]) - 3);
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, 200);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(rec.checkpoint, "state-after-20");
  EXPECT_EQ(rec.Seqs(), Range(21, 40));
  EXPECT_EQ(rec.report.checkpoints_damaged, 1);
  ASSERT_TRUE(rec.report.incident);
  EXPECT_EQ(rec.report.incident->severity, "damage");
  EXPECT_TRUE(rec.report.incident->lost.empty());
  EXPECT_FALSE(fsys::exists(cps[1])) << "moved to quarantine";
  EXPECT_EQ(Files(dir.File("j/quarantine"), "checkpoint-").size(), 1u);
}

TEST(Journal, EveryCheckpointDamagedReplaysFromTheStartWhenTheSegmentsReachBack) {
  testing::TempDir dir;
  Recovered rec;
  {
    auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, 200);
    ASSERT_TRUE(j.ok());
    for (int i = 1; i <= 20; ++i)
      ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
    ASSERT_TRUE((*j)->WriteCheckpoint("only").ok());
  }
  auto cps = Files(dir.File("j"), "checkpoint-");
  ASSERT_EQ(cps.size(), 1u);
  Overwrite(cps[0], 0, "XXXX");
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, 200);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(rec.checkpoint, "");
  EXPECT_EQ(rec.Seqs(), Range(1, 20));
  ASSERT_TRUE(rec.report.incident);
  EXPECT_TRUE(rec.report.incident->lost.empty());
}

TEST(Journal, ReadOnlyOpenReportsDamageButChangesNoFile) {
  testing::TempDir dir;
  auto offsets = WriteRecords(dir.File("j"), 10);
  auto seg = Segments(dir.File("j"))[0];
  FlipByte(seg, offsets[4] + kRecordHeaderBytes);
  std::string damaged = *FileSystem::Default().ReadFile(seg);
  auto listing = [&] {
    std::vector<std::string> names;
    for (const auto& e : fsys::recursive_directory_iterator(dir.File("j")))
      names.push_back(e.path().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  auto before = listing();
  Recovered rec;
  auto j = OpenJournal(FileSystem::Default(), dir.File("j"), rec, 1 << 20, /*read_only=*/true);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(rec.Seqs(), Range(1, 10, {5}));
  ASSERT_TRUE(rec.report.incident);
  EXPECT_EQ(rec.report.unacknowledged.size(), 1u);
  EXPECT_EQ(listing(), before);
  EXPECT_EQ(*FileSystem::Default().ReadFile(seg), damaged);
  auto append = (*j)->Append(RecordType::kObservations, "x");
  EXPECT_EQ(append.status().code(), StatusCode::kFailedPrecondition);
}

TEST(Journal, AcknowledgedIncidentIsNoLongerReported) {
  testing::TempDir dir;
  auto offsets = WriteRecords(dir.File("j"), 10);
  FlipByte(Segments(dir.File("j"))[0], offsets[2] + kRecordHeaderBytes);
  Recovered rec;
  { ASSERT_TRUE(OpenJournal(FileSystem::Default(), dir.File("j"), rec).ok()); }
  ASSERT_EQ(rec.report.unacknowledged.size(), 1u);
  auto log = DamageLog::Load(FileSystem::Default(), dir.File("j"));
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(
      log->Acknowledge(FileSystem::Default(), dir.File("j"),
                       {.incident = 1, .by = "ops", .note = "disk replaced", .time = Timestamp{}})
          .ok());
  ASSERT_TRUE(OpenJournal(FileSystem::Default(), dir.File("j"), rec).ok());
  EXPECT_TRUE(rec.report.unacknowledged.empty());
  EXPECT_EQ(rec.Seqs(), Range(1, 10, {3}));
}

TEST(Journal, FailedSyncRefusesAppendsUntilHealedAndDropsOnlyTheUnsyncedGroup) {
  testing::TempDir dir;
  testing::FaultInjectionFileSystem fs;
  Recovered rec;
  {
    auto j = OpenJournal(fs, dir.File("j"), rec);
    ASSERT_TRUE(j.ok());
    ASSERT_TRUE((*j)->Append(RecordType::kObservations, "a").ok());
    ASSERT_TRUE((*j)->Sync().ok());
    ASSERT_TRUE((*j)->Append(RecordType::kObservations, "b").ok());
    fs.FailNextSyncs(1);
    EXPECT_FALSE((*j)->Sync().ok());
    auto refused = (*j)->Append(RecordType::kObservations, "c");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
    ASSERT_TRUE((*j)->Heal().ok());
    EXPECT_FALSE((*j)->failed());
    EXPECT_EQ(*(*j)->Append(RecordType::kObservations, "c"), 2u) << "b was never durable";
    ASSERT_TRUE((*j)->Sync().ok());
  }
  ASSERT_TRUE(OpenJournal(fs, dir.File("j"), rec).ok());
  ASSERT_EQ(rec.records.size(), 2u);
  EXPECT_EQ(rec.records[0].second, "a");
  EXPECT_EQ(rec.records[1].second, "c");
  EXPECT_FALSE(rec.report.incident) << rec.report.ToString();
}

TEST(Journal, DiskFullIsRefusedWhileItLastsAndHealsWhenSpaceReturns) {
  testing::TempDir dir;
  testing::FaultInjectionFileSystem fs;
  Recovered rec;
  auto j = OpenJournal(fs, dir.File("j"), rec, /*segment_bytes=*/100);
  ASSERT_TRUE(j.ok());
  for (int i = 1; i <= 5; ++i)
    ASSERT_TRUE((*j)->Append(RecordType::kObservations, Payload(i)).ok());
  ASSERT_TRUE((*j)->Sync().ok());
  fs.SetWriteError(Unavailable("No space left on device"));
  Status s = (*j)->Append(RecordType::kObservations, Payload(6)).status();
  if (s.ok()) s = (*j)->Sync();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_FALSE((*j)->Heal().ok()) << "still full";
  EXPECT_FALSE((*j)->Probe().ok());
  fs.SetWriteError(std::nullopt);
  EXPECT_TRUE((*j)->Probe().ok());
  ASSERT_TRUE((*j)->Heal().ok());
  EXPECT_EQ(*(*j)->Append(RecordType::kObservations, Payload(6)), 6u);
  ASSERT_TRUE((*j)->Sync().ok());
  j->reset();
  ASSERT_TRUE(OpenJournal(fs, dir.File("j"), rec, 100).ok());
  EXPECT_EQ(rec.Seqs(), Range(1, 6));
  EXPECT_FALSE(rec.report.incident) << rec.report.ToString();
}

// Power loss at every write-side call of a workload with segment rolls and checkpoints: every
// record whose Sync returned OK before the crash is recovered, and nothing else is invented.
TEST(Journal, EverySyncedRecordSurvivesAPowerLossAtAnyPoint) {
  auto workload = [](FileSystem& fs, const std::string& dir, std::vector<int>& durable) {
    Recovered rec;
    auto j = OpenJournal(fs, dir, rec, /*segment_bytes=*/150);
    if (!j.ok()) return;
    for (int i = 1; i <= 40; ++i) {
      if (!(*j)->Append(RecordType::kObservations, Payload(i)).ok()) return;
      if (i % 3 == 0) {
        bool crashed_before = static_cast<testing::FaultInjectionFileSystem&>(fs).crashed();
        if (!(*j)->Sync().ok()) return;
        if (!crashed_before && !static_cast<testing::FaultInjectionFileSystem&>(fs).crashed()) {
          for (int k = static_cast<int>(durable.size()) + 1; k <= i; ++k) durable.push_back(k);
        }
      }
      if (i % 10 == 0 && !(*j)->WriteCheckpoint("cp-" + std::to_string(i)).ok()) return;
    }
  };
  testing::FaultInjectionFileSystem probe;
  {
    testing::TempDir dir;
    std::vector<int> durable;
    workload(probe, dir.File("j"), durable);
    ASSERT_EQ(durable.size(), 39u);
  }
  const int64_t total = probe.operations();
  ASSERT_GT(total, 40);
  for (int64_t crash = 1; crash <= total; ++crash) {
    testing::TempDir dir;
    testing::FaultInjectionFileSystem fs;
    fs.CrashAfterOperations(crash);
    std::vector<int> durable;
    workload(fs, dir.File("j"), durable);
    fs.PowerLoss();
    fs.Restart();
    Recovered rec;
    auto j = OpenJournal(fs, dir.File("j"), rec, 150);
    ASSERT_TRUE(j.ok()) << "crash at " << crash << ": " << j.status().ToString();
    int from_checkpoint = rec.checkpoint.empty() ? 0 : std::stoi(rec.checkpoint.substr(3));
    for (int d : durable) {
      if (d <= from_checkpoint) continue;
      bool found = std::any_of(rec.records.begin(), rec.records.end(),
                               [&](const auto& r) { return r.second == Payload(d); });
      EXPECT_TRUE(found) << "crash at " << crash << ": synced record " << d << " lost";
    }
    for (const auto& [seq, payload] : rec.records)
      EXPECT_EQ(payload, Payload(static_cast<int>(seq)));
    EXPECT_FALSE(rec.report.incident) << "crash at " << crash << ": " << rec.report.ToString();
  }
}

}  // namespace
}  // namespace pg::journal
