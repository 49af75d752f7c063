#include "journal/damage_log.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace pg::journal {
namespace {

Timestamp T(const char* text) { return *ParseRfc3339(text); }

Incident Loss(std::vector<SeqRange> lost, const char* when) {
  Incident i;
  i.detected = T(when);
  i.severity = "loss";
  i.summary = "test";
  i.lost = std::move(lost);
  i.files.push_back({"seg-1.log", 16, 40, "checksum mismatch", "quarantine/x.bin"});
  return i;
}

TEST(DamageLog, RecordedIncidentsReadBackWithIdsInOrder) {
  testing::TempDir dir;
  auto& fs = FileSystem::Default();
  auto log = DamageLog::Load(fs, dir.path().string());
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(log->Record(fs, dir.path().string(), Loss({{5, 9}}, "2026-12-01T00:00:00Z")).ok());
  ASSERT_TRUE(log->Record(fs, dir.path().string(), Loss({{20, 20}}, "2026-12-02T00:00:00Z")).ok());
  auto back = DamageLog::Load(fs, dir.path().string());
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->incidents().size(), 2u);
  EXPECT_EQ(back->incidents()[0].id, 1);
  EXPECT_EQ(back->incidents()[1].id, 2);
  EXPECT_EQ(back->incidents()[0].lost, (std::vector<SeqRange>{{5, 9}}));
  EXPECT_EQ(back->incidents()[0].lost_records(), 5u);
  EXPECT_EQ(back->incidents()[0].files[0].quarantine, "quarantine/x.bin");
  EXPECT_EQ(back->Unacknowledged().size(), 2u);
  EXPECT_EQ(back->KnownLost(), (std::vector<SeqRange>{{5, 9}, {20, 20}}));
}

TEST(DamageLog, AcknowledgingOneOrAllAndTheirErrors) {
  testing::TempDir dir;
  auto& fs = FileSystem::Default();
  auto log = *DamageLog::Load(fs, dir.path().string());
  ASSERT_TRUE(log.Record(fs, dir.path().string(), Loss({{1, 1}}, "2026-12-01T00:00:00Z")).ok());
  ASSERT_TRUE(log.Record(fs, dir.path().string(), Loss({{2, 2}}, "2026-12-02T00:00:00Z")).ok());
  EXPECT_EQ(log.Acknowledge(fs, dir.path().string(),
                            {.incident = 7, .by = "ops", .note = "", .time = Timestamp{}})
                .code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(
      log.Acknowledge(fs, dir.path().string(),
                      {.incident = 1, .by = "ops", .note = "", .time = T("2026-12-03T00:00:00Z")})
          .ok());
  EXPECT_EQ(log.Acknowledge(fs, dir.path().string(),
                            {.incident = 1, .by = "ops", .note = "", .time = Timestamp{}})
                .code(),
            StatusCode::kFailedPrecondition);
  auto back = *DamageLog::Load(fs, dir.path().string());
  ASSERT_EQ(back.Unacknowledged().size(), 1u);
  EXPECT_EQ(back.Unacknowledged()[0].id, 2);
  ASSERT_TRUE(back.incidents()[0].acknowledged);
  EXPECT_EQ(back.incidents()[0].acknowledged->by, "ops");
  ASSERT_TRUE(
      back.Acknowledge(
              fs, dir.path().string(),
              {.incident = 0, .by = "night shift", .note = "", .time = T("2026-12-04T00:00:00Z")})
          .ok());
  EXPECT_TRUE(DamageLog::Load(fs, dir.path().string())->Unacknowledged().empty());
  EXPECT_EQ(back.Acknowledge(fs, dir.path().string(),
                             {.incident = 0, .by = "x", .note = "", .time = Timestamp{}})
                .code(),
            StatusCode::kFailedPrecondition);
}

TEST(DamageLog, AFileThatIsNotADamageLogIsNamedNotIgnored) {
  testing::TempDir dir;
  std::ofstream(dir.File("damage.json")) << "{not json";
  auto log = DamageLog::Load(FileSystem::Default(), dir.path().string());
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(log.status().message().find("damage.json"), std::string::npos);
}

TEST(SeqRanges, SubtractKnownRanges) {
  std::vector<SeqRange> known{{3, 4}, {8, 8}};
  EXPECT_EQ(Subtract({1, 10}, known), (std::vector<SeqRange>{{1, 2}, {5, 7}, {9, 10}}));
  EXPECT_EQ(Subtract({3, 4}, known), std::vector<SeqRange>{});
  EXPECT_EQ(Subtract({4, 6}, known), (std::vector<SeqRange>{{5, 6}}));
  EXPECT_EQ(Subtract({11, 12}, known), (std::vector<SeqRange>{{11, 12}}));
}

}  // namespace
}  // namespace pg::journal
