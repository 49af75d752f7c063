// Schema v2: forecast models are kept in the file (what the ForecastModelStore role promises of
// every implementation is in store/testing).
#include <gtest/gtest.h>

#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::store {
namespace {

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

TEST(SqliteStoreForecast, ModelsSurviveReopening) {
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
