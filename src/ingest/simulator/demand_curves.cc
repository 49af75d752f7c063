// PROVISIONAL shapes until demand_profiles.h (derived from real series) lands.
#include "ingest/simulator/demand_curves.h"

#include <algorithm>
#include <cmath>

#include "ingest/simulator/city_simulator.h"

namespace pg::ingest::simulator {
namespace {
double Bump(double h, double centre, double width) {
  double x = (h - centre) / width;
  return std::exp(-x * x);
}
}  // namespace

double OccupancyShare(LandUse use, DayType day, double h) {
  bool weekend = day != DayType::kWeekday;
  double v = 0.1;
  switch (use) {
    case LandUse::kCommercial:
      v = 0.15 + (weekend ? 0.75 : 0.55) * Bump(h, 15, 4.5);
      break;
    case LandUse::kOffice:
      v = 0.08 + (weekend ? 0.15 : 0.8) * Bump(h, 12.5, 3.8);
      break;
    case LandUse::kResidential:
      v = 0.85 - 0.45 * Bump(h, 13, 4.5) * (weekend ? 0.6 : 1.0);
      break;
    case LandUse::kHospital:
      v = 0.2 + (weekend ? 0.5 : 0.7) * Bump(h, 11, 3.5);
      break;
    case LandUse::kLeisure:
      v = 0.1 + (weekend ? 0.7 : 0.35) * Bump(h, 16, 4);
      break;
    case LandUse::kParkAndRide:
      v = 0.05 + (weekend ? 0.2 : 0.85) * Bump(h, 12.5, 4.5);
      break;
  }
  return std::clamp(v, 0.0, 1.0);
}
double DayLevelSigma(LandUse) { return 0.06; }
double ShortTermSigma(LandUse) { return 0.012; }
double BayArrivalsPerHour(DayType day, double h) {
  double peak = day == DayType::kWeekday ? 0.9 : 1.1;
  return 0.05 + peak * Bump(h, 13, 4.5);
}
double BayDwellLogMean() { return std::log(55.0); }
double BayDwellLogSigma() { return 0.8; }
double ChargerInUseShare(DayType day, double h) {
  return 0.1 + (day == DayType::kWeekday ? 0.45 : 0.35) * Bump(h, 14, 5);
}
double ChargerSessionMinutes(bool dc_fast) { return dc_fast ? 45.0 : 180.0; }
double ChargerFaultShare() { return 0.01; }

}  // namespace pg::ingest::simulator
