#include "core/redact.h"

#include <gtest/gtest.h>

namespace pg {
namespace {

constexpr std::string_view kKey = "pgk_0123456789ab_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfG";
constexpr std::string_view kOperatorKey =
    "3f1c9a0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a";

std::string With(std::string_view before, std::string_view secret, std::string_view after) {
  return std::string(before) + std::string(secret) + std::string(after);
}

TEST(RedactSecrets, ReplacesTheRootKeyMemberOfAJsonPayload) {
  std::string payload = With(R"({"key": ")", kKey, R"(","observations":[{"seq":1}]})");
  EXPECT_EQ(RedactSecrets(payload), R"({"key": "[REDACTED]","observations":[{"seq":1}]})");
}

TEST(RedactSecrets, ReplacesNestedAndOddlyCasedSecretMembersWhateverTheirValue) {
  EXPECT_EQ(RedactSecrets(R"({"a":{"Key":"hunter2","b":[{"password" : 1234}]},"token":null})"),
            R"({"a":{"Key":"[REDACTED]","b":[{"password" : "[REDACTED]"}]},"token":"[REDACTED]"})");
  // A "key" naming something else (an object) keeps its members; their secrets go one by one.
  EXPECT_EQ(RedactSecrets(R"({"key":{"id":"x","secret":"s"}})"),
            R"({"key":{"id":"x","secret":"[REDACTED]"}})");
}

TEST(RedactSecrets, ReplacesAKeyInTruncatedOrBrokenJson) {
  // Cut inside the key's value: no closing quote, the rest is the secret.
  EXPECT_EQ(RedactSecrets(R"({"observations":[],"key":"some-secret-value-cut-sh)"),
            R"({"observations":[],"key":"[REDACTED]")");
  // Not JSON at all, a source key in it, even cut short.
  EXPECT_EQ(RedactSecrets(With("{not json ", kKey.substr(0, 30), "")), "{not json [REDACTED]");
  EXPECT_EQ(RedactSecrets(With("x=", kKey, " y")), "x=[REDACTED] y");
}

TEST(RedactSecrets, ReplacesAuthorizationHeadersAndBearerCredentials) {
  EXPECT_EQ(RedactSecrets("POST /x HTTP/1.1\r\nAuthorization: Bearer abc.def\r\nHost: h\r\n"),
            "POST /x HTTP/1.1\r\nAuthorization: [REDACTED]\r\nHost: h\r\n");
  EXPECT_EQ(RedactSecrets(R"({"headers":{"authorization":"Basic dXNlcjpwYXNz"}})"),
            R"({"headers":{"authorization":"[REDACTED]"}})");
  EXPECT_EQ(RedactSecrets("sent bearer tok_123/xyz= then"), "sent bearer [REDACTED] then");
}

TEST(RedactSecrets, ReplacesKeyShapesAnywhereInFreeText) {
  EXPECT_EQ(RedactSecrets(With("my key is ", kKey, ", use it")), "my key is [REDACTED], use it");
  EXPECT_EQ(RedactSecrets(With("operator ", kOperatorKey, ".")), "operator [REDACTED].");
  // Escaped JSON inside JSON (a payload quoted in a log line) still loses its key.
  EXPECT_EQ(RedactSecrets(With(R"("{\"key\":\")", kKey, R"(\"}")")),
            R"("{\"key\":\"[REDACTED]\"}")");
}

TEST(RedactSecrets, KeepsOrdinaryTextAndBytesAsTheyAre) {
  std::string text = R"({"observations":[{"facility":"F1","seq":12345678,"id":"deadbeef"}]})";
  EXPECT_EQ(RedactSecrets(text), text);
  std::string bytes = "caf\xc3\xa9 \xff\xfe keys: none";
  EXPECT_EQ(RedactSecrets(bytes), bytes);
  EXPECT_EQ(RedactSecrets(""), "");
  EXPECT_EQ(RedactSecrets(R"("key")"), R"("key")");
  EXPECT_EQ(RedactSecrets(R"({"key":)"), R"({"key":)");
}

}  // namespace
}  // namespace pg
