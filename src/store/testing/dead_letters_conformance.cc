// DeadLetterStore: letters load newest first, up to the limit, and never keep a credential.
#include <string>

#include "store/testing/conformance.h"

namespace pg::store::conformance {
namespace {

constexpr const char* kSourceKey = "pgk_0123456789ab_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfG";

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(DeadLetterStoreConformance);

TEST_P(DeadLetterStoreConformance, LettersAreStoredWithoutCredentials) {
  DeadLetter d;
  d.channel = "mqtt";
  d.topic = "parkguide/c/obs/gw";
  d.reason = "bad";
  d.payload = std::string(R"({"key":")") + kSourceKey + R"(","observations":[{"seq":1}]})";
  ASSERT_TRUE(store().AppendDeadLetter(d).ok());
  auto letters = store().LoadDeadLetters(10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].payload, R"({"key":"[REDACTED]","observations":[{"seq":1}]})");
  EXPECT_EQ((*letters)[0].channel, "mqtt");
  EXPECT_EQ((*letters)[0].topic, d.topic);
  EXPECT_EQ((*letters)[0].reason, "bad");
}

// A buggy feed's bytes are kept as they came, whatever they are: the letter is the evidence.
TEST_P(DeadLetterStoreConformance, LettersKeepBytesThatAreNotText) {
  DeadLetter d;
  d.channel = "http";
  d.topic = std::string("obs\xff", 4);
  d.reason = "not UTF-8";
  d.payload = std::string("{\"a\":\"\xc3\x28\0\x01\"}", 12);
  ASSERT_TRUE(store().AppendDeadLetter(d).ok());
  auto letters = store().LoadDeadLetters(1);
  ASSERT_TRUE(letters.ok()) << letters.status().ToString();
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].payload, d.payload);
  EXPECT_EQ((*letters)[0].topic, d.topic);
}

TEST_P(DeadLetterStoreConformance, LettersLoadNewestFirstUpToTheLimit) {
  for (int i = 1; i <= 3; ++i) {
    DeadLetter d;
    d.received = FromUnixMillis(int64_t{i} * 1000);
    d.channel = "mqtt";
    d.reason = "letter " + std::to_string(i);
    ASSERT_TRUE(store().AppendDeadLetter(d).ok());
  }
  auto letters = store().LoadDeadLetters(2);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 2u);
  EXPECT_EQ((*letters)[0].reason, "letter 3");
  EXPECT_EQ((*letters)[0].received, FromUnixMillis(3000));
  EXPECT_EQ((*letters)[1].reason, "letter 2");
  EXPECT_GT((*letters)[0].id, (*letters)[1].id);
}

}  // namespace
}  // namespace pg::store::conformance
