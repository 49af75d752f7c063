// CalibrationMap: a monotone map from a model's raw probability to a calibrated one, fitted by
// isotonic regression (pool-adjacent-violators) on out-of-sample (probability, outcome) pairs,
// and TrainCity, which trains every series of a city and fits one map per horizon for all of
// them.
//
// Why pooled: a single car park is full too rarely to calibrate its own tail, and the
// miscalibration of empirical residual quantiles (fitted in-sample, conditional on few
// bands) is much the same across a city's car parks.
//
// TrainCity holds out the last quarter of the training window (at least 2 and at most 14 days,
// when the window has 6 or more; at most a week's worth of origins, evenly spaced), trains on the
// rest, forecasts the held-out part, fits the maps on those forecasts, then trains again on the
// whole window and attaches the maps.
//
// Thread-safety: CalibrationMap is immutable after Fit; TrainCity uses `threads` threads.
#pragma once

#include <span>
#include <utility>
#include <vector>

#include "core/status.h"
#include "forecast/model.h"

namespace pg::forecast {

struct CityTraining {
  // One per input grid; an error when that series has no history before the cut.
  std::vector<Result<SeriesModel>> models;
  size_t calibration_pairs = 0;  // held-out forecasts the maps were fitted on
  // Per series and horizon: MAE (shares) on the held-out tail of the model trained without it,
  // and of persistence and the historical average on the same pairs. Empty when the window
  // was too short to hold a tail out.
  struct HeldOut {
    int minutes = 0;
    int64_t n = 0;
    double model = 0, persistence = 0, historical_average = 0;
  };
  std::vector<std::vector<HeldOut>> held_out;
};

CityTraining TrainCity(std::span<const GridSeries> grids, const TimeIndex& index, int64_t from,
                       int64_t until, const ModelOptions& options, int threads = 1);

}  // namespace pg::forecast
