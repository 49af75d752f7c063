// TempDir: a fresh directory for one test, removed with everything in it at the end.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace pg::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("parkguide-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The directory of the public datasets (../shared/data, or $PARKGUIDE_SHARED_DATA), or empty when
// it is absent (also when $PARKGUIDE_SHARED_DATA names no directory); tests that need it skip with
// a message saying so, and a skip fails the run in CI (tests/support/test_main.cc).
inline std::string SharedDataDir() {
  if (const char* env = std::getenv("PARKGUIDE_SHARED_DATA")) {
    return std::filesystem::is_directory(env) ? std::string(env) : std::string();
  }
#ifdef PG_SHARED_DATA_DIR
  std::filesystem::path p(PG_SHARED_DATA_DIR);
  if (std::filesystem::is_directory(p)) return std::filesystem::canonical(p).string();
#endif
  return {};
}

}  // namespace pg::testing
