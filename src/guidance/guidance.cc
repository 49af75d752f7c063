#include "guidance/guidance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "model/tariff.h"
#include "model/vocabulary.h"
#include "routing/query_pool.h"
#include "routing/route_query.h"

namespace pg::guidance {

using routing::Mode;
using routing::RouteCost;
using routing::SnappedPoint;

std::string_view Name(DataSource s) {
  switch (s) {
    case DataSource::kLive:
      return "live";
    case DataSource::kForecastOnly:
      return "forecast_only";
    case DataSource::kNone:
      return "unknown";
  }
  return "?";
}

std::string_view Name(ExclusionReason r) {
  switch (r) {
    case ExclusionReason::kRestrictedAccess:
      return "restricted_access";
    case ExclusionReason::kTooLow:
      return "too_low";
    case ExclusionReason::kStayOverTimeLimit:
      return "stay_over_time_limit";
    case ExclusionReason::kNoAccessibleSpace:
      return "no_accessible_space";
    case ExclusionReason::kNoMatchingConnector:
      return "no_matching_connector";
    case ExclusionReason::kNoCarRoute:
      return "no_car_route";
    case ExclusionReason::kNoFootway:
      return "no_footway";
    case ExclusionReason::kBeyondMaxWalk:
      return "beyond_max_walk";
    case ExclusionReason::kClosedAtArrival:
      return "closed_at_arrival";
    case ExclusionReason::kClosedByOperator:
      return "closed_by_operator";
  }
  return "?";
}

namespace {
int64_t Round(double v) { return static_cast<int64_t>(std::llround(v)); }
}  // namespace

std::vector<ExpectedCost> ExpectedCosts(
    std::span<const CostInputs> options,
    const std::function<uint32_t(size_t from, size_t to)>& drive_between,
    const GuidanceParams& params) {
  const auto give_up = static_cast<double>(params.give_up_ms);
  std::vector<ExpectedCost> out(options.size());
  for (size_t i = 0; i < options.size(); ++i) {
    const CostInputs& o = options[i];
    double alt = give_up;
    for (size_t j = 0; j < options.size(); ++j) {
      if (j == i) continue;
      const uint32_t d = drive_between(i, j);
      if (d == routing::kUnreachable) continue;
      const CostInputs& x = options[j];
      const double cost = d + x.p_free * (x.walk_ms + x.price_ms) + (1 - x.p_free) * give_up;
      if (cost < alt) {
        alt = cost;
        out[i].fallback = static_cast<int>(j);
      }
    }
    CostBreakdown& k = out[i].cost;
    k.drive_ms = o.drive_ms;
    k.walk_ms = Round(o.p_free * o.walk_ms);
    k.price_ms = Round(o.p_free * o.price_ms);
    k.full_risk_ms = Round((1 - o.p_free) * (static_cast<double>(params.full_detour_ms) + alt));
    k.total_ms = k.drive_ms + k.walk_ms + k.price_ms + k.full_risk_ms;
  }
  return out;
}

double LiveOnlyPFree(int free_now, int64_t horizon_ms) {
  const double minutes = static_cast<double>(std::max<int64_t>(horizon_ms, 0)) / 60'000;
  const double p = 1 - std::exp(-std::max(free_now, 0) / (1 + minutes / 5));
  return std::clamp(p, 0.02, 0.99);
}

namespace {

// A point of a place on one mode's graph.
struct PlacePoint {
  uint32_t place = 0;
  std::string entrance_id;
  LatLon location;
};

// A facility or a charging site: what ranking needs of it, prepared once.
struct Place {
  const model::Facility* facility = nullptr;  // null for a charging site outside any facility
  std::string site;                           // charging sites only
  std::string id;
  model::LocalizedName name;
  std::vector<uint32_t> car_points;   // indices into Impl::car_points, in entrance order
  std::vector<uint32_t> foot_points;  // indices into Impl::foot_points
  model::OpeningHours hours;
  std::optional<int> zone_time_limit_minutes;  // on-street zones: the longest bay limit
  bool has_accessible = false;
  uint32_t connector_types = 0;  // bit per model::ConnectorType of in-service public chargers
  bool restricted = false;
  // Charging sites: their in-service chargers; and the facility they stand in (for the tariff
  // and opening hours), when all of them stand in one.
  std::vector<const model::Charger*> chargers;
  const model::Facility* host = nullptr;
};

uint32_t Bit(model::ConnectorType t) { return 1u << static_cast<unsigned>(t); }

std::string Money(int64_t fen) {
  if (fen % 100 == 0) return fmt::format("¥{}", fen / 100);
  return fmt::format("¥{:.2f}", static_cast<double>(fen) / 100);
}

int WholeMinutes(int64_t ms) { return static_cast<int>((ms + 30'000) / 60'000); }

std::string HoursText(int minute_of_day) {
  return fmt::format("{:02d}:{:02d}", minute_of_day / 60, minute_of_day % 60);
}

}  // namespace

struct Guide::Impl {
  std::shared_ptr<const routing::RoadNetwork> network;
  std::shared_ptr<const registry::Registry> registry;
  GuidanceParams params;
  std::vector<Place> places;  // facilities in registry order, then charging sites in site order
  size_t facility_count = 0;
  std::vector<SnappedPoint> car_snaps, foot_snaps;
  std::vector<PlacePoint> car_points, foot_points;
  std::unique_ptr<routing::TargetSet> car_set, foot_set;
  // drive_ms[e * places.size() + p]: driving from car point e to the nearest car point of place
  // p — the lookahead's "from here to the next option".
  std::vector<uint32_t> drive_ms;
  std::unique_ptr<routing::QueryPool> car_pool, foot_pool;

  // The nearest segment within max_snap_distance_m. Most points lie near a road, and a search
  // of the spatial grid costs with the square of its radius: a small radius first.
  Result<SnappedPoint> Snap(Mode mode, const LatLon& p, std::string_view field) const {
    constexpr double kNearM = 60;
    if (params.max_snap_distance_m > kNearM) {
      if (auto near = network->Snap(mode, p, kNearM, field); near.ok()) return near;
    }
    return network->Snap(mode, p, params.max_snap_distance_m, field);
  }

  uint32_t DriveBetween(uint32_t car_point, uint32_t place) const {
    return drive_ms[static_cast<size_t>(car_point) * places.size() + place];
  }

  void AddPoints(uint32_t place, const model::Facility& f, const graph::EntranceSnapTable* table);
  void AddPoint(uint32_t place, Mode mode, const std::string& entrance_id, const LatLon& location,
                const std::optional<graph::NearestSegment>* stored);
  void Prepare();
};

void Guide::Impl::AddPoint(uint32_t place, Mode mode, const std::string& entrance_id,
                           const LatLon& location,
                           const std::optional<graph::NearestSegment>* stored) {
  std::optional<SnappedPoint> snap;
  if (stored != nullptr) {
    if (*stored) snap = network->PointOnSegment(mode, (*stored)->segment, (*stored)->fraction);
  } else if (auto s = network->Snap(mode, location, graph::kEntranceSnapRadiusM); s.ok()) {
    snap = *s;
  }
  if (!snap) return;
  Place& p = places[place];
  if (mode == Mode::kCar) {
    p.car_points.push_back(static_cast<uint32_t>(car_points.size()));
    car_points.push_back({place, entrance_id, location});
    car_snaps.push_back(*snap);
  } else {
    p.foot_points.push_back(static_cast<uint32_t>(foot_points.size()));
    foot_points.push_back({place, entrance_id, location});
    foot_snaps.push_back(*snap);
  }
}

void Guide::Impl::AddPoints(uint32_t place, const model::Facility& f,
                            const graph::EntranceSnapTable* table) {
  auto stored = [&](const std::string& entrance, const LatLon& at,
                    Mode mode) -> const std::optional<graph::NearestSegment>* {
    if (table == nullptr) return nullptr;
    const graph::EntranceSnap* e = table->Find(f.id.str(), entrance);
    // A point the registry has moved since the import is snapped afresh.
    if (e == nullptr || e->location.lat != at.lat || e->location.lon != at.lon) return nullptr;
    return mode == Mode::kCar ? &e->car : &e->foot;
  };
  // Cars enter through vehicle entrances, or the facility's point when none is mapped.
  for (const auto& e : f.entrances) {
    if (e.kind == model::EntranceKind::kVehicle) {
      AddPoint(place, Mode::kCar, e.id, e.location, stored(e.id, e.location, Mode::kCar));
    }
  }
  if (places[place].car_points.empty()) {
    AddPoint(place, Mode::kCar, "", f.location, stored("", f.location, Mode::kCar));
  }
  // People walk out through any entrance; the point stands in when none is mapped.
  for (const auto& e : f.entrances) {
    AddPoint(place, Mode::kFoot, e.id, e.location, stored(e.id, e.location, Mode::kFoot));
  }
  if (places[place].foot_points.empty()) {
    AddPoint(place, Mode::kFoot, "", f.location, stored("", f.location, Mode::kFoot));
  }
}

void Guide::Impl::Prepare() {
  car_set = std::make_unique<routing::TargetSet>(*network, Mode::kCar, car_snaps);
  foot_set = std::make_unique<routing::TargetSet>(*network, Mode::kFoot, foot_snaps);
  car_pool = std::make_unique<routing::QueryPool>(network, Mode::kCar);
  foot_pool = std::make_unique<routing::QueryPool>(network, Mode::kFoot);
  const size_t n = places.size();
  drive_ms.assign(car_points.size() * n, routing::kUnreachable);
  auto query = car_pool->Acquire();
  std::vector<RouteCost> costs;
  for (size_t e = 0; e < car_points.size(); ++e) {
    query->OneToMany(car_snaps[e], *car_set, costs);
    for (size_t t = 0; t < costs.size(); ++t) {
      uint32_t& cell = drive_ms[e * n + car_points[t].place];
      cell = std::min(cell, costs[t].travel_time_ms);
    }
  }
}

Guide::Guide(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Guide::~Guide() = default;

const registry::Registry& Guide::registry() const { return *impl_->registry; }
const routing::RoadNetwork& Guide::network() const { return *impl_->network; }
const GuidanceParams& Guide::params() const { return impl_->params; }

std::unique_ptr<Guide> Guide::Create(std::shared_ptr<const routing::RoadNetwork> network,
                                     std::shared_ptr<const registry::Registry> registry,
                                     const graph::EntranceSnapTable* snaps, GuidanceParams params) {
  auto impl = std::make_unique<Impl>();
  impl->network = std::move(network);
  impl->registry = std::move(registry);
  impl->params = params;
  if (snaps != nullptr && snaps->graph_fingerprint != impl->network->fingerprint()) snaps = nullptr;
  const registry::Registry& reg = *impl->registry;

  std::map<std::string, size_t> facility_place;
  for (const auto& f : reg.facilities()) {
    Place p;
    p.facility = &f;
    p.id = f.id.str();
    p.name = f.name;
    if (!f.opening_hours.empty()) {
      if (auto oh = model::OpeningHours::Parse(f.opening_hours); oh.ok()) p.hours = *oh;
    }
    p.restricted = model::IsRestricted(f.access);
    auto disabled = f.capacity.by_category.find(model::SpaceCategory::kDisabled);
    p.has_accessible = disabled != f.capacity.by_category.end() && disabled->second > 0;
    for (const model::Bay* b : reg.BaysOf(f.id)) {
      if (b->category == model::SpaceCategory::kDisabled) p.has_accessible = true;
      if (f.kind == model::FacilityKind::kOnStreet && b->time_limit_minutes) {
        p.zone_time_limit_minutes =
            std::max(p.zone_time_limit_minutes.value_or(0), *b->time_limit_minutes);
      }
    }
    for (const model::Charger* c : reg.ChargersOf(f.id)) {
      if (c->lifecycle != model::Lifecycle::kInService || model::IsRestricted(c->access)) continue;
      for (const auto& con : c->connectors) p.connector_types |= Bit(con.type);
    }
    facility_place[p.id] = impl->places.size();
    impl->places.push_back(std::move(p));
  }
  impl->facility_count = impl->places.size();

  std::map<std::string, std::vector<const model::Charger*>> sites;
  for (const auto& c : reg.chargers()) {
    if (c.lifecycle != model::Lifecycle::kInService) continue;
    sites[state::ChargerSiteOf(c)].push_back(&c);
  }
  for (auto& [site, chargers] : sites) {
    Place p;
    p.site = site;
    p.id = site;
    p.chargers = std::move(chargers);
    p.name = p.chargers.front()->name;
    p.restricted = std::all_of(p.chargers.begin(), p.chargers.end(),
                               [](const model::Charger* c) { return IsRestricted(c->access); });
    for (const model::Charger* c : p.chargers) {
      if (IsRestricted(c->access)) continue;
      for (const auto& con : c->connectors) p.connector_types |= Bit(con.type);
    }
    const auto& first = p.chargers.front()->facility;
    bool one_host = first.has_value() &&
                    std::all_of(p.chargers.begin(), p.chargers.end(),
                                [&](const model::Charger* c) { return c->facility == first; });
    if (one_host) {
      if (auto it = facility_place.find(first->str()); it != facility_place.end()) {
        p.host = impl->places[it->second].facility;
        p.hours = impl->places[it->second].hours;
        if (p.name.zh.empty() && p.name.en.empty()) p.name = p.host->name;
      }
    }
    impl->places.push_back(std::move(p));
  }

  for (uint32_t i = 0; i < impl->places.size(); ++i) {
    const Place& p = impl->places[i];
    if (p.facility != nullptr) {
      impl->AddPoints(i, *p.facility, snaps);
    } else if (p.host != nullptr) {
      // A site inside a car park is reached through the car park's entrances.
      impl->AddPoints(i, *p.host, snaps);
    } else {
      const LatLon at = p.chargers.front()->location;
      impl->AddPoint(i, Mode::kCar, "", at, nullptr);
      impl->AddPoint(i, Mode::kFoot, "", at, nullptr);
    }
  }
  impl->Prepare();
  return std::unique_ptr<Guide>(new Guide(std::move(impl)));
}

namespace {

// One place being ranked in one query.
struct Candidate {
  uint32_t place = 0;
  int32_t car_point = -1;  // the chosen entrance; -1 when the place has none
  RankedPlace r;
  double p = 0;
};

struct Texts {
  Lang lang;
  bool zh() const { return lang == Lang::kZh; }
};

std::string AvailabilityWords(const Texts& t, const Availability& a, bool charger) {
  const int pct = static_cast<int>(std::lround(a.p_free * 100));
  std::string out;
  if (a.source == DataSource::kNone) {
    return t.zh() ? (charger ? "充电桩空闲情况未知" : "空位情况未知") : "availability unknown";
  }
  if (t.zh()) {
    const char* w = a.p_free >= 0.9 ? (charger ? "很可能有空闲充电桩" : "很可能有空位")
                    : a.p_free >= 0.6 ? (charger ? "大概有空闲充电桩" : "大概有空位")
                    : a.p_free >= 0.3 ? "可能已满"
                                      : "很可能已满";
    out = a.source == DataSource::kForecastOnly
              ? fmt::format("{}（{}%，仅预测，无实时数据）", w, pct)
              : fmt::format("{}（{}%）", w, pct);
  } else {
    const char* w = a.p_free >= 0.9   ? (charger ? "likely available" : "likely free")
                    : a.p_free >= 0.6 ? (charger ? "probably available" : "probably free")
                    : a.p_free >= 0.3 ? "may be full"
                                      : "likely full";
    out = a.source == DataSource::kForecastOnly
              ? fmt::format("{} ({}%, forecast only, no live data)", w, pct)
              : fmt::format("{} ({}%)", w, pct);
  }
  return out;
}

std::string Summary(const Texts& t, const RankedPlace& r, bool charger,
                    std::optional<model::ConnectorType> connector) {
  std::vector<std::string> parts;
  const int walk = WholeMinutes(r.walk_time_ms);
  if (t.zh()) {
    parts.push_back(walk == 0 ? "步行不到1分钟" : fmt::format("步行{}分钟", walk));
    if (r.drive_time_ms) {
      const int drive = WholeMinutes(*r.drive_time_ms);
      parts.push_back(drive == 0 ? "驾车不到1分钟" : fmt::format("驾车{}分钟", drive));
    }
    if (charger) {
      parts.push_back(
          fmt::format("{}个{}充电接口", r.connectors, connector ? model::Name(*connector) : ""));
    }
    parts.push_back(AvailabilityWords(t, r.availability, charger));
    if (r.price_known) {
      parts.push_back(r.price_fen == 0 ? "免费" : Money(r.price_fen));
    } else {
      parts.push_back(fmt::format("约{}（收费标准未知）", Money(r.price_fen)));
    }
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? "，" : "") + parts[i];
    return out;
  }
  parts.push_back(walk == 0 ? "<1 min walk" : fmt::format("{} min walk", walk));
  if (r.drive_time_ms) {
    const int drive = WholeMinutes(*r.drive_time_ms);
    parts.push_back(drive == 0 ? "<1 min drive" : fmt::format("{} min drive", drive));
  }
  if (charger) {
    parts.push_back(fmt::format("{} {}connector{}", r.connectors,
                                connector ? std::string(model::Name(*connector)) + " " : "",
                                r.connectors == 1 ? "" : "s"));
  }
  parts.push_back(AvailabilityWords(t, r.availability, charger));
  if (r.price_known) {
    parts.push_back(r.price_fen == 0 ? "free of charge" : Money(r.price_fen));
  } else {
    parts.push_back(fmt::format("~{} (tariff unknown)", Money(r.price_fen)));
  }
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out;
}

// The first filter a place fails before any route is looked at, with its detail.
std::optional<std::pair<ExclusionReason, std::string>> StaticExclusion(const Texts& t,
                                                                       const Place& p,
                                                                       const GuidanceRequest& req,
                                                                       bool charger) {
  using R = ExclusionReason;
  if (p.restricted) {
    std::string_view access =
        p.facility ? model::Name(p.facility->access) : std::string_view("private");
    return std::pair{R::kRestrictedAccess, t.zh() ? fmt::format("限制进入（{}）", access)
                                                  : fmt::format("restricted access ({})", access)};
  }
  const model::Facility* f = p.facility ? p.facility : p.host;
  if (req.height_m && f != nullptr && f->max_height_m && *f->max_height_m < *req.height_m) {
    return std::pair{R::kTooLow, t.zh() ? fmt::format("限高{:g}米，车辆高{:g}米", *f->max_height_m,
                                                      *req.height_m)
                                        : fmt::format("max height {:g} m < vehicle {:g} m",
                                                      *f->max_height_m, *req.height_m)};
  }
  if (!charger && p.zone_time_limit_minutes && req.stay_minutes > *p.zone_time_limit_minutes) {
    return std::pair{R::kStayOverTimeLimit,
                     t.zh() ? fmt::format("停放{}分钟，超过限时{}分钟", req.stay_minutes,
                                          *p.zone_time_limit_minutes)
                            : fmt::format("stay {} min > time limit {} min", req.stay_minutes,
                                          *p.zone_time_limit_minutes)};
  }
  if (!charger && req.accessible && !p.has_accessible) {
    return std::pair{R::kNoAccessibleSpace,
                     std::string(t.zh() ? "无无障碍车位" : "no accessible space")};
  }
  if (req.connector && (p.connector_types & Bit(*req.connector)) == 0) {
    std::string_view c = model::Name(*req.connector);
    return std::pair{R::kNoMatchingConnector,
                     t.zh() ? fmt::format("无{}充电接口", c) : fmt::format("no {} connector", c)};
  }
  return std::nullopt;
}

}  // namespace

Result<GuidanceAnswer> Guide::Answer(const GuidanceRequest& req,
                                     const state::LiveSnapshot& snapshot, Timestamp now,
                                     const forecast::ArrivalForecaster* forecaster,
                                     const state::LiveRules& rules) const {
  const Impl& s = *impl_;
  const GuidanceParams& prm = s.params;
  const registry::Registry& reg = *s.registry;
  const Texts t{req.lang};

  GuidanceAnswer answer;
  answer.now = now;
  answer.request = req;
  PG_ASSIGN_OR_RETURN(answer.dest, s.Snap(Mode::kFoot, req.dest, "dest"));
  if (req.origin) {
    PG_ASSIGN_OR_RETURN(answer.origin, s.Snap(Mode::kCar, *req.origin, "origin"));
  }

  // Walking is symmetric on the foot graph (no one-ways, free turns), so one search from the
  // destination gives every facility's walk to it.
  std::vector<RouteCost> walk, drive;
  {
    auto q = s.foot_pool->Acquire();
    q->OneToMany(answer.dest, *s.foot_set, walk);
  }
  if (answer.origin) {
    auto q = s.car_pool->Acquire();
    q->OneToMany(*answer.origin, *s.car_set, drive);
  }

  const bool ev = req.vehicle == Vehicle::kEv || req.connector.has_value();
  const date::time_zone& zone = reg.time_zone();
  const double explain_limit_m = req.max_walk_m * std::max(prm.explain_walk_factor, 1.0);
  const double price_ms_per_fen =
      3'600'000.0 /
      static_cast<double>(req.value_of_time_fen_per_hour.value_or(prm.value_of_time_fen_per_hour));

  std::vector<Candidate> parking, sites;
  for (uint32_t i = 0; i < s.places.size(); ++i) {
    const Place& p = s.places[i];
    const bool charger = p.facility == nullptr;
    if (charger && !ev) continue;
    Candidate c;
    c.place = i;
    RankedPlace& r = c.r;

    // The walk: the best foot point.
    uint32_t best_walk = routing::kUnreachable;
    for (uint32_t fp : p.foot_points) {
      if (walk[fp].travel_time_ms < best_walk) {
        best_walk = walk[fp].travel_time_ms;
        r.walk_time_ms = walk[fp].travel_time_ms;
        r.walk_distance_dm = walk[fp].distance_dm;
      }
    }
    const bool walkable = best_walk != routing::kUnreachable;
    const double walk_m = r.walk_distance_dm / 10.0;
    // Far away places would fill the explanation with the whole city: they are only counted.
    // Beyond max_walk whatever else holds, so no reason is worked out for them. One that no
    // footway reaches is listed as such when it is near as the crow flies.
    if (!walkable && !charger && req.explain &&
        HaversineMeters(p.facility->location, req.dest) <= explain_limit_m) {
      answer.excluded.push_back(
          {p.id, p.name, ExclusionReason::kNoFootway,
           t.zh() ? "无步行路线到达目的地" : "no footway to the destination"});
      continue;
    }
    if (!walkable || walk_m > explain_limit_m) {
      if (!charger) ++answer.excluded_far;
      continue;
    }
    auto exclude = [&](ExclusionReason why, std::string detail) {
      // Sites are listed only when ranked.
      if (!charger && req.explain) {
        answer.excluded.push_back({p.id, p.name, why, std::move(detail)});
      }
    };

    if (auto ex = StaticExclusion(t, p, req, charger)) {
      exclude(ex->first, std::move(ex->second));
      continue;
    }
    if (walk_m > req.max_walk_m) {
      exclude(ExclusionReason::kBeyondMaxWalk,
              t.zh() ? fmt::format("步行{:.0f}米，超过上限{:.0f}米", walk_m, req.max_walk_m)
                     : fmt::format("walk {:.0f} m > max {:.0f} m", walk_m, req.max_walk_m));
      continue;
    }
    // The entrance: the quickest from the origin, or the first without one.
    if (answer.origin) {
      uint32_t best = routing::kUnreachable;
      for (uint32_t cp : p.car_points) {
        if (drive[cp].travel_time_ms < best) {
          best = drive[cp].travel_time_ms;
          c.car_point = static_cast<int32_t>(cp);
        }
      }
      if (best == routing::kUnreachable) c.car_point = -1;
    } else if (!p.car_points.empty()) {
      c.car_point = static_cast<int32_t>(p.car_points.front());
    }
    if (c.car_point < 0) {
      exclude(ExclusionReason::kNoCarRoute,
              t.zh() ? "无可达入口的车行路线" : "no car route to an entrance");
      continue;
    }
    const PlacePoint& entrance = s.car_points[static_cast<size_t>(c.car_point)];
    r.entrance_id = entrance.entrance_id;
    r.entrance = entrance.location;
    if (answer.origin) {
      r.drive_time_ms = drive[static_cast<size_t>(c.car_point)].travel_time_ms;
      r.drive_distance_dm = drive[static_cast<size_t>(c.car_point)].distance_dm;
    }
    r.arrival = req.arrive ? *req.arrive : now + Milliseconds(r.drive_time_ms.value_or(0));
    const int64_t horizon_ms = std::max<int64_t>(0, (r.arrival - now).count());
    const LocalTime local = ToLocal(r.arrival, zone);

    // Closed: by the operator now, or by the opening hours at arrival.
    const model::Facility* f = p.facility ? p.facility : p.host;
    std::optional<state::FacilityView> view;
    if (f != nullptr) {
      view = state::ViewFacility(reg, snapshot, *f, now, rules);
      const state::FacilityLive* fl = snapshot.FindFacility(f->id.str());
      if (fl != nullptr && fl->operator_status == model::FacilityStatus::kClosed &&
          view->state == state::OccupancyState::kClosed) {
        exclude(ExclusionReason::kClosedByOperator,
                t.zh() ? "运营方已关闭" : "closed by the operator");
        continue;
      }
    }
    r.open_at_arrival = p.hours.IsOpen(local.weekday, local.minute_of_day);
    if (!r.open_at_arrival) {
      std::string hours = f ? f->opening_hours : "";
      exclude(
          ExclusionReason::kClosedAtArrival,
          t.zh() ? fmt::format("到达时（{}）不营业（{}）", HoursText(local.minute_of_day), hours)
                 : fmt::format("closed at arrival {} ({})", HoursText(local.minute_of_day), hours));
      continue;
    }
    if (!p.hours.IsAlwaysOpen()) {
      int until = p.hours.MinutesUntilChange(local.weekday, local.minute_of_day);
      if (until < 24 * 60) r.closes_in_minutes = until;
    }

    // Price of the stay.
    // A kerbside charger, or a facility known to be free, costs nothing: charging fees are not
    // modelled.
    if (f != nullptr && f->tariff) {
      r.price_fen = model::StayPriceFen(*f->tariff, local.minute_of_day, req.stay_minutes);
    } else if (f != nullptr && f->fee != false) {
      r.price_known = false;
      r.price_fen = prm.unknown_price_fen_per_hour * ((req.stay_minutes + 59) / 60);
    } else {
      r.price_fen = 0;
    }

    // Availability at arrival: live (blended with the forecast by horizon), forecast only, or
    // the prior.
    Availability& a = r.availability;
    std::optional<int> free_now;
    forecast::SeriesKey key =
        charger ? forecast::SeriesKey::ChargerSite(p.site) : forecast::SeriesKey::Facility(p.id);
    if (!charger) {
      a.state_now = view->state;
      a.capacity = view->capacity;
      if (view->free && view->state != state::OccupancyState::kUnknown &&
          view->state != state::OccupancyState::kClosed) {
        free_now = *view->free;
        a.updated = view->updated;
      }
    } else {
      // Matching connectors, as state::ViewCharger lets them be believed: free when fresh and
      // Available, none of a faulted charger, nothing known of a stale one.
      int known = 0, available = 0;
      for (const model::Charger* ch : p.chargers) {
        if (IsRestricted(ch->access)) continue;
        const state::ChargerView cv = state::ViewCharger(snapshot, *ch, now, rules);
        for (const auto& con : ch->connectors) {
          if (req.connector && con.type != *req.connector) continue;
          ++r.connectors;
          r.max_power_kw = std::max(r.max_power_kw, con.power_kw);
          const std::optional<bool> free = cv.ConnectorFree(con.id);
          if (!free) continue;
          ++known;
          if (!a.updated || cv.updated > a.updated) a.updated = cv.updated;
          if (*free) ++available;
        }
      }
      a.capacity = r.connectors;
      if (known > 0) free_now = available;
    }
    std::optional<forecast::ArrivalForecast> fc;
    if (forecaster != nullptr) {
      if (auto got = forecaster->AtArrival(key, r.arrival); got.ok()) fc = std::move(*got);
    }
    if (fc) a.forecast_method = fc->method;
    if (free_now) {
      a.source = DataSource::kLive;
      a.free_now = free_now;
      const double live_p = LiveOnlyPFree(*free_now, horizon_ms);
      if (fc) {
        const double w = std::exp(-static_cast<double>(horizon_ms) /
                                  static_cast<double>(prm.live_weight_horizon_ms));
        a.p_free = w * live_p + (1 - w) * fc->p_free;
        const double fc_free = charger ? fc->p_free * r.connectors
                                       : std::max(0.0, fc->capacity - fc->expected_occupied);
        a.expected_free = w * *free_now + (1 - w) * fc_free;
      } else {
        a.p_free = live_p;
        a.expected_free = *free_now;
      }
    } else if (fc) {
      a.source = DataSource::kForecastOnly;
      a.p_free = fc->p_free;
      a.expected_free =
          charger ? fc->p_free * r.connectors : std::max(0.0, fc->capacity - fc->expected_occupied);
    } else {
      a.source = DataSource::kNone;
      a.p_free = prm.unknown_p_free;
    }
    if (!charger && req.accessible && view) {
      for (const auto& cat : view->by_category) {
        if (cat.category == model::SpaceCategory::kDisabled && cat.free && *cat.free == 0) {
          a.p_free = std::min(a.p_free, LiveOnlyPFree(0, horizon_ms));
        }
      }
    }
    if (a.expected_free) *a.expected_free = std::round(*a.expected_free * 10) / 10;
    c.p = a.p_free;
    r.facility = p.facility;
    r.site = p.site;
    r.id = p.id;
    r.name = p.name;
    (charger ? sites : parking).push_back(std::move(c));
  }
  answer.candidates = static_cast<int>(parking.size());

  // Expected total cost with a one-level lookahead: on finding i full, the driver goes on to the
  // best alternative j from i's entrance, which is itself full with probability 1 − p_j.
  auto rank = [&](std::vector<Candidate>& list, std::vector<RankedPlace>& out) {
    std::vector<CostInputs> inputs;
    inputs.reserve(list.size());
    for (const Candidate& c : list) {
      inputs.push_back({c.p, c.r.drive_time_ms.value_or(0), c.r.walk_time_ms * prm.walk_time_factor,
                        static_cast<double>(c.r.price_fen) * price_ms_per_fen});
    }
    const auto costs = ExpectedCosts(
        inputs,
        [&](size_t from, size_t to) {
          return s.DriveBetween(static_cast<uint32_t>(list[from].car_point), list[to].place);
        },
        prm);
    for (size_t i = 0; i < list.size(); ++i) {
      list[i].r.cost = costs[i].cost;
      if (costs[i].fallback >= 0) {
        list[i].r.fallback_id = list[static_cast<size_t>(costs[i].fallback)].r.id;
      }
    }
    std::sort(list.begin(), list.end(), [](const Candidate& a, const Candidate& b) {
      if (a.r.cost.total_ms != b.r.cost.total_ms) return a.r.cost.total_ms < b.r.cost.total_ms;
      return a.r.id < b.r.id;
    });
    const size_t n = std::min(list.size(), static_cast<size_t>(std::max(req.limit, 0)));
    auto q = s.car_pool->Acquire();
    for (size_t i = 0; i < n; ++i) {
      Candidate& c = list[i];
      if (answer.origin) {
        auto route = q->FindRoute(*answer.origin, s.car_snaps[static_cast<size_t>(c.car_point)]);
        if (route.ok()) c.r.route = std::move(route->geometry);
      }
      c.r.summary = Summary(t, c.r, c.r.facility == nullptr, req.connector);
      out.push_back(std::move(c.r));
    }
  };
  rank(parking, answer.results);
  if (ev) rank(sites, answer.chargers);
  std::sort(answer.excluded.begin(), answer.excluded.end(),
            [](const Exclusion& a, const Exclusion& b) { return a.id < b.id; });
  return answer;
}

}  // namespace pg::guidance
