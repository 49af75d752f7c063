// The price of a stay under a facility's tariff (SPEC §2: free minutes, price per hour by time
// band, daily cap), as a driver is charged in Chinese cities and most others:
//  - a stay no longer than the free minutes costs nothing; a longer one is charged from its
//    start (免费时长内免费，超时按实际停放时长计费);
//  - time is billed per started hour, each hour at the price of the band in which it starts
//    (bands are local times of day and may cross midnight; a minute outside every band is free);
//  - the charge of each 24 hours from arrival is capped at the daily cap.
//
//   int64_t fen = StayPriceFen(tariff, /*arrival_minute_of_day=*/8 * 60 + 30,
//   /*stay_minutes=*/150);
#pragma once

#include <cstdint>

#include "model/city_model.h"

namespace pg::model {

// REQUIRES: 0 <= arrival_minute_of_day < 1440, stay_minutes >= 0, a validated tariff.
int64_t StayPriceFen(const Tariff& tariff, int arrival_minute_of_day, int stay_minutes);

// The band price per hour at a local minute of day; 0 when no band covers it.
int64_t PricePerHourFenAt(const Tariff& tariff, int minute_of_day);

}  // namespace pg::model
