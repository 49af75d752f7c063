#include "core/status.h"

#include <gtest/gtest.h>

namespace pg {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return InvalidArgument("must be even", "v");
  return v / 2;
}

Result<int> Quarter(int v) {
  PG_ASSIGN_OR_RETURN(int h, Half(v));
  PG_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(Status, CarriesCodeMessageAndField) {
  Status s = InvalidArgument("must be >= 0", "capacity");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "capacity");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: capacity: must be >= 0");
  EXPECT_EQ(s.WithContext("f.csv:3").message(), "f.csv:3: must be >= 0");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(Result, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);  // 6/2 = 3 is odd
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "v");
  EXPECT_EQ(Quarter(5).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pg
