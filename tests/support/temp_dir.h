// TempDir: a fresh directory for one test, removed with everything in it at the end.
#pragma once

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

// The directory of the public datasets (../shared/data), or empty when it is absent; tests that
// need it call GTEST_SKIP() with a message saying so.
inline std::string SharedDataDir() {
  if (const char* env = std::getenv("PARKGUIDE_SHARED_DATA")) return env;
#ifdef PG_SHARED_DATA_DIR
  std::filesystem::path p(PG_SHARED_DATA_DIR);
  if (std::filesystem::is_directory(p)) return std::filesystem::canonical(p).string();
#endif
  return {};
}

}  // namespace pg::testing
