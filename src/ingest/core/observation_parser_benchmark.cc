// ParseObservations on full batches (10,000 items, the HTTP maximum): the whole of the parse and
// validation an ingest request pays before the journal.
//
//   cmake --preset bench && cmake --build build/bench --target observation_parser_benchmark
//   build/bench/src/ingest/core/observation_parser_benchmark
#include <benchmark/benchmark.h>

#include <vector>

#include "ingest/core/observation_parser.h"

namespace pg::ingest {
namespace {

const Timestamp kNow = FromUnixMillis(1'780'000'000'000);

// 10,000 observations of the kinds a city sends: counts (half with a class), bays, chargers.
std::string Batch(bool mixed) {
  std::vector<model::Observation> items(10'000);
  for (size_t i = 0; i < items.size(); ++i) {
    model::Observation& o = items[i];
    o.time = kNow - std::chrono::seconds(i % 60);
    o.seq = static_cast<int64_t>(i);
    switch (mixed ? i % 4 : 0) {
      case 0:
      case 1:
        o.type = model::ObservationType::kFacilityCount;
        o.target = "P" + std::to_string(i % 500);
        o.free = static_cast<int>(i % 300);
        if (i % 2) o.category = model::SpaceCategory::kEv;
        break;
      case 2:
        o.type = model::ObservationType::kBay;
        o.target = "B" + std::to_string(i);
        o.bay_occupied = i % 3 == 0;
        break;
      default:
        o.type = model::ObservationType::kCharger;
        o.target = "C" + std::to_string(i % 800);
        o.connector = 1 + static_cast<int>(i % 2);
        o.charger_status = model::ChargerStatus::kCharging;
    }
  }
  return ToWireJson(items);
}

void BM_ParseObservations(benchmark::State& state) {
  const std::string body = Batch(state.range(0) != 0);
  ParseOptions options{.source = model::SourceId("gates"), .now = kNow};
  for (auto _ : state) {
    auto batch = ParseObservations(body, options);
    if (!batch.ok() || !batch->errors.empty()) state.SkipWithError("the batch did not parse");
    benchmark::DoNotOptimize(batch);
  }
  state.SetItemsProcessed(state.iterations() * 10'000);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_ParseObservations)->Arg(0)->Arg(1)->ArgName("mixed")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pg::ingest

BENCHMARK_MAIN();
