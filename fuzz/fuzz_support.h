// What the fuzzers of fuzz/ share (docs/fuzzing.md): the input as text, a split at the first line
// for inputs of two parts, a scratch file for parsers that read a path, and a check that turns a
// broken property into a crash libFuzzer keeps.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

namespace pg::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// ("first line", "the rest") at the first '\n'; ("", text) without one.
inline std::pair<std::string_view, std::string_view> SplitFirstLine(std::string_view text) {
  size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return {{}, text};
  return {text.substr(0, nl), text.substr(nl + 1)};
}

// Aborts (a crash libFuzzer reports with its input) when a property of a parser does not hold.
inline void Check(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz property broken: %s\n", what);
  std::abort();
}

// A file named `name` ("a.osm", "0/bays.csv") in a directory of this process (under $TMPDIR,
// else /tmp), holding `bytes`: for parsers that read a path. The directory is removed when the
// process ends.
inline std::string ScratchFile(std::string_view name, std::string_view bytes) {
  struct Dir {
    std::filesystem::path path;
    Dir() {
      const char* tmp = std::getenv("TMPDIR");
      path = std::filesystem::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
             ("pg-fuzz-" + std::to_string(::getpid()));
      std::filesystem::create_directories(path);
    }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static Dir dir;
  const std::filesystem::path file = dir.path / std::string(name);
  std::filesystem::create_directories(file.parent_path());
  const std::string path = file.string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  Check(static_cast<bool>(out.flush()), "the scratch file can be written");
  return path;
}

}  // namespace pg::fuzz
