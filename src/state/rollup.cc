#include "state/rollup.h"

#include <algorithm>

namespace pg::state {

RollupBuilder::RollupBuilder(std::chrono::seconds step, std::chrono::milliseconds max_hold)
    : step_(step), max_hold_(max_hold) {}

void RollupBuilder::Advance(Kind kind, const std::string& id, Series& s, Timestamp until,
                            std::vector<model::OccupancyRollup>& out) {
  const auto step = std::chrono::duration_cast<Milliseconds>(step_);
  while (s.last_time < until) {
    Timestamp bucket_end = s.bucket_start + step;
    Timestamp segment_end = std::min(until, bucket_end);
    // The held value counts up to max_hold after its sample.
    Timestamp hold_end = s.last_time;
    if (s.last_value)
      hold_end = std::max(s.last_time, std::min(segment_end, s.value_time + max_hold_));
    if (hold_end > s.last_time) {
      int64_t ms = (hold_end - s.last_time).count();
      s.integral += static_cast<double>(*s.last_value) * static_cast<double>(ms);
      s.known_ms += ms;
      s.min = std::min(s.min.value_or(*s.last_value), *s.last_value);
      s.max = std::max(s.max.value_or(*s.last_value), *s.last_value);
    }
    if (s.last_value && segment_end >= s.value_time + max_hold_) {
      s.last_value.reset();  // held too long: unknown from here on
    }
    s.last_time = segment_end;
    if (segment_end == bucket_end) {
      if (s.known_ms > 0) {
        model::OccupancyRollup r;
        r.kind = kind;
        r.id = id;
        r.start = s.bucket_start;
        r.step = step_;
        r.min_occupied = *s.min;
        r.max_occupied = *s.max;
        r.mean_occupied = s.integral / static_cast<double>(s.known_ms);
        r.capacity = s.capacity;
        r.coverage = static_cast<double>(s.known_ms) / static_cast<double>(step.count());
        out.push_back(std::move(r));
      }
      s.bucket_start = bucket_end;
      s.integral = 0;
      s.known_ms = 0;
      s.min.reset();
      s.max.reset();
      // Skip whole empty buckets quickly.
      if (!s.last_value && until - s.bucket_start >= step) {
        s.bucket_start = Timestamp((until.time_since_epoch() / step) * step);
        s.last_time = s.bucket_start;
      }
    }
  }
}

void RollupBuilder::Add(Kind kind, const std::string& id, Timestamp time,
                        std::optional<int> occupied, int capacity) {
  const auto step = std::chrono::duration_cast<Milliseconds>(step_);
  auto [it, inserted] = series_.try_emplace({kind, id});
  Series& s = it->second;
  if (inserted) {
    s.bucket_start = Timestamp((time.time_since_epoch() / step) * step);
    s.last_time = time;
  } else {
    if (time < s.last_time) return;
    Advance(kind, id, s, time, closed_);
  }
  s.last_value = occupied;
  s.value_time = time;
  if (occupied) {
    s.min = std::min(s.min.value_or(*occupied), *occupied);
    s.max = std::max(s.max.value_or(*occupied), *occupied);
  }
  if (capacity > 0) s.capacity = capacity;
}

std::vector<model::OccupancyRollup> RollupBuilder::Flush(Timestamp now) {
  const auto step = std::chrono::duration_cast<Milliseconds>(step_);
  Timestamp cut = Timestamp((now.time_since_epoch() / step) * step);
  for (auto& [key, s] : series_) {
    if (s.last_time < cut) Advance(key.first, key.second, s, cut, closed_);
  }
  std::vector<model::OccupancyRollup> out;
  out.swap(closed_);
  return out;
}

}  // namespace pg::state
