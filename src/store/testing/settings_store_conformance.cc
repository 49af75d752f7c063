// SettingsStore: an unset key reads as empty, a put replaces the value, an empty value is a value.
#include "store/testing/conformance.h"

namespace pg::store::conformance {
namespace {

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SettingsStoreConformance);

TEST_P(SettingsStoreConformance, UnsetIsEmptyAndAPutReplaces) {
  auto unset = store().GetSetting("demo.seed");
  ASSERT_TRUE(unset.ok()) << unset.status().ToString();
  EXPECT_FALSE(unset->has_value());
  ASSERT_TRUE(store().PutSetting("demo.seed", "1").ok());
  ASSERT_TRUE(store().PutSetting("graph.fingerprint", "0123456789abcdef").ok());
  ASSERT_TRUE(store().PutSetting("demo.seed", "2").ok());
  EXPECT_EQ(store().GetSetting("demo.seed")->value_or(""), "2");
  EXPECT_EQ(store().GetSetting("graph.fingerprint")->value_or(""), "0123456789abcdef");
  ASSERT_TRUE(store().PutSetting("forecast.calendar", "").ok());
  auto empty = store().GetSetting("forecast.calendar");
  ASSERT_TRUE(empty.ok());
  ASSERT_TRUE(empty->has_value()) << "an empty value is set, not unset";
  EXPECT_EQ(**empty, "");
}

}  // namespace
}  // namespace pg::store::conformance
