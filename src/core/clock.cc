#include "core/clock.h"

namespace pg {

Timestamp SystemClock::Now() const {
  return std::chrono::time_point_cast<Milliseconds>(std::chrono::system_clock::now());
}

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

}  // namespace pg
