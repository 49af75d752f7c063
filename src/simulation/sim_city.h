// SimCity: what the simulation knows of a city — the registry, the car and foot networks, the
// guide, the sign configuration — and, per facility, what a simulated driver and a simulated
// sensor need: where a car enters it (snapped on the car graph), where a walker leaves it
// (snapped on the foot graph) and how many spaces it has (the registry's capacity, or one
// imputed from its kind and outline, docs/simulation.md "Capacities").
//
//   PG_ASSIGN_OR_RETURN(SimCity city, SimCity::Build(registry, network, guide, sign_config));
//
// Thread-safety: immutable after Build; share it between runs on any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/geo.h"
#include "core/status.h"
#include "guidance/guidance.h"
#include "model/city_model.h"
#include "registry/registry.h"
#include "routing/road_network.h"
#include "signs/display_rules.h"

namespace pg::simulation {

struct SimFacility {
  const model::Facility* facility = nullptr;
  LatLon location;                // where drivers aim and signs point
  routing::SnappedPoint car;      // a vehicle entrance (or the location) on the car graph
  routing::SnappedPoint foot;     // the location on the foot graph
  int capacity = 0;               // spaces simulated
  bool capacity_imputed = false;  // the registry has none
  bool on_street = false;
};

// Spaces assumed when the registry has no capacity: ~25 m² of outline per space (one level for
// surface car parks and zones, three for multi-storey and underground ones), clamped, or a
// default per kind without an outline. docs/simulation.md lists the numbers.
int ImputedCapacity(const model::Facility& f);

struct SimCity {
  std::shared_ptr<const registry::Registry> registry;
  std::shared_ptr<const routing::RoadNetwork> network;
  const guidance::Guide* guide = nullptr;  // may be null: the guidance policy is then refused
  signs::SignConfig sign_config;
  // Public facilities (not restricted) whose entrance and location reach both graphs within
  // kSnapRadiusM, in registry order.
  std::vector<SimFacility> facilities;
  int left_out = 0;  // restricted or unreachable facilities
  // The registry's signs, snapped: a sign is seen on the car segment nearest it.
  std::vector<const model::Sign*> registry_signs;

  static constexpr double kSnapRadiusM = 250;

  // Errors: kFailedPrecondition when no facility can be simulated.
  // REQUIRES: registry and network are not null; `guide`, when set, is over the same ones.
  static Result<SimCity> Build(std::shared_ptr<const registry::Registry> registry,
                               std::shared_ptr<const routing::RoadNetwork> network,
                               const guidance::Guide* guide, signs::SignConfig sign_config);

  // The index in `facilities` of a facility id; -1 when it is not simulated.
  int IndexOf(std::string_view facility_id) const;

 private:
  std::unordered_map<std::string, int> index_;
};

}  // namespace pg::simulation
