// Progress of long work (an import, a graph build, a replay), reported to whoever watches: the
// command line's bar on a terminal, or nobody. A stage reports `done` of `total` in its own units
// (bytes read, nodes contracted, rows written); `total` 0 when unknown. Reports come from the
// working thread, often: a watcher keeps them cheap.
//
//   void Build(..., const Progress& progress) { ReportProgress(progress, "contract car", i, n); }
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace pg {

using Progress = std::function<void(std::string_view stage, uint64_t done, uint64_t total)>;

inline void ReportProgress(const Progress& progress, std::string_view stage, uint64_t done,
                           uint64_t total) {
  if (progress) progress(stage, done, total);
}

}  // namespace pg
