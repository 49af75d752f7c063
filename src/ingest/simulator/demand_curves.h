// Demand curves for the simulator: smooth functions over the tables in demand_profiles.h.
#pragma once

namespace pg::ingest::simulator {

enum class LandUse;
enum class DayType { kWeekday, kSaturday, kSunday };

// Expected share of capacity occupied at a local time of day (hours, fractional), in [0, 1].
double OccupancyShare(LandUse use, DayType day, double hour_of_day);
// Standard deviation of a day's level around the profile (share of capacity).
double DayLevelSigma(LandUse use);
// Standard deviation of the short-term (minutes) wiggle (share of capacity).
double ShortTermSigma(LandUse use);

// On-street bays: arrivals per bay per hour, and the lognormal dwell (minutes) parameters.
double BayArrivalsPerHour(DayType day, double hour_of_day);
double BayDwellLogMean();
double BayDwellLogSigma();

// EV connectors: share in use, and mean session minutes.
double ChargerInUseShare(DayType day, double hour_of_day);
double ChargerSessionMinutes(bool dc_fast);
// Share of connector-time faulted or unavailable.
double ChargerFaultShare();

}  // namespace pg::ingest::simulator
