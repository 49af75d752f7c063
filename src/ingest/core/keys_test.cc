#include "ingest/core/keys.h"

#include <gtest/gtest.h>

#include <set>

namespace pg::ingest {
namespace {

TEST(Keys, IssuedKeyVerifiesAndTheStoredFormHoldsNoSecret) {
  IssuedKey k = IssueKey();
  EXPECT_TRUE(k.key.starts_with("pgk_"));
  EXPECT_TRUE(k.stored.starts_with("b2s1$"));
  EXPECT_TRUE(VerifyKey(k.key, k.stored));
  std::string secret = k.key.substr(k.key.rfind('_') + 1);
  EXPECT_EQ(k.stored.find(secret), std::string::npos);
  EXPECT_EQ(KeyIdOf(k.key), KeyIdOf(k.stored));
}

TEST(Keys, AnyChangedCharacterFailsVerification) {
  IssuedKey k = IssueKey();
  for (size_t i = 0; i < k.key.size(); ++i) {
    std::string bad = k.key;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(VerifyKey(bad, k.stored)) << "position " << i;
  }
  EXPECT_FALSE(VerifyKey(k.key + "x", k.stored));
  EXPECT_FALSE(VerifyKey(k.key, IssueKey().stored));
}

TEST(Keys, KeysAndSaltsAreUnique) {
  std::set<std::string> keys;
  std::set<std::string> stored;
  for (int i = 0; i < 50; ++i) {
    IssuedKey k = IssueKey();
    keys.insert(k.key);
    stored.insert(k.stored.substr(0, k.stored.rfind('$')));  // id and salt
  }
  EXPECT_EQ(keys.size(), 50u);
  EXPECT_EQ(stored.size(), 50u);
}

}  // namespace
}  // namespace pg::ingest
