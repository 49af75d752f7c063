// One guidance query end to end in process — snap both ends, the car and foot one-to-many
// searches, filters, live views, forecasts, the search on from each candidate, routes for the
// results and the words — on the real extracts of ../shared/data with every facility live: Monaco
// (the main test file) and Liechtenstein (the largest road network there). Each run prints the
// median and p99 of the individual queries as counters (p50_us, p99_us; and of the thread's CPU
// time, p50_cpu_us, p99_cpu_us), beside Google Benchmark's mean.
//
//   cmake --preset bench && cmake --build build/bench --target guidance_benchmark
//   build/bench/src/guidance/guidance_benchmark
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>

#include "graph_build/graph_builder.h"
#include "guidance/guidance.h"
#include "osm/parking_extract.h"
#include "osm/road_extract.h"
#include "registry/from_osm.h"

namespace pg::guidance {
namespace {

Timestamp Now() { return *ParseRfc3339("2026-11-30T10:00:00+08:00"); }

// A forecaster that answers from a table: the interface call guidance makes, without a model.
class TableForecaster final : public forecast::ArrivalForecaster {
 public:
  explicit TableForecaster(const registry::Registry& reg) {
    for (const auto& f : reg.facilities()) {
      forecast::ArrivalForecast a;
      a.capacity = f.capacity.total.value_or(50);
      a.expected_occupied = a.capacity * 0.6;
      a.p_free = 0.8;
      a.method = "model";
      table_[forecast::SeriesKey::Facility(f.id.str())] = a;
    }
  }
  Result<forecast::ArrivalForecast> AtArrival(const forecast::SeriesKey& key,
                                              Timestamp arrival) const override {
    auto it = table_.find(key);
    if (it == table_.end()) return Unavailable("no series");
    forecast::ArrivalForecast a = it->second;
    a.arrival = arrival;
    return a;
  }

 private:
  std::map<forecast::SeriesKey, forecast::ArrivalForecast> table_;
};

struct City {
  std::shared_ptr<const registry::Registry> registry;
  std::unique_ptr<state::LiveState> live;
  std::unique_ptr<Guide> guide;
  std::unique_ptr<TableForecaster> forecaster;
  std::vector<GuidanceRequest> requests;
};

// Every facility of the extract live (half full), and 1,000 requests: destinations near a random
// facility, origins at another, 2 km apart at most when the city allows.
std::unique_ptr<City> Load(const std::string& relative) {
  const std::string path = std::string(PG_SHARED_DATA_DIR) + "/" + relative;
  if (!std::filesystem::exists(path)) return nullptr;
  auto roads = osm::ReadRoadExtract(path);
  auto parking = osm::ReadParkingExtract(path);
  if (!roads.ok() || !parking.ok()) return nullptr;
  auto network = routing::RoadNetwork::FromGraphs(graph::BuildRoadGraphs(*roads));
  model::RegistryData data = registry::RegistryDataFromOsm(*parking, nullptr);
  registry::DropInvalidEntries(data, nullptr);
  model::Source source;
  source.id = model::SourceId("feed");
  source.scope.all = true;
  data.sources.push_back(source);
  auto city = std::make_unique<City>();
  city->registry = *registry::Registry::Build(std::move(data));
  city->live = std::make_unique<state::LiveState>(city->registry);
  std::vector<model::Observation> obs;
  for (const auto& f : city->registry->facilities()) {
    model::Observation o;
    o.source = model::SourceId("feed");
    o.time = Now() - std::chrono::minutes(1);
    o.target = f.id.str();
    o.free = f.capacity.total ? *f.capacity.total / 2 : 10;
    obs.push_back(o);
  }
  city->live->ApplyBatch(obs, Now());
  city->guide = Guide::Create(network, city->registry, nullptr);
  city->forecaster = std::make_unique<TableForecaster>(*city->registry);
  std::mt19937_64 rng(20261130);
  const auto facilities = city->registry->facilities();
  std::uniform_real_distribution<double> jitter(-0.002, 0.002);
  while (city->requests.size() < 1000) {
    const auto& d = facilities[rng() % facilities.size()];
    const auto& o = facilities[rng() % facilities.size()];
    GuidanceRequest r;
    r.dest = {d.location.lat + jitter(rng), d.location.lon + jitter(rng)};
    r.origin = o.location;
    if (HaversineMeters(r.dest, *r.origin) > 2000) continue;
    r.lang = Lang::kEn;
    // Skip points no road reaches (outside the extract's network).
    if (!city->guide->network().Snap(routing::Mode::kFoot, r.dest, 500).ok() ||
        !city->guide->network().Snap(routing::Mode::kCar, *r.origin, 500).ok()) {
      continue;
    }
    city->requests.push_back(r);
  }
  return city;
}

const City* Monaco() {
  static const auto city = Load("osm-monaco/monaco-2025-02-11.osm.pbf");
  return city.get();
}
const City* Liechtenstein() {
  static const auto city = Load("osm-liechtenstein/liechtenstein-2024-03-04.osm.pbf");
  return city.get();
}

double ThreadCpuMicros() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

void Run(benchmark::State& state, const City* city, bool with_forecast) {
  if (city == nullptr) return state.SkipWithError("the extract in ../shared/data is absent");
  auto snapshot = city->live->Snapshot();
  const forecast::ArrivalForecaster* fc = with_forecast ? city->forecaster.get() : nullptr;
  std::vector<double> us, cpu_us;
  size_t i = 0, results = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = ThreadCpuMicros();
    auto answer =
        city->guide->Answer(city->requests[i++ % city->requests.size()], *snapshot, Now(), fc);
    benchmark::DoNotOptimize(answer);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                     .count());
    cpu_us.push_back(ThreadCpuMicros() - cpu_start);
    if (answer.ok()) results += answer->results.size();
  }
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[us.size() * 99 / 100];
  // Wall-clock tails on a shared machine are scheduler ticks; the thread's own CPU time shows the
  // query's.
  std::sort(cpu_us.begin(), cpu_us.end());
  state.counters["p50_cpu_us"] = cpu_us[cpu_us.size() / 2];
  state.counters["p99_cpu_us"] = cpu_us[cpu_us.size() * 99 / 100];
  state.counters["results"] = static_cast<double>(results) / static_cast<double>(us.size());
  state.counters["facilities"] = static_cast<double>(city->registry->facilities().size());
}

void BM_Guide_Answer_Monaco(benchmark::State& state) { Run(state, Monaco(), state.range(0)); }
BENCHMARK(BM_Guide_Answer_Monaco)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_Guide_Answer_Liechtenstein(benchmark::State& state) {
  Run(state, Liechtenstein(), state.range(0));
}
BENCHMARK(BM_Guide_Answer_Liechtenstein)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace pg::guidance

BENCHMARK_MAIN();
