// Clock: the only way parkguide code learns the time, so tests can control it.
//
// Thread-safety: SystemClock is stateless; FakeClock is safe for concurrent Now()/Advance().
#pragma once

#include <atomic>

#include "core/time.h"

namespace pg {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  // A process-wide instance for the composition root.
  static SystemClock& Instance();
};

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start) : now_ms_(ToUnixMillis(start)) {}
  Timestamp Now() const override { return FromUnixMillis(now_ms_.load()); }
  void Set(Timestamp t) { now_ms_.store(ToUnixMillis(t)); }
  void Advance(Milliseconds d) { now_ms_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace pg
