// SeriesModel: the forecaster of one facility's (or charger site's) occupancy share, trained on its
// own history, and the Profile it is built on.
//
// The model, per horizon h, is
//     ŷ(T) = clamp(S(T) + β_h · f(t, T), 0, 1),   T = t + h,
// where S is the seasonal profile (mean share by local 5-minute slot of day and day type —
// weekday, Saturday, Sunday-or-holiday — with a smoothing window and shrinkage to the all-day
// mean) and f are deviations from it: the current deviation, the deviation 15 and 60 minutes
// ago and its mean over the last 3 hours (the level of the day, which decays slowly), the
// weekly-lag deviation (mean of the same slot 1–3 weeks back on days of the same type) at the
// target and at the origin, the profile's own change S(T) − S(t), and an intercept. β_h is fitted
// per horizon by ridge-regularised least squares on the training window, with the profile seen
// leave-one-day-out (so the fit cannot lean on a profile that already contains its target).
// Coefficients are free to express persistence (β on the current deviation 1, on S(T) − S(t)
// −1), the historical average (all 0) or a weekly-lag method, and anything between, per horizon —
// this is how the recent deviation's decay by horizon is learnt.
//
// Uncertainty: the empirical distribution of training residuals per horizon, kept as quantiles
// in three bands of the predicted level (below 0.6, 0.6–0.85, above: residuals shrink near the
// bounds) and a fourth for origins at which the facility is full, gives P(at least one free space)
// = P(ŷ + e < (capacity − ½) / capacity).
//
// A series with too little history gets a profile-only model (kind kHistoricalAverage).
//
//   PG_ASSIGN_OR_RETURN(SeriesModel m, SeriesModel::Train(grid, index, from, until, {}));
//   Prediction p = m.Predict(grid, index, origin_slot, /*horizon_minutes=*/30);
//
// Thread-safety: a trained SeriesModel is immutable; Predict is const and safe to call
// concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "forecast/series.h"

namespace pg::forecast {

// Mean share by day type and local 5-minute slot of day.
class Profile {
 public:
  // Accumulates `g`'s truth over [from, until) (slots); `info` covers the grid from its first
  // slot. `half_window` slots either side are averaged with triangular weights.
  static Profile Fit(const GridSeries& g, const std::vector<TimeIndex::SlotInfo>& info,
                     int64_t from, int64_t until, int half_window = 2);

  // The profile value; falls back to the all-day-type value and then the overall mean.
  float At(DayType t, int slot_of_day) const {
    return value_[static_cast<int>(t) * kSlotsPerDay + slot_of_day];
  }
  bool empty() const { return days_ == 0; }
  int days() const { return days_; }
  float mean() const { return mean_; }

  // Leave-one-out: the profile value at slot k had slot k's own window not been seen.
  // Only valid for k inside the fitted range (used in training).
  float LeaveOneOut(const GridSeries& g, const std::vector<TimeIndex::SlotInfo>& info,
                    int64_t k) const;

  std::vector<float> values() const { return value_; }
  static Profile FromValues(std::vector<float> values, float mean, int days);

 private:
  float Finish(double sum_t, double cnt_t, double sum_all, double cnt_all) const;

  int half_window_ = 2;
  int days_ = 0;
  float mean_ = 0;
  std::vector<float> value_;       // [day type][slot of day]
  std::vector<double> sum_, cnt_;  // per day type and slot (weighted), training only
};

struct ModelOptions {
  std::vector<int> horizons_minutes{5, 15, 30, 60, 120};
  // Below this many days with data in the training window, the model is profile-only.
  int min_training_days = 3;
  // Below this many training pairs for a horizon, that horizon is profile-only.
  int min_pairs = 200;
  // Ridge penalty, relative to each feature's own sum of squares.
  double ridge = 1e-3;
  // Fit the median (least absolute deviations, by iteratively reweighted least squares) rather
  // than the mean: the error that matters is absolute, and occupancy changes come in jumps.
  bool least_absolute = true;
  int irls_iterations = 10;
  // At most this many pairs enter the reweighting iterations (evenly spaced in time).
  int irls_max_pairs = 8000;
  // At most this many origins per horizon enter the fit at all (evenly spaced): a year of
  // 5-minute history has 105,000; eight weeks, 16,000.
  int max_pairs = 20000;
  int quantiles = 41;
};

enum class ModelKind { kFull, kHistoricalAverage };
std::string_view Name(ModelKind k);

inline constexpr int kFeatures = 8;
// Residual bands: forecast level below 0.6, 0.6–0.85, above; and full at the origin.
inline constexpr int kBands = 4;

// A monotone map from a raw probability to a calibrated one (isotonic regression); see
// calibration.h for how it is fitted.
class CalibrationMap {
 public:
  // `pairs`: (raw probability, outcome 0/1). Fewer than `min_pairs` give the identity map.
  static CalibrationMap Fit(std::vector<std::pair<float, float>> pairs, size_t min_pairs = 500);
  static CalibrationMap FromKnots(std::vector<float> x, std::vector<float> y);
  // Identity when empty; linear between knots, constant beyond them.
  double Apply(double p) const;
  bool empty() const { return x_.empty(); }
  const std::vector<float>& x() const { return x_; }
  const std::vector<float>& y() const { return y_; }

 private:
  std::vector<float> x_, y_;
};

struct HorizonFit {
  int minutes = 0;
  bool fitted = false;  // false: profile only
  std::array<double, kFeatures> coef{};
  // Residual quantiles (truth − forecast, shares) at probabilities i/(q−1), per level band.
  std::array<std::vector<float>, kBands> residual_quantiles;
  int64_t pairs = 0;
  double train_mae = 0;  // in-sample, shares
  // Of P(free), for origins not full [0] and full [1]; identity until TrainCity sets them.
  std::array<CalibrationMap, 2> calibration;
};

struct Prediction {
  double share = 0;   // expected occupied share, 0..1
  double p_free = 1;  // P(at least one free space)
  double low = 0;     // 10% quantile of the share
  double high = 0;    // 90% quantile of the share
};

class SeriesModel {
 public:
  // Trains on `g`'s slots in [from, until). Errors: kFailedPrecondition when the window holds
  // no data at all (nothing to forecast from).
  static Result<SeriesModel> Train(const GridSeries& g, const TimeIndex& index, int64_t from,
                                   int64_t until, const ModelOptions& options);

  // Forecast for origin slot + horizon from `history` (its slots up to the origin; later slots
  // are never read). `capacity` 0 means the history's capacity at the origin. `origin_share`,
  // when given, replaces the history's known value at the origin (a live reading newer than
  // the history).
  // REQUIRES: horizon_minutes > 0.
  Prediction Predict(const GridSeries& history, const TimeIndex& index, int64_t origin,
                     int horizon_minutes, int capacity = 0,
                     std::optional<float> origin_share = std::nullopt) const;
  // As Predict, without the calibration map (what the map is fitted on).
  Prediction PredictRaw(const GridSeries& history, const TimeIndex& index, int64_t origin,
                        int horizon_minutes, int capacity = 0) const;
  // Sets the P(free) calibration of the fitted horizon `minutes` for origins that are full or
  // not (no-op for another horizon).
  void SetCalibration(int minutes, bool full_now, const CalibrationMap& map);
  // Whether the facility counts as full at the origin (what selects the calibration).
  static bool FullAt(const GridSeries& history, int64_t origin, int capacity);

  ModelKind kind() const { return kind_; }
  const Profile& profile() const { return profile_; }
  const std::vector<HorizonFit>& horizons() const { return fits_; }
  int64_t trained_from() const { return from_; }
  int64_t trained_until() const { return until_; }

  // A JSON document holding everything Predict needs (for the store).
  std::string ToJson() const;
  // Errors: kDataLoss when `json` is not a model this build wrote.
  static Result<SeriesModel> FromJson(std::string_view json);

 private:
  Prediction PredictFit(const HorizonFit& fit, const GridSeries& history, const TimeIndex& index,
                        int64_t origin, int steps, int capacity, bool calibrated,
                        std::optional<float> origin_share) const;
  Prediction PredictImpl(const GridSeries& history, const TimeIndex& index, int64_t origin,
                         int horizon_minutes, int capacity, bool calibrated,
                         std::optional<float> origin_share) const;

  ModelKind kind_ = ModelKind::kHistoricalAverage;
  Profile profile_;
  std::vector<HorizonFit> fits_;
  int64_t from_ = 0;
  int64_t until_ = 0;
};

// P(share < threshold) from residual quantiles `q` around `forecast`: the empirical CDF, linear
// between quantiles. Exposed for tests.
double ProbabilityBelow(const std::vector<float>& q, double forecast, double threshold);

}  // namespace pg::forecast
