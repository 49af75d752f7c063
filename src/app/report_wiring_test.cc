#include "app/report_wiring.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "analytics/report.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::app {
namespace {

TEST(ReportSchedule, WritesLastWeeksReportsOnceAfterMondaySixInTheCitysZone) {
  testing::TempDir dir;
  auto store = *store::OpenSqliteStore(dir.File("city.db"));
  model::RegistryData data;
  data.city = model::City{};
  data.city->id = "testville";  // Asia/Shanghai
  model::Facility f;
  f.id = model::FacilityId("F1");
  f.capacity.total = 10;
  data.facilities.push_back(f);
  auto registry = *registry::Registry::Build(data);
  // Monday 2026-11-23 05:59 in Shanghai: not yet.
  FakeClock clock(*ParseRfc3339("2026-11-23T05:59:00+08:00"));
  ReportScheduleOptions options;
  options.directory = dir.File("reports");
  options.chromium = dir.File("no-chromium");  // HTML only: printing is tested in analytics
  ReportSchedule schedule(
      *store, clock, [registry] { return registry; }, options);
  auto week = schedule.Tick();
  ASSERT_TRUE(week.ok()) << week.status().ToString();
  EXPECT_EQ(*week, "");
  EXPECT_TRUE(analytics::ListReports(options.directory).empty());
  clock.Set(*ParseRfc3339("2026-11-23T06:00:00+08:00"));
  week = schedule.Tick();
  ASSERT_TRUE(week.ok()) << week.status().ToString();
  EXPECT_EQ(*week, "2026-W47");
  auto files = analytics::ListReports(options.directory);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].file, "report-2026-W47-en.html");
  EXPECT_EQ(files[1].file, "report-2026-W47-zh.html");
  // Written once, also after a restart (the setting remembers).
  clock.Set(*ParseRfc3339("2026-11-25T12:00:00+08:00"));
  ReportSchedule again(
      *store, clock, [registry] { return registry; }, options);
  EXPECT_EQ(*again.Tick(), "");
  // The next Monday writes the next week; a printer that fails costs the PDFs, not the week.
  {
    std::ofstream script(dir.File("broken-chromium"));
    script << "#!/bin/sh\nexit 3\n";
  }
  std::filesystem::permissions(dir.File("broken-chromium"), std::filesystem::perms::owner_all);
  options.chromium = dir.File("broken-chromium");
  ReportSchedule broken(
      *store, clock, [registry] { return registry; }, options);
  clock.Set(*ParseRfc3339("2026-11-30T07:00:00+08:00"));
  EXPECT_EQ(*broken.Tick(), "2026-W48");
  EXPECT_EQ(analytics::ListReports(options.directory).size(), 4u);
  EXPECT_EQ(*broken.Tick(), "");
}

}  // namespace
}  // namespace pg::app
