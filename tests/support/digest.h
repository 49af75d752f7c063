// Digests for tests that pin an output byte for byte (a report, a generated city) without keeping
// the whole output beside the test.
//
//   EXPECT_EQ(digests, recorded) << pg::testing::DigestTable(digests);
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace pg::testing {

// FNV-1a 64 of `text` as 16 hex digits: the same on every run and machine.
inline std::string Digest(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

// Named digests as the lines of a C++ map initializer, {"name", "digest"}, for pasting into a
// test when an output changes on purpose.
inline std::string DigestTable(const std::map<std::string, std::string>& digests) {
  std::string table;
  for (const auto& [name, digest] : digests) {
    table += fmt::format("{{\"{}\", \"{}\"}},\n", name, digest);
  }
  return table;
}

}  // namespace pg::testing
