// The backtest on a real data set (Guangzhou, ../shared/data): the model must beat every
// baseline on MAE at every horizon from 15 minutes, as docs/forecast.md reports.
#include <gtest/gtest.h>

#include <filesystem>

#include "forecast/backtest.h"
#include "tests/support/temp_dir.h"

namespace pg::forecast {
namespace {

TEST(RealData, ModelBeatsEveryBaselineOnGuangzhou) {
  std::string dir = testing::SharedDataDir();
  if (dir.empty() || !std::filesystem::exists(dir + "/guangzhou-parking/occupancy.csv")) {
    GTEST_SKIP() << "../shared/data/guangzhou-parking is absent: the real-data backtest is skipped";
  }
  auto data = LoadDataset(dir + "/guangzhou-parking/occupancy.csv", DataFormat::kGuangzhou);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  BacktestOptions o;
  o.train_until = *ParseRfc3339("2018-06-18T00:00:00+08:00");
  o.horizons_minutes = {15, 30, 60, 120};
  auto r = RunBacktest(*data, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->coverage.series_scored, 30);
  for (const HorizonResult& h : r->horizons) {
    EXPECT_GT(h.n, 50000) << h.minutes;
    EXPECT_LT(h.model.mae, h.persistence.mae) << h.minutes;
    EXPECT_LT(h.model.mae, h.historical_average.mae) << h.minutes;
    EXPECT_LT(h.model.mae, h.hsl.mae) << h.minutes;
    EXPECT_LT(h.brier, h.brier_climatology) << h.minutes;
  }
}

}  // namespace
}  // namespace pg::forecast
