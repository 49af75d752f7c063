#include "forecast/baselines.h"

#include <algorithm>
#include <cmath>

namespace pg::forecast {

float PersistenceForecast(const GridSeries& g, int64_t origin) { return g.Known(origin); }

HistoricalAverage HistoricalAverage::Fit(const GridSeries& g,
                                         const std::vector<TimeIndex::SlotInfo>& info, int64_t from,
                                         int64_t until) {
  HistoricalAverage h;
  std::vector<double> sum(size_t{7} * kSlotsPerDay, 0), cnt(size_t{7} * kSlotsPerDay, 0);
  std::vector<double> tod_sum(kSlotsPerDay, 0), tod_cnt(kSlotsPerDay, 0);
  double total = 0, total_n = 0;
  from = std::max(from, g.first_slot);
  until = std::min(until, g.end_slot());
  for (int64_t k = from; k < until; ++k) {
    float v = g.truth[k - g.first_slot];
    if (IsMissing(v)) continue;
    const auto& si = info[k - g.first_slot];
    sum[si.weekday * kSlotsPerDay + si.slot_of_day] += v;
    cnt[si.weekday * kSlotsPerDay + si.slot_of_day] += 1;
    tod_sum[si.slot_of_day] += v;
    tod_cnt[si.slot_of_day] += 1;
    total += v;
    total_n += 1;
  }
  h.value_.assign(size_t{7} * kSlotsPerDay, kMissing);
  for (int i = 0; i < 7 * kSlotsPerDay; ++i) {
    const int64_t tod = i % kSlotsPerDay;
    if (cnt[i] > 0) {
      h.value_[i] = static_cast<float>(sum[i] / cnt[i]);
    } else if (tod_cnt[tod] > 0) {
      h.value_[i] = static_cast<float>(tod_sum[tod] / tod_cnt[tod]);
    } else if (total_n > 0) {
      h.value_[i] = static_cast<float>(total / total_n);
    }
  }
  return h;
}

namespace {

constexpr int kLookbackSlots = 24;  // 120 minutes

// Mean |free(k) − free(newest)| over the readings in [end − 120 min, end]; nullopt when none.
std::optional<double> Area(const GridSeries& g, int64_t end, double capacity) {
  std::vector<double> free;
  for (int64_t k = end - kLookbackSlots; k <= end; ++k) {
    if (!g.Fresh(k)) continue;
    float v = g.Known(k);
    if (IsMissing(v)) continue;
    free.push_back(capacity * (1.0 - v));
  }
  if (free.empty()) return std::nullopt;
  double ref = free.back();
  double s = 0;
  for (double f : free) s += std::fabs(f - ref);
  return s / static_cast<double>(free.size());
}

}  // namespace

float HslForecast(const GridSeries& g, int64_t origin, int steps) {
  float now = g.Known(origin);
  if (IsMissing(now)) return kMissing;
  const double cap = g.Capacity(origin);
  if (cap <= 0) return now;
  const double free_now = cap * (1.0 - now);
  double delta_sum = 0;
  int weeks = 0;
  double ref_area_sum = 0;
  int ref_areas = 0;
  for (int w = 1; w <= 3; ++w) {
    const int64_t ref = origin - static_cast<int64_t>(w) * kSlotsPerWeek;
    float at_ref = g.Known(ref);
    float at_target = g.Known(ref + steps);
    if (!IsMissing(at_ref) && !IsMissing(at_target)) {
      delta_sum += cap * (1.0 - at_target) - cap * (1.0 - at_ref);
      ++weeks;
    }
    if (auto a = Area(g, ref, cap)) {
      ref_area_sum += *a;
      ++ref_areas;
    }
  }
  if (weeks == 0) return now;
  double recent = std::max(1.0, Area(g, origin, cap).value_or(0.0));
  double reference = std::max(1.0, ref_areas ? ref_area_sum / ref_areas : recent);
  double multiplier = std::max(1.0, recent / reference);
  double free = free_now + std::round(multiplier * delta_sum / weeks);
  free = std::clamp(free, 0.0, cap);
  return static_cast<float>(1.0 - free / cap);
}

}  // namespace pg::forecast
