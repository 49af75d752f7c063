#include "simulation/sign_board.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace pg::simulation {
namespace {

constexpr double kMPerDegLat = 111'195.0;
constexpr double kPi = 3.14159265358979323846;

struct SegmentInfo {
  LatLon mid;
  double speed_kmh = 0;
};

SegmentInfo Describe(const graph::ModeGraphView& g, uint32_t s) {
  auto pts = g.SegmentPoints(s);
  SegmentInfo info;
  const LatLon a = pts.front().ToLatLon();
  const LatLon b = pts.back().ToLatLon();
  info.mid = {(a.lat + b.lat) / 2, (a.lon + b.lon) / 2};
  const auto& n = g.segment_nodes[s];
  const uint32_t node = n.forward != graph::kNoNode ? n.forward : n.backward;
  if (node != graph::kNoNode && g.node_weight_ms[node] > 0) {
    info.speed_kmh = g.node_length_dm[node] / 10.0 / (g.node_weight_ms[node] / 1000.0) * 3.6;
  }
  return info;
}

// Bearing sector (0 = north, clockwise) of `p` seen from `c`, of `sectors` equal sectors.
int Sector(const LatLon& c, const LatLon& p, int sectors) {
  const double east = (p.lon - c.lon) * kMPerDegLat * std::cos(c.lat * kPi / 180);
  const double north = (p.lat - c.lat) * kMPerDegLat;
  double deg = std::atan2(east, north) * 180 / kPi;
  if (deg < 0) deg += 360;
  const double width = 360.0 / sectors;
  return static_cast<int>(std::fmod(deg + width / 2, 360.0) / width) % sectors;
}

struct Cluster {
  std::vector<int> members;  // by capacity, largest first
  LatLon centre;
  int capacity = 0;
};

std::vector<Cluster> ClusterFacilities(const SimCity& city) {
  std::vector<int> order(city.facilities.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return city.facilities[a].capacity > city.facilities[b].capacity;
  });
  std::vector<bool> taken(order.size(), false);
  std::vector<Cluster> out;
  for (int seed : order) {
    if (taken[seed]) continue;
    Cluster c;
    for (int f : order) {
      if (taken[f]) continue;
      if (HaversineMeters(city.facilities[seed].location, city.facilities[f].location) <= 400) {
        taken[f] = true;
        c.members.push_back(f);
      }
    }
    double lat = 0, lon = 0;
    for (int f : c.members) {
      lat += city.facilities[f].location.lat;
      lon += city.facilities[f].location.lon;
      c.capacity += city.facilities[f].capacity;
    }
    c.centre = {lat / c.members.size(), lon / c.members.size()};
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Cluster& a, const Cluster& b) { return a.capacity > b.capacity; });
  return out;
}

model::Sign MakeSign(std::string id, model::SignLevel level, LatLon at) {
  model::Sign s;
  s.id = model::SignId(id);
  s.name = {id, id};
  s.level = level;
  s.location = at;
  s.origin = model::Origin::kOsm;
  return s;
}

model::SignLine Line(const SimCity& city, std::vector<int> members) {
  model::SignLine line;
  for (int f : members) line.facilities.push_back(city.facilities[f].facility->id);
  line.label = city.facilities[members[0]].facility->name;
  return line;
}

// The fastest segment per sector among those whose midpoint is [lo, hi] metres from `centre`
// (preferring >= min_kmh); kNoNode where a sector has none.
std::vector<uint32_t> FastestBySector(const std::vector<SegmentInfo>& segs, const LatLon& centre,
                                      double lo, double hi, int sectors, double min_kmh) {
  std::vector<uint32_t> best(sectors, graph::kNoNode);
  std::vector<double> score(sectors, -1);
  for (uint32_t s = 0; s < segs.size(); ++s) {
    const double d = HaversineMeters(centre, segs[s].mid);
    if (d < lo || d > hi) continue;
    const int k = Sector(centre, segs[s].mid, sectors);
    // Arterials first; among them (or among the rest) the fastest.
    const double sc = (segs[s].speed_kmh >= min_kmh ? 1000 : 0) + segs[s].speed_kmh;
    if (sc > score[k]) {
      score[k] = sc;
      best[k] = s;
    }
  }
  return best;
}

}  // namespace

SignPlan GenerateSignPlan(const SimCity& city) {
  SignPlan plan;
  plan.generated = true;
  const auto& g = city.network->View(graph::Mode::kCar);
  std::vector<SegmentInfo> segs(g.segment_count());
  for (uint32_t s = 0; s < segs.size(); ++s) segs[s] = Describe(g, s);

  for (size_t f = 0; f < city.facilities.size(); ++f) {
    const SimFacility& sf = city.facilities[f];
    if (sf.on_street) continue;
    model::Sign s =
        MakeSign(fmt::format("sim-L3-{}", f), model::SignLevel::kEntrance, sf.car.location);
    s.lines.push_back(Line(city, {static_cast<int>(f)}));
    plan.signs.push_back(std::move(s));
    plan.segments.push_back(sf.car.segment);
  }
  const std::vector<Cluster> clusters = ClusterFacilities(city);
  for (size_t c = 0; c < clusters.size(); ++c) {
    const Cluster& cl = clusters[c];
    if (cl.members.size() < 2) continue;
    auto chosen = FastestBySector(segs, cl.centre, 200, 700, 4, 40);
    for (size_t k = 0; k < chosen.size(); ++k) {
      if (chosen[k] == graph::kNoNode) continue;
      model::Sign s = MakeSign(fmt::format("sim-L2-{}-{}", c, k), model::SignLevel::kRoute,
                               segs[chosen[k]].mid);
      for (size_t m = 0; m < cl.members.size() && m < 4; ++m) {
        s.lines.push_back(Line(city, {cl.members[m]}));
      }
      plan.signs.push_back(std::move(s));
      plan.segments.push_back(chosen[k]);
    }
  }
  // Gateways around the capacity-weighted centre of everything.
  double lat = 0, lon = 0, cap = 0;
  for (const auto& f : city.facilities) {
    lat += f.location.lat * f.capacity;
    lon += f.location.lon * f.capacity;
    cap += f.capacity;
  }
  const LatLon centre{lat / cap, lon / cap};
  double reach = 0;
  for (const auto& f : city.facilities)
    reach = std::max(reach, HaversineMeters(centre, f.location));
  auto gates = FastestBySector(segs, centre, reach / 2 + 500, reach + 500, 8, 40);
  for (size_t k = 0; k < gates.size(); ++k) {
    if (gates[k] == graph::kNoNode) continue;
    model::Sign s =
        MakeSign(fmt::format("sim-L1-{}", k), model::SignLevel::kArea, segs[gates[k]].mid);
    for (size_t c = 0; c < clusters.size() && s.lines.size() < 4; ++c) {
      s.lines.push_back(Line(city, clusters[c].members));
    }
    plan.signs.push_back(std::move(s));
    plan.segments.push_back(gates[k]);
  }
  return plan;
}

SignPlan PlanSigns(const SimCity& city) {
  if (city.registry_signs.empty()) return GenerateSignPlan(city);
  SignPlan plan;
  for (const model::Sign* sign : city.registry_signs) {
    auto snapped = city.network->Snap(graph::Mode::kCar, sign->location, 50);
    if (!snapped.ok()) {
      ++plan.left_out;
      continue;
    }
    plan.signs.push_back(*sign);
    plan.segments.push_back(snapped->segment);
  }
  return plan;
}

SignBoard::SignBoard(const SimCity& city, SignPlan plan)
    : city_(city),
      plan_(std::move(plan)),
      memory_(plan_.signs.size()),
      contents_(plan_.signs.size()) {
  for (size_t i = 0; i < plan_.segments.size(); ++i) {
    by_segment_[plan_.segments[i]].push_back(static_cast<int>(i));
  }
}

void SignBoard::Refresh(const state::LiveSnapshot& snapshot, Timestamp now) {
  const registry::Registry& reg = *city_.registry;
  std::unordered_map<std::string, state::FacilityView> views;
  views.reserve(reg.facilities().size());
  for (const auto& f : reg.facilities()) {
    views.emplace(f.id.str(), state::ViewFacility(reg, snapshot, f, now));
  }
  const signs::ActivePlans plans = signs::ActivePlansAt(city_.sign_config, now, reg.time_zone());
  signs::EvalInput input;
  input.config = &city_.sign_config;
  input.plans = &plans;
  input.views = [&views](const model::FacilityId& id) -> const state::FacilityView* {
    auto it = views.find(id.str());
    return it == views.end() ? nullptr : &it->second;
  };
  for (size_t i = 0; i < plan_.signs.size(); ++i) {
    input.sign = &plan_.signs[i];
    contents_[i] = signs::EvaluateSign(input, memory_[i]);
  }
}

const std::vector<int>& SignBoard::SignsOn(uint32_t segment) const {
  auto it = by_segment_.find(segment);
  return it == by_segment_.end() ? none_ : it->second;
}

}  // namespace pg::simulation
