// SourceStore: a source keeps its key hash until revoked; ids are unique; a registry write of the
// same source does not undo a revocation.
#include "store/testing/conformance.h"

namespace pg::store::conformance {
namespace {

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SourceStoreConformance);

SourceRecord Record(const char* id, int64_t created_ms) {
  SourceRecord rec;
  rec.source.id = model::SourceId(id);
  rec.source.scope.all = true;
  rec.key_hash = "$argon2id$fake";
  rec.created = FromUnixMillis(created_ms);
  return rec;
}

TEST_P(SourceStoreConformance, SourcesKeepTheirKeyAndCanBeRevoked) {
  ASSERT_NE(made_.sources, nullptr);
  ASSERT_NE(made_.registry, nullptr);
  SourceStore& store = *made_.sources;
  SourceRecord rec = Record("gate-1", 1000);
  ASSERT_TRUE(store.AddSource(rec).ok());
  EXPECT_EQ(store.AddSource(rec).code(), StatusCode::kAlreadyExists);
  auto before = store.LoadSources();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ((*before)[0].key_hash, rec.key_hash);
  EXPECT_EQ((*before)[0].created, rec.created);
  EXPECT_FALSE((*before)[0].source.revoked_at.has_value());

  ASSERT_TRUE(store.RevokeSource(rec.source.id, FromUnixMillis(2000)).ok());
  auto sources = *store.LoadSources();
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_TRUE(sources[0].source.revoked_at.has_value());
  EXPECT_TRUE(sources[0].key_hash.empty());
  EXPECT_EQ(store.RevokeSource(model::SourceId("nope"), FromUnixMillis(0)).code(),
            StatusCode::kNotFound);
  // A registry write of the same source (a survey re-import) does not undo the revocation.
  model::RegistryData survey;
  model::Source again = rec.source;
  again.description = "re-surveyed";
  survey.sources = {again};
  ASSERT_TRUE(made_.registry->WriteRegistry(survey, RegistryWriteMode::kUpsert).ok());
  auto registry = *made_.registry->LoadRegistry();
  ASSERT_EQ(registry.sources.size(), 1u);
  EXPECT_EQ(registry.sources[0].description, "re-surveyed");
  EXPECT_EQ(registry.sources[0].revoked_at, FromUnixMillis(2000));
}

// Finding (issue 16): a source with an empty scope was stored, and LoadRegistry then failed with
// kDataLoss for the whole city. What cannot be read back is refused and nothing is written.
TEST_P(SourceStoreConformance, ASourceThatCouldNotBeReadBackIsRefused) {
  SourceStore& store = *made_.sources;
  SourceRecord no_scope = Record("gate-1", 1000);
  no_scope.source.scope = model::SourceScope{};
  Status s = store.AddSource(no_scope);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.field(), "scope");
  SourceRecord long_text = Record("gate-2", 1000);
  long_text.source.description = std::string(1 << 20, 'd');
  EXPECT_EQ(store.AddSource(long_text).field(), "description");
  model::RegistryData survey;
  survey.sources = {no_scope.source};
  EXPECT_EQ(made_.registry->WriteRegistry(survey, RegistryWriteMode::kUpsert).status().code(),
            StatusCode::kInvalidArgument);
  auto registry = made_.registry->LoadRegistry();
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  EXPECT_TRUE(registry->sources.empty());
  EXPECT_TRUE(store.LoadSources()->empty());
}

TEST_P(SourceStoreConformance, SourcesLoadInIdOrder) {
  SourceStore& store = *made_.sources;
  ASSERT_TRUE(store.AddSource(Record("b", 1)).ok());
  ASSERT_TRUE(store.AddSource(Record("a", 2)).ok());
  auto sources = store.LoadSources();
  ASSERT_TRUE(sources.ok()) << sources.status().ToString();
  ASSERT_EQ(sources->size(), 2u);
  EXPECT_EQ((*sources)[0].source.id.str(), "a");
  EXPECT_EQ((*sources)[1].source.id.str(), "b");
}

}  // namespace
}  // namespace pg::store::conformance
