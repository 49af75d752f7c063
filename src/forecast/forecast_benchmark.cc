// Forecast costs: training a city (N facilities × D days of 5-minute history, grids included)
// and one forecast per facility and horizon. Figures in docs/benchmarks.md, "Forecast".
//
//   build/bench/src/forecast/forecast_benchmark --benchmark_filter=Train
#include <benchmark/benchmark.h>
#include <date/tz.h>

#include <cmath>
#include <map>
#include <random>

#include "forecast/calibration.h"
#include "forecast/model.h"
#include "forecast/series.h"

namespace pg::forecast {
namespace {

const TimeIndex& Index() {
  static const TimeIndex index(**LookupTimeZone("Asia/Shanghai"), *HolidayCalendar::Builtin("cn"));
  return index;
}

const Timestamp kStart = FromUnixMillis(1'704'038'400'000);  // 2024-01-01T00:00:00+08:00

// A car park of `capacity` with a daily curve by day type and AR(1) noise, `days` long.
std::vector<Sample> Facility(int days, int capacity, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, 0.012);
  std::uniform_real_distribution<double> shape(0.4, 0.9);
  const double peak = shape(rng);
  const double hour = 10 + 6 * shape(rng);
  const int64_t first = SlotOf(kStart);
  auto info = Index().Range(first, static_cast<int64_t>(days) * kSlotsPerDay);
  std::vector<Sample> out;
  out.reserve(info.size());
  double e = 0;
  for (size_t i = 0; i < info.size(); ++i) {
    e = 0.97 * e + noise(rng);
    double h = info[i].slot_of_day / 12.0;
    double amp = info[i].day_type == DayType::kWeekday ? peak : 0.6 * peak;
    double share =
        std::clamp(0.1 + amp * std::exp(-0.5 * std::pow((h - hour) / 3, 2)) + e, 0.0, 1.0);
    out.push_back({SlotTime(first + static_cast<int64_t>(i)),
                   static_cast<int>(std::lround(share * capacity)), capacity});
  }
  return out;
}

void BM_Forecast_TrainCity(benchmark::State& state) {
  const int facilities = static_cast<int>(state.range(0));
  const int days = static_cast<int>(state.range(1));
  std::vector<std::vector<Sample>> raw;
  raw.reserve(facilities);
  for (int i = 0; i < facilities; ++i) raw.push_back(Facility(days, 100 + 7 * (i % 50), 1000 + i));
  const int64_t from = SlotOf(kStart);
  const int64_t until = from + static_cast<int64_t>(days) * kSlotsPerDay;
  for (auto _ : state) {
    std::vector<GridSeries> grids;
    grids.reserve(raw.size());
    for (const auto& r : raw) grids.push_back(BuildGrid("f", r, {}));
    CityTraining t = TrainCity(grids, Index(), from, until, {}, /*threads=*/2);
    benchmark::DoNotOptimize(t.models.data());
  }
  state.counters["facilities"] = facilities;
  state.counters["days"] = days;
  state.counters["s_per_facility"] = benchmark::Counter(
      facilities, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Forecast_TrainCity)
    ->Args({10, 365})
    ->Args({100, 365})
    ->Args({1000, 365})
    ->Args({1000, 56})
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

// One forecast from a trained model at a random origin, for one horizon.
struct PredictSetup {
  GridSeries grid;
  SeriesModel model;
};

const PredictSetup& Setup() {
  static const PredictSetup setup = [] {
    PredictSetup s;
    s.grid = BuildGrid("f", Facility(56, 400, 7), {});
    s.model = *SeriesModel::Train(s.grid, Index(), s.grid.first_slot, s.grid.end_slot(), {});
    return s;
  }();
  return setup;
}

void BM_Forecast_Predict(benchmark::State& state) {
  const GridSeries& g = Setup().grid;
  const SeriesModel& m = Setup().model;
  const int horizon = static_cast<int>(state.range(0));
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> origin(g.first_slot + 21 * kSlotsPerDay, g.end_slot() - 1);
  for (auto _ : state) {
    Prediction p = m.Predict(g, Index(), origin(rng), horizon, 0, 0.5f);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_Forecast_Predict)->Arg(5)->Arg(15)->Arg(30)->Arg(60)->Arg(120)->Arg(45);

}  // namespace
}  // namespace pg::forecast

BENCHMARK_MAIN();
