// Backtest: train every series of a data set on the data before a cut, roll forward over the
// rest, and score the model against persistence, the historical average and the HSL method
// per horizon (definitions in docs/forecast.md).
//
// Pairs scored: every forecast origin after the cut where a new reading arrived and is valid
// (not frozen, not missing) and the target slot, `h` later, has a valid value (a reading or an
// interpolation between readings at most the set's max gap apart). All four methods are scored
// on exactly the same pairs. Forecasts read only data up to their origin; the model's
// parameters are frozen at the cut.
//
//   PG_ASSIGN_OR_RETURN(datasets::Dataset data,
//                       datasets::LoadDataset(path, datasets::DataFormat::kGuangzhou));
//   PG_ASSIGN_OR_RETURN(BacktestReport r, RunBacktest(data, options));
//   std::cout << ReportJson(r);
//
// Thread-safety: pure functions; RunBacktest uses `threads` worker threads internally.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "core/status.h"
#include "datasets/datasets.h"
#include "forecast/model.h"

namespace pg::forecast {

struct BacktestOptions {
  Timestamp train_until;
  std::vector<int> horizons_minutes{15, 30, 60, 120};
  // Holiday calendar: a built-in name ("cn", "none") or CSV text; empty: the data set's.
  std::string calendar;
  bool calendar_is_csv = false;
  std::optional<GridOptions> grid;  // the data set's when absent
  ModelOptions model;               // horizons are taken from horizons_minutes
  int threads = 2;
  // Hears the series gridded, the training, and the series scored (from any of the threads, one
  // report at a time).
  Progress progress;
};

struct Score {
  double mae = 0;          // share of capacity
  double rmse = 0;         // share of capacity
  double mae_spaces = 0;   // spaces
  double rmse_spaces = 0;  // spaces
};

struct ReliabilityBin {
  double lo = 0, hi = 0;  // predicted P(free) in [lo, hi)
  int64_t n = 0;
  double mean_predicted = 0;
  double observed = 0;  // share of pairs with a free space at the target
};

struct HorizonResult {
  int minutes = 0;
  int64_t n = 0;
  Score model, persistence, historical_average, hsl;
  double brier = 0;                         // of the model's P(free)
  double brier_climatology = 0;             // of always predicting the test period's free rate
  std::vector<ReliabilityBin> reliability;  // ten deciles
  // Largest |mean predicted − observed| over bins with at least kMinBin pairs.
  double max_calibration_gap = 0;
};
inline constexpr int64_t kMinCalibrationBin = 100;

struct Coverage {
  int64_t series = 0;               // in the data set
  int64_t series_scored = 0;        // with training data and at least one scored pair
  int64_t series_profile_only = 0;  // too little history: the model fell back to its profile
  int64_t series_no_training = 0;   // no valid data before the cut: not scored
  int64_t rows = 0, cells = 0, skipped_cells = 0, carried_forward = 0;
  GridStats grid;
  int64_t train_slots = 0;                      // valid (truth) slots before the cut
  int64_t test_slots = 0;                       // valid slots after it
  int64_t test_origins = 0;                     // forecast origins after it
  std::string first_time, cut_time, last_time;  // RFC 3339, local offset
};

struct BacktestReport {
  std::string dataset;
  std::string time_zone;
  std::string calendar;
  Coverage coverage;
  std::vector<HorizonResult> horizons;
  std::vector<std::string> notes;
};

// Errors: kInvalidArgument for a bad horizon (not a positive multiple of 5 minutes, above one
// week) or calendar; kFailedPrecondition when no series has data on both sides of the cut.
Result<BacktestReport> RunBacktest(const datasets::Dataset& data, const BacktestOptions& options);

// SPEC §9's `--json` document (with extra fields beside the contract's).
std::string ReportJson(const BacktestReport& report);
// Tables for a person.
std::string ReportText(const BacktestReport& report);

}  // namespace pg::forecast
