// Replay: backfilling occupancy history from a file — the Birmingham car-park series
// (../shared/data/birmingham-parking) or SPEC §9's long CSV (`facility_id,time,occupied,
// capacity`, what /history?format=csv exports).
//
//   PG_ASSIGN_OR_RETURN(auto readings, ReadReadings(path, ReplayFormat::kBirmingham, options));
//   PG_ASSIGN_OR_RETURN(ReplayReport report, ReplayToHistory(readings, store, options, progress));
//
// What it does with the data's quirks (docs/api/ingest.md, "Replay"): exact duplicate rows are
// dropped; counts outside 0..capacity are clamped and counted; rows are sorted per facility by
// time. Each reading becomes a history sample, and 5-minute rollups are built from them, a
// reading standing until the next one but at most `max_hold` (the Birmingham series samples
// every ~30 minutes by day and not at night).
//
// Thread-safety: functions are reentrant.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/history.h"
#include "store/occupancy_history.h"

namespace pg::ingest {

enum class ReplayFormat { kBirmingham, kLongCsv };

struct ReplayOptions {
  // Time zone of naive local times (Birmingham's "YYYY-MM-DD HH:MM:SS").
  std::string time_zone = "Europe/London";
  std::chrono::milliseconds max_hold = std::chrono::minutes(45);
};

struct Reading {
  std::string facility;
  Timestamp time;
  int occupied = 0;
  int capacity = 0;
};

// Errors: kNotFound (no file), kInvalidArgument naming the line and column that cannot be read.
Result<std::vector<Reading>> ReadReadings(const std::string& path, ReplayFormat format,
                                          const ReplayOptions& options);

struct ReplayReport {
  size_t rows = 0;
  size_t duplicates = 0;
  size_t clamped_over = 0;   // occupied > capacity
  size_t clamped_under = 0;  // occupied < 0
  size_t samples = 0;
  size_t rollups = 0;
  std::vector<std::string> facilities;
  Timestamp first, last;
  std::string ToText() const;
};

// `progress(done, total)` is called now and then. Errors: those of the store.
Result<ReplayReport> ReplayToHistory(std::vector<Reading> readings,
                                     store::OccupancyHistoryWriter& store,
                                     const ReplayOptions& options,
                                     const std::function<void(size_t, size_t)>& progress = {});

}  // namespace pg::ingest
