// The demo city as the simulation sees it (src/simulation): its registry, a guide with the given
// parameters, the demo's sign rules — built on the demo network of guidance_city.h.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "demo/demo_city.h"
#include "simulation/sim_city.h"
#include "tests/support/guidance_city.h"

namespace pg::testing {

struct DemoSimulationCity {
  std::shared_ptr<const registry::Registry> registry;
  std::unique_ptr<guidance::Guide> guide;
  simulation::SimCity city;
};

inline std::unique_ptr<DemoSimulationCity> MakeDemoSimulationCity(
    guidance::GuidanceParams params = {}) {
  auto d = std::make_unique<DemoSimulationCity>();
  const auto& base = DemoCityForGuidance();
  d->registry = *registry::Registry::Build(base.registry);
  d->guide = guidance::Guide::Create(base.network, d->registry, nullptr, params);
  auto config = signs::SignConfigFromJson(nlohmann::json::parse(demo::DemoSignRulesJson()));
  d->city = *simulation::SimCity::Build(d->registry, base.network, d->guide.get(), *config);
  return d;
}

// Built once per process with the default parameters.
inline const DemoSimulationCity& DemoSimulation() {
  static const DemoSimulationCity* demo = MakeDemoSimulationCity().release();
  return *demo;
}

}  // namespace pg::testing
