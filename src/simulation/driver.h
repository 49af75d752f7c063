// The simulated driver's decisions, as pure functions over what the driver knows, so each rule is
// tested alone (driver_test.cc): where a driver without guidance heads next, what it makes of a
// guidance sign, and when a fresh guidance answer changes its mind (docs/simulation.md
// "Policies").
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "signs/content.h"
#include "simulation/guide_adapter.h"
#include "simulation/sim_city.h"

namespace pg::simulation {

struct DriverParams {
  double max_walk_m = 800;  // a driver considers facilities this near its destination
  // A facility found (or shown) full is avoided for this long; after it, circling drivers try
  // it again.
  int64_t full_memory_ms = 10 * 60'000;
  // Guidance: ask again every requery_ms while driving; switch when the chosen facility's
  // P(free) falls below p_free_floor (and the best is likelier), or the best option is cheaper
  // by more than switch_gain_ms.
  int64_t requery_ms = 60'000;
  double p_free_floor = 0.3;
  int64_t switch_gain_ms = 60'000;
};

// What one driver knows and remembers.
struct DriverMemory {
  LatLon dest;
  std::vector<int> known;  // facility indices, nearest to the destination first
  std::unordered_map<int, int64_t> full_seen_ms;  // facility → when found or shown full

  bool Knows(int f) const;
  // Adds `f` to `known`, keeping the order by distance to the destination.
  void Learn(const SimCity& city, int f);
  bool RecentlyFull(int f, int64_t now_ms, const DriverParams& p) const;
};

// The next facility for a driver without guidance: the known facility nearest the destination
// (within max_walk_m; the nearest three known when none is) that is not `current` and not
// recently found full; when all are, the one found full longest ago (circling back). -1 when
// the driver knows none.
int NextKnownTarget(const SimCity& city, const DriverMemory& memory, int current, int64_t now_ms,
                    const DriverParams& p);

// Reads one sign: facilities a line shows FULL are remembered as full; a facility shown with
// spaces (a count or FEW) within max_walk_m of the destination is learned. Returns the facility
// the driver should now head for: the nearest to the destination of those the sign shows with
// spaces, when nearer than `current` or when the sign shows `current` full; else the next known
// one when the sign shows `current` full; else `current` (also when `current` was found full
// before: a driver circling back to it keeps going).
int ReadSign(const SimCity& city, const model::Sign& sign, const signs::SignContent& content,
             DriverMemory& memory, int current, int64_t now_ms, const DriverParams& p);

// The first option not recently found full; -1 when there is none.
int FirstUsable(const std::vector<GuideOption>& options, const DriverMemory& memory, int64_t now_ms,
                const DriverParams& p);

// Whether a fresh guidance answer changes a driver heading for `current`: the new target, or
// `current`. It changes when `current` is no longer among the options (ranked out or excluded),
// when its P(free) fell below p_free_floor and the best is likelier, or when the best is cheaper
// by more than switch_gain_ms.
int GuidanceSwitch(const std::vector<GuideOption>& options, int current, const DriverMemory& memory,
                   int64_t now_ms, const DriverParams& p);

}  // namespace pg::simulation
