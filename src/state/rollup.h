// RollupBuilder: 5-minute (by default) occupancy rollups — time-weighted mean, min, max and
// coverage — from a stream of samples per facility or charger site.
//
// A sample's value holds until the next sample of the same id, for at most `max_hold`; time
// with no value held (or an unknown one) counts against coverage. Buckets are closed when a
// later sample or Flush(now) passes their end.
//
//   RollupBuilder b;
//   b.Add(Kind::kFacility, "F1", t, 120, 600);
//   store.AppendRollups(b.Flush(clock.Now()));
//
// Thread-safety: not thread-safe; one thread feeds it.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "model/history.h"

namespace pg::state {

class RollupBuilder {
 public:
  using Kind = model::OccupancyRollup::Kind;

  explicit RollupBuilder(std::chrono::seconds step = std::chrono::minutes(5),
                         std::chrono::milliseconds max_hold = std::chrono::minutes(15));

  // A sample: `occupied` nullopt when the value is unknown at `time`. Samples of one id must
  // come in time order; an older one is ignored.
  void Add(Kind kind, const std::string& id, Timestamp time, std::optional<int> occupied,
           int capacity);

  // Closes every bucket that ends at or before `now` and returns the closed buckets that saw any
  // known value, oldest first per id.
  std::vector<model::OccupancyRollup> Flush(Timestamp now);

 private:
  struct Series {
    Timestamp bucket_start;
    Timestamp last_time;
    std::optional<int> last_value;
    Timestamp value_time;  // when last_value was sampled
    int capacity = 0;
    // Accumulators of the open bucket.
    double integral = 0;  // occupied × ms
    int64_t known_ms = 0;
    std::optional<int> min, max;
  };
  // Integrates `s` up to `until`, closing buckets on the way into `out`.
  void Advance(Kind kind, const std::string& id, Series& s, Timestamp until,
               std::vector<model::OccupancyRollup>& out);

  const std::chrono::seconds step_;
  const std::chrono::milliseconds max_hold_;
  std::map<std::pair<Kind, std::string>, Series> series_;
  std::vector<model::OccupancyRollup> closed_;
};

}  // namespace pg::state
