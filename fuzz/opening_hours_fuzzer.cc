// OSM opening_hours values as the registry stores them (model/opening_hours.h): any text parses
// or is refused; a parsed value answers IsOpen for every day, and MinutesUntilChange names the
// first minute whose state differs.
#include "fuzz/fuzz_support.h"
#include "model/opening_hours.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using pg::model::OpeningHours;
  if (size > 4096) return 0;
  auto hours = OpeningHours::Parse(pg::fuzz::AsText(data, size));
  if (!hours.ok()) return 0;
  constexpr int kDay = 24 * 60;
  for (int weekday = 0; weekday < 7; ++weekday) {
    for (int minute = 0; minute < kDay; minute += 7) (void)hours->IsOpen(weekday, minute);
  }
  // One probe per input (MinutesUntilChange walks minute by minute), at a place the input picks.
  const int weekday = size % 7;
  const int minute = static_cast<int>((size * 37) % kDay);
  const int until = hours->MinutesUntilChange(weekday, minute);
  pg::fuzz::Check(until >= 1 && until <= 7 * kDay, "MinutesUntilChange is within a week");
  const bool now = hours->IsOpen(weekday, minute);
  const int m = minute + until - 1;
  pg::fuzz::Check(hours->IsOpen((weekday + m / kDay) % 7, m % kDay) == now,
                  "the state holds until MinutesUntilChange");
  if (until < 7 * kDay) {
    const int next = minute + until;
    pg::fuzz::Check(hours->IsOpen((weekday + next / kDay) % 7, next % kDay) != now,
                    "the state changes at MinutesUntilChange");
  }
  if (hours->IsAlwaysOpen()) pg::fuzz::Check(now, "an always-open value is open");
  return 0;
}
