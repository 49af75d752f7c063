// AuditLog: entries come back newest first, filtered by time and actor, and never hold a
// credential.
#include <string>

#include "store/testing/conformance.h"

namespace pg::store::conformance {
namespace {

constexpr const char* kKey = "pgk_0123456789ab_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfG";

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AuditLogConformance);

AuditEntry Entry(int64_t t_ms, const char* actor, const char* action) {
  AuditEntry e;
  e.time = FromUnixMillis(t_ms);
  e.actor = actor;
  e.role = "traffic_centre";
  e.remote = "10.0.0.7";
  e.action = action;
  e.target = "sign:S1";
  e.request = R"({"minutes":30})";
  e.before = "[]";
  e.after = R"([{"id":1}])";
  e.outcome = "201 Created";
  return e;
}

TEST_P(AuditLogConformance, EntriesComeBackWholeNewestFirst) {
  std::vector<AuditEntry> entries = {Entry(1000, "duty", "POST /api/v1/signs/{id}/override"),
                                     Entry(2000, "duty", "DELETE /api/v1/signs/{id}/override")};
  ASSERT_TRUE(store().AppendAudit(entries).ok());
  auto loaded = store().LoadAudit({});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 2u);
  const AuditEntry& newest = (*loaded)[0];
  EXPECT_EQ(newest.action, "DELETE /api/v1/signs/{id}/override");
  EXPECT_GT(newest.id, (*loaded)[1].id);
  EXPECT_EQ(newest.time, FromUnixMillis(2000));
  EXPECT_EQ(newest.actor, "duty");
  EXPECT_EQ(newest.role, "traffic_centre");
  EXPECT_EQ(newest.remote, "10.0.0.7");
  EXPECT_EQ(newest.target, "sign:S1");
  EXPECT_EQ(newest.request, R"({"minutes":30})");
  EXPECT_EQ(newest.before, "[]");
  EXPECT_EQ(newest.after, R"([{"id":1}])");
  EXPECT_EQ(newest.outcome, "201 Created");
}

TEST_P(AuditLogConformance, AQuerySelectsBySinceAndActorUpToTheLimit) {
  std::vector<AuditEntry> entries;
  for (int i = 1; i <= 5; ++i)
    entries.push_back(Entry(int64_t{i} * 1000, i % 2 ? "duty" : "acme", "a"));
  ASSERT_TRUE(store().AppendAudit(entries).ok());
  AuditQuery since;
  since.since = FromUnixMillis(3000);
  EXPECT_EQ(store().LoadAudit(since)->size(), 3u);
  AuditQuery actor;
  actor.actor = "acme";
  auto acme = *store().LoadAudit(actor);
  ASSERT_EQ(acme.size(), 2u);
  EXPECT_EQ(acme[0].time, FromUnixMillis(4000));
  AuditQuery limit;
  limit.limit = 2;
  auto newest = *store().LoadAudit(limit);
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].time, FromUnixMillis(5000));
  EXPECT_EQ(newest[1].time, FromUnixMillis(4000));
}

TEST_P(AuditLogConformance, NoEntryKeepsACredential) {
  AuditEntry e = Entry(1000, "admin-1", "POST /api/v1/keys");
  e.request = std::string(R"({"name":"acme","key":")") + kKey + R"("})";
  e.after = std::string(R"({"token":"s3cr3t"})");
  e.outcome = std::string("200 OK: Authorization: Bearer ") + kKey;
  ASSERT_TRUE(store().AppendAudit({&e, 1}).ok());
  auto loaded = *store().LoadAudit({});
  ASSERT_EQ(loaded.size(), 1u);
  for (const std::string* text : {&loaded[0].request, &loaded[0].after, &loaded[0].outcome}) {
    EXPECT_EQ(text->find(kKey), std::string::npos) << *text;
    EXPECT_EQ(text->find("s3cr3t"), std::string::npos) << *text;
  }
  EXPECT_EQ(loaded[0].request, R"({"name":"acme","key":"[REDACTED]"})");
}

}  // namespace
}  // namespace pg::store::conformance
