// Progress on a terminal for the long commands (import-osm, build-roads, replay): one line on
// stderr, redrawn in place — "build-roads: contract car [#########---------]  47%". Quiet when
// stderr is not a terminal (logs and pipes stay clean) and with --quiet.
//
//   TerminalProgress bar("replay", o.quiet);
//   ReplayToHistory(..., bar.Reporter());
//
// Thread-safety: one working thread reports at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/progress.h"

namespace pg::cli {

class TerminalProgress {
 public:
  // Draws only when stderr is a terminal and `quiet` is false.
  TerminalProgress(std::string command, bool quiet);
  ~TerminalProgress();  // ends the line it drew, if any
  TerminalProgress(const TerminalProgress&) = delete;
  TerminalProgress& operator=(const TerminalProgress&) = delete;

  void Update(std::string_view stage, uint64_t done, uint64_t total);
  // Ends the line drawn so far, before the command prints what it did.
  void Done();
  // A Progress that draws on this bar; empty when the bar stays quiet.
  Progress Reporter();

 private:
  std::string command_;
  bool drawing_;
  std::string stage_;
  int last_percent_ = -1;
  bool drawn_ = false;
};

}  // namespace pg::cli
