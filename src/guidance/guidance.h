// Guide: where to park near a destination — facilities (car parks and on-street zones) and, for
// electric vehicles, charging sites, ranked by the driver's expected total cost (SPEC §4), with
// the reasons for every exclusion. The model and its parameters: docs/guidance.md.
//
//   PG_ASSIGN_OR_RETURN(auto guide, Guide::Create(network, registry, &snap_table, {}));
//   GuidanceRequest req;
//   req.dest = {43.7384, 7.4246};
//   req.origin = LatLon{43.7316, 7.4198};
//   PG_ASSIGN_OR_RETURN(GuidanceAnswer a,
//                       guide->Answer(req, *live.Snapshot(), clock.Now(), &forecasts, rules));
//   for (const RankedPlace& r : a.results) …   // best first
//
// Per query: one snap of each end, one forward search over the prepared car entrances (a
// routing::TargetSet), one over the prepared foot points (walking is symmetric on the foot
// graph, so the walk from every facility to the destination is one search from the
// destination), a forecast for each facility that passes the filters, the best search on from
// each candidate should it be full (over the drive times between candidates: from a table of
// nearby pairs computed at Create, NearbyDriveTable, or searched among the candidates when the
// walk is longer than the table covers), and one route per result returned.
//
// It reads snapshots only: the registry and network it was built on, the LiveSnapshot and the
// forecaster it is handed per call. Nothing here writes.
//
// Thread-safety: a Guide is immutable after Create; Answer may be called from any number of
// threads at once (route query objects are leased from internal pools).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/geo.h"
#include "core/status.h"
#include "core/time.h"
#include "forecast/service.h"
#include "graph/entrance_snaps.h"
#include "model/city_model.h"
#include "registry/registry.h"
#include "routing/road_network.h"
#include "state/live_state.h"

namespace pg::guidance {

enum class Vehicle { kCar, kEv };
enum class Lang { kZh, kEn };

// The parameters of the cost model (docs/guidance.md). Times are in milliseconds, money in fen.
struct GuidanceParams {
  // What an hour of the driver's time is worth: converts prices into time.
  int64_t value_of_time_fen_per_hour = 3000;  // ¥30/h
  // A minute walked counts this many minutes driven (walking is more tiresome, and slower to
  // correct when the estimate is wrong).
  double walk_time_factor = 1.5;
  // Time lost on arriving at a full facility before heading on (queue, entering, turning).
  int64_t full_detour_ms = 120'000;
  // Cruising for a space once the search has found nothing among the candidates; on top of it
  // the driver still walks and pays, as at the dearest place around (see NoSpaceMs).
  int64_t give_up_ms = 900'000;
  // How many further places the search from a full facility visits at most (each with its own
  // P(free)), before it is given up. The search cost grows as candidates^(depth − 1) per
  // candidate.
  int search_depth = 3;
  // Assumed when a facility charges but its tariff is not known.
  int64_t unknown_price_fen_per_hour = 1000;
  // P(free) when neither live data nor a forecast is available.
  double unknown_p_free = 0.5;
  // Live data weighs exp(-horizon / this) against the forecast in P(free) at arrival.
  int64_t live_weight_horizon_ms = int64_t{30} * 60'000;
  // Snap radius for dest and origin.
  double max_snap_distance_m = 500;
  // Excluded facilities farther than this multiple of max_walk are only counted, not listed.
  double explain_walk_factor = 2;
};

struct GuidanceRequest {
  LatLon dest;
  std::optional<LatLon> origin;
  // Arrival time; unset: now + each facility's drive time (now without an origin).
  std::optional<Timestamp> arrive;
  int stay_minutes = 60;
  Vehicle vehicle = Vehicle::kCar;
  std::optional<model::ConnectorType> connector;  // implies vehicle=ev
  bool accessible = false;
  std::optional<double> height_m;
  double max_walk_m = 1000;
  int limit = 5;
  Lang lang = Lang::kZh;
  bool explain = false;
  // This driver's value of time; unset: GuidanceParams::value_of_time_fen_per_hour.
  std::optional<int64_t> value_of_time_fen_per_hour;
};

// Where a P(free) comes from.
enum class DataSource {
  kLive,          // a fresh live count (blended with the forecast by horizon)
  kForecastOnly,  // no fresh live data: the forecast alone, labelled as such
  kNone,          // neither: GuidanceParams::unknown_p_free
};
std::string_view Name(DataSource s);  // "live", "forecast_only", "unknown"

enum class ExclusionReason {
  kRestrictedAccess,
  kTooLow,
  kStayOverTimeLimit,
  kNoAccessibleSpace,
  kNoMatchingConnector,
  kNoCarRoute,
  kNoFootway,
  kBeyondMaxWalk,
  kClosedAtArrival,
  kClosedByOperator,
};
std::string_view Name(ExclusionReason r);  // "restricted_access", "too_low", …

struct Availability {
  DataSource source = DataSource::kNone;
  state::OccupancyState state_now = state::OccupancyState::kUnknown;  // facilities only
  std::optional<int> free_now;          // live spaces (or matching connectors) free now
  std::optional<Timestamp> updated;     // of the live data
  int capacity = 0;                     // spaces, or matching connectors
  double p_free = 0;                    // at arrival
  std::optional<double> expected_free;  // at arrival
  std::string forecast_method;          // "model", "historical_average", … or ""
};

// The expected cost split into its terms; they add up to total_ms. Milliseconds of driver time
// (money converted at the value of time).
struct CostBreakdown {
  int64_t drive_ms = 0;  // to the chosen entrance
  int64_t walk_ms = 0;   // P(free) × walk × walk_time_factor
  int64_t price_ms = 0;  // P(free) × price in time
  // (1 − P(free)) × (detour + the best search on from here); plus P(free) × that search when
  // a free space here is not worth taking (RankedPlace::worth_taking; walk_ms and price_ms 0).
  int64_t full_risk_ms = 0;
  int64_t total_ms = 0;
};

struct RankedPlace {
  // Exactly one of these is set.
  const model::Facility* facility = nullptr;
  std::string site;  // a charging site (results in `chargers`)
  std::string id;    // facility id or site
  model::LocalizedName name;
  std::string entrance_id;  // "" for the facility's (or site's) own location
  LatLon entrance;
  std::optional<uint32_t> drive_time_ms;  // unset without an origin
  uint32_t drive_distance_dm = 0;
  uint32_t walk_time_ms = 0;
  uint32_t walk_distance_dm = 0;
  Timestamp arrival;
  Availability availability;
  int64_t price_fen = 0;  // the stay (assumed when !price_known)
  bool price_known = true;
  bool open_at_arrival = true;
  std::optional<int> closes_in_minutes;  // after arrival, when within a day
  CostBreakdown cost;
  std::string fallback_id;  // the first place of `search`; "" when none
  // If this place is full: the places the best search tries next, in order (at most
  // GuidanceParams::search_depth); empty when cruising is the best there is.
  std::vector<std::string> search;
  // Whether a free space here is worth taking: parking here costs no more than the search on
  // from here (ExpectedCost::worth_taking). Places that are not rank after all that are.
  bool worth_taking = true;
  std::vector<LatLon> route;  // origin → entrance; empty without an origin
  std::string summary;        // "3 min walk, likely free (92%), ¥6"
  // Charging sites: matching connectors and the best power among them.
  int connectors = 0;
  double max_power_kw = 0;
};

struct Exclusion {
  std::string id;
  model::LocalizedName name;
  ExclusionReason reason = ExclusionReason::kRestrictedAccess;
  std::string detail;  // in the request's language
};

struct GuidanceAnswer {
  routing::SnappedPoint dest;
  std::optional<routing::SnappedPoint> origin;
  Timestamp now;
  GuidanceRequest request;
  std::vector<RankedPlace> results;   // facilities, best first, at most request.limit
  std::vector<RankedPlace> chargers;  // charging sites (vehicle=ev), best first
  std::vector<Exclusion> excluded;    // with request.explain, in id order
  int excluded_far = 0;               // beyond explain_walk_factor × max_walk: counted, not listed
  int candidates = 0;                 // facilities that passed every filter
  // What a search that finds nothing costs (NoSpaceMs), for `results` and for `chargers`.
  int64_t no_space_ms = 0;
  int64_t chargers_no_space_ms = 0;
};

class Guide {
 public:
  // Prepares the entrance target sets and the drive times between nearby places (linear in the
  // city at a given density: NearbyDriveTable). `snaps` (may
  // be null) is the import's snap table: used when its fingerprint matches the network's,
  // otherwise every point is snapped afresh. Facilities none of whose points reach a road are
  // kept and excluded per query (no_car_route / no_footway).
  // REQUIRES: network and registry are not null.
  static std::unique_ptr<Guide> Create(std::shared_ptr<const routing::RoadNetwork> network,
                                       std::shared_ptr<const registry::Registry> registry,
                                       const graph::EntranceSnapTable* snaps,
                                       GuidanceParams params = {});
  ~Guide();

  // Ranks the registry's facilities (and charging sites for vehicle=ev) for `request`: those
  // worth taking by expected cost (ExpectedCosts), then those not worth taking even free.
  // `snapshot` must be of a LiveState over the same registry; `forecaster` may be null (live data
  // only). Errors: kNotFound naming "dest" or "origin" when that point has no road of its mode
  // (foot for dest, car for origin) within max_snap_distance_m; kInvalidArgument naming the field
  // for an invalid coordinate.
  Result<GuidanceAnswer> Answer(const GuidanceRequest& request, const state::LiveSnapshot& snapshot,
                                Timestamp now, const forecast::ArrivalForecaster* forecaster,
                                const state::LiveRules& rules = {}) const;

  const registry::Registry& registry() const;
  const routing::RoadNetwork& network() const;
  const GuidanceParams& params() const;

  struct Impl;

 private:
  explicit Guide(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One option of the cost model, in milliseconds of driver time.
struct CostInputs {
  double p_free = 0;
  int64_t drive_ms = 0;  // origin → entrance; 0 without an origin
  double walk_ms = 0;    // the walk × walk_time_factor
  double price_ms = 0;   // the price at the value of time
};

struct ExpectedCost {
  CostBreakdown cost;
  int fallback = -1;        // search.front(), or -1: cruising (no_space)
  std::vector<int> search;  // the best search on from this option, in visiting order
  // Whether a free space here is worth taking: parking here costs no more than searching on
  // (park_i ≤ alt_i). When not, a driver there passes it by even free: the option is only a
  // way to start the search, and Guide ranks it after every option worth taking.
  bool worth_taking = true;
};

// The model of docs/guidance.md. With park_j = walk_j + price_j, d(a, b) = drive_between(a, b)
// (routing::kUnreachable: no way) and F = no_space_ms, a search that, standing at a with the
// options of V visited, tries b next and then searches on from b costs
//   step(a → b, S) = d(a, b) + P_b·min(park_b, S) + (1 − P_b)·(detour + S),
// where S is the cost of the rest of the search from b (a driver who finds a space takes it
// unless searching on is cheaper). The best search of at most k more visits from a:
//   Search(a, V, 0) = F,
//   Search(a, V, k) = min(F, min over b ∉ V of step(a → b, Search(b, V ∪ {b}, k − 1))),
// which is the minimum over every ordered choice of at most k unvisited options. Option i:
//   total_i = drive_i + P_i·min(park_i, alt_i) + (1 − P_i)·(detour + alt_i),
//   alt_i = Search(i, {i}, params.search_depth),
// non-increasing in every P and non-decreasing in every drive, walk and price. When
// park_i > alt_i (not worth_taking) walk_ms and price_ms are 0 and full_risk_ms carries
// P_i·alt_i too. Terms are rounded to the millisecond and total_ms is their sum. Which of
// equal searches is named is deterministic.
// REQUIRES: no_space_ms ≥ give_up_ms + every option's park (failing to park never costs less
// than parking); unset, it is give_up_ms + the dearest option's park.
std::vector<ExpectedCost> ExpectedCosts(
    std::span<const CostInputs> options,
    const std::function<uint32_t(size_t from, size_t to)>& drive_between,
    const GuidanceParams& params, std::optional<double> no_space_ms = std::nullopt);

// What a search that finds nothing costs: give_up_ms of cruising, then the dearest walk and
// price among `parks` (walk × walk_time_factor + price, in ms) — so it costs more than parking
// at any of them. Guide passes every place within max_walk of the destination (its price an
// upper bound for the stay at any arrival time), before any other filter and whatever its
// availability: more candidates never raise it.
double NoSpaceMs(std::span<const double> parks, const GuidanceParams& params);

// P(free at arrival) from a live count alone: 1 − exp(−free / (1 + minutes ahead / 5)), clamped
// to [0.02, 0.99] — a few free spaces now say little about a quarter of an hour ahead.
double LiveOnlyPFree(int free_now, int64_t horizon_ms);

}  // namespace pg::guidance
