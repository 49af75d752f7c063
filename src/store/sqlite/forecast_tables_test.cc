// Schema v2: charging-site history and forecast models.
#include <gtest/gtest.h>

#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::store {
namespace {

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

TEST(SqliteStoreForecast, ChargerSiteHistoryRoundTrips) {
  testing::TempDir dir;
  auto store = *OpenSqliteStore(dir.File("city.db"));
  std::vector<model::ChargerSiteSample> s = {{"S1", T("2026-11-28T08:00:00Z"), 2, 4},
                                             {"S1", T("2026-11-28T08:05:00Z"), 3, 4},
                                             {"S2", T("2026-11-28T08:00:00Z"), 0, 2}};
  ASSERT_TRUE(store->AppendChargerSiteOccupancy(s).ok());
  s[1].busy = 4;  // same (site, time): replaced
  ASSERT_TRUE(store->AppendChargerSiteOccupancy({&s[1], 1}).ok());
  auto back =
      store->LoadChargerSiteOccupancy("S1", T("2026-11-28T00:00:00Z"), T("2026-11-29T00:00:00Z"));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0], s[0]);
  EXPECT_EQ((*back)[1].busy, 4);
}

TEST(SqliteStoreForecast, ModelsReplaceBySeriesAndSurviveReopening) {
  testing::TempDir dir;
  ForecastModelRecord r{"facility/F1",
                        T("2026-11-28T03:00:00Z"),
                        T("2026-10-01T00:00:00Z"),
                        T("2026-11-28T03:00:00Z"),
                        R"({"held_out":[]})",
                        R"({"m":1})"};
  {
    auto store = *OpenSqliteStore(dir.File("city.db"));
    ASSERT_TRUE(store->PutForecastModels({&r, 1}).ok());
    r.model_json = R"({"m":2})";
    ASSERT_TRUE(store->PutForecastModels({&r, 1}).ok());
  }
  auto store = *OpenSqliteStore(dir.File("city.db"));
  auto back = store->LoadForecastModels();
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0], r);
}

}  // namespace
}  // namespace pg::store
