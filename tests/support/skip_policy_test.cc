// The skip policy's own test (tests/support/test_main.cc): a program whose test skips must fail
// when CI is set, and list the skip outside CI. tests/CMakeLists.txt runs this program both ways.
#include <gtest/gtest.h>

TEST(SkipPolicy, ATestThatCannotRunSkips) {
  GTEST_SKIP() << "the data this test needs is not here";
}
