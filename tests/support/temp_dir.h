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
// it is absent; tests that need it skip with a message saying so (PG_SKIP_OR_FAIL_WITHOUT_DATA
// fails instead in CI).
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

// Whether a missing data set fails a test instead of skipping it: in CI (the environment variable
// CI set, and not to "", "0" or "false" — .ci/run sets it), where ../shared/data is always laid
// beside the clone, so a skip could only hide a broken path and let the real-data tests pass
// without running.
inline bool SharedDataRequired() {
  const char* ci = std::getenv("CI");
  if (ci == nullptr) return false;
  const std::string value = ci;
  return !value.empty() && value != "0" && value != "false";
}

}  // namespace pg::testing

// In a test body or SetUp, where a data set is missing: skips the test with `why`, or fails it in
// CI (SharedDataRequired).
#define PG_SKIP_OR_FAIL_WITHOUT_DATA(why)                                              \
  do {                                                                                 \
    if (::pg::testing::SharedDataRequired()) {                                         \
      FAIL() << (why) << " — and CI requires it (the CI environment variable is set)"; \
    }                                                                                  \
    GTEST_SKIP() << (why);                                                             \
  } while (0)
