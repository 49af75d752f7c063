// Damage to files as a failing disk or a careless hand does it, for recovery tests.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

namespace pg::testing {

// Flips bits of the byte at `offset` (XOR `mask`).
inline void FlipByte(const std::string& path, uint64_t offset, char mask = 0x10) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ mask));
}

// Writes `bytes` over the file from `offset` on (a zeroed block, a stray header).
inline void Overwrite(const std::string& path, uint64_t offset, std::string_view bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace pg::testing
