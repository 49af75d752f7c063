#include "simulation/demand.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ingest/simulator/city_simulator.h"
#include "ingest/simulator/demand_curves.h"

namespace pg::simulation {
namespace {

namespace sim = ingest::simulator;
constexpr double kMPerDegLat = 111'195.0;
constexpr double kPi = 3.14159265358979323846;

LatLon Offset(const LatLon& p, double east_m, double north_m) {
  return {p.lat + north_m / kMPerDegLat,
          p.lon + east_m / (kMPerDegLat * std::cos(p.lat * kPi / 180))};
}

// Departure offsets: inverse transform over the arrival-rate curve, minute by minute.
std::vector<int64_t> DrawDepartures(const DemandParams& p, Rng& rng) {
  const int minutes = std::max(1, static_cast<int>(std::lround(p.window_hours * 60)));
  std::vector<double> cumulative(minutes + 1, 0);
  for (int m = 0; m < minutes; ++m) {
    cumulative[m + 1] = cumulative[m] + ArrivalRate(p.start_hour_local + (m + 0.5) / 60.0);
  }
  std::vector<int64_t> out;
  out.reserve(p.drivers);
  for (int i = 0; i < p.drivers; ++i) {
    const double u = rng.Uniform() * cumulative.back();
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    const int m = std::clamp(static_cast<int>(it - cumulative.begin()) - 1, 0, minutes - 1);
    const double within = (u - cumulative[m]) / std::max(1e-12, cumulative[m + 1] - cumulative[m]);
    out.push_back(static_cast<int64_t>((m + within) * 60'000));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool OpenForCars(const graph::ModeGraphView& g, uint32_t segment) {
  const graph::SegmentNodes& n = g.segment_nodes[segment];
  auto open = [&](uint32_t node) {
    return node == graph::kNoNode ||
           g.node_layer[node] == static_cast<uint8_t>(graph::NodeLayer::kOpen);
  };
  return open(n.forward) && open(n.backward);
}

LatLon PointLocation(const routing::SnappedPoint& p) { return p.location; }

routing::SnappedPoint DrawOrigin(const SimCity& city, const LatLon& dest, const DemandParams& p,
                                 Rng& rng) {
  const auto& g = city.network->View(graph::Mode::kCar);
  routing::SnappedPoint best;
  double best_gap = 1e18;
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto segment = static_cast<uint32_t>(rng.Below(g.segment_count()));
    if (!OpenForCars(g, segment)) continue;
    auto point = city.network->PointOnSegment(graph::Mode::kCar, segment, rng.Uniform());
    const double d = HaversineMeters(PointLocation(point), dest);
    if (d >= p.origin_min_m && d <= p.origin_max_m) return point;
    // Small cities: the point whose distance is nearest the range.
    const double gap = d < p.origin_min_m ? p.origin_min_m - d : d - p.origin_max_m;
    if (gap < best_gap) {
      best_gap = gap;
      best = point;
    }
  }
  return best;
}

std::vector<int> KnownFacilities(const SimCity& city, const LatLon& dest, double known_share,
                                 Rng& rng) {
  std::vector<int> order(city.facilities.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> dist(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    dist[i] = HaversineMeters(city.facilities[i].location, dest);
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return dist[a] < dist[b]; });
  std::vector<int> known;
  for (size_t k = 0; k < order.size(); ++k) {
    // One draw per facility whatever the outcome, so the stream stays aligned.
    const bool knows = rng.Chance(known_share);
    if (k == 0 || knows) known.push_back(order[k]);
  }
  return known;
}

}  // namespace

double ArrivalRate(double hour_of_day) {
  return std::max(0.01, sim::OccupancyShare(sim::LandUse::kCommercial, sim::DayType::kWeekday,
                                            std::fmod(hour_of_day, 24.0)));
}

double DrawStayMinutes(Rng& rng, int limit_minutes) {
  const double u_kind = rng.Uniform();
  const double u_dwell = rng.Uniform();
  const double z = rng.Normal();
  return std::clamp(sim::BayDwellMinutes(limit_minutes, u_kind, u_dwell, z), 5.0, 480.0);
}

double ResidualStayMinutes(Rng& rng, int limit_minutes) {
  for (;;) {  // length-biased by rejection: accept a stay with probability stay / 480
    const double stay = DrawStayMinutes(rng, limit_minutes);
    if (rng.Uniform() * 480.0 <= stay) return stay * rng.Uniform();
  }
}

Result<std::vector<DriverPlan>> DrawDrivers(const SimCity& city, const DemandParams& params,
                                            uint64_t seed) {
  Rng rng(seed, "drivers");
  std::vector<double> weight(city.facilities.size());
  double total = 0;
  for (size_t i = 0; i < weight.size(); ++i) total += weight[i] = city.facilities[i].capacity;
  const std::vector<int64_t> departures = DrawDepartures(params, rng);
  std::vector<DriverPlan> out;
  out.reserve(departures.size());
  for (size_t i = 0; i < departures.size(); ++i) {
    Rng d(seed, "driver", i);
    DriverPlan plan;
    plan.id = static_cast<uint32_t>(i);
    plan.depart_ms = departures[i];
    double u = d.Uniform() * total;
    plan.anchor = static_cast<int>(weight.size()) - 1;
    for (size_t f = 0; f < weight.size(); ++f) {
      if ((u -= weight[f]) < 0) {
        plan.anchor = static_cast<int>(f);
        break;
      }
    }
    bool placed = false;
    for (int attempt = 0; attempt < 30 && !placed; ++attempt) {
      const double r = params.dest_spread_m * std::sqrt(d.Uniform());
      const double theta = 2 * kPi * d.Uniform();
      const LatLon p =
          Offset(city.facilities[plan.anchor].location, r * std::cos(theta), r * std::sin(theta));
      auto snapped = city.network->Snap(graph::Mode::kFoot, p, 150);
      if (!snapped.ok()) continue;
      plan.dest = snapped->location;
      plan.dest_foot = *snapped;
      placed = true;
    }
    if (!placed) {
      plan.dest = city.facilities[plan.anchor].foot.location;
      plan.dest_foot = city.facilities[plan.anchor].foot;
    }
    plan.origin = DrawOrigin(city, plan.dest, params, d);
    plan.stay_minutes = DrawStayMinutes(d, params.stay_limit_minutes);
    plan.known = KnownFacilities(city, plan.dest, params.known_share, d);
    out.push_back(std::move(plan));
  }
  return out;
}

double ErlangB(double a, int c) {
  double b = 1;
  for (int k = 1; k <= c; ++k) b = a * b / (k + a * b);
  return b;
}

double OfferedLoadFor(double carried, int capacity) {
  if (carried <= 0) return 0;
  double lo = 0;
  double hi = 5.0 * capacity;
  if (hi * (1 - ErlangB(hi, capacity)) <= carried) return hi;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (mid * (1 - ErlangB(mid, capacity)) < carried ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

namespace {

// The offered load (spaces) whose carried load is `share` of the capacity less the simulated
// drivers' own load `own`; a share at or above 1 saturates.
double OfferedLoadForShare(double share, double own, int c) {
  const double carried = std::clamp(share * c - own, 0.0, 0.999 * c);
  return OfferedLoadFor(carried, c);
}

// E[B] over share ~ N(target, sd): 21-point quadrature over ±3 sd.
double LongRunPFull(double target, double sd, double own, int c) {
  double sum = 0, weights = 0;
  for (int i = -10; i <= 10; ++i) {
    const double z = i * 0.3;
    const double w = std::exp(-z * z / 2);
    sum += w * ErlangB(OfferedLoadForShare(target + z * sd, own, c), c);
    weights += w;
  }
  return sum / weights;
}

double MeanStayMinutes(const DemandParams& params, uint64_t seed) {
  Rng rng(seed, "mean-stay");
  double sum = 0;
  for (int i = 0; i < 4000; ++i) sum += DrawStayMinutes(rng, params.stay_limit_minutes);
  return sum / 4000;
}

}  // namespace

std::vector<Background> CalibrateBackground(const SimCity& city,
                                            const std::vector<DriverPlan>& drivers,
                                            const DemandParams& params, uint64_t seed,
                                            double run_minutes) {
  // The simulated drivers' expected load, spread by capacity as their anchors are drawn.
  // Spaces the simulated drivers hold on average over the window: each stay's overlap with it.
  const double window_ms = std::max(1.0, params.window_hours * 3'600'000);
  double held_ms = 0;
  for (const auto& d : drivers) {
    const double from = static_cast<double>(d.depart_ms);
    held_ms += std::max(0.0, std::min(window_ms, from + d.stay_minutes * 60'000) - from);
  }
  const double driver_load = held_ms / window_ms;
  double total_capacity = 0;
  for (const auto& f : city.facilities) total_capacity += f.capacity;
  const double mean_stay = MeanStayMinutes(params, seed);
  const size_t steps = static_cast<size_t>(std::ceil(std::max(1.0, run_minutes) / 5)) + 1;
  const double a = params.noise_ar1_5min;
  const double sd = params.noise_sd_share;

  std::vector<Background> out(city.facilities.size());
  for (size_t i = 0; i < out.size(); ++i) {
    Rng rng(seed, "background-target", i);
    Rng noise(seed, "background-noise", i);
    const int c = city.facilities[i].capacity;
    Background& b = out[i];
    b.target_share = rng.Uniform(params.occupancy_low, params.occupancy_high);
    const double own =
        std::min(driver_load * c / std::max(1.0, total_capacity), 0.5 * b.target_share * c);
    double e = sd * noise.Normal();
    b.initial_cars = static_cast<int>(
        std::lround(std::clamp((b.target_share + e) * c - own, 0.0, static_cast<double>(c))));
    for (size_t k = 0; k < steps; ++k) {
      const double rate = OfferedLoadForShare(b.target_share + e, own, c) / mean_stay;
      b.arrivals_per_min.push_back(rate);
      b.max_arrivals_per_min = std::max(b.max_arrivals_per_min, rate);
      e = a * e + std::sqrt(1 - a * a) * sd * noise.Normal();
    }
    b.p_full = LongRunPFull(b.target_share, sd, own, c);
  }
  return out;
}

HistoryForecaster::HistoryForecaster(const SimCity& city, std::vector<Background> background,
                                     std::vector<bool> has_feed)
    : city_(city), background_(std::move(background)), has_feed_(std::move(has_feed)) {}

Result<forecast::ArrivalForecast> HistoryForecaster::AtArrival(const forecast::SeriesKey& key,
                                                               Timestamp arrival) const {
  const int i = key.kind == forecast::SeriesKey::Kind::kFacility ? city_.IndexOf(key.id) : -1;
  if (i < 0) return NotFound("no such series: " + key.Name());
  if (!has_feed_[i]) return Unavailable("no history and no live value for " + key.Name());
  const Background& b = background_[i];
  const int c = city_.facilities[i].capacity;
  forecast::ArrivalForecast f;
  f.origin = arrival;
  f.arrival = arrival;
  f.capacity = c;
  f.expected_share = b.target_share;
  f.expected_occupied = b.target_share * c;
  f.p_free = std::clamp(1 - b.p_full, 0.02, 0.99);
  f.low_share = f.high_share = b.target_share;
  f.method = "historical_average";
  f.fallback = true;
  f.reason = "simulated city: the long-run level of its background demand";
  return f;
}

}  // namespace pg::simulation
