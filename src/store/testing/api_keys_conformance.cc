// ApiKeyStore: a name has one current generation; a rotation adds one and ends the others at the
// overlap's end; a revocation ends them all and forgets their hashes.
#include <string>

#include "store/testing/conformance.h"

namespace pg::store::conformance {
namespace {

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ApiKeyStoreConformance);

ApiKeyRecord Key(const char* name, const char* role, int64_t created_ms) {
  ApiKeyRecord r;
  r.name = name;
  r.role = role;
  r.key_hash = std::string("b2s1$hash-of-") + name;
  r.created = FromUnixMillis(created_ms);
  return r;
}

TEST_P(ApiKeyStoreConformance, AKeyIsAddedOnceWithItsRoleAndFacilities) {
  ApiKeyRecord acme = Key("acme", "operator", 1000);
  acme.facilities = {"F1", "F2"};
  auto added = store().AddApiKey(acme);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_GT(added->id, 0);
  auto again = store().AddApiKey(acme);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().field(), "name");
  ASSERT_TRUE(store().AddApiKey(Key("duty", "traffic_centre", 2000)).ok());
  auto keys = store().LoadApiKeys();
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 2u);
  const ApiKeyRecord& first = (*keys)[0];  // by name
  EXPECT_EQ(first.name, "acme");
  EXPECT_EQ(first.role, "operator");
  EXPECT_EQ(first.facilities, (std::vector<std::string>{"F1", "F2"}));
  EXPECT_EQ(first.key_hash, acme.key_hash);
  EXPECT_EQ(first.created, FromUnixMillis(1000));
  EXPECT_FALSE(first.expires.has_value());
  EXPECT_FALSE(first.revoked.has_value());
  EXPECT_TRUE(first.ValidAt(FromUnixMillis(5000)));
  EXPECT_EQ((*keys)[1].name, "duty");
  EXPECT_TRUE((*keys)[1].facilities.empty());
}

TEST_P(ApiKeyStoreConformance, ARotationKeepsTheOldKeyValidUntilTheOverlapEnds) {
  ApiKeyRecord acme = Key("acme", "operator", 1000);
  acme.facilities = {"F1"};
  ASSERT_TRUE(store().AddApiKey(acme).ok());
  auto next =
      store().RotateApiKey("acme", "b2s1$new", FromUnixMillis(10'000), FromUnixMillis(20'000));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->role, "operator");
  EXPECT_EQ(next->facilities, (std::vector<std::string>{"F1"}));
  EXPECT_EQ(next->key_hash, "b2s1$new");
  EXPECT_EQ(next->created, FromUnixMillis(10'000));
  auto keys = *store().LoadApiKeys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].expires, FromUnixMillis(20'000));
  EXPECT_EQ(keys[0].key_hash, acme.key_hash);
  EXPECT_TRUE(keys[0].ValidAt(FromUnixMillis(19'999)));
  EXPECT_FALSE(keys[0].ValidAt(FromUnixMillis(20'000)));
  EXPECT_EQ(keys[1].id, next->id);
  EXPECT_FALSE(keys[1].expires.has_value());
  // A second rotation without overlap (the new key leaked too) ends both older ones at once.
  ASSERT_TRUE(
      store()
          .RotateApiKey("acme", "b2s1$third", FromUnixMillis(12'000), FromUnixMillis(12'000))
          .ok());
  keys = *store().LoadApiKeys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].expires, FromUnixMillis(12'000));
  EXPECT_EQ(keys[1].expires, FromUnixMillis(12'000));
  EXPECT_FALSE(keys[2].expires.has_value());
  EXPECT_EQ(
      store().RotateApiKey("nobody", "x", FromUnixMillis(0), FromUnixMillis(0)).status().code(),
      StatusCode::kNotFound);
}

TEST_P(ApiKeyStoreConformance, ARevocationEndsEveryGenerationAndForgetsTheHashes) {
  ASSERT_TRUE(store().AddApiKey(Key("duty", "traffic_centre", 1000)).ok());
  ASSERT_TRUE(
      store().RotateApiKey("duty", "b2s1$new", FromUnixMillis(2000), FromUnixMillis(9000)).ok());
  auto revoked = store().RevokeApiKey("duty", FromUnixMillis(3000));
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(*revoked, 2);
  auto keys = store().LoadApiKeys();
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  for (const auto& k : *keys) {
    EXPECT_EQ(k.revoked, FromUnixMillis(3000));
    EXPECT_TRUE(k.key_hash.empty());
    EXPECT_FALSE(k.ValidAt(FromUnixMillis(2500)));
  }
  EXPECT_EQ(store().RevokeApiKey("duty", FromUnixMillis(4000)).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(
      store().RotateApiKey("duty", "x", FromUnixMillis(4000), FromUnixMillis(4000)).status().code(),
      StatusCode::kNotFound);
  // The name is free again.
  EXPECT_TRUE(store().AddApiKey(Key("duty", "admin", 5000)).ok());
}

}  // namespace
}  // namespace pg::store::conformance
