#include "forecast/series.h"

#include <date/tz.h>

#include <algorithm>

namespace pg::forecast {

GridStats& GridStats::operator+=(const GridStats& o) {
  samples += o.samples;
  duplicates += o.duplicates;
  above_capacity += o.above_capacity;
  negative += o.negative;
  frozen += o.frozen;
  return *this;
}

int GridSeries::Capacity(int64_t slot) const {
  if (capacity.empty()) return 0;
  int64_t i = std::clamp<int64_t>(slot - first_slot, 0, static_cast<int64_t>(capacity.size()) - 1);
  if (capacity[i] > 0) return capacity[i];
  for (int64_t j = i; j < static_cast<int64_t>(capacity.size()); ++j) {
    if (capacity[j] > 0) return capacity[j];
  }
  return 0;
}

namespace {

struct Point {
  int64_t ms;
  float share;
  int32_t capacity;
};

// Sorted by time; of two samples at one instant the later line wins (a re-sent reading).
std::vector<Sample> SortedUnique(std::vector<Sample> samples, GridStats& stats) {
  std::stable_sort(samples.begin(), samples.end(),
                   [](const Sample& a, const Sample& b) { return a.time < b.time; });
  std::vector<Sample> unique;
  unique.reserve(samples.size());
  for (const Sample& s : samples) {
    if (!unique.empty() && unique.back().time == s.time) {
      unique.back() = s;
      ++stats.duplicates;
    } else {
      unique.push_back(s);
    }
  }
  return unique;
}

// What frozen runs (identical counts lasting at least `frozen_after`: an outage, not data) take
// out. Scoring may use hindsight, so `observed` drops every sample of such a run; a live
// forecaster learns a run is frozen only once it has lasted `frozen_after`, so `usable` keeps
// the run's samples until then — forecasts never depend on what came after their origin.
struct FrozenMasks {
  std::vector<uint8_t> observed;
  std::vector<uint8_t> usable;
};
FrozenMasks MaskFrozenRuns(const std::vector<Sample>& unique, Minutes frozen_after,
                           GridStats& stats) {
  FrozenMasks m{std::vector<uint8_t>(unique.size(), 1), std::vector<uint8_t>(unique.size(), 1)};
  if (frozen_after.count() <= 0) return m;
  size_t i = 0;
  while (i < unique.size()) {
    size_t j = i;
    while (j + 1 < unique.size() && unique[j + 1].occupied == unique[i].occupied) ++j;
    if (unique[j].time - unique[i].time >= frozen_after) {
      for (size_t k = i; k <= j; ++k) {
        m.observed[k] = 0;
        if (unique[k].time - unique[i].time >= frozen_after) m.usable[k] = 0;
      }
      stats.frozen += static_cast<int64_t>(j - i + 1);
    }
    i = j + 1;
  }
  return m;
}

// The kept samples as shares of capacity, clamped to 0..1 (counted in `stats` when given).
std::vector<Point> ToPoints(const std::vector<Sample>& unique, const std::vector<uint8_t>& keep,
                            GridStats* stats) {
  std::vector<Point> pts;
  pts.reserve(unique.size());
  for (size_t i = 0; i < unique.size(); ++i) {
    if (!keep[i]) continue;
    const Sample& s = unique[i];
    int occ = s.occupied;
    if (occ > s.capacity) {
      if (stats) ++stats->above_capacity;
      occ = s.capacity;
    } else if (occ < 0) {
      if (stats) ++stats->negative;
      occ = 0;
    }
    pts.push_back({ToUnixMillis(s.time), static_cast<float>(occ) / static_cast<float>(s.capacity),
                   s.capacity});
  }
  return pts;
}

// known, fresh and capacity of every slot of `g` from what a live reader had at each instant.
void FillKnown(const std::vector<Point>& pts, int64_t grace, int64_t max_gap, GridSeries& g) {
  size_t next = 0;  // first point with ms > slot instant + grace
  for (size_t k = 0; k < g.known.size(); ++k) {
    const int64_t t = (g.first_slot + static_cast<int64_t>(k)) * kSlotMs;
    const size_t before = next;
    while (next < pts.size() && pts[next].ms <= t + grace) ++next;
    if (next > before) g.fresh[k] = 1;
    if (next == 0) continue;
    const Point& last = pts[next - 1];
    g.capacity[k] = last.capacity;
    if (t - last.ms <= max_gap) g.known[k] = last.share;
  }
}

// truth of every slot of `g`: a sample within the grace either side, else interpolation across
// the slot between samples at most `max_gap` apart.
void FillTruth(const std::vector<Point>& pts, int64_t grace, int64_t max_gap, GridSeries& g) {
  size_t next = 0;
  for (size_t k = 0; k < g.truth.size(); ++k) {
    const int64_t t = (g.first_slot + static_cast<int64_t>(k)) * kSlotMs;
    while (next < pts.size() && pts[next].ms <= t + grace) ++next;
    if (next == 0) continue;
    const Point& last = pts[next - 1];
    if (std::llabs(last.ms - t) <= grace) {
      g.truth[k] = last.share;
    } else if (next < pts.size() && pts[next].ms - t <= grace) {
      g.truth[k] = pts[next].share;
    } else if (next < pts.size() && pts[next].ms - last.ms <= max_gap) {
      double w = static_cast<double>(t - last.ms) / static_cast<double>(pts[next].ms - last.ms);
      g.truth[k] = static_cast<float>(last.share + w * (pts[next].share - last.share));
    }
  }
}

}  // namespace

GridSeries BuildGrid(std::string id, std::vector<Sample> samples, const GridOptions& options) {
  GridSeries g;
  g.id = std::move(id);
  std::erase_if(samples, [](const Sample& s) { return s.capacity <= 0; });
  g.stats.samples = static_cast<int64_t>(samples.size());
  const std::vector<Sample> unique = SortedUnique(std::move(samples), g.stats);
  const FrozenMasks frozen = MaskFrozenRuns(unique, options.frozen_after, g.stats);
  const std::vector<Point> observed = ToPoints(unique, frozen.observed, &g.stats);
  const std::vector<Point> usable = ToPoints(unique, frozen.usable, nullptr);
  if (usable.empty()) return g;  // `usable` holds every point of `observed`, and more
  const int64_t grace = std::chrono::duration_cast<Milliseconds>(options.grace).count();
  const int64_t max_gap = std::chrono::duration_cast<Milliseconds>(options.max_gap).count();
  // The first slot whose instant (plus grace) reaches the first sample.
  g.first_slot = SlotOf(FromUnixMillis(usable.front().ms - grace - 1)) + 1;
  const int64_t last_slot = SlotOf(FromUnixMillis(usable.back().ms + max_gap));
  const auto n = static_cast<size_t>(std::max<int64_t>(0, last_slot - g.first_slot + 1));
  g.truth.assign(n, kMissing);
  g.known.assign(n, kMissing);
  g.fresh.assign(n, 0);
  g.capacity.assign(n, 0);
  FillKnown(usable, grace, max_gap, g);
  FillTruth(observed, grace, max_gap, g);
  return g;
}

TimeIndex::TimeIndex(const date::time_zone& zone, HolidayCalendar calendar)
    : zone_(&zone), calendar_(std::move(calendar)) {}

TimeIndex::SlotInfo TimeIndex::Info(int64_t slot) const { return Range(slot, 1).front(); }

std::vector<TimeIndex::SlotInfo> TimeIndex::Range(int64_t first, int64_t count) const {
  std::vector<SlotInfo> out(static_cast<size_t>(std::max<int64_t>(count, 0)));
  int64_t valid_until_ms = std::numeric_limits<int64_t>::min();
  int64_t valid_from_ms = std::numeric_limits<int64_t>::max();
  int64_t offset_ms = 0;
  int32_t cached_day = std::numeric_limits<int32_t>::min();
  DayType cached_type = DayType::kWeekday;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t ms = (first + i) * kSlotMs;
    if (ms < valid_from_ms || ms >= valid_until_ms) {
      auto info = zone_->get_info(date::sys_seconds(std::chrono::seconds(ms / 1000)));
      offset_ms = std::chrono::duration_cast<Milliseconds>(info.offset).count();
      valid_from_ms =
          std::chrono::duration_cast<Milliseconds>(info.begin.time_since_epoch()).count();
      valid_until_ms =
          std::chrono::duration_cast<Milliseconds>(info.end.time_since_epoch()).count();
    }
    const int64_t local = ms + offset_ms;
    const int64_t day_ms = 86'400'000;
    const int64_t day = local >= 0 ? local / day_ms : -((-local + day_ms - 1) / day_ms);
    const int64_t in_day = local - day * day_ms;
    SlotInfo& s = out[i];
    s.slot_of_day = static_cast<int16_t>(in_day / kSlotMs);
    s.local_day = static_cast<int32_t>(day);
    if (s.local_day != cached_day) {
      cached_day = s.local_day;
      cached_type = calendar_.TypeOfDay(cached_day);
    }
    s.day_type = cached_type;
    s.weekday = static_cast<int8_t>(WeekdayOfDay(s.local_day));
  }
  return out;
}

}  // namespace pg::forecast
