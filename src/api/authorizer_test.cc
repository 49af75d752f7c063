#include "api/authorizer.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace pg::api {
namespace {

TEST(StaticKeyAuthorizer, AcceptsKnownKeysInTheirRoleOnly) {
  std::string op = StaticKeyAuthorizer::NewKey();
  std::string ctl = StaticKeyAuthorizer::NewKey();
  EXPECT_EQ(op.size(), 64u);
  EXPECT_NE(op, ctl);
  StaticKeyAuthorizer auth({StaticKeyAuthorizer::KeyFor("ops-1", Role::kTrafficCentre, op),
                            StaticKeyAuthorizer::KeyFor("VMS-01", Role::kController, ctl)});
  auto who = auth.Authorize("Bearer " + op, Role::kTrafficCentre);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->id, "ops-1");
  EXPECT_EQ(who->role, Role::kTrafficCentre);
  EXPECT_EQ(auth.Authorize("Bearer " + op, {Role::kAdmin, Role::kTrafficCentre})->id, "ops-1");
  EXPECT_EQ(auth.Authorize("bearer  " + ctl + " ", Role::kController)->id, "VMS-01");
  auto wrong = auth.Authorize("Bearer " + ctl, {Role::kTrafficCentre, Role::kAdmin});
  EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(wrong.status().message(),
            "key 'VMS-01' has role 'controller'; this needs role traffic_centre or admin");
  EXPECT_EQ(auth.Authorize("Bearer nope", Role::kTrafficCentre).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Authorize("", Role::kTrafficCentre).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Authorize(op, Role::kTrafficCentre).status().code(), StatusCode::kUnauthenticated);
}

TEST(Roles, NamesParseBackAndSetsSayWhoTheyAdmit) {
  for (Role r : {Role::kOperator, Role::kTrafficCentre, Role::kAdmin, Role::kController}) {
    EXPECT_EQ(ParseRole(Name(r)), r);
  }
  EXPECT_EQ(ParseRole("public"), std::nullopt);
  RoleSet writers{Role::kOperator, Role::kTrafficCentre};
  EXPECT_TRUE(writers.Contains(Role::kOperator));
  EXPECT_FALSE(writers.Contains(Role::kAdmin));
  EXPECT_EQ(writers.ToString(), "operator or traffic_centre");
  EXPECT_EQ(RoleSet(Role::kAdmin).ToString(), "admin");
  EXPECT_TRUE(RoleSet().empty());
}

TEST(StaticKeyAuthorizer, ReadsTheKeyFileAndNamesTheBadLine) {
  testing::TempDir dir;
  std::string key = StaticKeyAuthorizer::NewKey();
  std::string path = dir.File("keys.txt");
  {
    std::ofstream out(path);
    out << "# operators and controllers\n\n"
        << StaticKeyAuthorizer::FileLine(
               StaticKeyAuthorizer::KeyFor("ops-1", Role::kTrafficCentre, key))
        << "   # the duty officer\n";
  }
  auto auth = StaticKeyAuthorizer::FromFile(path);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ((*auth)->size(), 1u);
  EXPECT_TRUE((*auth)->Authorize("Bearer " + key, Role::kTrafficCentre).ok());

  std::ofstream(path, std::ios::app) << "ops-2 superuser 00\n";
  auto bad = StaticKeyAuthorizer::FromFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("keys.txt:4: role 'superuser'"), std::string::npos)
      << bad.status().message();
  EXPECT_EQ(StaticKeyAuthorizer::FromFile(dir.File("missing.txt")).status().code(),
            StatusCode::kUnavailable);
}

// Before car-park operators had keys, the traffic centre's role was called "operator": old key
// files keep working, read as traffic_centre.
TEST(StaticKeyAuthorizer, TheOldOperatorRoleOfKeyFilesIsTheTrafficCentre) {
  testing::TempDir dir;
  std::string key = StaticKeyAuthorizer::NewKey();
  std::string line =
      StaticKeyAuthorizer::FileLine(StaticKeyAuthorizer::KeyFor("duty", Role::kTrafficCentre, key));
  line.replace(line.find("traffic_centre"), std::string("traffic_centre").size(), "operator");
  std::ofstream(dir.File("keys.txt")) << line << "\n";
  auto auth = StaticKeyAuthorizer::FromFile(dir.File("keys.txt"));
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  auto who = (*auth)->Authorize("Bearer " + key, Role::kTrafficCentre);
  ASSERT_TRUE(who.ok()) << who.status().ToString();
  EXPECT_EQ(who->role, Role::kTrafficCentre);
  EXPECT_EQ((*auth)->Authorize("Bearer " + key, Role::kOperator).status().code(),
            StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace pg::api
