// The demand model (docs/simulation.md "Demand"): who arrives when, where they go, how long they
// stay, what they know — and the background cars that keep the facilities at the requested
// occupancy.
//
//   Drivers: departures spread over the window with a rate proportional to the weekday
//   commercial occupancy curve derived from the Guangzhou car-park series (demand_curves.h: by
//   Little's law, with stays of one distribution, arrivals follow occupancy); destinations
//   around facilities (an anchor drawn by capacity, a point uniform within 300 m of it, on the
//   foot graph); origins on the car graph 1–4 km away; stays from the Melbourne-derived on-street
//   dwell model with a 2-hour limit (BayDwellMinutes); familiarity: the facility nearest the
//   destination and each other one with probability `known_share`.
//
//   Background: each facility gets a target share uniform in the requested range; its other
//   cars arrive as a Poisson process whose offered load solves the Erlang loss formula
//   a·(1 − B(a, c)) = target·c − (the simulated drivers' expected share), stays from the same
//   dwell model, and cars finding it full are lost (they are not simulated further).
//
// Everything is a deterministic function of (seed, city, parameters).
//
// Thread-safety: plain functions and values.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/time.h"
#include "forecast/service.h"
#include "simulation/random.h"
#include "simulation/sim_city.h"

namespace pg::simulation {

struct DemandParams {
  int drivers = 2000;
  double window_hours = 2;       // departures spread over [start, start + window)
  double start_hour_local = 10;  // local time of day the window starts (a weekday)
  double dest_spread_m = 300;    // destinations within this of their anchor facility
  double origin_min_m = 1000;    // straight-line distance of an origin from its destination
  double origin_max_m = 4000;
  double known_share = 0.5;  // each facility (but the nearest) known with this probability
  double occupancy_low = 0.85;
  double occupancy_high = 0.95;
  int stay_limit_minutes = 120;  // the posted limit fed to the dwell model
  // The slow residual of a facility's level around its target (share of capacity; the
  // commercial car parks of the Guangzhou series): sd and lag-1 autocorrelation at 5 minutes.
  double noise_sd_share = 0.0417;
  double noise_ar1_5min = 0.971;
};

struct DriverPlan {
  uint32_t id = 0;
  int64_t depart_ms = 0;         // offset from the window's start
  routing::SnappedPoint origin;  // car graph
  LatLon dest;
  routing::SnappedPoint dest_foot;
  int anchor = -1;  // facility index the destination was drawn around
  double stay_minutes = 60;
  std::vector<int> known;  // facility indices, nearest to the destination first
};

// Relative arrival rate at a local hour of a weekday (the commercial occupancy curve).
double ArrivalRate(double hour_of_day);

// A stay in minutes from the dwell model (5–480 minutes).
double DrawStayMinutes(Rng& rng, int limit_minutes);
// What is left of the stay of a car found parked at a random instant in equilibrium: a stay drawn
// in proportion to its length (a longer stay is more likely to be under way), times a uniform.
double ResidualStayMinutes(Rng& rng, int limit_minutes);

// The drivers of one seed, by departure time. Errors: kFailedPrecondition when no destination
// can be placed on the foot graph.
Result<std::vector<DriverPlan>> DrawDrivers(const SimCity& city, const DemandParams& params,
                                            uint64_t seed);

// Erlang's loss formula: the probability that a c-space facility with offered load a (in spaces)
// is full — by PASTA also the share of time it is full.
double ErlangB(double offered_load, int capacity);
// The offered load whose carried load a·(1 − B(a, c)) is `carried` (capped at 5·c).
double OfferedLoadFor(double carried, int capacity);

struct Background {
  double target_share = 0.9;  // the facility's mean level
  // Offered arrivals per minute in each 5-minute step from the run's start: the level plus the
  // slow short-term residual of the real series (AR(1), demand_profiles.h), so a facility near
  // its capacity is full for stretches as real ones are.
  std::vector<double> arrivals_per_min;
  double max_arrivals_per_min = 0;
  int initial_cars = 0;  // parked when the run starts (before any simulated driver)
  double p_full = 0;     // long-run share of time full: E[B] over the residual's distribution
  double ArrivalsPerMinAt(int64_t run_ms) const {
    const size_t step = static_cast<size_t>(std::max<int64_t>(0, run_ms) / 300'000);
    return arrivals_per_min[std::min(step, arrivals_per_min.size() - 1)];
  }
};

// The background of every facility for `seed` over `run_minutes` (the target shares and
// residual paths are drawn per seed and facility, the same under every policy).
std::vector<Background> CalibrateBackground(const SimCity& city,
                                            const std::vector<DriverPlan>& drivers,
                                            const DemandParams& params, uint64_t seed,
                                            double run_minutes);

// The forecasts a city's history would give: for a facility with a live feed, the long-run
// share occupied and P(free) = 1 − B of its background (method "historical_average", as the
// forecast service's own fallback); facilities without a feed have no history (kUnavailable).
class HistoryForecaster final : public forecast::ArrivalForecaster {
 public:
  HistoryForecaster(const SimCity& city, std::vector<Background> background,
                    std::vector<bool> has_feed);
  Result<forecast::ArrivalForecast> AtArrival(const forecast::SeriesKey& key,
                                              Timestamp arrival) const override;

 private:
  const SimCity& city_;
  std::vector<Background> background_;
  std::vector<bool> has_feed_;
};

}  // namespace pg::simulation
