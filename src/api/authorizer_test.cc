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
  StaticKeyAuthorizer auth({StaticKeyAuthorizer::KeyFor("ops-1", Role::kOperator, op),
                            StaticKeyAuthorizer::KeyFor("VMS-01", Role::kController, ctl)});
  auto who = auth.Authorize("Bearer " + op, Role::kOperator);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->id, "ops-1");
  EXPECT_EQ(auth.Authorize("bearer  " + ctl + " ", Role::kController)->id, "VMS-01");
  EXPECT_EQ(auth.Authorize("Bearer " + ctl, Role::kOperator).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(auth.Authorize("Bearer nope", Role::kOperator).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Authorize("", Role::kOperator).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Authorize(op, Role::kOperator).status().code(), StatusCode::kUnauthenticated);
}

TEST(StaticKeyAuthorizer, ReadsTheKeyFileAndNamesTheBadLine) {
  testing::TempDir dir;
  std::string key = StaticKeyAuthorizer::NewKey();
  std::string path = dir.File("keys.txt");
  {
    std::ofstream out(path);
    out << "# operators and controllers\n\n"
        << StaticKeyAuthorizer::FileLine(StaticKeyAuthorizer::KeyFor("ops-1", Role::kOperator, key))
        << "   # the duty officer\n";
  }
  auto auth = StaticKeyAuthorizer::FromFile(path);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ((*auth)->size(), 1u);
  EXPECT_TRUE((*auth)->Authorize("Bearer " + key, Role::kOperator).ok());

  std::ofstream(path, std::ios::app) << "ops-2 admin 00\n";
  auto bad = StaticKeyAuthorizer::FromFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("keys.txt:4: role 'admin'"), std::string::npos)
      << bad.status().message();
  EXPECT_EQ(StaticKeyAuthorizer::FromFile(dir.File("missing.txt")).status().code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace pg::api
