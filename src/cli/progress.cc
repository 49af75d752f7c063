#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace pg::cli {

TerminalProgress::TerminalProgress(std::string command, bool quiet)
    : command_(std::move(command)), drawing_(!quiet && ::isatty(2) != 0) {}

TerminalProgress::~TerminalProgress() { Done(); }

void TerminalProgress::Done() {
  if (drawn_) std::fputc('\n', stderr);
  drawn_ = false;
  stage_.clear();
  last_percent_ = -1;
}

void TerminalProgress::Update(std::string_view stage, uint64_t done, uint64_t total) {
  if (!drawing_) return;
  const int percent =
      total == 0 ? -1 : static_cast<int>(std::min<uint64_t>(done, total) * 100 / total);
  if (stage == stage_ && percent == last_percent_) return;
  if (stage != stage_ && drawn_) std::fputc('\n', stderr);  // a finished stage keeps its line
  stage_ = std::string(stage);
  last_percent_ = percent;
  constexpr int kWidth = 30;
  if (percent < 0) {
    std::fprintf(stderr, "\r%s: %s … %llu", command_.c_str(), stage_.c_str(),
                 static_cast<unsigned long long>(done));
  } else {
    const int filled = percent * kWidth / 100;
    std::fprintf(stderr, "\r%s: %s [%s%s] %3d%%", command_.c_str(), stage_.c_str(),
                 std::string(filled, '#').c_str(), std::string(kWidth - filled, '-').c_str(),
                 percent);
  }
  drawn_ = true;
  std::fflush(stderr);
}

Progress TerminalProgress::Reporter() {
  if (!drawing_) return {};
  return
      [this](std::string_view stage, uint64_t done, uint64_t total) { Update(stage, done, total); };
}

}  // namespace pg::cli
