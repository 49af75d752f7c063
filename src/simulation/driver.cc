#include "simulation/driver.h"

#include <algorithm>

namespace pg::simulation {

bool DriverMemory::Knows(int f) const {
  return std::find(known.begin(), known.end(), f) != known.end();
}

void DriverMemory::Learn(const SimCity& city, int f) {
  if (Knows(f)) return;
  const double d = HaversineMeters(city.facilities[f].location, dest);
  auto it = std::find_if(known.begin(), known.end(), [&](int k) {
    return HaversineMeters(city.facilities[k].location, dest) > d;
  });
  known.insert(it, f);
}

bool DriverMemory::RecentlyFull(int f, int64_t now_ms, const DriverParams& p) const {
  auto it = full_seen_ms.find(f);
  return it != full_seen_ms.end() && now_ms - it->second < p.full_memory_ms;
}

int NextKnownTarget(const SimCity& city, const DriverMemory& memory, int current, int64_t now_ms,
                    const DriverParams& p) {
  std::vector<int> candidates;
  for (int f : memory.known) {
    if (HaversineMeters(city.facilities[f].location, memory.dest) <= p.max_walk_m) {
      candidates.push_back(f);
    }
  }
  if (candidates.empty()) {
    const size_t n = std::min<size_t>(memory.known.size(), 3);
    candidates.assign(memory.known.begin(), memory.known.begin() + static_cast<long>(n));
  }
  int oldest = -1;
  int64_t oldest_ms = INT64_MAX;
  for (int f : candidates) {
    if (f == current && candidates.size() > 1) continue;
    if (!memory.RecentlyFull(f, now_ms, p)) return f;
    const int64_t seen = memory.full_seen_ms.at(f);
    if (seen < oldest_ms) {
      oldest_ms = seen;
      oldest = f;
    }
  }
  return oldest;
}

int ReadSign(const SimCity& city, const model::Sign& sign, const signs::SignContent& content,
             DriverMemory& memory, int current, int64_t now_ms, const DriverParams& p) {
  int shown_best = -1;
  double shown_best_m = 1e18;
  bool shown_full_now = false;  // this sign shows `current` full
  for (size_t i = 0; i < sign.lines.size() && i < content.lines.size(); ++i) {
    const signs::LineContent& line = content.lines[i];
    const bool full = line.kind == signs::LineKind::kFull;
    const bool spaces = (line.kind == signs::LineKind::kCount && line.count > 0) ||
                        line.kind == signs::LineKind::kFew;
    for (const auto& id : sign.lines[i].facilities) {
      const int f = city.IndexOf(id.str());
      if (f < 0) continue;
      if (full && sign.lines[i].facilities.size() == 1) {
        memory.full_seen_ms[f] = now_ms;
        shown_full_now = shown_full_now || f == current;
      }
      if (!spaces) continue;
      const double d = HaversineMeters(city.facilities[f].location, memory.dest);
      if (d > p.max_walk_m) continue;
      memory.Learn(city, f);
      // A group line says only that the group has spaces: learned, not a target.
      if (sign.lines[i].facilities.size() == 1 && d < shown_best_m) {
        shown_best_m = d;
        shown_best = f;
      }
    }
  }
  // Only what this sign shows moves a driver off its target: one heading back to a facility it
  // found full earlier (all its choices were) keeps going, or two such facilities would swap at
  // every sign it passes.
  const bool current_full = shown_full_now;
  const double current_m =
      current >= 0 ? HaversineMeters(city.facilities[current].location, memory.dest) : 1e18;
  if (shown_best >= 0 && (current_full || shown_best_m < current_m)) return shown_best;
  if (current_full) {
    const int next = NextKnownTarget(city, memory, current, now_ms, p);
    return next >= 0 ? next : current;
  }
  return current;
}

int FirstUsable(const std::vector<GuideOption>& options, const DriverMemory& memory, int64_t now_ms,
                const DriverParams& p) {
  for (const auto& o : options) {
    if (!memory.RecentlyFull(o.facility, now_ms, p)) return o.facility;
  }
  return -1;
}

int GuidanceSwitch(const std::vector<GuideOption>& options, int current, const DriverMemory& memory,
                   int64_t now_ms, const DriverParams& p) {
  const GuideOption* best = nullptr;
  const GuideOption* mine = nullptr;
  for (const auto& o : options) {
    if (memory.RecentlyFull(o.facility, now_ms, p)) continue;
    if (best == nullptr) best = &o;
    if (o.facility == current) mine = &o;
  }
  if (best == nullptr || best->facility == current) return current;
  if (mine == nullptr) return best->facility;
  if (mine->p_free < p.p_free_floor && best->p_free > mine->p_free) return best->facility;
  if (best->total_ms < mine->total_ms - p.switch_gain_ms) return best->facility;
  return current;
}

}  // namespace pg::simulation
