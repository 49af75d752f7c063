#include "simulation/sim_city.h"

#include <algorithm>
#include <cmath>

namespace pg::simulation {
namespace {

constexpr double kMPerDegLat = 111'195.0;
constexpr double kPi = 3.14159265358979323846;

// Area in m² of a closed ring (equirectangular around its first point; shoelace).
double RingAreaM2(const std::vector<LatLon>& ring) {
  if (ring.size() < 3) return 0;
  const double lon_scale = kMPerDegLat * std::cos(ring[0].lat * kPi / 180);
  double twice = 0;
  for (size_t i = 0; i < ring.size(); ++i) {
    const LatLon& a = ring[i];
    const LatLon& b = ring[(i + 1) % ring.size()];
    twice += (a.lon - ring[0].lon) * lon_scale * (b.lat - ring[0].lat) * kMPerDegLat -
             (b.lon - ring[0].lon) * lon_scale * (a.lat - ring[0].lat) * kMPerDegLat;
  }
  return std::abs(twice) / 2;
}

bool OffStreetMultiLevel(model::FacilityKind k) {
  return k == model::FacilityKind::kMultiStorey || k == model::FacilityKind::kUnderground;
}

LatLon AimPoint(const model::Facility& f) {
  for (const auto& e : f.entrances) {
    if (e.kind == model::EntranceKind::kVehicle) return e.location;
  }
  return f.location;
}

}  // namespace

int ImputedCapacity(const model::Facility& f) {
  const double area = RingAreaM2(f.outline);
  const bool multi = OffStreetMultiLevel(f.kind);
  if (area > 0) {
    const double spaces = area / 25.0 * (multi ? 3 : 1);
    return std::clamp(static_cast<int>(std::lround(spaces)), 5, multi ? 1000 : 500);
  }
  switch (f.kind) {
    case model::FacilityKind::kMultiStorey:
    case model::FacilityKind::kUnderground:
      return 150;
    case model::FacilityKind::kParkAndRide:
      return 100;
    case model::FacilityKind::kOnStreet:
      return 20;
    case model::FacilityKind::kSurface:
      return 30;
  }
  return 30;
}

Result<SimCity> SimCity::Build(std::shared_ptr<const registry::Registry> registry,
                               std::shared_ptr<const routing::RoadNetwork> network,
                               const guidance::Guide* guide, signs::SignConfig sign_config) {
  SimCity city;
  city.registry = std::move(registry);
  city.network = std::move(network);
  city.guide = guide;
  city.sign_config = std::move(sign_config);
  for (const model::Facility& f : city.registry->facilities()) {
    if (model::IsRestricted(f.access)) {
      ++city.left_out;
      continue;
    }
    auto car = city.network->Snap(graph::Mode::kCar, AimPoint(f), kSnapRadiusM);
    auto foot = city.network->Snap(graph::Mode::kFoot, f.location, kSnapRadiusM);
    if (!car.ok() || !foot.ok()) {
      ++city.left_out;
      continue;
    }
    SimFacility s;
    s.facility = &f;
    s.location = f.location;
    s.car = *car;
    s.foot = *foot;
    s.on_street = f.kind == model::FacilityKind::kOnStreet;
    if (f.capacity.total && *f.capacity.total > 0) {
      s.capacity = *f.capacity.total;
    } else {
      s.capacity = ImputedCapacity(f);
      s.capacity_imputed = true;
    }
    city.index_[f.id.str()] = static_cast<int>(city.facilities.size());
    city.facilities.push_back(s);
  }
  if (city.facilities.empty()) {
    return FailedPrecondition(
        "the city has no public facility within 250 m of its roads: nothing to simulate");
  }
  for (const model::Sign& sign : city.registry->signs()) city.registry_signs.push_back(&sign);
  return city;
}

int SimCity::IndexOf(std::string_view facility_id) const {
  auto it = index_.find(std::string(facility_id));
  return it == index_.end() ? -1 : it->second;
}

}  // namespace pg::simulation
