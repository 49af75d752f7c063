// What the durability of a store write costs: one sign display record appended (one commit) with
// the write connection at PRAGMA synchronous=FULL (what parkguide runs: the WAL is fsynced at
// every commit) against NORMAL (synced only at checkpoints; loses the newest commits to a power
// cut) and OFF. Same process, same directory, side by side: the ratio is the figure to keep
// (docs/benchmarks.md, "SQLite commit durability").
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "store/store.h"

namespace pg::store {
namespace {

void BM_SqliteStore_AppendSignDisplay(benchmark::State& state) {
  const auto sync = static_cast<SqliteStoreOptions::Synchronous>(state.range(0));
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("pg-store-bench-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  {
    SqliteStoreOptions options;
    options.synchronous = sync;
    auto store = OpenSqliteStore((dir / "city.db").string(), options);
    if (!store.ok()) {
      state.SkipWithError(store.status().ToString().c_str());
      return;
    }
    const std::string content(600, 'x');  // about a two-line sign's content with its basis
    int64_t seq = 0;
    for (auto _ : state) {
      SignDisplayRecord r{model::SignId("S1"),         ++seq, FromUnixMillis(seq * 1000), content,
                          R"({"kind":"observation"})", {}};
      Status s = (*store)->AppendSignDisplays(std::span(&r, 1));
      if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    }
    state.SetItemsProcessed(state.iterations());
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SqliteStore_AppendSignDisplay)
    ->ArgName("synchronous_off0_normal1_full2")
    ->Arg(static_cast<int>(SqliteStoreOptions::Synchronous::kFull))
    ->Arg(static_cast<int>(SqliteStoreOptions::Synchronous::kNormal))
    ->Arg(static_cast<int>(SqliteStoreOptions::Synchronous::kOff))
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace pg::store

BENCHMARK_MAIN();
