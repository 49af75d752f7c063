#include "model/tariff.h"

#include <algorithm>

namespace pg::model {

int64_t PricePerHourFenAt(const Tariff& tariff, int minute_of_day) {
  for (const auto& band : tariff.bands) {
    bool inside = band.start_minute < band.end_minute
                      ? minute_of_day >= band.start_minute && minute_of_day < band.end_minute
                      : minute_of_day >= band.start_minute || minute_of_day < band.end_minute;
    if (inside) return band.price_fen_per_hour;
  }
  return 0;
}

int64_t StayPriceFen(const Tariff& tariff, int arrival_minute_of_day, int stay_minutes) {
  if (stay_minutes <= tariff.free_minutes || tariff.bands.empty()) return 0;
  constexpr int kDay = 24 * 60;
  int64_t total = 0;
  int64_t day_charge = 0;
  int day_started = 0;  // minutes since arrival at which the current 24-hour window began
  for (int start = 0; start < stay_minutes; start += 60) {
    if (start - day_started >= kDay) {
      total += day_charge;
      day_charge = 0;
      day_started = start;
    }
    day_charge += PricePerHourFenAt(tariff, (arrival_minute_of_day + start) % kDay);
    if (tariff.daily_cap_fen) day_charge = std::min(day_charge, *tariff.daily_cap_fen);
  }
  return total + day_charge;
}

}  // namespace pg::model
