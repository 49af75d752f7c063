// Demand curves for the simulator: smooth functions over the tables of demand_profiles.h, which
// were derived from real occupancy series (docs/demo-profiles.md). Where the data say nothing
// (compliant on-street stays, charging session lengths) the assumption is stated beside it.
#pragma once

namespace pg::ingest::simulator {

enum class LandUse;
enum class DayType { kWeekday, kSaturday, kSunday };

// Expected share of capacity occupied at a local time of day (hours, fractional), in [0, 1].
double OccupancyShare(LandUse use, DayType day, double hour_of_day);
// Relative standard deviation of a day's level around the profile (the day factor's sd).
double DayLevelSigma(LandUse use);
// Standard deviation of the slow short-term residual (share of capacity).
double ShortTermSigma(LandUse use);

// On-street bays: arrivals per bay per hour while the bay is free.
double BayArrivalsPerHour(DayType day, double hour_of_day);
// Dwell of one stay at a bay with `limit_minutes` (0: none), from uniforms u_kind, u_dwell in
// (0, 1) and a standard normal z: an overstay with the measured share, else a compliant stay.
double BayDwellMinutes(int limit_minutes, double u_kind, double u_dwell, double z);

// EV connectors: share busy, and the mean session length (an assumption: the data have none).
double ChargerInUseShare(DayType day, double hour_of_day);
double ChargerSessionMinutes(bool dc_fast);
// Share of connector-time offline or faulted.
double ChargerFaultShare();

}  // namespace pg::ingest::simulator
