#include "app/guidance_wiring.h"

#include <gtest/gtest.h>

namespace pg::app {
namespace {

TEST(ParseGuidanceParams, OverridesTheNamedParametersAndKeepsTheRest) {
  auto p = ParseGuidanceParams(
      R"({"value_of_time_fen_per_hour": 4000, "give_up_ms": 600000, "search_depth": 2})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->search_depth, 2);
  EXPECT_EQ(p->value_of_time_fen_per_hour, 4000);
  EXPECT_EQ(p->give_up_ms, 600'000);
  EXPECT_EQ(p->full_detour_ms, guidance::GuidanceParams{}.full_detour_ms);
}

TEST(ParseGuidanceParams, RefusesUnknownMembersWrongTypesAndRangesNamingThem) {
  for (const char* bad : {R"([1])", R"({"value_of_time": 30})", R"({"walk_time_factor": "high"})",
                          R"({"unknown_p_free": 1.5})", R"({"search_depth": 0})",
                          R"({"search_depth": 9})", "not json"}) {
    auto p = ParseGuidanceParams(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(p.status().field(), "guidance.params");
  }
  auto p = ParseGuidanceParams(R"({"unknown_p_free": 1.5})");
  EXPECT_NE(p.status().message().find("unknown_p_free"), std::string::npos);
}

}  // namespace
}  // namespace pg::app
