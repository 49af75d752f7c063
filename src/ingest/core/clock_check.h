// ClockCheck: whether this server's clock looks wrong, judged from what its sources send. The live
// rules trust the server's clock (staleness, "more than 300 s in the future"), so a clock stepped
// back refuses every source's observations and a clock stepped ahead turns every facility
// unknown. Both are safe (nothing stale is shown as live) but dark; this says why on /health.
//
//   if (auto s = SuspectServerClock(*live.Snapshot(), ingest.FutureRefusals(), clock.Now()))
//     problems.push_back({"clock", s->kind == ClockSuspicion::Kind::kBehind ? "behind" : "ahead",
//                         s->message});
//
// One source alone is that source's clock (its refusals and lag show in its own health); the
// server's clock is suspected only when several sources agree.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "core/time.h"
#include "state/live_state.h"

namespace pg::ingest {

// A source's newest batch refused for a time too far ahead of the server's clock.
struct FutureRefusal {
  std::string source;
  Timestamp at;        // when it was refused (server time)
  Milliseconds ahead;  // how far its latest item was ahead of the server's clock
};

struct ClockSuspicion {
  enum class Kind { kBehind, kAhead };
  Kind kind = Kind::kBehind;
  int sources = 0;      // how many agree
  Milliseconds by{0};   // the median amount
  std::string message;  // one line for people
};

// The server's clock is suspected to be
// - behind when at least two sources had observations refused as too far in the future within
//   the last 5 minutes;
// - ahead when at least two sources, and at least half of those heard from in the last 2
//   minutes, send observations that are more than 10 minutes older than the server's clock.
// nullopt otherwise.
std::optional<ClockSuspicion> SuspectServerClock(const state::LiveSnapshot& live,
                                                 std::span<const FutureRefusal> refusals,
                                                 Timestamp now);

}  // namespace pg::ingest
