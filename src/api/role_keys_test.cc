#include "api/role_keys.h"

#include <gtest/gtest.h>

#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::api {
namespace {

class RoleKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *store::OpenSqliteStore(dir_.File("city.db"));
    file_key_ = StaticKeyAuthorizer::NewKey();
    ring_ = std::make_unique<RoleKeyRing>(
        clock_, std::make_unique<StaticKeyAuthorizer>(std::vector{
                    StaticKeyAuthorizer::KeyFor("desk", Role::kTrafficCentre, file_key_)}));
  }
  void Reload() { ring_->Load(*store_->LoadApiKeys()); }
  Result<Principal> As(const std::string& key, RoleSet roles) {
    return ring_->Authorize("Bearer " + key, roles);
  }
  static bool Exists(std::string_view f) { return f == "F1" || f == "F2"; }

  testing::TempDir dir_;
  FakeClock clock_{FromUnixMillis(1'800'000'000'000)};
  std::unique_ptr<store::Store> store_;
  std::string file_key_;
  std::unique_ptr<RoleKeyRing> ring_;
};

TEST_F(RoleKeysTest, AStoredKeyActsInItsRoleWithItsFacilities) {
  auto acme = AddRoleKey(*store_, {"acme", Role::kOperator, {"F1"}}, Exists, clock_.Now());
  ASSERT_TRUE(acme.ok()) << acme.status().ToString();
  EXPECT_TRUE(acme->key.starts_with("pgk_"));
  EXPECT_EQ(acme->key.find(acme->record.key_hash), std::string::npos);
  Reload();
  auto who = As(acme->key, {Role::kOperator, Role::kTrafficCentre});
  ASSERT_TRUE(who.ok()) << who.status().ToString();
  EXPECT_EQ(who->id, "acme");
  EXPECT_EQ(who->role, Role::kOperator);
  EXPECT_EQ(who->facilities, (std::vector<std::string>{"F1"}));
  EXPECT_EQ(As(acme->key, Role::kTrafficCentre).status().code(), StatusCode::kPermissionDenied);
  // The file's keys answer beside the stored ones.
  EXPECT_EQ(As(file_key_, Role::kTrafficCentre)->id, "desk");
  // A wrong secret with a known id is not known.
  std::string wrong = acme->key;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(As(wrong, Role::kOperator).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(RoleKeysTest, AddingChecksTheNameTheRoleAndTheFacilities) {
  auto no_facilities = AddRoleKey(*store_, {"acme", Role::kOperator, {}}, Exists, clock_.Now());
  EXPECT_EQ(no_facilities.status().field(), "facilities");
  auto unknown = AddRoleKey(*store_, {"acme", Role::kOperator, {"F9"}}, Exists, clock_.Now());
  EXPECT_EQ(unknown.status().field(), "facilities");
  EXPECT_NE(unknown.status().message().find("F9"), std::string::npos);
  auto admin_with = AddRoleKey(*store_, {"root", Role::kAdmin, {"F1"}}, Exists, clock_.Now());
  EXPECT_EQ(admin_with.status().field(), "facilities");
  auto bad_name = AddRoleKey(*store_, {"a b", Role::kAdmin, {}}, Exists, clock_.Now());
  EXPECT_EQ(bad_name.status().field(), "name");
  ASSERT_TRUE(AddRoleKey(*store_, {"root", Role::kAdmin, {}}, Exists, clock_.Now()).ok());
  EXPECT_EQ(AddRoleKey(*store_, {"root", Role::kAdmin, {}}, Exists, clock_.Now()).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_TRUE(store_->LoadApiKeys()->size() == 1);
}

TEST_F(RoleKeysTest, ARotatedKeyWorksBesideTheNewOneUntilTheOverlapEnds) {
  auto old_key = AddRoleKey(*store_, {"duty", Role::kTrafficCentre, {}}, Exists, clock_.Now());
  ASSERT_TRUE(old_key.ok());
  auto new_key = RotateRoleKey(*store_, "duty", clock_.Now(), std::chrono::hours(24));
  ASSERT_TRUE(new_key.ok()) << new_key.status().ToString();
  EXPECT_NE(new_key->key, old_key->key);
  Reload();
  EXPECT_EQ(As(old_key->key, Role::kTrafficCentre)->id, "duty");
  EXPECT_EQ(As(new_key->key, Role::kTrafficCentre)->id, "duty");
  clock_.Advance(std::chrono::hours(24));
  auto ended = As(old_key->key, Role::kTrafficCentre);
  EXPECT_EQ(ended.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(ended.status().message().find("replaced by a rotation"), std::string::npos)
      << ended.status().message();
  EXPECT_TRUE(As(new_key->key, Role::kTrafficCentre).ok());
  EXPECT_EQ(
      RotateRoleKey(*store_, "duty", clock_.Now(), std::chrono::hours(24 * 31)).status().field(),
      "overlap");
  EXPECT_EQ(RotateRoleKey(*store_, "nobody", clock_.Now(), std::chrono::hours(1)).status().code(),
            StatusCode::kNotFound);
}

TEST_F(RoleKeysTest, ARevokedKeyStopsAtTheNextLoad) {
  auto key = AddRoleKey(*store_, {"duty", Role::kTrafficCentre, {}}, Exists, clock_.Now());
  Reload();
  ASSERT_TRUE(As(key->key, Role::kTrafficCentre).ok());
  ASSERT_TRUE(store_->RevokeApiKey("duty", clock_.Now()).ok());
  Reload();
  EXPECT_EQ(As(key->key, Role::kTrafficCentre).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(RoleKeysTest, AnUnknownKeyReloadsAtMostOnceASecond) {
  int reloads = 0;
  ring_->SetReloader([&] {
    ++reloads;
    Reload();
  });
  auto key = AddRoleKey(*store_, {"duty", Role::kTrafficCentre, {}}, Exists, clock_.Now());
  EXPECT_TRUE(As(key->key, Role::kTrafficCentre).ok()) << "added since the last load";
  EXPECT_EQ(reloads, 1);
  EXPECT_FALSE(As("pgk_0123456789ab_nope", Role::kTrafficCentre).ok());
  EXPECT_EQ(reloads, 1) << "not again within the second";
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_FALSE(As("pgk_0123456789ab_nope", Role::kTrafficCentre).ok());
  EXPECT_EQ(reloads, 2);
}

TEST_F(RoleKeysTest, ASourceKeyIsKnownButRefused) {
  ring_->SetOtherKeys([](std::string_view key) { return key == "pgk_0123456789ab_source"; });
  auto r = As("pgk_0123456789ab_source", Role::kTrafficCentre);
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("source key"), std::string::npos);
  EXPECT_EQ(As("pgk_0123456789ab_other", Role::kTrafficCentre).status().code(),
            StatusCode::kUnauthenticated);
}

TEST(RoleKeys, OverlapsAreWrittenWithTheirUnit) {
  EXPECT_EQ(*ParseOverlap("24h"), std::chrono::hours(24));
  EXPECT_EQ(*ParseOverlap("90s"), std::chrono::seconds(90));
  EXPECT_EQ(*ParseOverlap("30m"), std::chrono::minutes(30));
  EXPECT_EQ(*ParseOverlap("7d"), std::chrono::hours(24 * 7));
  EXPECT_EQ(*ParseOverlap("0"), std::chrono::seconds(0));
  for (const char* bad : {"", "h", "-1h", "31d", "1w", "1.5h"}) {
    EXPECT_EQ(ParseOverlap(bad).status().field(), "overlap") << bad;
  }
}

}  // namespace
}  // namespace pg::api
