// Occupancy series on a regular 5-minute grid: what the forecaster trains on and forecasts from.
//
// Raw samples (any interval, possibly irregular, duplicated, above capacity or frozen) become,
// per series, three aligned arrays over UTC 5-minute slots:
//   - `truth`: the occupancy share (occupied ÷ capacity, clamped to 0..1) at the slot instant,
//     from a sample within the grace of it or linearly interpolated between the samples on either
//     side when they are at most `max_gap` apart; NaN otherwise. What a forecast is scored on.
//   - `known`: the newest sample known at the slot instant (at most `max_gap` old): what a live
//     forecaster sees then. Never uses a later sample, so forecasts from it are honest.
//   - `fresh`: 1 when a sample arrived during the slot: a forecast origin in a backtest.
// Runs of unchanged values lasting at least `frozen_after` are outages, not data: a feed that
// repeats its last value through an outage has not observed anything (see the data sets'
// READMEs). `truth` drops the whole run (scoring may use hindsight); `known` and `fresh` drop it
// only from the moment it has lasted `frozen_after`, when a live reader could tell — so nothing a
// forecast reads at an origin depends on samples after it.
//
// A TimeIndex maps slots to local time of day and day type (weekday, Saturday,
// Sunday-or-holiday) in the city's zone, with its holiday calendar.
//
// Thread-safety: GridSeries is a plain value. TimeIndex is immutable after construction.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/time.h"
#include "forecast/calendar.h"

namespace date {
class time_zone;
}

namespace pg::forecast {

inline constexpr int64_t kSlotMs = int64_t{5} * 60 * 1000;
inline constexpr int64_t kSlotsPerDay = 288;
inline constexpr int64_t kSlotsPerWeek = 7 * kSlotsPerDay;
inline constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
inline bool IsMissing(float v) { return std::isnan(v); }

// The slot whose instant is at or before `t` (slot k's instant is k × 5 min since the epoch).
inline int64_t SlotOf(Timestamp t) {
  int64_t ms = ToUnixMillis(t);
  return ms >= 0 ? ms / kSlotMs : -((-ms + kSlotMs - 1) / kSlotMs);
}
inline Timestamp SlotTime(int64_t slot) { return FromUnixMillis(slot * kSlotMs); }

// One raw reading of a series.
struct Sample {
  Timestamp time;
  int occupied = 0;
  int capacity = 0;  // > 0
};

struct GridOptions {
  // Longest span between two samples that is bridged by interpolation (truth) or by holding the
  // last value (known).
  Minutes max_gap{60};
  // A run of identical values at least this long is an outage, not data. 0 disables.
  Minutes frozen_after{12 * 60};
  // A sample this much after a slot instant still counts for that slot (clock skew; the German
  // scrapes are stamped hh:mm:01).
  Seconds grace{60};
};

// Counts of what building the grid found and did (coverage and anomaly reporting).
struct GridStats {
  int64_t samples = 0;
  int64_t duplicates = 0;      // same time as the previous sample; the later one is kept
  int64_t above_capacity = 0;  // clamped to capacity
  int64_t negative = 0;        // clamped to 0
  int64_t frozen = 0;          // samples of frozen runs (dropped from truth)
  GridStats& operator+=(const GridStats& o);
};

struct GridSeries {
  std::string id;
  int64_t first_slot = 0;  // slot of element 0
  std::vector<float> truth;
  std::vector<float> known;
  std::vector<uint8_t> fresh;
  std::vector<int32_t> capacity;  // capacity in force at each slot (0 before the first sample)
  GridStats stats;

  int64_t end_slot() const { return first_slot + static_cast<int64_t>(truth.size()); }
  bool Contains(int64_t slot) const { return slot >= first_slot && slot < end_slot(); }
  float Truth(int64_t slot) const { return Contains(slot) ? truth[slot - first_slot] : kMissing; }
  float Known(int64_t slot) const { return Contains(slot) ? known[slot - first_slot] : kMissing; }
  bool Fresh(int64_t slot) const { return Contains(slot) && fresh[slot - first_slot] != 0; }
  int Capacity(int64_t slot) const;  // the capacity at `slot`, or the nearest known one
};

// Builds the grid of one series. `samples` need not be sorted. Samples with capacity <= 0 are
// skipped (counted nowhere: the adapter reports them).
GridSeries BuildGrid(std::string id, std::vector<Sample> samples, const GridOptions& options);

// Local time of day and day type per slot, for one zone and calendar.
class TimeIndex {
 public:
  // REQUIRES: `zone` lives for the program (LookupTimeZone's zones do); `calendar` is copied.
  TimeIndex(const date::time_zone& zone, HolidayCalendar calendar);

  struct SlotInfo {
    int16_t slot_of_day = 0;  // 0..287 in local time
    DayType day_type = DayType::kWeekday;
    int8_t weekday = 0;     // 0 = Monday … 6 = Sunday, local
    int32_t local_day = 0;  // days since 1970-01-01, local civil date
  };
  SlotInfo Info(int64_t slot) const;
  // Info for [first, first + count), faster than one call per slot.
  std::vector<SlotInfo> Range(int64_t first, int64_t count) const;

  const HolidayCalendar& calendar() const { return calendar_; }
  const date::time_zone& zone() const { return *zone_; }

 private:
  const date::time_zone* zone_;
  HolidayCalendar calendar_;
};

}  // namespace pg::forecast
