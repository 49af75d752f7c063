// Background work runs at a lower priority than the work people wait for: ingest, guidance and
// the event streams keep the cores when a report, a forecast retraining or an expensive read
// wants them too (on two cores, a weekly report at normal priority held ingest's p99 at seconds:
// docs/benchmarks.md, "Soak").
//
//   std::thread([&] { LowerThisThreadsPriority(kBackgroundNice); … });
//
// Thread-safety: acts on the calling thread only.
#pragma once

namespace pg {

// The nice value of expensive reads (the HTTP worker pool) and of periodic background work.
inline constexpr int kBackgroundNice = 10;
// The nice value of work nobody waits for: the weekly report.
inline constexpr int kIdleNice = 19;

// Sets the calling thread's nice value to `nice` (on Linux a nice value is per thread; raising
// one's own needs no privilege). Returns whether it took effect; a failure is harmless (the
// thread runs at its old priority) and is logged at debug level.
bool LowerThisThreadsPriority(int nice);

}  // namespace pg
