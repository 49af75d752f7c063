#include "guidance/guidance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "guidance/nearby_drive_table.h"
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

// The best search on from an option (ExpectedCosts' Search), by depth-first search over the
// unvisited options in order of drive from where the driver stands. The last visit of a search
// is searched on no further (its rest is F), so its cost from a depends on b alone: each
// option's last visits are ranked once, and the best single visit is the first bound. A step
// costs at least its drive plus what any search costs at least (floor_), so no option farther
// than the bound is looked at, and none whose floor does not beat it is searched from. Exact:
// the tests hold it to an enumeration of every visiting order.
class SearchCost {
 public:
  SearchCost(std::span<const CostInputs> options,
             const std::function<uint32_t(size_t, size_t)>& drive_between,
             const GuidanceParams& params, double no_space)
      : n_(options.size()), detour_(static_cast<double>(params.full_detour_ms)), f_(no_space) {
    p_.reserve(n_);
    park_.reserve(n_);
    for (const CostInputs& o : options) {
      p_.push_back(o.p_free);
      park_.push_back(o.walk_ms + o.price_ms);
    }
    // Every search costs at least the cheapest park (it ends parked, or at F above all), so a
    // step to b costs at least its drive plus floor_[b].
    const double cheapest = park_.empty() ? 0 : *std::min_element(park_.begin(), park_.end());
    for (size_t b = 0; b < n_; ++b) {
      floor_.push_back(p_[b] * std::min(park_[b], cheapest) + (1 - p_[b]) * (detour_ + cheapest));
    }
    drive_.assign(n_ * n_, routing::kUnreachable);
    by_drive_.resize(n_);
    last_.resize(n_);
    for (size_t a = 0; a < n_; ++a) {
      for (size_t b = 0; b < n_; ++b) {
        if (a != b) drive_[a * n_ + b] = drive_between(a, b);
        if (a == b || drive_[a * n_ + b] == routing::kUnreachable) continue;
        by_drive_[a].push_back(static_cast<uint32_t>(b));
        last_[a].push_back({Step(a, b, f_), static_cast<uint32_t>(b)});
      }
      std::sort(by_drive_[a].begin(), by_drive_[a].end(), [&](uint32_t x, uint32_t y) {
        return std::pair(Drive(a, x), x) < std::pair(Drive(a, y), y);
      });
      std::sort(last_[a].begin(), last_[a].end());
    }
  }

  double no_space() const { return f_; }
  double park(size_t i) const { return park_[i]; }

  // Search(at, visited, steps); `next` (may be null) gets the option tried first, -1 for none.
  double Search(size_t at, std::vector<uint32_t>& visited, int steps, int* next) const {
    if (next != nullptr) *next = -1;
    if (steps <= 0) return f_;
    auto seen = [&](uint32_t b) {
      return std::find(visited.begin(), visited.end(), b) != visited.end();
    };
    // One visit and no more bounds the deeper searches from above (they include it).
    double best = f_;
    for (const auto& [cost, b] : last_[at]) {
      if (seen(b)) continue;
      if (cost < best) {
        best = cost;
        if (next != nullptr) *next = static_cast<int>(b);
      }
      break;
    }
    if (steps == 1) return best;
    for (uint32_t b : by_drive_[at]) {
      if (Drive(at, b) >= best) break;
      if (seen(b) || Drive(at, b) + floor_[b] >= best) continue;
      visited.push_back(b);
      const double cost = Step(at, b, Search(b, visited, steps - 1, nullptr));
      visited.pop_back();
      if (cost < best) {
        best = cost;
        if (next != nullptr) *next = static_cast<int>(b);
      }
    }
    return best;
  }

  // The cost of trying b from a, then searching on at `rest`.
  double Step(size_t a, size_t b, double rest) const {
    return Drive(a, b) + p_[b] * std::min(park_[b], rest) + (1 - p_[b]) * (detour_ + rest);
  }

 private:
  double Drive(size_t a, size_t b) const { return drive_[a * n_ + b]; }

  size_t n_;
  double detour_, f_;
  std::vector<double> p_, park_, floor_;
  std::vector<uint32_t> drive_;                                 // n × n, kUnreachable: none
  std::vector<std::vector<uint32_t>> by_drive_;                 // reachable options, nearest first
  std::vector<std::vector<std::pair<double, uint32_t>>> last_;  // Step(a, b, F), cheapest first
};

// Option i's search in visiting order, and what it costs.
std::pair<double, std::vector<int>> BestSearch(const SearchCost& search, size_t i, int depth) {
  std::vector<uint32_t> visited = {static_cast<uint32_t>(i)};
  std::vector<int> order;
  double cost = search.no_space();
  size_t at = i;
  for (int steps = depth; steps > 0; --steps) {
    int next = -1;
    const double rest = search.Search(at, visited, steps, &next);
    if (steps == depth) cost = rest;
    if (next < 0) break;
    order.push_back(next);
    at = static_cast<size_t>(next);
    visited.push_back(static_cast<uint32_t>(next));
  }
  return {cost, std::move(order)};
}

}  // namespace

double NoSpaceMs(std::span<const double> parks, const GuidanceParams& params) {
  double dearest = 0;
  for (double park : parks) dearest = std::max(dearest, park);
  return static_cast<double>(params.give_up_ms) + dearest;
}

std::vector<ExpectedCost> ExpectedCosts(
    std::span<const CostInputs> options,
    const std::function<uint32_t(size_t from, size_t to)>& drive_between,
    const GuidanceParams& params, std::optional<double> no_space_ms) {
  if (!no_space_ms) {
    std::vector<double> parks;
    for (const CostInputs& o : options) parks.push_back(o.walk_ms + o.price_ms);
    no_space_ms = NoSpaceMs(parks, params);
  }
  const SearchCost search(options, drive_between, params, *no_space_ms);
  const auto detour = static_cast<double>(params.full_detour_ms);
  std::vector<ExpectedCost> out(options.size());
  for (size_t i = 0; i < options.size(); ++i) {
    const CostInputs& o = options[i];
    auto [alt, order] = BestSearch(search, i, params.search_depth);
    ExpectedCost& e = out[i];
    e.search = std::move(order);
    e.fallback = e.search.empty() ? -1 : e.search.front();
    CostBreakdown& k = e.cost;
    k.drive_ms = o.drive_ms;
    e.worth_taking = search.park(i) <= alt;
    k.drive_ms = o.drive_ms;
    if (e.worth_taking) {
      k.walk_ms = Round(o.p_free * o.walk_ms);
      k.price_ms = Round(o.p_free * o.price_ms);
      k.full_risk_ms = Round((1 - o.p_free) * (detour + alt));
    } else {  // even free, the driver searches on
      k.full_risk_ms = Round(o.p_free * alt + (1 - o.p_free) * (detour + alt));
    }
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

// The longest max_walk whose queries find every drive between candidates in the drive table: the
// API's default. Longer walks (up to the API's 5,000 m, or any a caller of Guide gives) compute
// the drives between their own candidates (DrivesAmong). The table's memory and start-up grow
// as the square of this walk.
constexpr double kDriveTableWalkM = 1000;

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
  // Driving from a car point to the nearest car point of a place near it — the search's "from
  // here to the next option" — for every pair a query of max_walk ≤ kDriveTableWalkM asks for.
  NearbyDriveTable drive_table;
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
  std::vector<NearbyDriveTable::PlacePoints> points(places.size());
  for (size_t p = 0; p < places.size(); ++p) {
    points[p].car_points = places[p].car_points;
    for (uint32_t f : places[p].foot_points)
      points[p].foot_points.push_back(foot_snaps[f].location);
  }
  drive_table = NearbyDriveTable::Build(*network, car_snaps, points, kDriveTableWalkM);
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

// An upper bound of the stay's price under `t`, whatever the arrival: every started hour at the
// dearest band, no more than the daily cap per started day.
int64_t StayPriceCeilingFen(const model::Tariff& t, int stay_minutes) {
  if (stay_minutes <= t.free_minutes) return 0;
  int64_t dearest = 0;
  for (const auto& band : t.bands) dearest = std::max(dearest, band.price_fen_per_hour);
  int64_t fen = dearest * ((stay_minutes + 59) / 60);
  if (t.daily_cap_fen) fen = std::min(fen, *t.daily_cap_fen * ((stay_minutes + 1439) / 1440));
  return fen;
}

// One query: its inputs, the searches from both ends, and the answer being built.
struct Query {
  const Guide::Impl& s;
  const GuidanceRequest& req;
  const state::LiveSnapshot& snapshot;
  Timestamp now;
  const forecast::ArrivalForecaster* forecaster;
  const state::LiveRules& rules;
  Texts t;
  bool ev = false;
  double explain_limit_m = 0;
  double price_ms_per_fen = 0;
  std::vector<RouteCost> walk = {}, drive = {};  // by foot point, by car point
  GuidanceAnswer& answer;
  // Walk and price bound of every place around the destination (NoSpaceMs), by kind.
  std::vector<double> parking_parks = {}, site_parks = {};

  const model::Facility* FacilityOf(const Place& p) const {
    return p.facility ? p.facility : p.host;
  }
  void Exclude(const Place& p, ExclusionReason why, std::string detail) {
    // Sites are listed only when ranked.
    if (p.facility != nullptr && req.explain) {
      answer.excluded.push_back({p.id, p.name, why, std::move(detail)});
    }
  }
};

// Sets r's walk from the best foot point of p; false when no footway reaches the destination.
bool SetWalk(const Query& q, const Place& p, RankedPlace& r) {
  uint32_t best = routing::kUnreachable;
  for (uint32_t fp : p.foot_points) {
    if (q.walk[fp].travel_time_ms < best) {
      best = q.walk[fp].travel_time_ms;
      r.walk_time_ms = q.walk[fp].travel_time_ms;
      r.walk_distance_dm = q.walk[fp].distance_dm;
    }
  }
  return best != routing::kUnreachable;
}

// Whether p is near enough to be looked at: far places are only counted (or, near as the crow
// flies but with no footway, listed as such). Records the walk and price bound of those within
// max_walk for NoSpaceMs — before any other filter and whatever their availability, so more
// candidates never raise it.
bool LookAt(Query& q, const Place& p, RankedPlace& r) {
  const bool charger = p.facility == nullptr;
  const bool walkable = SetWalk(q, p, r);
  if (!walkable && !charger && q.req.explain &&
      HaversineMeters(p.facility->location, q.req.dest) <= q.explain_limit_m) {
    q.answer.excluded.push_back(
        {p.id, p.name, ExclusionReason::kNoFootway,
         q.t.zh() ? "无步行路线到达目的地" : "no footway to the destination"});
    return false;
  }
  if (!walkable || r.walk_distance_dm / 10.0 > q.explain_limit_m) {
    if (!charger) ++q.answer.excluded_far;
    return false;
  }
  if (r.walk_distance_dm / 10.0 > q.req.max_walk_m) return true;
  const GuidanceParams& prm = q.s.params;
  const model::Facility* f = q.FacilityOf(p);
  int64_t price = 0;
  if (f != nullptr && f->tariff) {
    price = StayPriceCeilingFen(*f->tariff, q.req.stay_minutes);
  } else if (f != nullptr && f->fee != false) {
    price = prm.unknown_price_fen_per_hour * ((q.req.stay_minutes + 59) / 60);
  }
  (charger ? q.site_parks : q.parking_parks)
      .push_back(r.walk_time_ms * prm.walk_time_factor +
                 static_cast<double>(price) * q.price_ms_per_fen);
  return true;
}

// The entrance: the quickest from the origin, or the first without one. False: none by car.
bool ChooseEntrance(const Query& q, const Place& p, Candidate& c) {
  c.car_point = -1;
  if (q.answer.origin) {
    uint32_t best = routing::kUnreachable;
    for (uint32_t cp : p.car_points) {
      if (q.drive[cp].travel_time_ms < best) {
        best = q.drive[cp].travel_time_ms;
        c.car_point = static_cast<int32_t>(cp);
      }
    }
  } else if (!p.car_points.empty()) {
    c.car_point = static_cast<int32_t>(p.car_points.front());
  }
  if (c.car_point < 0) return false;
  const auto e = static_cast<size_t>(c.car_point);
  c.r.entrance_id = q.s.car_points[e].entrance_id;
  c.r.entrance = q.s.car_points[e].location;
  if (q.answer.origin) {
    c.r.drive_time_ms = q.drive[e].travel_time_ms;
    c.r.drive_distance_dm = q.drive[e].distance_dm;
  }
  c.r.arrival = q.req.arrive ? *q.req.arrive : q.now + Milliseconds(c.r.drive_time_ms.value_or(0));
  return true;
}

// Why p cannot be used at r.arrival — closed by the operator now, or by its opening hours —
// or nullopt; sets r's opening hours.
std::optional<std::pair<ExclusionReason, std::string>> Closed(
    const Query& q, const Place& p, const std::optional<state::FacilityView>& view,
    RankedPlace& r) {
  const model::Facility* f = q.FacilityOf(p);
  if (view) {
    const state::FacilityLive* fl = q.snapshot.FindFacility(f->id.str());
    if (fl != nullptr && fl->operator_status == model::FacilityStatus::kClosed &&
        view->state == state::OccupancyState::kClosed) {
      return std::pair{ExclusionReason::kClosedByOperator,
                       std::string(q.t.zh() ? "运营方已关闭" : "closed by the operator")};
    }
  }
  const LocalTime local = ToLocal(r.arrival, q.s.registry->time_zone());
  r.open_at_arrival = p.hours.IsOpen(local.weekday, local.minute_of_day);
  if (!r.open_at_arrival) {
    const std::string hours = f ? f->opening_hours : "";
    const std::string at = HoursText(local.minute_of_day);
    return std::pair{ExclusionReason::kClosedAtArrival,
                     q.t.zh() ? fmt::format("到达时（{}）不营业（{}）", at, hours)
                              : fmt::format("closed at arrival {} ({})", at, hours)};
  }
  if (!p.hours.IsAlwaysOpen()) {
    const int until = p.hours.MinutesUntilChange(local.weekday, local.minute_of_day);
    if (until < 24 * 60) r.closes_in_minutes = until;
  }
  return std::nullopt;
}

// The stay's price at r.arrival: the tariff's, an assumption for a facility that charges by an
// unknown tariff, nothing for a free facility or a kerbside charger (charging fees are not
// modelled).
void SetPrice(const Query& q, const Place& p, RankedPlace& r) {
  const model::Facility* f = q.FacilityOf(p);
  const LocalTime local = ToLocal(r.arrival, q.s.registry->time_zone());
  if (f != nullptr && f->tariff) {
    r.price_fen = model::StayPriceFen(*f->tariff, local.minute_of_day, q.req.stay_minutes);
  } else if (f != nullptr && f->fee != false) {
    r.price_known = false;
    r.price_fen = q.s.params.unknown_price_fen_per_hour * ((q.req.stay_minutes + 59) / 60);
  } else {
    r.price_fen = 0;
  }
}

// A site's matching connectors that may be believed free now (state::ViewCharger: free when
// fresh and Available, none of a faulted charger, nothing known of a stale one); sets r's
// connector counts. Nullopt when none is known.
std::optional<int> SiteFreeNow(const Query& q, const Place& p, RankedPlace& r) {
  Availability& a = r.availability;
  int known = 0, available = 0;
  for (const model::Charger* ch : p.chargers) {
    if (IsRestricted(ch->access)) continue;
    const state::ChargerView cv = state::ViewCharger(q.snapshot, *ch, q.now, q.rules);
    for (const auto& con : ch->connectors) {
      if (q.req.connector && con.type != *q.req.connector) continue;
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
  return known > 0 ? std::optional<int>(available) : std::nullopt;
}

// A facility's spaces that may be believed free now (state::ViewFacility); nullopt when unknown
// or closed.
std::optional<int> FacilityFreeNow(const state::FacilityView& view, Availability& a) {
  a.state_now = view.state;
  a.capacity = view.capacity;
  if (!view.free || view.state == state::OccupancyState::kUnknown ||
      view.state == state::OccupancyState::kClosed) {
    return std::nullopt;
  }
  a.updated = view.updated;
  return *view.free;
}

// P(free) at arrival: live (blended with the forecast by horizon), forecast only, or the prior.
void SetPFree(const Query& q, const Place& p, std::optional<int> free_now, RankedPlace& r) {
  const GuidanceParams& prm = q.s.params;
  const bool charger = p.facility == nullptr;
  Availability& a = r.availability;
  const int64_t horizon_ms = std::max<int64_t>(0, (r.arrival - q.now).count());
  const auto key =
      charger ? forecast::SeriesKey::ChargerSite(p.site) : forecast::SeriesKey::Facility(p.id);
  std::optional<forecast::ArrivalForecast> fc;
  if (q.forecaster != nullptr) {
    if (auto got = q.forecaster->AtArrival(key, r.arrival); got.ok()) fc = std::move(*got);
  }
  if (fc) a.forecast_method = fc->method;
  const auto fc_free = [&] {
    return charger ? fc->p_free * r.connectors
                   : std::max(0.0, fc->capacity - fc->expected_occupied);
  };
  if (free_now) {
    a.source = DataSource::kLive;
    a.free_now = free_now;
    const double live_p = LiveOnlyPFree(*free_now, horizon_ms);
    const double w = fc ? std::exp(-static_cast<double>(horizon_ms) /
                                   static_cast<double>(prm.live_weight_horizon_ms))
                        : 1.0;
    a.p_free = fc ? w * live_p + (1 - w) * fc->p_free : live_p;
    a.expected_free = fc ? w * *free_now + (1 - w) * fc_free() : *free_now;
  } else if (fc) {
    a.source = DataSource::kForecastOnly;
    a.p_free = fc->p_free;
    a.expected_free = fc_free();
  } else {
    a.source = DataSource::kNone;
    a.p_free = prm.unknown_p_free;
  }
  if (a.expected_free) *a.expected_free = std::round(*a.expected_free * 10) / 10;
}

// With accessible=1, a counted disabled category with no free space caps P at the live-only
// value for zero free spaces.
void CapForAccessible(const state::FacilityView& view, int64_t horizon_ms, Availability& a) {
  for (const auto& cat : view.by_category) {
    if (cat.category == model::SpaceCategory::kDisabled && cat.free && *cat.free == 0) {
      a.p_free = std::min(a.p_free, LiveOnlyPFree(0, horizon_ms));
    }
  }
}

// Place i as a candidate of this query, or nullopt when it is too far or excluded (recorded
// in the answer).
std::optional<Candidate> Consider(Query& q, uint32_t i) {
  const Place& p = q.s.places[i];
  const bool charger = p.facility == nullptr;
  Candidate c;
  c.place = i;
  RankedPlace& r = c.r;
  if (!LookAt(q, p, r)) return std::nullopt;
  if (auto ex = StaticExclusion(q.t, p, q.req, charger)) {
    q.Exclude(p, ex->first, std::move(ex->second));
    return std::nullopt;
  }
  const double walk_m = r.walk_distance_dm / 10.0;
  if (walk_m > q.req.max_walk_m) {
    q.Exclude(p, ExclusionReason::kBeyondMaxWalk,
              q.t.zh() ? fmt::format("步行{:.0f}米，超过上限{:.0f}米", walk_m, q.req.max_walk_m)
                       : fmt::format("walk {:.0f} m > max {:.0f} m", walk_m, q.req.max_walk_m));
    return std::nullopt;
  }
  if (!ChooseEntrance(q, p, c)) {
    q.Exclude(p, ExclusionReason::kNoCarRoute,
              q.t.zh() ? "无可达入口的车行路线" : "no car route to an entrance");
    return std::nullopt;
  }
  std::optional<state::FacilityView> view;
  if (const model::Facility* f = q.FacilityOf(p)) {
    view = state::ViewFacility(*q.s.registry, q.snapshot, *f, q.now, q.rules);
  }
  if (auto ex = Closed(q, p, view, r)) {
    q.Exclude(p, ex->first, std::move(ex->second));
    return std::nullopt;
  }
  SetPrice(q, p, r);
  SetPFree(q, p, charger ? SiteFreeNow(q, p, r) : FacilityFreeNow(*view, r.availability), r);
  if (!charger && q.req.accessible) {
    CapForAccessible(*view, std::max<int64_t>(0, (r.arrival - q.now).count()), r.availability);
  }
  c.p = r.availability.p_free;
  r.facility = p.facility;
  r.site = p.site;
  r.id = p.id;
  r.name = p.name;
  return c;
}

// DrivesBetween by searches of this query's own: one backward search per car point of the
// candidates, one forward search per candidate's entrance.
std::vector<uint32_t> DrivesAmong(const Query& q, const std::vector<Candidate>& list) {
  const size_t n = list.size();
  std::vector<SnappedPoint> targets;
  std::vector<size_t> candidate_of;
  for (size_t b = 0; b < n; ++b) {
    for (uint32_t cp : q.s.places[list[b].place].car_points) {
      targets.push_back(q.s.car_snaps[cp]);
      candidate_of.push_back(b);
    }
  }
  const routing::TargetSet set(*q.s.network, Mode::kCar, targets);
  auto query = q.s.car_pool->Acquire();
  std::vector<uint32_t> drives(n * n, routing::kUnreachable);
  std::vector<RouteCost> costs;
  for (size_t a = 0; a < n; ++a) {
    query->OneToMany(q.s.car_snaps[static_cast<size_t>(list[a].car_point)], set, costs);
    for (size_t t = 0; t < costs.size(); ++t) {
      if (candidate_of[t] == a) continue;
      uint32_t& cell = drives[a * n + candidate_of[t]];
      cell = std::min(cell, costs[t].travel_time_ms);
    }
  }
  return drives;
}

// The drive from each candidate's entrance to the quickest car point of every other, row by row
// (routing::kUnreachable on the diagonal): from the drive table, which holds every pair of a query
// whose max_walk it covers; otherwise — a longer walk, or a pair the table's radius did not
// foresee (a bug: asserted in debug builds) — by one-to-many searches among the candidates
// themselves, the same times.
std::vector<uint32_t> DrivesBetween(const Query& q, const std::vector<Candidate>& list) {
  const size_t n = list.size();
  std::vector<uint32_t> drives(n * n, routing::kUnreachable);
  using Entry = NearbyDriveTable::Entry;
  for (size_t a = 0; a < n; ++a) {
    const std::span<const Entry> row =
        q.s.drive_table.RowOf(static_cast<uint32_t>(list[a].car_point));
    // Candidates come in place order (Answer considers places in order): each row is read
    // forwards from where the last candidate was found.
    auto from = row.begin();
    for (size_t b = 0; b < n; ++b) {
      if (b > 0 && list[b].place < list[b - 1].place) from = row.begin();
      from = std::lower_bound(from, row.end(), list[b].place,
                              [](const Entry& e, uint32_t place) { return e.place < place; });
      if (a == b) continue;
      if (from == row.end() || from->place != list[b].place) {
        PG_ASSERT(q.req.max_walk_m > q.s.drive_table.covered_walk_m());
        return DrivesAmong(q, list);
      }
      drives[a * n + b] = from->drive_ms;
    }
  }
  return drives;
}

// Costs `list` (ExpectedCosts over the drive-time table, a search that finds nothing costing
// `no_space`), sorts it best first (ties by id) and moves
// the first request.limit, with their routes and words, to `out`.
void Rank(const Query& q, std::vector<Candidate>& list, double no_space,
          std::vector<RankedPlace>& out) {
  const GuidanceParams& prm = q.s.params;
  std::vector<CostInputs> inputs;
  inputs.reserve(list.size());
  for (const Candidate& c : list) {
    inputs.push_back({c.p, c.r.drive_time_ms.value_or(0), c.r.walk_time_ms * prm.walk_time_factor,
                      static_cast<double>(c.r.price_fen) * q.price_ms_per_fen});
  }
  const std::vector<uint32_t> drives = DrivesBetween(q, list);
  const auto between = [&](size_t from, size_t to) { return drives[from * list.size() + to]; };
  const auto costs = ExpectedCosts(inputs, between, prm, no_space);
  for (size_t i = 0; i < list.size(); ++i) {
    list[i].r.cost = costs[i].cost;
    for (int j : costs[i].search) list[i].r.search.push_back(list[static_cast<size_t>(j)].r.id);
    if (!list[i].r.search.empty()) list[i].r.fallback_id = list[i].r.search.front();
    list[i].r.worth_taking = costs[i].worth_taking;
  }
  std::sort(list.begin(), list.end(), [](const Candidate& a, const Candidate& b) {
    return std::tuple(!a.r.worth_taking, a.r.cost.total_ms, std::string_view(a.r.id)) <
           std::tuple(!b.r.worth_taking, b.r.cost.total_ms, std::string_view(b.r.id));
  });
  const size_t n = std::min(list.size(), static_cast<size_t>(std::max(q.req.limit, 0)));
  auto route_query = q.s.car_pool->Acquire();
  for (size_t i = 0; i < n; ++i) {
    Candidate& c = list[i];
    if (q.answer.origin) {
      auto route =
          route_query->FindRoute(*q.answer.origin, q.s.car_snaps[static_cast<size_t>(c.car_point)]);
      if (route.ok()) c.r.route = std::move(route->geometry);
    }
    c.r.summary = Summary(q.t, c.r, c.r.facility == nullptr, q.req.connector);
    out.push_back(std::move(c.r));
  }
}

// Snaps both ends and runs the one-to-many searches: walks from the destination (walking is
// symmetric on the foot graph — no one-ways, free turns — so one search gives every place's
// walk to it), drives from the origin.
Status SearchFromBothEnds(Query& q) {
  const Guide::Impl& s = q.s;
  PG_ASSIGN_OR_RETURN(q.answer.dest, s.Snap(Mode::kFoot, q.req.dest, "dest"));
  if (q.req.origin) {
    PG_ASSIGN_OR_RETURN(q.answer.origin, s.Snap(Mode::kCar, *q.req.origin, "origin"));
  }
  s.foot_pool->Acquire()->OneToMany(q.answer.dest, *s.foot_set, q.walk);
  if (q.answer.origin) s.car_pool->Acquire()->OneToMany(*q.answer.origin, *s.car_set, q.drive);
  return Status::Ok();
}

}  // namespace

Result<GuidanceAnswer> Guide::Answer(const GuidanceRequest& req,
                                     const state::LiveSnapshot& snapshot, Timestamp now,
                                     const forecast::ArrivalForecaster* forecaster,
                                     const state::LiveRules& rules) const {
  const GuidanceParams& prm = impl_->params;
  GuidanceAnswer answer;
  answer.now = now;
  answer.request = req;
  Query q{
      .s = *impl_,
      .req = req,
      .snapshot = snapshot,
      .now = now,
      .forecaster = forecaster,
      .rules = rules,
      .t = Texts{req.lang},
      .ev = req.vehicle == Vehicle::kEv || req.connector.has_value(),
      .explain_limit_m = req.max_walk_m * std::max(prm.explain_walk_factor, 1.0),
      .price_ms_per_fen = 3'600'000.0 / static_cast<double>(req.value_of_time_fen_per_hour.value_or(
                                            prm.value_of_time_fen_per_hour)),
      .answer = answer};
  PG_RETURN_IF_ERROR(SearchFromBothEnds(q));
  std::vector<Candidate> parking, sites;
  for (uint32_t i = 0; i < impl_->places.size(); ++i) {
    if (impl_->places[i].facility == nullptr && !q.ev) continue;
    if (auto c = Consider(q, i)) (c->r.facility ? parking : sites).push_back(std::move(*c));
  }
  answer.candidates = static_cast<int>(parking.size());
  answer.no_space_ms = Round(NoSpaceMs(q.parking_parks, prm));
  Rank(q, parking, NoSpaceMs(q.parking_parks, prm), answer.results);
  if (q.ev) {
    answer.chargers_no_space_ms = Round(NoSpaceMs(q.site_parks, prm));
    Rank(q, sites, NoSpaceMs(q.site_parks, prm), answer.chargers);
  }
  std::sort(answer.excluded.begin(), answer.excluded.end(),
            [](const Exclusion& a, const Exclusion& b) { return a.id < b.id; });
  return answer;
}

}  // namespace pg::guidance
