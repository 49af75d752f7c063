// Observations applied to the live state per second on one core, in memory.
//
//   cmake --preset bench && cmake --build build/bench --target live_state_benchmark
//   build/bench/src/state/live_state_benchmark
//
// A city of 10,000 facilities, 20,000 sensed bays and 2,000 chargers; a mix of 60 % facility
// counts, 20 % entries/exits, 15 % bay states and 5 % charger statuses from 100 sources, each
// with its own increasing seq, in batches of 1,000. Three variants: targets resolved at ingest
// (what the pipeline applies), resolution included (string ids), and with the change bus on
// (events rendered for every touched target).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>
#include <unordered_map>

#include "state/live_state.h"

namespace pg::state {
namespace {

std::shared_ptr<const registry::Registry> BigCity() {
  model::RegistryData data;
  model::City city;
  city.id = "bench";
  data.city = city;
  for (int i = 0; i < 10'000; ++i) {
    model::Facility f;
    f.id = model::FacilityId("F" + std::to_string(i));
    f.capacity.total = 200 + i % 800;
    f.capacity.by_category[model::SpaceCategory::kEv] = 10;
    f.kind = i % 10 == 0 ? model::FacilityKind::kOnStreet : model::FacilityKind::kSurface;
    f.location = {34 + i * 1e-5, 113 + i * 1e-5};
    data.facilities.push_back(f);
  }
  for (int i = 0; i < 20'000; ++i) {
    model::Bay b;
    b.id = model::BayId("B" + std::to_string(i));
    b.facility = model::FacilityId("F" + std::to_string((i % 1000) * 10));
    data.bays.push_back(b);
  }
  for (int i = 0; i < 2'000; ++i) {
    model::Charger c;
    c.id = model::ChargerId("C" + std::to_string(i));
    c.connectors = {{1, model::ConnectorType::kGbtDc, 60}, {2, model::ConnectorType::kGbtAc, 7}};
    data.chargers.push_back(c);
  }
  return *registry::Registry::Build(std::move(data));
}

std::vector<model::Observation> Workload(size_t n) {
  std::mt19937_64 rng(42);
  std::vector<model::Observation> out(n);
  std::vector<int64_t> seq(100, 0);
  int64_t t0 = 1'795'000'000'000;
  for (size_t i = 0; i < n; ++i) {
    model::Observation& o = out[i];
    int source = static_cast<int>(rng() % 100);
    o.source = model::SourceId("S" + std::to_string(source));
    o.seq = ++seq[source];
    o.time = FromUnixMillis(t0 + static_cast<int64_t>(i));
    int kind = static_cast<int>(rng() % 100);
    if (kind < 60) {
      o.type = model::ObservationType::kFacilityCount;
      o.target = "F" + std::to_string(rng() % 10'000);
      o.free = static_cast<int>(rng() % 250);
    } else if (kind < 80) {
      o.type = kind < 70 ? model::ObservationType::kEntry : model::ObservationType::kExit;
      o.target = "F" + std::to_string(rng() % 10'000);
    } else if (kind < 95) {
      o.type = model::ObservationType::kBay;
      o.target = "B" + std::to_string(rng() % 20'000);
      o.bay_occupied = rng() % 2;
    } else {
      o.type = model::ObservationType::kCharger;
      o.target = "C" + std::to_string(rng() % 2'000);
      o.connector = 1 + static_cast<int>(rng() % 2);
      o.charger_status = static_cast<model::ChargerStatus>(rng() % 9);
    }
  }
  return out;
}

constexpr size_t kBatch = 1000;
constexpr size_t kWorkload = 1 << 20;

// What each observation's seq advances by when the workload starts again: its source's number of
// observations in the workload, so every source's seqs go on increasing by one (a jump of the
// workload's length would be refused as too far ahead, and the benchmark would time refusals).
std::vector<int64_t> SeqSteps(const std::vector<model::Observation>& workload) {
  std::unordered_map<std::string, int64_t> per_source;
  for (const auto& o : workload) ++per_source[o.source.str()];
  std::vector<int64_t> steps;
  steps.reserve(workload.size());
  for (const auto& o : workload) steps.push_back(per_source[o.source.str()]);
  return steps;
}

// Fails the benchmark unless every observation it timed was applied.
void RequireAllAccepted(benchmark::State& st, int64_t accepted) {
  const auto timed = static_cast<int64_t>(st.iterations() * kBatch);
  if (accepted != timed) {
    st.SkipWithError(("only " + std::to_string(accepted) + " of " + std::to_string(timed) +
                      " observations accepted")
                         .c_str());
  }
  st.SetItemsProcessed(timed);
}

// Each iteration applies one batch; the workload's seqs and times keep increasing across
// rounds by re-stamping them, so nothing is a duplicate.
void BM_LiveState_ApplyResolved(benchmark::State& st) {
  LiveState state(BigCity());
  auto observations = Workload(kWorkload);
  const std::vector<int64_t> steps = SeqSteps(observations);
  int64_t accepted = 0;
  std::vector<ResolvedObservation> resolved;
  resolved.reserve(observations.size());
  for (const auto& o : observations) resolved.push_back(*state.Resolve(o));
  size_t pos = 0;
  for (auto _ : st) {
    if (pos + kBatch > resolved.size()) {
      pos = 0;
      st.PauseTiming();
      for (size_t i = 0; i < resolved.size(); ++i) {
        resolved[i].seq += steps[i];
        resolved[i].time_ms += static_cast<int64_t>(kWorkload);
      }
      st.ResumeTiming();
    }
    auto counts = state.ApplyResolved(std::span(resolved).subspan(pos, kBatch), {});
    accepted += counts.accepted;
    pos += kBatch;
  }
  RequireAllAccepted(st, accepted);
}
BENCHMARK(BM_LiveState_ApplyResolved);

void BM_LiveState_ApplyWithResolution(benchmark::State& st) {
  LiveState state(BigCity());
  auto observations = Workload(kWorkload);
  const std::vector<int64_t> steps = SeqSteps(observations);
  int64_t accepted = 0;
  size_t pos = 0;
  for (auto _ : st) {
    if (pos + kBatch > observations.size()) {
      pos = 0;
      st.PauseTiming();
      for (size_t i = 0; i < observations.size(); ++i) {
        *observations[i].seq += steps[i];
        observations[i].time += Milliseconds(kWorkload);
      }
      st.ResumeTiming();
    }
    auto outcomes = state.ApplyBatch(std::span(observations).subspan(pos, kBatch));
    accepted += std::count_if(outcomes.begin(), outcomes.end(), [](const ApplyOutcome& o) {
      return o.result == ApplyResult::kApplied;
    });
    pos += kBatch;
  }
  RequireAllAccepted(st, accepted);
}
BENCHMARK(BM_LiveState_ApplyWithResolution);

void BM_LiveState_ApplyResolvedWithEvents(benchmark::State& st) {
  // Events with their typed views; their stream JSON is the bus renderer's (api/live_json.h),
  // which a state benchmark may not link: the server renders it on this thread too.
  events::EventBus bus;
  LiveState state(BigCity(), {}, nullptr, &bus);
  auto observations = Workload(kWorkload);
  const std::vector<int64_t> steps = SeqSteps(observations);
  int64_t accepted = 0;
  std::vector<ResolvedObservation> resolved;
  for (const auto& o : observations) resolved.push_back(*state.Resolve(o));
  size_t pos = 0;
  for (auto _ : st) {
    if (pos + kBatch > resolved.size()) {
      pos = 0;
      st.PauseTiming();
      for (size_t i = 0; i < resolved.size(); ++i) {
        resolved[i].seq += steps[i];
        resolved[i].time_ms += static_cast<int64_t>(kWorkload);
      }
      st.ResumeTiming();
    }
    auto counts = state.ApplyResolved(std::span(resolved).subspan(pos, kBatch), {});
    accepted += counts.accepted;
    pos += kBatch;
  }
  RequireAllAccepted(st, accepted);
}
BENCHMARK(BM_LiveState_ApplyResolvedWithEvents);

}  // namespace
}  // namespace pg::state

BENCHMARK_MAIN();
