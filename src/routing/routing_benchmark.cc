// Micro benchmarks of the routing queries on the Monaco extract (../shared/data): Google
// Benchmark's view of the same figures bench/routing_bench.cc reports with medians and p99.
//
//   cmake --preset bench && cmake --build build/bench --target routing_benchmark
//   build/bench/src/routing/routing_benchmark
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "graph_build/graph_builder.h"
#include "osm/road_extract.h"
#include "routing/dijkstra.h"
#include "routing/route_query.h"

namespace pg::routing {
namespace {

const RoadNetwork* Monaco() {
  static const std::shared_ptr<const RoadNetwork> network =
      []() -> std::shared_ptr<const RoadNetwork> {
    const std::string path =
        std::string(PG_SHARED_DATA_DIR) + "/osm-monaco/monaco-2025-02-11.osm.pbf";
    if (!std::filesystem::exists(path)) return nullptr;
    auto roads = osm::ReadRoadExtract(path);
    if (!roads.ok()) return nullptr;
    return RoadNetwork::FromGraphs(graph::BuildRoadGraphs(*roads));
  }();
  return network.get();
}

std::vector<SnappedPoint> Points(const RoadNetwork& net, Mode mode, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<SnappedPoint> points;
  for (size_t i = 0; i < n; ++i) {
    points.push_back(net.PointOnSegment(
        mode, static_cast<uint32_t>(rng() % net.View(mode).segment_count()), unit(rng)));
  }
  return points;
}

void BM_RouteQuery_PointToPoint_Monaco(benchmark::State& state) {
  const RoadNetwork* net = Monaco();
  if (net == nullptr) return state.SkipWithError("../shared/data/osm-monaco is absent");
  const Mode mode = state.range(0) == 0 ? Mode::kCar : Mode::kFoot;
  RouteQuery query(*net, mode);
  const auto a = Points(*net, mode, 1024, 1), b = Points(*net, mode, 1024, 2);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(query.Cost(a[i & 1023], b[i & 1023]));
    ++i;
  }
}
BENCHMARK(BM_RouteQuery_PointToPoint_Monaco)->Arg(0)->Arg(1);

void BM_Dijkstra_PointToPoint_Monaco(benchmark::State& state) {
  const RoadNetwork* net = Monaco();
  if (net == nullptr) return state.SkipWithError("../shared/data/osm-monaco is absent");
  const Mode mode = state.range(0) == 0 ? Mode::kCar : Mode::kFoot;
  DijkstraQuery query(*net, mode);
  const auto a = Points(*net, mode, 1024, 1), b = Points(*net, mode, 1024, 2);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(query.Cost(a[i & 1023], b[i & 1023]));
    ++i;
  }
}
BENCHMARK(BM_Dijkstra_PointToPoint_Monaco)->Arg(0)->Arg(1);

void BM_RouteQuery_OneToMany_Monaco(benchmark::State& state) {
  const RoadNetwork* net = Monaco();
  if (net == nullptr) return state.SkipWithError("../shared/data/osm-monaco is absent");
  RouteQuery query(*net, Mode::kCar);
  const auto origins = Points(*net, Mode::kCar, 256, 3);
  const auto targets = Points(*net, Mode::kCar, static_cast<size_t>(state.range(0)), 4);
  std::vector<RouteCost> out;
  size_t i = 0;
  for (auto _ : state) {
    query.OneToMany(origins[i++ & 255], targets, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_RouteQuery_OneToMany_Monaco)->Arg(50)->Arg(500);

void BM_RouteQuery_OneToManyPrepared_Monaco(benchmark::State& state) {
  const RoadNetwork* net = Monaco();
  if (net == nullptr) return state.SkipWithError("../shared/data/osm-monaco is absent");
  RouteQuery query(*net, Mode::kCar);
  const auto origins = Points(*net, Mode::kCar, 256, 3);
  const TargetSet targets(*net, Mode::kCar,
                          Points(*net, Mode::kCar, static_cast<size_t>(state.range(0)), 4));
  std::vector<RouteCost> out;
  size_t i = 0;
  for (auto _ : state) {
    query.OneToMany(origins[i++ & 255], targets, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_RouteQuery_OneToManyPrepared_Monaco)->Arg(50)->Arg(500);

}  // namespace
}  // namespace pg::routing

BENCHMARK_MAIN();
