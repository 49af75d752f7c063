// The main of every GoogleTest program of parkguide. Beside running the tests it makes skips
// impossible to miss: each skipped test is listed with its reason at the end, and when the
// environment variable CI is set (.ci/run sets it) a skip fails the program — in CI every test
// must run, so a real-data, browser or broker test that cannot run is a failure, never a pass.
// Outside CI the program passes, and CTest shows it as skipped (pg_test's
// SKIP_REGULAR_EXPRESSION), not as passed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

bool InCi() {
  const char* ci = std::getenv("CI");
  if (!ci) return false;
  std::string v = ci;
  return !v.empty() && v != "0" && v != "false";
}

// Collects every skipped test with the message it gave.
class SkipCollector final : public ::testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const ::testing::TestInfo& info) override {
    const ::testing::TestResult* r = info.result();
    if (!r->Skipped()) return;
    std::string why;
    for (int i = 0; i < r->total_part_count(); ++i) {
      const auto& part = r->GetTestPartResult(i);
      if (part.skipped() && part.message()) why = part.message();
    }
    skipped_.push_back(std::string(info.test_suite_name()) + "." + info.name() + ": " + why);
  }
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  std::vector<std::string> skipped_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto* collector = new SkipCollector;  // owned by the listener list
  ::testing::UnitTest::GetInstance()->listeners().Append(collector);
  int result = RUN_ALL_TESTS();
  if (collector->skipped().empty()) return result;
  std::fprintf(stderr, "\n%zu test(s) SKIPPED:\n", collector->skipped().size());
  for (const auto& s : collector->skipped()) std::fprintf(stderr, "  %s\n", s.c_str());
  if (InCi()) {
    std::fprintf(stderr,
                 "CI is set: a test that cannot run fails the run (install what it needs, "
                 "or provide ../shared/data)\n");
    return 1;
  }
  return result;
}
