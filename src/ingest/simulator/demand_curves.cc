#include "ingest/simulator/demand_curves.h"

#include <algorithm>
#include <cmath>

#include "ingest/simulator/city_simulator.h"
#include "ingest/simulator/demand_profiles.h"

namespace pg::ingest::simulator {
namespace {

int Row(DayType day) {
  switch (day) {
    case DayType::kWeekday:
      return kWeekdayRow;
    case DayType::kSaturday:
      return kSaturdayRow;
    case DayType::kSunday:
      return kSundayRow;
  }
  return kWeekdayRow;
}

int WeekPart(DayType day) { return day == DayType::kWeekday ? kWeekdaysRow : kWeekendRow; }

const OccupancyProfile& ProfileOf(LandUse use) {
  return *kLandUseProfiles[static_cast<size_t>(use)];
}

// Linear interpolation between slot centres of a cyclic table of `n` slots over 24 hours.
template <size_t N>
double Interpolate(const std::array<float, N>& slots, double hour_of_day) {
  const double slot_hours = 24.0 / N;
  double x = hour_of_day / slot_hours - 0.5;  // position relative to slot centres
  double base = std::floor(x);
  double frac = x - base;
  auto at = [&](double k) {
    auto i = static_cast<long>(k);
    i = ((i % static_cast<long>(N)) + static_cast<long>(N)) % static_cast<long>(N);
    return static_cast<double>(slots[static_cast<size_t>(i)]);
  };
  return at(base) * (1 - frac) + at(base + 1) * frac;
}

}  // namespace

double OccupancyShare(LandUse use, DayType day, double hour_of_day) {
  return std::clamp(Interpolate(ProfileOf(use).occupancy_share[Row(day)], hour_of_day), 0.0, 1.0);
}

double DayLevelSigma(LandUse use) { return ProfileOf(use).day_level_sd_rel; }

double ShortTermSigma(LandUse use) { return ProfileOf(use).noise_sd_share; }

double BayArrivalsPerHour(DayType day, double hour_of_day) {
  // The measured rates are near zero outside restricted hours by construction (only overstays
  // are recorded); a floor keeps some evening and night turnover.
  constexpr double kNightFloor = 0.08;
  return std::max(kNightFloor,
                  Interpolate(kOnStreetArrivalsPerBayHour[WeekPart(day)], hour_of_day));
}

double BayDwellMinutes(int limit_minutes, double u_kind, double u_dwell, double z) {
  if (limit_minutes <= 0) {
    const auto& d = kOnStreetOverstayDwellMinutes;
    return std::exp(d.lognormal_mu + d.lognormal_sigma * z);
  }
  if (u_kind < kOnStreetOverstayShareOfStays) {
    // Overstay: the limit plus a measured excess for the nearest posted limit.
    const OverstayByLimit* best = &kOnStreetOverstayByLimit[0];
    for (const auto& row : kOnStreetOverstayByLimit) {
      if (std::abs(row.limit_minutes - limit_minutes) <
          std::abs(best->limit_minutes - limit_minutes)) {
        best = &row;
      }
    }
    return limit_minutes + best->excess_shift_minutes +
           std::exp(best->excess_lognormal_mu + best->excess_lognormal_sigma * z);
  }
  // Compliant stays are not in the data; as in its derivation, uniform on (0, limit + grace],
  // with a few minutes at least (nobody parks for seconds).
  return std::max(4.0, u_dwell * (limit_minutes + kOnStreetGraceMinutes));
}

double ChargerInUseShare(DayType day, double hour_of_day) {
  return std::clamp(
      Interpolate(kEvChargerProfile.connectors_in_use_share[WeekPart(day)], hour_of_day), 0.0,
      0.95);
}

// Assumed: the series have occupancy only, no sessions. DC fast sessions of about 40 minutes and
// AC sessions of about four hours (overnight charging dominates the curve).
double ChargerSessionMinutes(bool dc_fast) { return dc_fast ? 40.0 : 240.0; }

double ChargerFaultShare() { return kEvChargerProfile.offline_share; }

}  // namespace pg::ingest::simulator
