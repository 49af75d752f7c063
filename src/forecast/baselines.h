// The three reference forecasters every model is measured against (docs/forecast.md):
//
//   - Persistence: the last known value.
//   - Historical average: the mean share at the same local time of week (weekday × 5-minute
//     slot) over the training window; the same slot on any day when that is empty, then the
//     overall mean. Calendar-blind on purpose: it is the plain baseline.
//   - HSL ("relative average of previous weeks"), as Helsinki Region Transport's park-and-ride
//     API predicts (HSLdevcom/parkandrideAPI, RelativizedAverageOfPreviousWeeksPredictor.java):
//     in free spaces, the change over the same interval 1, 2 and 3 weeks back (from the value
//     at t − k weeks to the value at t − k weeks + h), averaged over the weeks that have data,
//     multiplied by m = max(1, A_now / mean_k A_k) and added to the current free count, floored
//     at 0 (and, here, capped at capacity). A is the mean absolute difference of the last
//     120 minutes' readings from the newest of them, floored at 1 space, now and at each
//     reference time. With no reference week it falls back to persistence.
//
// All work on a GridSeries (series.h) and read nothing later than the origin.
//
// Thread-safety: HistoricalAverage is immutable after Fit; the functions are pure.
#pragma once

#include <vector>

#include "forecast/series.h"

namespace pg::forecast {

// Share at `origin` as known then; NaN when nothing is known.
float PersistenceForecast(const GridSeries& g, int64_t origin);

class HistoricalAverage {
 public:
  static HistoricalAverage Fit(const GridSeries& g, const std::vector<TimeIndex::SlotInfo>& info,
                               int64_t from, int64_t until);
  // NaN when the training window had no data.
  float At(int weekday, int slot_of_day) const {
    return value_[weekday * kSlotsPerDay + slot_of_day];
  }

 private:
  std::vector<float> value_;
};

// Share forecast for origin + steps × 5 min; NaN when nothing is known at the origin.
float HslForecast(const GridSeries& g, int64_t origin, int steps);

}  // namespace pg::forecast
