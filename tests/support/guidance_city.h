// Cities for guidance tests: the demo city's road network (built once per process), the Monaco
// extract's network and OSM registry (when ../shared/data is there), a scriptable forecaster,
// and small builders for registries and live observations.
#pragma once

#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "demo/demo_city.h"
#include "forecast/service.h"
#include "graph_build/graph_builder.h"
#include "model/city_model.h"
#include "osm/parking_extract.h"
#include "osm/road_extract.h"
#include "registry/from_osm.h"
#include "registry/registry.h"
#include "routing/road_network.h"
#include "tests/support/temp_dir.h"

namespace pg::testing {

// The demo city (src/demo): its generated OSM roads and survey registry.
struct DemoGuidanceCity {
  std::shared_ptr<const routing::RoadNetwork> network;
  model::RegistryData registry;
};

inline const DemoGuidanceCity& DemoCityForGuidance() {
  static const DemoGuidanceCity* city = [] {
    auto* out = new DemoGuidanceCity;
    demo::DemoCity demo = demo::GenerateDemoCity();
    TempDir dir;
    auto files = demo::WriteDemoCityFiles(demo, dir.File("demo"));
    if (!files.ok()) return out;
    auto roads = osm::ReadRoadExtract(files->osm_path);
    if (!roads.ok()) return out;
    out->network = routing::RoadNetwork::FromGraphs(graph::BuildRoadGraphs(*roads));
    out->registry = demo.survey;
    return out;
  }();
  return *city;
}

// A real extract: nulls when ../shared/data or the file is absent (the test skips, which fails
// in CI); `error` says why a file that is there could not be read (the test fails: a broken
// file is never "absent").
struct RealGuidanceCity {
  std::string path;
  std::shared_ptr<const routing::RoadNetwork> network;
  model::RegistryData registry;
  std::string error;
};

inline RealGuidanceCity LoadRealCity(const std::string& relative_path) {
  RealGuidanceCity out;
  const std::string dir = SharedDataDir();
  if (dir.empty()) return out;
  out.path = dir + "/" + relative_path;
  if (!std::filesystem::exists(out.path)) return out;
  auto roads = osm::ReadRoadExtract(out.path);
  auto parking = osm::ReadParkingExtract(out.path);
  if (!roads.ok() || !parking.ok()) {
    out.error = out.path + ": " + (!roads.ok() ? roads.status() : parking.status()).ToString();
    return out;
  }
  out.network = routing::RoadNetwork::FromGraphs(graph::BuildRoadGraphs(*roads));
  out.registry = registry::RegistryDataFromOsm(*parking, nullptr);
  registry::DropInvalidEntries(out.registry, nullptr);
  return out;
}

// A point `east_m` east and `north_m` north of `p`.
inline LatLon Offset(const LatLon& p, double east_m, double north_m) {
  constexpr double kMPerDegLat = 111195.0;
  return {p.lat + north_m / kMPerDegLat,
          p.lon + east_m / (kMPerDegLat * std::cos(p.lat * 3.14159265358979 / 180))};
}

// Answers what it was told: P(free) and expected occupancy per series; unknown series are
// kUnavailable (no history, no live value).
class ScriptedForecaster final : public forecast::ArrivalForecaster {
 public:
  void Set(const forecast::SeriesKey& key, double p_free, int capacity = 100,
           double expected_occupied = -1) {
    forecast::ArrivalForecast f;
    f.p_free = p_free;
    f.capacity = capacity;
    f.expected_occupied = expected_occupied >= 0 ? expected_occupied : capacity * (1 - p_free);
    f.method = "model";
    answers_[key] = f;
  }
  Result<forecast::ArrivalForecast> AtArrival(const forecast::SeriesKey& key,
                                              Timestamp arrival) const override {
    auto it = answers_.find(key);
    if (it == answers_.end()) return Unavailable("no history and no live value for " + key.Name());
    forecast::ArrivalForecast f = it->second;
    f.arrival = arrival;
    return f;
  }

 private:
  std::map<forecast::SeriesKey, forecast::ArrivalForecast> answers_;
};

}  // namespace pg::testing
