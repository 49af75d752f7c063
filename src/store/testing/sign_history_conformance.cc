// SignHistory: what a sign showed at an instant; a batch is all or nothing; the first
// acknowledgement is kept; faults and overrides are kept for audit.
#include <string>
#include <vector>

#include "store/testing/conformance.h"

namespace pg::store::conformance {
namespace {

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SignHistoryConformance);

TEST_P(SignHistoryConformance, AnswersWhatWasShownAtAnInstant) {
  std::vector<SignDisplayRecord> batch = {Display("S1", 1, 1000, "a"), Display("S1", 2, 5000, "b"),
                                          Display("S2", 1, 2000, "x")};
  ASSERT_TRUE(store().AppendSignDisplays(batch).ok());
  EXPECT_FALSE((*store().SignDisplayAt(model::SignId("S1"), FromUnixMillis(999))).has_value());
  EXPECT_EQ((*store().SignDisplayAt(model::SignId("S1"), FromUnixMillis(1000)))->content_json, "a");
  EXPECT_EQ((*store().SignDisplayAt(model::SignId("S1"), FromUnixMillis(4999)))->content_json, "a");
  EXPECT_EQ((*store().SignDisplayAt(model::SignId("S1"), FromUnixMillis(5000)))->content_json, "b");
  auto range =
      *store().LoadSignDisplays(model::SignId("S1"), FromUnixMillis(0), FromUnixMillis(5000), 100);
  ASSERT_EQ(range.size(), 1u);
  EXPECT_EQ(range[0].seq, 1);
  EXPECT_EQ(range[0].cause_json, batch[0].cause_json);
  EXPECT_FALSE(range[0].acknowledged.has_value());
  auto latest = *store().LatestSignDisplays();
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0].sign.str(), "S1");
  EXPECT_EQ(latest[0].seq, 2);
  EXPECT_EQ(latest[1].sign.str(), "S2");
}

TEST_P(SignHistoryConformance, DisplaysLoadOldestFirstUpToTheLimit) {
  std::vector<SignDisplayRecord> batch = {Display("S1", 1, 1000, "a"), Display("S1", 2, 2000, "b"),
                                          Display("S1", 3, 3000, "c")};
  ASSERT_TRUE(store().AppendSignDisplays(batch).ok());
  auto two =
      *store().LoadSignDisplays(model::SignId("S1"), FromUnixMillis(0), FromUnixMillis(10'000), 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].seq, 1);
  EXPECT_EQ(two[1].seq, 2);
}

TEST_P(SignHistoryConformance, ABatchIsAllOrNothingAndAcknowledgedOnce) {
  std::vector<SignDisplayRecord> first = {Display("S1", 1, 1000, "a")};
  ASSERT_TRUE(store().AppendSignDisplays(first).ok());
  std::vector<SignDisplayRecord> clash = {Display("S1", 2, 2000, "b"), Display("S1", 1, 3000, "c")};
  EXPECT_EQ(store().AppendSignDisplays(clash).code(), StatusCode::kAlreadyExists);
  auto all = *store().LoadSignDisplays(model::SignId("S1"), FromUnixMillis(0),
                                       FromUnixMillis(10'000), 100);
  ASSERT_EQ(all.size(), 1u);
  std::vector<SignAck> acks = {{model::SignId("S1"), 1, FromUnixMillis(1200)},
                               {model::SignId("S1"), 1, FromUnixMillis(1900)},
                               {model::SignId("S1"), 7, FromUnixMillis(1900)}};
  ASSERT_TRUE(store().MarkSignsAcknowledged(acks).ok());
  EXPECT_EQ((*store().SignDisplayAt(model::SignId("S1"), FromUnixMillis(5000)))->acknowledged,
            FromUnixMillis(1200));
}

TEST_P(SignHistoryConformance, FaultsAndOverridesAreKept) {
  ASSERT_TRUE(
      store().AppendSignFault({model::SignId("S1"), FromUnixMillis(1000), "offline", "x"}).ok());
  ASSERT_TRUE(
      store().AppendSignFault({model::SignId("S1"), FromUnixMillis(3000), "online", "y"}).ok());
  auto faults =
      *store().LoadSignFaults(model::SignId("S1"), FromUnixMillis(0), FromUnixMillis(5000), 10);
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0].kind, "offline");
  EXPECT_EQ(faults[0].detail, "x");
  EXPECT_FALSE((*store().SignFaultAt(model::SignId("S1"), FromUnixMillis(999))).has_value());
  EXPECT_EQ((*store().SignFaultAt(model::SignId("S1"), FromUnixMillis(2999)))->kind, "offline");
  EXPECT_EQ((*store().SignFaultAt(model::SignId("S1"), FromUnixMillis(3000)))->kind, "online");

  SignOverrideRecord o;
  o.sign = model::SignId("S1");
  o.line = 1;
  o.kind = "text";
  o.text = {"施工", "WORKS"};
  o.reason = "road works";
  o.created_by = "ops-1";
  o.created = FromUnixMillis(1000);
  o.expires = FromUnixMillis(60'000);
  auto id = store().AddSignOverride(o);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  model::SignId s1("S1");
  auto open = *store().LoadSignOverrides(&s1, true, 10);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].id, *id);
  EXPECT_EQ(open[0].line, 1);
  EXPECT_EQ(open[0].text, o.text);
  ASSERT_TRUE(store().EndSignOverride(*id, FromUnixMillis(2000), "ops-2", "done").ok());
  EXPECT_EQ(store().EndSignOverride(*id, FromUnixMillis(2000), "ops-2", "again").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().EndSignOverride(*id + 999, FromUnixMillis(2000), "ops-2", "x").code(),
            StatusCode::kNotFound);
  EXPECT_TRUE((*store().LoadSignOverrides(&s1, true, 10)).empty());
  auto audit = *store().LoadSignOverrides(nullptr, false, 10);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].ended, FromUnixMillis(2000));
  EXPECT_EQ(audit[0].ended_by, "ops-2");
  EXPECT_EQ(audit[0].end_reason, "done");
}

TEST_P(SignHistoryConformance, OverridesLoadNewestFirst) {
  SignOverrideRecord o;
  o.sign = model::SignId("S1");
  o.kind = "blank";
  o.created = FromUnixMillis(1000);
  o.expires = FromUnixMillis(60'000);
  auto first = store().AddSignOverride(o);
  o.sign = model::SignId("S2");
  auto second = store().AddSignOverride(o);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_LT(*first, *second);
  auto all = *store().LoadSignOverrides(nullptr, false, 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, *second);
  EXPECT_EQ(all[1].id, *first);
  EXPECT_FALSE(all[1].line.has_value());
  model::SignId s1("S1");
  auto of_s1 = *store().LoadSignOverrides(&s1, false, 10);
  ASSERT_EQ(of_s1.size(), 1u);
  EXPECT_EQ(of_s1[0].id, *first);
}

}  // namespace
}  // namespace pg::store::conformance
