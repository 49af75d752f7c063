// Demand profiles for the demo city's simulated occupancy feed, derived from real data sets.
//
// GENERATED - do not edit by hand. Regenerate from the repository root with
//   python3 tools/derive_demand_profiles.py [DATA_DIR] > src/ingest/simulator/demand_profiles.h
//   clang-format -i src/ingest/simulator/demand_profiles.h
// DATA_DIR defaults to ../shared/data; each data set's README.md there describes its quirks. Only
// derived numbers are stored here, none of the data. Method, caveats and a summary table:
// docs/demo-profiles.md.
//
// Car-park tables (OccupancyProfile): occupancy_share[day-type row][slot] is the mean share of
// capacity (0..1) occupied in half hour `slot` (slot k covers [30k, 30k + 30) minutes local time),
// equal weight per car park. Public holidays use the Sunday row. Intended use for one car park of
// capacity C:
//   f    = Normal(1, day_level_sd_rel), the day factor, drawn once per day (keep it > 0)
//   c(t) = occupancy_share[row][.] interpolated linearly between slot centres (30k + 15)
//   a    = noise_ar1_5min, s = noise_sd_share
//   e(t) = a * e(t - 5 min) + sqrt(1 - a * a) * s * Normal(0, 1)
//   occupied(t) = round(C * clamp(c(t) * f + e(t), 0, 1))
// A series made that way has 5-minute changes of about step5_sd_share, which is given as a check.
// Statistics: day_level_* from each site's 08:00-20:00 mean per day, per day type (days with >= 80%
// of readings; sd pooled over sites and day types); noise_* from the residual of each 5-minute
// reading 06:00-21:00 against the site's own day-type curve times that day's factor; step5_* from
// raw 5-minute differences 06:00-21:00. "sd" is a standard deviation; shares are 0..1.
#pragma once

#include <array>
#include <cstdint>

namespace pg::ingest::simulator {

// Row indices of the day-type dimension, in the order of the simulator's DayType
// {kWeekday, kSaturday, kSunday}. Public holidays use the Sunday row.
inline constexpr int kWeekdayRow = 0;
inline constexpr int kSaturdayRow = 1;
inline constexpr int kSundayRow = 2;
inline constexpr int kDayTypeRows = 3;
inline constexpr int kHalfHourSlots = 48;  // slot k covers [30k, 30k + 30) minutes

struct OccupancyProfile {
  const char* name;
  int car_parks;                       // sites averaged, equal weight
  std::array<int, kDayTypeRows> days;  // days averaged per day type (most any site has)
  // [day-type row][half-hour slot], share of capacity occupied, 0..1.
  std::array<std::array<float, kHalfHourSlots>, kDayTypeRows> occupancy_share;
  float day_level_sd_rel;    // sd of a day's level / mean level: sd of the day factor
  float day_level_sd_share;  // the same sd in share points (absolute)
  float noise_sd_share;      // sd of the short-term residual, share points
  float noise_ar1_5min;      // lag-1 autocorrelation of that residual at 5 minutes
  float step5_sd_share;      // sd of raw 5-minute changes, share points (check only)
};

// Land-use profiles kCommercialProfile, kOfficeProfile, kResidentialProfile, kHospitalProfile,
// kLeisureProfile: data set guangzhou-parking (30 car parks in Guangzhou, China; June 2018).
// occupancy.csv: column TIME (DD/MM/YYYY HH:MM, day first; UTF-8 BOM and CRLF handled) and one
// column of occupied spaces per car park ID, 6912 rows on a complete 5-minute grid 2018-06-01 00:00
// to 2018-06-24 23:55; inf.csv: ID, TYPE (land use; C commercial, O office, R residential, H
// hospital, S sport & leisure, T tourism) and CAPACITY.
//
// Method, per car park: share = occupied / capacity, clamped to 1.0 (no negative counts occur).
// Where the stated capacity is exceeded in more than 5% of readings it is evidently wrong and the
// observed maximum is used instead (C6 60 -> 66, R2 220 -> 320, R4 280 -> 294). Frozen stretches
// (filled gaps) are excluded: runs of identical readings >= 18 h long; or >= 3 h long and starting
// within 15 minutes of such runs in >= 6 car parks (a shared outage: 2018-06-09 18:20-18:35,
// 2018-06-11 18:30-18:45); or covering >= 2 h of 09:00-18:00 at a value above the car park's
// minimum. Other quiet nights are kept. 2018-06-18 (Dragon Boat Festival, a Monday) counts as a
// Sunday: its levels match the Sundays (commercial daytime level 0.60 on the holiday, 0.61 on
// Sundays, 0.56 on weekdays; office daytime level 0.48 on the holiday, 0.49 on Sundays, 0.68 on
// weekdays). Then each half hour's mean over the days of each type, and the plain mean over the car
// parks of the profile. Night levels are high (several car parks never go below a round number such
// as 30, 200 or 250, see docs/demo-profiles.md): treat them as upper bounds.

// Commercial: shopping and mixed commercial car parks.
// Data: guangzhou-parking occupancy.csv columns C1/C2/C3/C4/C5/C6/C7/C8/C9/C10 (6912 rows each),
// capacity from inf.csv CAPACITY - 10 car parks, capacity in brackets: C1 (1000), C2 (660), C3
// (207), C4 (750), C5 (830), C6 (66, stated 60), C7 (550), C8 (600), C9 (300), C10 (2600).
// Anomalies: 0 readings above capacity clamped to 1.0; 1930 readings in frozen stretches excluded;
// method as in the Guangzhou block above.
// Days averaged (the most any site has): 15 weekdays, 4 Saturdays, 5 Sundays/holidays. Peaks:
// weekday 0.66 at 13:00, Saturday 0.72 at 13:00, Sunday 0.73 at 13:30 (slot start times).
inline constexpr OccupancyProfile kCommercialProfile = {
    .name = "commercial",
    .car_parks = 10,
    .days = {15, 4, 5},
    .occupancy_share = {{
        // weekday
        {0.378f, 0.376f, 0.374f, 0.373f, 0.372f, 0.372f, 0.372f, 0.372f, 0.372f, 0.373f,
         0.375f, 0.378f, 0.381f, 0.384f, 0.392f, 0.405f, 0.427f, 0.452f, 0.477f, 0.499f,
         0.524f, 0.542f, 0.556f, 0.579f, 0.620f, 0.653f, 0.659f, 0.639f, 0.614f, 0.594f,
         0.584f, 0.577f, 0.568f, 0.555f, 0.545f, 0.539f, 0.545f, 0.564f, 0.591f, 0.601f,
         0.589f, 0.559f, 0.516f, 0.470f, 0.428f, 0.406f, 0.396f, 0.389f},
        // Saturday
        {0.389f, 0.382f, 0.378f, 0.375f, 0.374f, 0.374f, 0.373f, 0.373f, 0.373f, 0.373f,
         0.375f, 0.378f, 0.379f, 0.382f, 0.391f, 0.403f, 0.414f, 0.428f, 0.444f, 0.461f,
         0.489f, 0.522f, 0.555f, 0.596f, 0.654f, 0.699f, 0.719f, 0.706f, 0.682f, 0.658f,
         0.639f, 0.627f, 0.621f, 0.608f, 0.601f, 0.590f, 0.600f, 0.640f, 0.667f, 0.667f,
         0.648f, 0.608f, 0.556f, 0.500f, 0.441f, 0.410f, 0.396f, 0.387f},
        // Sunday
        {0.382f, 0.376f, 0.373f, 0.371f, 0.369f, 0.369f, 0.368f, 0.369f, 0.368f, 0.368f,
         0.369f, 0.370f, 0.371f, 0.373f, 0.379f, 0.387f, 0.398f, 0.410f, 0.428f, 0.445f,
         0.465f, 0.495f, 0.529f, 0.578f, 0.643f, 0.696f, 0.729f, 0.730f, 0.710f, 0.688f,
         0.673f, 0.668f, 0.668f, 0.651f, 0.639f, 0.642f, 0.670f, 0.690f, 0.701f, 0.683f,
         0.645f, 0.593f, 0.533f, 0.476f, 0.429f, 0.404f, 0.391f, 0.385f},
    }},
    .day_level_sd_rel = 0.095f,
    .day_level_sd_share = 0.056f,
    .noise_sd_share = 0.0417f,
    .noise_ar1_5min = 0.971f,
    .step5_sd_share = 0.0094f,
};

// Office: office-building car parks.
// Data: guangzhou-parking occupancy.csv columns O1/O2/O3/O4/O5 (6912 rows each), capacity from
// inf.csv CAPACITY - 5 car parks, capacity in brackets: O1 (200), O2 (98), O3 (120), O4 (325), O5
// (170).
// Anomalies: 13 readings above capacity clamped to 1.0; 861 readings in frozen stretches excluded;
// method as in the Guangzhou block above.
// Days averaged (the most any site has): 15 weekdays, 4 Saturdays, 5 Sundays/holidays. Peaks:
// weekday 0.75 at 12:00, Saturday 0.53 at 12:30, Sunday 0.54 at 13:00 (slot start times).
inline constexpr OccupancyProfile kOfficeProfile = {
    .name = "office",
    .car_parks = 5,
    .days = {15, 4, 5},
    .occupancy_share = {{
        // weekday
        {0.441f, 0.442f, 0.444f, 0.444f, 0.445f, 0.445f, 0.446f, 0.446f, 0.448f, 0.447f,
         0.445f, 0.445f, 0.445f, 0.442f, 0.441f, 0.453f, 0.491f, 0.557f, 0.623f, 0.674f,
         0.708f, 0.731f, 0.748f, 0.747f, 0.750f, 0.747f, 0.743f, 0.736f, 0.729f, 0.721f,
         0.716f, 0.714f, 0.711f, 0.690f, 0.659f, 0.614f, 0.578f, 0.561f, 0.567f, 0.560f,
         0.550f, 0.533f, 0.501f, 0.477f, 0.462f, 0.456f, 0.457f, 0.456f},
        // Saturday
        {0.433f, 0.431f, 0.430f, 0.431f, 0.434f, 0.435f, 0.436f, 0.435f, 0.436f, 0.438f,
         0.435f, 0.436f, 0.438f, 0.435f, 0.434f, 0.437f, 0.446f, 0.461f, 0.481f, 0.498f,
         0.511f, 0.521f, 0.524f, 0.526f, 0.530f, 0.532f, 0.529f, 0.524f, 0.504f, 0.496f,
         0.494f, 0.492f, 0.488f, 0.483f, 0.473f, 0.458f, 0.461f, 0.465f, 0.476f, 0.477f,
         0.468f, 0.456f, 0.434f, 0.423f, 0.417f, 0.415f, 0.414f, 0.413f},
        // Sunday
        {0.417f, 0.418f, 0.419f, 0.420f, 0.419f, 0.420f, 0.420f, 0.420f, 0.420f, 0.421f,
         0.421f, 0.422f, 0.423f, 0.421f, 0.421f, 0.423f, 0.435f, 0.445f, 0.457f, 0.467f,
         0.480f, 0.478f, 0.487f, 0.493f, 0.513f, 0.526f, 0.537f, 0.522f, 0.502f, 0.487f,
         0.485f, 0.484f, 0.488f, 0.483f, 0.476f, 0.477f, 0.483f, 0.502f, 0.513f, 0.508f,
         0.492f, 0.473f, 0.455f, 0.440f, 0.436f, 0.436f, 0.435f, 0.437f},
    }},
    .day_level_sd_rel = 0.121f,
    .day_level_sd_share = 0.075f,
    .noise_sd_share = 0.0444f,
    .noise_ar1_5min = 0.958f,
    .step5_sd_share = 0.0123f,
};

// Residential: residential-compound car parks. The peak is at night (residents' cars); the daytime
// dip is what moves.
// Data: guangzhou-parking occupancy.csv columns R1/R2/R3/R4/R5 (6912 rows each), capacity from
// inf.csv CAPACITY - 5 car parks, capacity in brackets: R1 (946), R2 (320, stated 220), R3 (800),
// R4 (294, stated 280), R5 (250).
// Anomalies: 0 readings above capacity clamped to 1.0; 89 readings in frozen stretches excluded;
// method as in the Guangzhou block above.
// Days averaged (the most any site has): 15 weekdays, 4 Saturdays, 5 Sundays/holidays. Peaks:
// weekday 0.75 at 23:30, Saturday 0.76 at 07:30, Sunday 0.78 at 23:30 (slot start times).
inline constexpr OccupancyProfile kResidentialProfile = {
    .name = "residential",
    .car_parks = 5,
    .days = {15, 4, 5},
    .occupancy_share = {{
        // weekday
        {0.734f, 0.738f, 0.741f, 0.744f, 0.747f, 0.749f, 0.751f, 0.752f, 0.753f, 0.753f,
         0.753f, 0.753f, 0.753f, 0.750f, 0.735f, 0.698f, 0.667f, 0.655f, 0.640f, 0.627f,
         0.616f, 0.611f, 0.606f, 0.605f, 0.610f, 0.613f, 0.613f, 0.613f, 0.607f, 0.601f,
         0.600f, 0.600f, 0.599f, 0.599f, 0.603f, 0.609f, 0.627f, 0.651f, 0.675f, 0.693f,
         0.702f, 0.710f, 0.716f, 0.724f, 0.732f, 0.743f, 0.750f, 0.755f},
        // Saturday
        {0.734f, 0.737f, 0.741f, 0.744f, 0.747f, 0.750f, 0.753f, 0.754f, 0.755f, 0.755f,
         0.755f, 0.755f, 0.755f, 0.753f, 0.754f, 0.757f, 0.742f, 0.727f, 0.714f, 0.699f,
         0.685f, 0.673f, 0.668f, 0.663f, 0.652f, 0.648f, 0.653f, 0.653f, 0.648f, 0.647f,
         0.647f, 0.646f, 0.648f, 0.643f, 0.637f, 0.630f, 0.628f, 0.640f, 0.657f, 0.665f,
         0.669f, 0.672f, 0.675f, 0.682f, 0.694f, 0.702f, 0.709f, 0.713f},
        // Sunday
        {0.731f, 0.733f, 0.736f, 0.738f, 0.741f, 0.743f, 0.745f, 0.747f, 0.747f, 0.748f,
         0.748f, 0.748f, 0.748f, 0.749f, 0.747f, 0.742f, 0.734f, 0.728f, 0.723f, 0.714f,
         0.703f, 0.693f, 0.687f, 0.686f, 0.689f, 0.697f, 0.703f, 0.703f, 0.700f, 0.699f,
         0.703f, 0.707f, 0.710f, 0.706f, 0.704f, 0.703f, 0.706f, 0.713f, 0.722f, 0.728f,
         0.732f, 0.734f, 0.740f, 0.747f, 0.757f, 0.768f, 0.775f, 0.778f},
    }},
    .day_level_sd_rel = 0.118f,
    .day_level_sd_share = 0.078f,
    .noise_sd_share = 0.0427f,
    .noise_ar1_5min = 0.978f,
    .step5_sd_share = 0.0052f,
};

// Hospital: hospital car parks. Morning and afternoon clinic peaks with a lunchtime dip on
// weekdays.
// Data: guangzhou-parking occupancy.csv columns H1/H2/H3 (6912 rows each), capacity from inf.csv
// CAPACITY - 3 car parks, capacity in brackets: H1 (408), H2 (700), H3 (1000).
// Anomalies: 60 readings above capacity clamped to 1.0; 0 readings in frozen stretches excluded;
// method as in the Guangzhou block above.
// Days averaged (the most any site has): 15 weekdays, 4 Saturdays, 5 Sundays/holidays. Peaks:
// weekday 0.82 at 10:30, Saturday 0.71 at 10:30, Sunday 0.65 at 11:00 (slot start times).
inline constexpr OccupancyProfile kHospitalProfile = {
    .name = "hospital",
    .car_parks = 3,
    .days = {15, 4, 5},
    .occupancy_share = {{
        // weekday
        {0.461f, 0.460f, 0.459f, 0.458f, 0.458f, 0.458f, 0.458f, 0.457f, 0.457f, 0.456f,
         0.457f, 0.458f, 0.459f, 0.465f, 0.493f, 0.584f, 0.680f, 0.756f, 0.805f, 0.811f,
         0.814f, 0.816f, 0.806f, 0.781f, 0.725f, 0.675f, 0.654f, 0.673f, 0.729f, 0.774f,
         0.782f, 0.775f, 0.756f, 0.714f, 0.654f, 0.588f, 0.549f, 0.533f, 0.529f, 0.527f,
         0.526f, 0.523f, 0.513f, 0.502f, 0.491f, 0.485f, 0.481f, 0.478f},
        // Saturday
        {0.470f, 0.467f, 0.465f, 0.465f, 0.466f, 0.465f, 0.466f, 0.466f, 0.466f, 0.467f,
         0.467f, 0.467f, 0.468f, 0.470f, 0.482f, 0.515f, 0.572f, 0.627f, 0.660f, 0.683f,
         0.698f, 0.706f, 0.698f, 0.672f, 0.628f, 0.594f, 0.574f, 0.562f, 0.565f, 0.578f,
         0.583f, 0.582f, 0.582f, 0.565f, 0.542f, 0.517f, 0.495f, 0.492f, 0.495f, 0.499f,
         0.495f, 0.491f, 0.484f, 0.479f, 0.472f, 0.467f, 0.466f, 0.461f},
        // Sunday
        {0.467f, 0.466f, 0.466f, 0.465f, 0.466f, 0.466f, 0.465f, 0.465f, 0.466f, 0.466f,
         0.466f, 0.466f, 0.467f, 0.470f, 0.480f, 0.508f, 0.541f, 0.574f, 0.595f, 0.617f,
         0.632f, 0.645f, 0.646f, 0.632f, 0.606f, 0.585f, 0.567f, 0.560f, 0.563f, 0.574f,
         0.577f, 0.578f, 0.569f, 0.556f, 0.535f, 0.516f, 0.503f, 0.499f, 0.498f, 0.495f,
         0.494f, 0.488f, 0.480f, 0.475f, 0.472f, 0.467f, 0.465f, 0.463f},
    }},
    .day_level_sd_rel = 0.126f,
    .day_level_sd_share = 0.086f,
    .noise_sd_share = 0.0359f,
    .noise_ar1_5min = 0.975f,
    .step5_sd_share = 0.0099f,
};

// Leisure: sport & leisure (S) and tourism (T) car parks together.
// Data: guangzhou-parking occupancy.csv columns S1/S2/S3/T1/T2/T3/T4 (6912 rows each), capacity
// from inf.csv CAPACITY - 7 car parks, capacity in brackets: S1 (4000), S2 (6000), S3 (700), T1
// (300), T2 (2000), T3 (300), T4 (500).
// Anomalies: 238 readings above capacity clamped to 1.0; 1824 readings in frozen stretches
// excluded; method as in the Guangzhou block above.
// S2 (6000) and T2 (2000) stay between 0.10 and 0.23 in every half hour and pull the mean down; S1
// is event-driven (weekday peak 0.26, Sunday peak 0.54). So the mean is lower and flatter than the
// curve of a typical single venue.
// Days averaged (the most any site has): 15 weekdays, 4 Saturdays, 5 Sundays/holidays. Peaks:
// weekday 0.46 at 15:30, Saturday 0.43 at 16:00, Sunday 0.47 at 15:30 (slot start times).
inline constexpr OccupancyProfile kLeisureProfile = {
    .name = "leisure",
    .car_parks = 7,
    .days = {15, 4, 5},
    .occupancy_share = {{
        // weekday
        {0.327f, 0.326f, 0.325f, 0.324f, 0.324f, 0.323f, 0.323f, 0.323f, 0.323f, 0.323f,
         0.323f, 0.323f, 0.323f, 0.323f, 0.325f, 0.327f, 0.335f, 0.355f, 0.376f, 0.393f,
         0.412f, 0.426f, 0.433f, 0.437f, 0.440f, 0.443f, 0.446f, 0.448f, 0.449f, 0.453f,
         0.455f, 0.456f, 0.455f, 0.449f, 0.442f, 0.435f, 0.425f, 0.419f, 0.420f, 0.421f,
         0.417f, 0.411f, 0.403f, 0.391f, 0.369f, 0.351f, 0.342f, 0.337f},
        // Saturday
        {0.328f, 0.326f, 0.324f, 0.323f, 0.322f, 0.322f, 0.321f, 0.321f, 0.321f, 0.321f,
         0.321f, 0.320f, 0.321f, 0.323f, 0.328f, 0.331f, 0.333f, 0.334f, 0.343f, 0.354f,
         0.371f, 0.389f, 0.400f, 0.404f, 0.407f, 0.407f, 0.408f, 0.409f, 0.416f, 0.423f,
         0.427f, 0.431f, 0.433f, 0.426f, 0.418f, 0.405f, 0.393f, 0.389f, 0.392f, 0.394f,
         0.393f, 0.389f, 0.382f, 0.372f, 0.351f, 0.343f, 0.329f, 0.322f},
        // Sunday
        {0.320f, 0.318f, 0.316f, 0.315f, 0.314f, 0.314f, 0.314f, 0.314f, 0.313f, 0.313f,
         0.313f, 0.313f, 0.313f, 0.313f, 0.314f, 0.314f, 0.315f, 0.318f, 0.326f, 0.336f,
         0.354f, 0.375f, 0.397f, 0.412f, 0.423f, 0.431f, 0.437f, 0.443f, 0.447f, 0.453f,
         0.462f, 0.466f, 0.460f, 0.455f, 0.446f, 0.433f, 0.424f, 0.420f, 0.416f, 0.412f,
         0.405f, 0.394f, 0.383f, 0.370f, 0.354f, 0.340f, 0.331f, 0.324f},
    }},
    .day_level_sd_rel = 0.103f,
    .day_level_sd_share = 0.051f,
    .noise_sd_share = 0.0272f,
    .noise_ar1_5min = 0.978f,
    .step5_sd_share = 0.0053f,
};

// Park-and-ride: P+R car parks at suburban rail/tram stops. The Guangzhou data has no P+R category,
// so this profile comes from Germany.
// Data: parkapi-germany daily/*.csv (45 daily files, 10161 rows; column timestamp in UTC, converted
// to Europe/Berlin; one column of FREE spaces per place_id, mapped by header name because the
// column sets differ between days) and meta-data.csv (place_name, num_all, place_url);
// 2020-09-01..2020-10-15, during COVID-19 but before the November 2020 lockdown. P+R sites:
// place_name containing "P+R" or "Park & Ride", plus Dresden's own P+R group (place_url
// areaContainer-7: car parks at suburban stations). 10 sites with a live feed, capacity in
// brackets: Dresden Kaditz (229, num_all 190), Dresden Klotzsche (36), Dresden Langebrück (53,
// num_all 50), Dresden Pennrich (51, num_all 50), Dresden Prohlis (86, num_all 56), Dresden Reick
// (19), Köln Marsdorf P+R (621, num_all missing), Köln P+R Stadion (P2) (580, num_all missing),
// Regensburg Park & Ride - Parkplatz Unterer Wöhrd (399, num_all missing), Regensburg Park &
// Ride-Parkplatz West (334, num_all missing).
// Method: occupied = capacity - free; an empty cell means "unchanged or not scraped", so the last
// value is carried forward on a 5-minute grid for up to 12 h; a site's day counts only if it had
// readings in >= 10 of the 15 hours 06:00-20:59 (some feeds deliver nothing but the snapshot row at
// the start of each daily file for days on end). Capacity = num_all, or the largest free count seen
// where that is larger (num_all out of date) or num_all is missing - P+R sites empty out at night.
// 2020-10-03 (German Unity Day, a Saturday) counts as a Sunday. Half hours a site lacks are
// interpolated from its neighbours (0 slots in all).
// Anomalies: no negative free counts at these sites; shares clamped to 0..1. Not used (no feed, or
// fewer than 500 readings in 45 days): Bühlau, Cossebaude, Gompitz, Weißig, Weixdorf Bad, P+R
// Bahnhof Griebnitzsee, P+R Bahnhof Pirschheide, P+R Johannes-Kepler-Platz, P+R Rehbrücke. The
// sites differ widely: weekday peaks from 0.14 to 0.97.
// Days averaged (the most any site has): 32 weekdays, 5 Saturdays, 7 Sundays/holidays. Peaks:
// weekday 0.50 at 11:30, Saturday 0.37 at 13:00, Sunday 0.37 at 14:30 (slot start times).
inline constexpr OccupancyProfile kParkAndRideProfile = {
    .name = "park-and-ride",
    .car_parks = 10,
    .days = {32, 5, 7},
    .occupancy_share = {{
        // weekday
        {0.133f, 0.133f, 0.132f, 0.132f, 0.135f, 0.139f, 0.146f, 0.152f, 0.154f, 0.153f,
         0.161f, 0.181f, 0.216f, 0.259f, 0.324f, 0.366f, 0.426f, 0.450f, 0.463f, 0.476f,
         0.485f, 0.490f, 0.496f, 0.497f, 0.496f, 0.491f, 0.482f, 0.471f, 0.464f, 0.449f,
         0.427f, 0.400f, 0.360f, 0.318f, 0.281f, 0.250f, 0.227f, 0.208f, 0.195f, 0.184f,
         0.173f, 0.168f, 0.165f, 0.158f, 0.154f, 0.148f, 0.144f, 0.141f},
        // Saturday
        {0.165f, 0.162f, 0.159f, 0.155f, 0.154f, 0.157f, 0.164f, 0.170f, 0.170f, 0.173f,
         0.174f, 0.178f, 0.190f, 0.196f, 0.195f, 0.208f, 0.223f, 0.236f, 0.252f, 0.273f,
         0.303f, 0.317f, 0.332f, 0.346f, 0.360f, 0.369f, 0.371f, 0.369f, 0.360f, 0.351f,
         0.351f, 0.353f, 0.348f, 0.328f, 0.313f, 0.293f, 0.270f, 0.256f, 0.250f, 0.239f,
         0.226f, 0.217f, 0.208f, 0.196f, 0.184f, 0.177f, 0.171f, 0.160f},
        // Sunday
        {0.157f, 0.156f, 0.154f, 0.151f, 0.149f, 0.154f, 0.158f, 0.159f, 0.159f, 0.161f,
         0.161f, 0.162f, 0.167f, 0.174f, 0.178f, 0.190f, 0.200f, 0.219f, 0.231f, 0.246f,
         0.270f, 0.292f, 0.310f, 0.324f, 0.336f, 0.338f, 0.350f, 0.354f, 0.361f, 0.368f,
         0.363f, 0.352f, 0.335f, 0.308f, 0.282f, 0.250f, 0.220f, 0.195f, 0.180f, 0.169f,
         0.163f, 0.159f, 0.157f, 0.151f, 0.148f, 0.147f, 0.147f, 0.145f},
    }},
    .day_level_sd_rel = 0.172f,
    .day_level_sd_share = 0.077f,
    .noise_sd_share = 0.0537f,
    .noise_ar1_5min = 0.942f,
    .step5_sd_share = 0.0182f,
};

// City-centre garages in Germany: NOT a land-use class, a European cross-check and alternative for
// kCommercialProfile (same data and method as kParkAndRideProfile).
// Data: the 258 other parkapi-germany places in 26 cities with num_all >= 50, >= 500 readings and
// >= 10 distinct values - shopping, office, station and theatre garages mixed.
// Anomalies: 57 otherwise eligible places whose free count exceeds num_all or goes negative are
// left out rather than repaired. Shops close on Sundays in Germany, hence the low Sunday row;
// Guangzhou's commercial Sunday is its busiest day.
// Days averaged (the most any site has): 32 weekdays, 5 Saturdays, 7 Sundays/holidays. Peaks:
// weekday 0.60 at 12:00, Saturday 0.64 at 14:00, Sunday 0.31 at 15:30 (slot start times).
inline constexpr OccupancyProfile kCityCentreGermanyProfile = {
    .name = "city-centre (Germany)",
    .car_parks = 258,
    .days = {32, 5, 7},
    .occupancy_share = {{
        // weekday
        {0.251f, 0.252f, 0.252f, 0.251f, 0.253f, 0.253f, 0.252f, 0.251f, 0.251f, 0.251f,
         0.251f, 0.252f, 0.253f, 0.259f, 0.253f, 0.272f, 0.310f, 0.357f, 0.406f, 0.453f,
         0.506f, 0.546f, 0.576f, 0.590f, 0.595f, 0.590f, 0.579f, 0.567f, 0.560f, 0.550f,
         0.540f, 0.528f, 0.514f, 0.496f, 0.476f, 0.451f, 0.425f, 0.398f, 0.377f, 0.353f,
         0.332f, 0.317f, 0.309f, 0.293f, 0.282f, 0.274f, 0.267f, 0.263f},
        // Saturday
        {0.285f, 0.280f, 0.278f, 0.275f, 0.273f, 0.270f, 0.268f, 0.267f, 0.267f, 0.266f,
         0.266f, 0.266f, 0.263f, 0.261f, 0.233f, 0.224f, 0.227f, 0.239f, 0.263f, 0.305f,
         0.371f, 0.436f, 0.495f, 0.545f, 0.584f, 0.610f, 0.627f, 0.636f, 0.639f, 0.637f,
         0.632f, 0.622f, 0.607f, 0.585f, 0.558f, 0.526f, 0.495f, 0.464f, 0.439f, 0.416f,
         0.392f, 0.370f, 0.363f, 0.350f, 0.336f, 0.323f, 0.308f, 0.297f},
        // Sunday
        {0.282f, 0.276f, 0.271f, 0.266f, 0.261f, 0.257f, 0.254f, 0.251f, 0.250f, 0.248f,
         0.248f, 0.247f, 0.241f, 0.240f, 0.243f, 0.241f, 0.238f, 0.233f, 0.231f, 0.232f,
         0.235f, 0.242f, 0.251f, 0.259f, 0.269f, 0.278f, 0.286f, 0.293f, 0.298f, 0.302f,
         0.307f, 0.308f, 0.306f, 0.299f, 0.293f, 0.287f, 0.285f, 0.284f, 0.284f, 0.278f,
         0.268f, 0.256f, 0.245f, 0.232f, 0.226f, 0.221f, 0.216f, 0.212f},
    }},
    .day_level_sd_rel = 0.155f,
    .day_level_sd_share = 0.079f,
    .noise_sd_share = 0.0612f,
    .noise_ar1_5min = 0.945f,
    .step5_sd_share = 0.0227f,
};

// In the order of the simulator's LandUse {kCommercial, kOffice, kResidential, kHospital,
// kLeisure, kParkAndRide}: kLandUseProfiles[static_cast<int>(use)].
inline constexpr int kLandUseProfileCount = 6;
inline constexpr std::array<const OccupancyProfile*, kLandUseProfileCount> kLandUseProfiles = {
    &kCommercialProfile, &kOfficeProfile,  &kResidentialProfile,
    &kHospitalProfile,   &kLeisureProfile, &kParkAndRideProfile};

// On-street bays, from melbourne-onstreet (City of Melbourne in-ground bay sensors,
// 2016-11-07..2016-11-28, 22 daily files, 45945 events, 2280 bays, 16 weekdays and 6 weekend days).
//
// IMPORTANT: that data set holds ONLY stays that overstayed the posted limit. Arrival rates of all
// stays and the share of stays that overstay are therefore NOT in the data; they are derived below
// with the assumption spelled out. Columns used: arrival_time (date and time), departure_time (time
// of day, same date), vio_time (posted limit = vio_time - arrival), vio_stay_time (minutes over the
// limit), street_marker (bay). Checks: departure - arrival == limit + vio_stay_time in all 45945
// rows; no stay crosses midnight. Overstays are recorded only from 5 minutes over the limit (grace
// period; 3 rows below 5 minutes, sensor glitches, dropped from the dwell fits) and from 16 minutes
// where the limit is 0.

// Row indices of the week-part dimension (Monday-Friday, Saturday-Sunday).
inline constexpr int kWeekdaysRow = 0;
inline constexpr int kWeekendRow = 1;
inline constexpr int kWeekPartRows = 2;
inline constexpr int kHourSlots = 24;  // slot h covers [h:00, h+1:00)
inline constexpr int kOnStreetGraceMinutes = 5;

// MEASURED. Arrivals of stays that went on to overstay, per bay per hour, by hour of arrival
// [week-part row][hour]: events / (days of that week part x 2280 bays). The bays are those with at
// least one overstay in the period; a network with more bays would give proportionally lower rates.
// Most restrictions apply about 07:30-18:30, so night hours are near zero by construction.
inline constexpr std::array<std::array<float, kHourSlots>, kWeekPartRows>
    kOnStreetOverstayArrivalsPerBayHour = {{
        {0.0019f, 0.0003f, 0.0001f, 0.0003f, 0.0009f, 0.0011f, 0.0023f, 0.0996f,
         0.0709f, 0.1037f, 0.0984f, 0.0989f, 0.1021f, 0.0939f, 0.0771f, 0.0637f,
         0.0557f, 0.0522f, 0.0387f, 0.0057f, 0.0044f, 0.0024f, 0.0013f, 0.0004f},
        {0.0039f, 0.0005f, 0.0004f, 0.0003f, 0.0010f, 0.0006f, 0.0034f, 0.0751f,
         0.0380f, 0.0577f, 0.0706f, 0.0745f, 0.0726f, 0.0778f, 0.0741f, 0.0659f,
         0.0571f, 0.0417f, 0.0254f, 0.0069f, 0.0039f, 0.0033f, 0.0012f, 0.0001f},
    }};

// DERIVED (not in the data). Share of all stays that overstay the limit. Little's law at one
// calibration point, Saturday 11:18, on the 1868 bays present both in the events and in
// bay_status_snapshot_2018-09-08.csv (column status, taken ~11:18 on Saturday 2018-09-08):
//   occupied share (snapshot, 2018)                 O = 0.541
//   share occupied by an overstaying stay (2016, mean of 3 Saturdays at 11:18)  V = 0.157
//   overstaying arrivals 10:00-12:00 on Saturdays   = 0.0668 per bay-hour
//   compliant stays: mean dwell assumed (L + grace) / 2 = 37.0 min, i.e. uniform on (0, L + 5 min],
//   with L = 69.0 min, the mean posted limit of those overstays
//   overstay share = lambda_v / (lambda_v + (O - V) / mean compliant dwell) = 0.097
// With a mean compliant dwell of L / 4 or of L + 5 min instead the share is 0.048 or 0.177 (the
// bounds below). The snapshot is from 2018 and the events from 2016; bays were renumbered in
// between, hence the join on st_marker_id to the bays present in both.
inline constexpr float kOnStreetOverstayShareOfStays = 0.097f;
inline constexpr float kOnStreetOverstayShareOfStaysLow = 0.048f;
inline constexpr float kOnStreetOverstayShareOfStaysHigh = 0.177f;

// DERIVED (not in the data). Arrivals of all stays per bay per hour [week-part row][hour] =
// kOnStreetOverstayArrivalsPerBayHour / kOnStreetOverstayShareOfStays, i.e. assuming the overstay
// share is the same at every hour. Meaningful 07:00-18:59 only; outside the restricted hours
// overstays (and so these values) are near zero by construction - a simulator should put its own
// floor under night arrivals.
inline constexpr std::array<std::array<float, kHourSlots>, kWeekPartRows>
    kOnStreetArrivalsPerBayHour = {{
        {0.0201f, 0.0031f, 0.0011f, 0.0034f, 0.0091f, 0.0116f, 0.0241f, 1.0286f,
         0.7320f, 1.0705f, 1.0159f, 1.0210f, 1.0541f, 0.9692f, 0.7957f, 0.6575f,
         0.5755f, 0.5389f, 0.4000f, 0.0589f, 0.0450f, 0.0249f, 0.0130f, 0.0045f},
        {0.0408f, 0.0053f, 0.0038f, 0.0030f, 0.0106f, 0.0060f, 0.0355f, 0.7752f,
         0.3925f, 0.5956f, 0.7292f, 0.7692f, 0.7495f, 0.8031f, 0.7654f, 0.6809f,
         0.5895f, 0.4303f, 0.2627f, 0.0710f, 0.0400f, 0.0340f, 0.0121f, 0.0015f},
    }};

// Occupied share of all 3075 sensor bays in the 2018 snapshot (Saturday ~11:18): a calibration
// point for a simulated on-street area (MEASURED, one moment only).
inline constexpr float kOnStreetSaturdayLateMorningOccupiedShare = 0.525f;

struct OverstayByLimit {
  int limit_minutes;         // posted limit; 0 = no parking allowed at that time
  float share_of_overstays;  // share of all overstay events
  // Minutes over the limit: p10, p25, p50, p75, p90.
  std::array<float, 5> excess_minutes_quantiles;
  // excess_minutes = excess_shift_minutes + LogNormal(mu, sigma) (minutes).
  float excess_shift_minutes;
  float excess_lognormal_mu;
  float excess_lognormal_sigma;
  int events;  // overstay events behind this row
  int bays;    // distinct bays among them
};

// MEASURED. How far overstays go beyond the posted limit, per limit (rows with >= 50 events). The
// limit of a bay changes with the time of day (1395 of 2280 bays show more than one limit);
// share_of_overstays is a share of events, not of bays. Fit: mu, sigma = mean and sd of ln(excess -
// shift).
inline constexpr std::array<OverstayByLimit, 9> kOnStreetOverstayByLimit = {{
    {0, 0.115f, {69.0f, 83.0f, 131.0f, 179.0f, 263.0f}, 15.5f, 4.717f, 0.629f, 5277, 1441},
    {5, 0.002f, {7.0f, 8.0f, 13.0f, 31.2f, 81.8f}, 4.5f, 2.404f, 1.554f, 82, 1},
    {10, 0.034f, {6.0f, 10.0f, 18.0f, 40.0f, 78.0f}, 4.5f, 2.563f, 1.431f, 1555, 18},
    {15, 0.117f, {7.0f, 10.0f, 19.0f, 41.0f, 84.0f}, 4.5f, 2.648f, 1.372f, 5380, 95},
    {30, 0.131f, {7.0f, 12.0f, 22.0f, 47.0f, 108.0f}, 4.5f, 2.880f, 1.434f, 6031, 182},
    {60, 0.281f, {8.0f, 12.0f, 25.0f, 55.0f, 119.0f}, 4.5f, 2.973f, 1.433f, 12905, 542},
    {120, 0.261f, {8.0f, 15.0f, 36.0f, 90.0f, 189.0f}, 4.5f, 3.363f, 1.481f, 12004, 1016},
    {180, 0.029f, {8.0f, 15.0f, 47.0f, 132.0f, 262.3f}, 4.5f, 3.573f, 1.589f, 1318, 171},
    {240, 0.030f, {9.0f, 19.0f, 56.0f, 178.0f, 287.0f}, 4.5f, 3.744f, 1.619f, 1393, 219},
}};

struct DwellMinutes {
  std::array<float, 5> quantiles;  // p10, p25, p50, p75, p90, minutes
  float mean;                      // minutes
  float lognormal_mu;              // of ln(minutes)
  float lognormal_sigma;
};

// MEASURED. Dwell time (departure - arrival) of overstaying stays at bays with a limit > 0 (40668
// events). Compliant stays are not in the data; the derivation above assumes they are uniform on
// (0, limit + 5 min]. A simulator can draw: overstay with probability
// kOnStreetOverstayShareOfStays, then dwell = limit + excess (kOnStreetOverstayByLimit), else dwell
// = Uniform(0, limit + 5).
inline constexpr DwellMinutes kOnStreetOverstayDwellMinutes = {
    {36.0f, 66.0f, 104.0f, 166.0f, 270.0f}, 137.2f, 4.619f, 0.784f};

// EV chargers, from ev-charging-shenzhen-guangzhou/ev_occupancy_{shenzhen,guangzhou}.csv (columns
// time, station_id, total, busy; 450432 rows, 68 stations, 2333 connectors, 5-minute grid
// 2021-12-10..2022-01-01, 16 weekdays and 7 weekend days incl. New Year's Day). "busy" means "not
// available" in the app, so it includes connectors out of service.
//
// connectors_in_use_share[week-part row][hour] = hourly mean of busy / total, equal weight per
// station (total is read per row: one station changes size). Frozen stretches (busy unchanged >= 6
// h; almost all stations froze from about 2021-12-21 22:15 to 12-22 22:20 and 2021-12-15 17:30 to
// 12-16 10:40) are excluded: 15.8% of station-slots. 6 stations frozen more than half the time are
// left out entirely: Shenzhen 12201 (11 connectors), Shenzhen 13383 (14 connectors), Shenzhen 17261
// (12 connectors), Shenzhen 53289 (10 connectors), Shenzhen 79484 (70 connectors), Shenzhen 79855
// (14 connectors). Overnight charging dominates: busiest around midnight, quietest mid-morning and
// afternoon, with a lunchtime bump (probably time-of-use electricity tariffs).
//
// offline_share: share of connector-time at stations frozen with every connector busy for >= 6 h -
// offline or faulted, not full (MEASURED, all 68 stations). never_free_share_max: connectors that
// were never free in the clean data, summed over the stations used - an upper bound on connectors
// out of service for the whole period (some may just be always in use). Noise figures are per
// station (median 30 connectors); for a station of n connectors scale noise_sd_share by about
// sqrt(30 / n).
struct EvChargerProfile {
  int stations;    // stations averaged, equal weight
  int connectors;  // connectors at those stations
  std::array<int, kWeekPartRows> days;
  // [week-part row][hour], share of connectors busy (in use or unavailable), 0..1.
  std::array<std::array<float, kHourSlots>, kWeekPartRows> connectors_in_use_share;
  float day_level_sd_rel;      // as in OccupancyProfile
  float day_level_sd_share;    // as in OccupancyProfile
  float noise_sd_share;        // as in OccupancyProfile, per station of median size
  float noise_ar1_5min;        // as in OccupancyProfile
  float step5_sd_share;        // as in OccupancyProfile
  float offline_share;         // connector-time offline/faulted (stuck at all busy)
  float never_free_share_max;  // upper bound on connectors out of service throughout
};

inline constexpr EvChargerProfile kEvChargerProfile = {
    .stations = 62,
    .connectors = 2202,
    .days = {16, 7},
    .connectors_in_use_share = {{
        {0.615f, 0.604f, 0.547f, 0.513f, 0.503f, 0.529f, 0.577f, 0.483f,
         0.360f, 0.278f, 0.289f, 0.324f, 0.524f, 0.519f, 0.349f, 0.295f,
         0.335f, 0.332f, 0.324f, 0.334f, 0.387f, 0.407f, 0.404f, 0.480f},
        {0.598f, 0.626f, 0.584f, 0.560f, 0.568f, 0.582f, 0.595f, 0.551f,
         0.431f, 0.342f, 0.325f, 0.318f, 0.431f, 0.454f, 0.325f, 0.299f,
         0.317f, 0.329f, 0.297f, 0.322f, 0.361f, 0.370f, 0.383f, 0.470f},
    }},
    .day_level_sd_rel = 0.184f,
    .day_level_sd_share = 0.070f,
    .noise_sd_share = 0.1213f,
    .noise_ar1_5min = 0.662f,
    .step5_sd_share = 0.1039f,
    .offline_share = 0.036f,
    .never_free_share_max = 0.043f,
};

}  // namespace pg::ingest::simulator
