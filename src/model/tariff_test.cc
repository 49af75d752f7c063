#include "model/tariff.h"

#include <gtest/gtest.h>

namespace pg::model {
namespace {

constexpr int H(int h, int m = 0) { return h * 60 + m; }

// 15 free minutes; 08:00–20:00 ¥6/h, 20:00–08:00 ¥2/h; capped at ¥40 a day.
Tariff CityCentre() {
  Tariff t;
  t.free_minutes = 15;
  t.bands = {{H(8), H(20), 600}, {H(20), H(8), 200}};
  t.daily_cap_fen = 4000;
  return t;
}

TEST(Tariff, FreeMinutesCostNothingAndLongerStaysPayFromTheStart) {
  EXPECT_EQ(StayPriceFen(CityCentre(), H(9), 15), 0);
  EXPECT_EQ(StayPriceFen(CityCentre(), H(9), 16), 600);  // one started hour
  EXPECT_EQ(StayPriceFen(CityCentre(), H(9), 60), 600);
  EXPECT_EQ(StayPriceFen(CityCentre(), H(9), 61), 1200);
}

TEST(Tariff, EachStartedHourPaysTheBandItStartsIn) {
  // 19:30 for 2 h: the hour from 19:30 is a day hour, the one from 20:30 a night hour.
  EXPECT_EQ(StayPriceFen(CityCentre(), H(19, 30), 120), 600 + 200);
  // Across midnight and into the morning: 22:00–09:00 is 10 night hours and 1 day hour.
  EXPECT_EQ(StayPriceFen(CityCentre(), H(22), 11 * 60), 10 * 200 + 600);
}

TEST(Tariff, TheDailyCapAppliesPer24HoursFromArrival) {
  // 08:00 for 24 h: 12 × ¥6 + 12 × ¥2 = ¥96, capped at ¥40.
  EXPECT_EQ(StayPriceFen(CityCentre(), H(8), 24 * 60), 4000);
  // 30 hours: a capped first day and six more day-rate hours.
  EXPECT_EQ(StayPriceFen(CityCentre(), H(8), 30 * 60), 4000 + 6 * 600);
}

TEST(Tariff, NoBandsMeansFreeAndGapsAreFree) {
  Tariff free;
  EXPECT_EQ(StayPriceFen(free, H(9), 600), 0);
  Tariff daytime;
  daytime.bands = {{H(7), H(21), 400}};               // on-street: charged 07:00–21:00 only
  EXPECT_EQ(StayPriceFen(daytime, H(20), 180), 400);  // 20:00 charged, 21:00 and 22:00 free
  EXPECT_EQ(PricePerHourFenAt(daytime, H(6, 59)), 0);
  EXPECT_EQ(PricePerHourFenAt(daytime, H(7)), 400);
}

}  // namespace
}  // namespace pg::model
