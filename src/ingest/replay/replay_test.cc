#include "ingest/replay/replay.h"

#include <gtest/gtest.h>

#include <fstream>

#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::ingest {
namespace {

Timestamp T(const char* text) { return *ParseRfc3339(text); }

TEST(Replay, LongCsvWithQuirksBecomesSamplesAndRollups) {
  testing::TempDir dir;
  std::ofstream(dir.File("long.csv"))
      << "facility_id,time,occupied,capacity\n"
         "F1,2026-11-28T08:00:00+08:00,10,100\n"
         "F1,2026-11-28T08:10:00+08:00,120,100\n"
         "F1,2026-11-28T08:05:00+08:00,-3,100\n"   // out of order in the file
         "F1,2026-11-28T08:10:00+08:00,120,100\n"  // duplicate
         "\"F 2\",2026-11-28T08:00:00Z,5,50\n";
  auto readings = ReadReadings(dir.File("long.csv"), ReplayFormat::kLongCsv, {});
  ASSERT_TRUE(readings.ok()) << readings.status().ToString();
  auto store = store::OpenSqliteStore(dir.File("city.db"));
  ASSERT_TRUE(store.ok());
  size_t last_progress = 0;
  auto report =
      ReplayToHistory(*readings, **store, {}, [&](size_t done, size_t) { last_progress = done; });
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->rows, 5u);
  EXPECT_EQ(report->duplicates, 1u);
  EXPECT_EQ(report->clamped_over, 1u);
  EXPECT_EQ(report->clamped_under, 1u);
  EXPECT_EQ(report->samples, 4u);
  EXPECT_EQ(last_progress, 5u);
  EXPECT_EQ(report->facilities, (std::vector<std::string>{"F 2", "F1"}));
  auto f1 = (*store)->LoadOccupancy(model::FacilityId("F1"), T("2026-11-28T00:00:00Z"),
                                    T("2026-11-29T00:00:00Z"));
  ASSERT_TRUE(f1.ok());
  ASSERT_EQ(f1->size(), 3u);
  EXPECT_EQ((*f1)[1].occupied, 0);
  EXPECT_EQ((*f1)[2].occupied, 100);
  auto rollups =
      (*store)->LoadRollups(model::OccupancyRollup::Kind::kFacility, "F1", std::chrono::minutes(5),
                            T("2026-11-28T00:00:00Z"), T("2026-11-29T00:00:00Z"));
  ASSERT_TRUE(rollups.ok());
  ASSERT_GE(rollups->size(), 3u);
  EXPECT_DOUBLE_EQ((*rollups)[0].mean_occupied, 10);
  EXPECT_DOUBLE_EQ((*rollups)[1].mean_occupied, 0);
  EXPECT_EQ((*rollups)[2].max_occupied, 100);
}

TEST(Replay, BadRowsNameTheirLineAndColumn) {
  testing::TempDir dir;
  std::ofstream(dir.File("bad.csv")) << "SystemCodeNumber,Capacity,Occupancy,LastUpdated\n"
                                        "A,100,5,2016-10-04 07:59:42\n"
                                        "A,100,x,2016-10-04 08:25:42\n";
  auto r = ReadReadings(dir.File("bad.csv"), ReplayFormat::kBirmingham, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.csv:3: Occupancy"), std::string::npos)
      << r.status().message();
  EXPECT_FALSE(ReadReadings(dir.File("bad.csv"), ReplayFormat::kLongCsv, {}).ok())
      << "the header tells the formats apart";
}

// The real series: every reading is in the history at its time, as the file says (clamped
// into 0..capacity), and each rollup's range holds the readings within it.
TEST(Replay, BirminghamSeriesIsReproducedAtSampledTimes) {
  std::string data = testing::SharedDataDir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent";
  std::string path = data + "/birmingham-parking/birmingham_parking.csv";
  auto readings = ReadReadings(path, ReplayFormat::kBirmingham, {});
  ASSERT_TRUE(readings.ok()) << readings.status().ToString();
  ASSERT_EQ(readings->size(), 28'494u);
  testing::TempDir dir;
  auto store = store::OpenSqliteStore(dir.File("city.db"));
  ASSERT_TRUE(store.ok());
  auto report = ReplayToHistory(*readings, **store, {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->facilities.size(), 29u);
  EXPECT_EQ(report->duplicates, 205u) << report->ToText();
  EXPECT_EQ(report->clamped_under, 12u);
  EXPECT_EQ(report->clamped_over, 201u);
  int checked = 0;
  for (size_t i = 0; i < readings->size(); i += 97) {
    const Reading& r = (*readings)[i];
    auto got = (*store)->LoadOccupancy(model::FacilityId(r.facility), r.time,
                                       r.time + std::chrono::milliseconds(1));
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u) << r.facility << " " << FormatRfc3339Utc(r.time);
    EXPECT_EQ((*got)[0].occupied, std::clamp(r.occupied, 0, r.capacity));
    EXPECT_EQ((*got)[0].capacity, r.capacity);
    auto rollup = (*store)->LoadRollups(model::OccupancyRollup::Kind::kFacility, r.facility,
                                        std::chrono::minutes(5), r.time - std::chrono::minutes(5),
                                        r.time + std::chrono::milliseconds(1));
    ASSERT_TRUE(rollup.ok());
    ASSERT_FALSE(rollup->empty());
    EXPECT_LE(rollup->back().min_occupied, (*got)[0].occupied);
    EXPECT_GE(rollup->back().max_occupied, (*got)[0].occupied);
    ++checked;
  }
  EXPECT_GT(checked, 250);
  // "2016-10-04 07:59:42" is British Summer Time: 06:59:42Z.
  auto first = (*store)->LoadOccupancy(model::FacilityId("BHMBCCMKT01"), T("2016-10-04T06:59:42Z"),
                                       T("2016-10-04T06:59:43Z"));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].occupied, 61);
}

}  // namespace
}  // namespace pg::ingest
