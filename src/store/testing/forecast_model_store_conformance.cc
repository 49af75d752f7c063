// ForecastModelStore: a record for an existing series replaces it; models load in series order.
#include <vector>

#include "store/testing/conformance.h"

namespace pg::store::conformance {
namespace {

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

ForecastModelRecord Model(const char* series, const char* model_json) {
  return {series,
          T("2026-11-28T03:00:00Z"),
          T("2026-10-01T00:00:00Z"),
          T("2026-11-28T03:00:00Z"),
          R"({"held_out":[]})",
          model_json};
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ForecastModelStoreConformance);

TEST_P(ForecastModelStoreConformance, ModelsReplaceBySeries) {
  EXPECT_TRUE(store().LoadForecastModels()->empty());
  ForecastModelRecord r = Model("facility/F1", R"({"m":1})");
  ASSERT_TRUE(store().PutForecastModels({&r, 1}).ok());
  r.model_json = R"({"m":2})";
  ASSERT_TRUE(store().PutForecastModels({&r, 1}).ok());
  auto back = store().LoadForecastModels();
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0], r);
}

TEST_P(ForecastModelStoreConformance, ModelsLoadInSeriesOrder) {
  std::vector<ForecastModelRecord> records = {
      Model("facility/F2", "{}"), Model("charger_site/S1", "{}"), Model("facility/F1", "{}")};
  ASSERT_TRUE(store().PutForecastModels(records).ok());
  auto back = store().LoadForecastModels();
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ((*back)[0].series, "charger_site/S1");
  EXPECT_EQ((*back)[1].series, "facility/F1");
  EXPECT_EQ((*back)[2].series, "facility/F2");
}

}  // namespace
}  // namespace pg::store::conformance
