#include "forecast/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace pg::forecast {
namespace {

using SlotInfo = TimeIndex::SlotInfo;

// One day's weight in the profile's weighted counts is (half_window + 1)²; the day-type mean is
// shrunk to the all-day mean by this many days' worth.
constexpr double kShrinkDays = 1.0;
// Level bands of the forecast for residual quantiles.
constexpr double kBandEdges[2] = {0.6, 0.85};

// At most this many residuals (evenly spaced in time) are sorted for the quantiles: 41 quantiles
// need no more, and sorting was most of a year's training time.
constexpr size_t kMaxQuantileSample = 10000;

std::vector<float> Quantiles(std::vector<float> v, int q) {
  std::vector<float> out;
  if (v.empty() || q < 2) return out;
  if (v.size() > kMaxQuantileSample) {
    const size_t stride = (v.size() + kMaxQuantileSample - 1) / kMaxQuantileSample;
    size_t w = 0;
    for (size_t r = 0; r < v.size(); r += stride) v[w++] = v[r];
    v.resize(w);
  }
  std::sort(v.begin(), v.end());
  out.reserve(q);
  for (int i = 0; i < q; ++i) {
    double pos = static_cast<double>(i) / (q - 1) * static_cast<double>(v.size() - 1);
    size_t lo = static_cast<size_t>(std::floor(pos));
    size_t hi = std::min(lo + 1, v.size() - 1);
    double w = pos - static_cast<double>(lo);
    out.push_back(static_cast<float>(v[lo] * (1 - w) + v[hi] * w));
  }
  return out;
}

// Band 3: the facility is full at the origin — whether it stays full is its own question,
// answered by its own residuals.
int BandOf(double share, bool full_now) {
  if (full_now) return 3;
  if (share < kBandEdges[0]) return 0;
  if (share < kBandEdges[1]) return 1;
  return 2;
}

// Quantiles per band; a band with too few residuals borrows the high band's (for band 3) or
// everyone's.
std::array<std::vector<float>, kBands> BandQuantiles(
    const std::array<std::vector<float>, kBands>& res, int q) {
  constexpr size_t kMin = 100;
  std::vector<float> all;
  for (const auto& r : res) all.insert(all.end(), r.begin(), r.end());
  std::array<std::vector<float>, kBands> out;
  for (int b = 0; b < kBands; ++b) {
    if (res[b].size() >= kMin) {
      out[b] = Quantiles(res[b], q);
    } else if (b == 3 && res[2].size() >= kMin) {
      out[b] = Quantiles(res[2], q);
    } else {
      out[b] = Quantiles(all, q);
    }
  }
  return out;
}

double QuantileAt(const std::vector<float>& q, double p) {
  if (q.empty()) return 0;
  double pos = p * static_cast<double>(q.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, q.size() - 1);
  double w = pos - static_cast<double>(lo);
  return q[lo] * (1 - w) + q[hi] * w;
}

// Solves (A + diag(ridge)) x = b for a small dense system by Gaussian elimination with partial
// pivoting. Returns false when singular.
bool Solve(std::array<std::array<double, kFeatures>, kFeatures> a, std::array<double, kFeatures> b,
           std::array<double, kFeatures>& x) {
  constexpr int kN = kFeatures;
  for (int c = 0; c < kN; ++c) {
    int p = c;
    for (int r = c + 1; r < kN; ++r) {
      if (std::fabs(a[r][c]) > std::fabs(a[p][c])) p = r;
    }
    if (std::fabs(a[p][c]) < 1e-15) return false;
    std::swap(a[p], a[c]);
    std::swap(b[p], b[c]);
    for (int r = c + 1; r < kN; ++r) {
      double f = a[r][c] / a[c][c];
      if (f == 0) continue;
      for (int k = c; k < kN; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  for (int r = kN - 1; r >= 0; --r) {
    double s = b[r];
    for (int k = r + 1; k < kN; ++k) s -= a[r][k] * x[k];
    x[r] = s / a[r][r];
  }
  return true;
}

// What the features read, for training (precomputed over the whole grid) and for a single
// prediction (computed around the origin).
struct Inputs {
  const GridSeries* g = nullptr;
  int64_t base = 0;            // slot of element 0 of info/profile
  std::vector<SlotInfo> info;  // per slot from base
  std::vector<float> s;        // profile value per slot from base
  // A few slots outside the dense range (prediction: the weekly lags).
  struct Extra {
    int64_t slot;
    SlotInfo info;
    float s;
  };
  std::vector<Extra> extras;
  float S(int64_t k) const {
    int64_t i = k - base;
    if (i >= 0 && i < static_cast<int64_t>(s.size())) return s[i];
    for (const Extra& e : extras) {
      if (e.slot == k) return e.s;
    }
    return kMissing;
  }
  const SlotInfo* Info(int64_t k) const {
    int64_t i = k - base;
    if (i >= 0 && i < static_cast<int64_t>(info.size())) return &info[i];
    for (const Extra& e : extras) {
      if (e.slot == k) return &e.info;
    }
    return nullptr;
  }
  std::optional<std::pair<int64_t, float>> known_override;  // a live value at the origin
  float Known(int64_t k) const {
    if (known_override && known_override->first == k) return known_override->second;
    return g->Known(k);
  }
  float Dev(int64_t k) const {
    float y = Known(k);
    float p = S(k);
    return IsMissing(y) || IsMissing(p) ? kMissing : y - p;
  }
  // Mean truth of the same slot 1–3 weeks back on days of the same type, as a deviation from
  // the profile at k; 0 when there is none.
  float WeeklyDev(int64_t k) const {
    const SlotInfo* at = Info(k);
    float p = S(k);
    if (!at || IsMissing(p)) return 0;
    double sum = 0;
    int n = 0;
    for (int w = 1; w <= 3; ++w) {
      int64_t j = k - static_cast<int64_t>(w) * kSlotsPerWeek;
      float v = g->Truth(j);
      const SlotInfo* ij = Info(j);
      if (IsMissing(v) || !ij || ij->day_type != at->day_type) continue;
      sum += v;
      ++n;
    }
    return n ? static_cast<float>(sum / n) - p : 0.0f;
  }
};

// Fills f for origin t and target slot target_slot; false when the origin has no known value or
// profile.
bool Features(const Inputs& in, int64_t t, int64_t target_slot, std::array<double, kFeatures>& f) {
  float d0 = in.Dev(t);
  float st = in.S(t);
  float s_target = in.S(target_slot);
  if (IsMissing(d0) || IsMissing(st) || IsMissing(s_target)) return false;
  float d15 = in.Dev(t - 3);
  if (IsMissing(d15)) d15 = d0;
  float d60 = in.Dev(t - 12);
  if (IsMissing(d60)) d60 = d15;
  double sum = 0;
  int n = 0;
  for (int64_t k = t - 35; k <= t; ++k) {
    float d = in.Dev(k);
    if (IsMissing(d)) continue;
    sum += d;
    ++n;
  }
  f[0] = 1;
  f[1] = d0;
  f[2] = d15;
  f[3] = d60;
  f[4] = n ? sum / n : d0;
  f[5] = in.WeeklyDev(target_slot);
  f[6] = in.WeeklyDev(t);
  f[7] = s_target - st;
  return true;
}

}  // namespace

std::string_view Name(ModelKind k) {
  switch (k) {
    case ModelKind::kFull:
      return "model";
    case ModelKind::kHistoricalAverage:
      return "historical_average";
  }
  return "model";
}

double ProbabilityBelow(const std::vector<float>& q, double forecast, double threshold) {
  if (q.empty()) return forecast < threshold ? 1.0 : 0.0;
  const double x = threshold - forecast;
  const size_t n = q.size();
  if (x <= q.front()) return 0.0;
  if (x > q.back()) return 1.0;
  // Last index with q[i] < x (the CDF just below x), then interpolate to the next point.
  size_t i =
      static_cast<size_t>(std::lower_bound(q.begin(), q.end(), static_cast<float>(x)) - q.begin());
  // q[i-1] < x <= q[i]
  double lo = q[i - 1], hi = q[i];
  double w = hi > lo ? (x - lo) / (hi - lo) : 1.0;
  return (static_cast<double>(i - 1) + w) / static_cast<double>(n - 1);
}

Profile Profile::Fit(const GridSeries& g, const std::vector<SlotInfo>& info, int64_t from,
                     int64_t until, int half_window) {
  Profile p;
  p.half_window_ = half_window;
  p.sum_.assign(kDayTypes * kSlotsPerDay, 0.0);
  p.cnt_.assign(kDayTypes * kSlotsPerDay, 0.0);
  from = std::max(from, g.first_slot);
  until = std::min(until, g.end_slot());
  double total = 0;
  int64_t total_n = 0;
  int32_t last_day = std::numeric_limits<int32_t>::min();
  for (int64_t k = from; k < until; ++k) {
    const SlotInfo& si = info[k - g.first_slot];
    const int64_t cls = static_cast<int>(si.day_type) * kSlotsPerDay + si.slot_of_day;
    for (int j = -half_window; j <= half_window; ++j) {
      int64_t kj = k + j;
      if (kj < from || kj >= until) continue;
      float v = g.truth[kj - g.first_slot];
      if (IsMissing(v)) continue;
      double w = half_window + 1 - std::abs(j);
      p.sum_[cls] += w * v;
      p.cnt_[cls] += w;
    }
    float v = g.truth[k - g.first_slot];
    if (!IsMissing(v)) {
      total += v;
      ++total_n;
      if (si.local_day != last_day) {
        ++p.days_;
        last_day = si.local_day;
      }
    }
  }
  p.mean_ = total_n ? static_cast<float>(total / static_cast<double>(total_n)) : 0.0f;
  p.value_.assign(kDayTypes * kSlotsPerDay, p.mean_);
  for (int s = 0; s < kSlotsPerDay; ++s) {
    double sum_all = 0, cnt_all = 0;
    for (int t = 0; t < kDayTypes; ++t) {
      sum_all += p.sum_[t * kSlotsPerDay + s];
      cnt_all += p.cnt_[t * kSlotsPerDay + s];
    }
    for (int t = 0; t < kDayTypes; ++t) {
      p.value_[t * kSlotsPerDay + s] =
          p.Finish(p.sum_[t * kSlotsPerDay + s], p.cnt_[t * kSlotsPerDay + s], sum_all, cnt_all);
    }
  }
  return p;
}

float Profile::Finish(double sum_t, double cnt_t, double sum_all, double cnt_all) const {
  if (cnt_all <= 1e-9) return mean_;
  double day_weight = (half_window_ + 1.0) * (half_window_ + 1.0);
  double all = sum_all / cnt_all;
  double k = kShrinkDays * day_weight;
  return static_cast<float>((sum_t + k * all) / (cnt_t + k));
}

float Profile::LeaveOneOut(const GridSeries& g, const std::vector<SlotInfo>& info,
                           int64_t k) const {
  const SlotInfo& si = info[k - g.first_slot];
  const int64_t cls = static_cast<int>(si.day_type) * kSlotsPerDay + si.slot_of_day;
  if (sum_.empty()) return value_[cls];
  double own_sum = 0, own_cnt = 0;
  for (int j = -half_window_; j <= half_window_; ++j) {
    float v = g.Truth(k + j);
    if (IsMissing(v)) continue;
    double w = half_window_ + 1 - std::abs(j);
    own_sum += w * v;
    own_cnt += w;
  }
  double sum_all = 0, cnt_all = 0;
  for (int t = 0; t < kDayTypes; ++t) {
    sum_all += sum_[t * kSlotsPerDay + si.slot_of_day];
    cnt_all += cnt_[t * kSlotsPerDay + si.slot_of_day];
  }
  // Guard against rounding below zero when the slot is the only one of its class.
  double st = std::max(0.0, cnt_[cls] - own_cnt);
  double sa = std::max(0.0, cnt_all - own_cnt);
  return Finish(st > 0 ? sum_[cls] - own_sum : 0, st, sa > 0 ? sum_all - own_sum : 0, sa);
}

Profile Profile::FromValues(std::vector<float> values, float mean, int days) {
  Profile p;
  p.value_ = std::move(values);
  p.value_.resize(kDayTypes * kSlotsPerDay, mean);
  p.mean_ = mean;
  p.days_ = days;
  return p;
}

Result<SeriesModel> SeriesModel::Train(const GridSeries& g, const TimeIndex& index, int64_t from,
                                       int64_t until, const ModelOptions& options) {
  from = std::max(from, g.first_slot);
  until = std::min(until, g.end_slot());
  if (until <= from) return FailedPrecondition(fmt::format("series '{}': no history", g.id));
  Inputs in;
  in.g = &g;
  in.base = g.first_slot;
  in.info = index.Range(g.first_slot, static_cast<int64_t>(g.truth.size()));
  SeriesModel m;
  m.from_ = from;
  m.until_ = until;
  m.profile_ = Profile::Fit(g, in.info, from, until);
  if (m.profile_.empty()) {
    return FailedPrecondition(fmt::format("series '{}': no data before the cut", g.id));
  }
  // The profile per slot: leave-one-out inside the training window, full elsewhere.
  in.s.resize(g.truth.size());
  for (int64_t k = g.first_slot; k < g.end_slot(); ++k) {
    const SlotInfo& si = in.info[k - g.first_slot];
    in.s[k - g.first_slot] = (k >= from && k < until) ? m.profile_.LeaveOneOut(g, in.info, k)
                                                      : m.profile_.At(si.day_type, si.slot_of_day);
  }
  // Residuals of the profile alone: the fallback's uncertainty.
  {
    std::array<std::vector<float>, kBands> res;
    for (int64_t k = from; k < until; ++k) {
      float y = g.truth[k - g.first_slot];
      float s = in.s[k - g.first_slot];
      if (IsMissing(y) || IsMissing(s)) continue;
      res[BandOf(s, false)].push_back(y - s);
    }
    HorizonFit base;
    base.residual_quantiles = BandQuantiles(res, options.quantiles);
    m.fits_.clear();
    for (int h : options.horizons_minutes) {
      HorizonFit f = base;
      f.minutes = h;
      m.fits_.push_back(std::move(f));
    }
  }
  m.kind_ = m.profile_.days() >= options.min_training_days ? ModelKind::kFull
                                                           : ModelKind::kHistoricalAverage;
  if (m.kind_ == ModelKind::kHistoricalAverage) return m;

  for (HorizonFit& fit : m.fits_) {
    const int steps = std::max(1, fit.minutes / 5);
    std::array<std::array<double, kFeatures>, kFeatures> xtx{};
    std::array<double, kFeatures> xty{};
    std::vector<std::array<double, kFeatures>> rows;
    std::vector<double> targets;
    std::vector<double> bases;
    std::vector<uint8_t> full_now;
    const int64_t stride = std::max<int64_t>(1, (until - from) / std::max(1, options.max_pairs));
    for (int64_t t = from; t + steps < until; t += stride) {
      if (!g.fresh[t - g.first_slot]) continue;
      const int64_t target_slot = t + steps;
      float y = g.truth[target_slot - g.first_slot];
      if (IsMissing(y)) continue;
      std::array<double, kFeatures> f;
      if (!Features(in, t, target_slot, f)) continue;
      double target = y - in.S(target_slot);
      for (int a = 0; a < kFeatures; ++a) {
        xty[a] += f[a] * target;
        for (int b = 0; b < kFeatures; ++b) xtx[a][b] += f[a] * f[b];
      }
      rows.push_back(f);
      targets.push_back(target);
      bases.push_back(in.S(target_slot));
      const int cap = g.capacity[t - g.first_slot];
      full_now.push_back(cap > 0 && g.known[t - g.first_slot] >= (cap - 0.5) / cap);
    }
    fit.pairs = static_cast<int64_t>(rows.size());
    if (fit.pairs < options.min_pairs) continue;
    for (int a = 1; a < kFeatures; ++a) xtx[a][a] += options.ridge * xtx[a][a] + 1e-9;
    xtx[0][0] += 1e-9;
    std::array<double, kFeatures> beta{};
    if (!Solve(xtx, xty, beta)) continue;
    if (options.least_absolute) {
      // IRLS for the L1 fit: weights 1 / max(|residual|, floor), from the least-squares start.
      const size_t irls_stride =
          std::max<size_t>(1, rows.size() / std::max(1, options.irls_max_pairs));
      constexpr double kFloor = 1e-3;
      for (int it = 0; it < options.irls_iterations; ++it) {
        std::array<std::array<double, kFeatures>, kFeatures> a{};
        std::array<double, kFeatures> b{};
        for (size_t i = 0; i < rows.size(); i += irls_stride) {
          double dev = 0;
          for (int c = 0; c < kFeatures; ++c) dev += beta[c] * rows[i][c];
          const double w = 1.0 / std::max(std::fabs(targets[i] - dev), kFloor);
          for (int c = 0; c < kFeatures; ++c) {
            const double wf = w * rows[i][c];
            b[c] += wf * targets[i];
            for (int d = c; d < kFeatures; ++d) a[c][d] += wf * rows[i][d];
          }
        }
        for (int c = 0; c < kFeatures; ++c) {
          for (int d = 0; d < c; ++d) a[c][d] = a[d][c];
        }
        for (int c = 1; c < kFeatures; ++c) a[c][c] += options.ridge * a[c][c] + 1e-9;
        a[0][0] += 1e-9;
        std::array<double, kFeatures> next{};
        if (!Solve(a, b, next)) break;
        beta = next;
      }
    }
    fit.coef = beta;
    fit.fitted = true;
    std::array<std::vector<float>, kBands> res;
    double abs_sum = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      double dev = 0;
      for (int a = 0; a < kFeatures; ++a) dev += beta[a] * rows[i][a];
      double yhat = std::clamp(bases[i] + dev, 0.0, 1.0);
      double y = bases[i] + targets[i];
      res[BandOf(yhat, full_now[i] != 0)].push_back(static_cast<float>(y - yhat));
      abs_sum += std::fabs(y - yhat);
    }
    fit.train_mae = abs_sum / static_cast<double>(rows.size());
    fit.residual_quantiles = BandQuantiles(res, options.quantiles);
  }
  return m;
}

Prediction SeriesModel::PredictFit(const HorizonFit& fit, const GridSeries& history,
                                   const TimeIndex& index, int64_t origin, int steps, int capacity,
                                   bool calibrated, std::optional<float> origin_share) const {
  const int64_t target = origin + steps;
  Inputs in;
  in.g = &history;
  if (origin_share) in.known_override = std::make_pair(origin, *origin_share);
  // Slots read: the origin's last 3 hours up to the target densely, and the origin and target
  // 1–3 weeks back.
  in.base = origin - 36;
  const int64_t count = target - in.base + 1;
  in.info = index.Range(in.base, count);
  in.s.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    in.s[i] = profile_.At(in.info[i].day_type, in.info[i].slot_of_day);
  }
  for (int w = 1; w <= 3; ++w) {
    for (int64_t k : {origin - w * kSlotsPerWeek, target - w * kSlotsPerWeek}) {
      if (k >= in.base) continue;
      SlotInfo si = index.Info(k);
      in.extras.push_back({k, si, profile_.At(si.day_type, si.slot_of_day)});
    }
  }
  double base = in.S(target);
  double share = base;
  std::array<double, kFeatures> f;
  if (fit.fitted && kind_ == ModelKind::kFull && Features(in, origin, target, f)) {
    double dev = 0;
    for (int a = 0; a < kFeatures; ++a) dev += fit.coef[a] * f[a];
    share = base + dev;
  }
  share = std::clamp(share, 0.0, 1.0);
  Prediction p;
  p.share = share;
  if (capacity <= 0) capacity = history.Capacity(origin);
  double threshold = capacity > 0 ? (capacity - 0.5) / capacity : 1.0;
  const float now = in.Known(origin);
  const bool full_now = !IsMissing(now) && now >= threshold;
  const auto& q = fit.residual_quantiles[BandOf(share, full_now)];
  p.p_free = ProbabilityBelow(q, share, threshold);
  if (calibrated) p.p_free = fit.calibration[full_now ? 1 : 0].Apply(p.p_free);
  p.low = std::clamp(share + QuantileAt(q, 0.1), 0.0, 1.0);
  p.high = std::clamp(share + QuantileAt(q, 0.9), 0.0, 1.0);
  return p;
}

Prediction SeriesModel::Predict(const GridSeries& history, const TimeIndex& index, int64_t origin,
                                int horizon_minutes, int capacity,
                                std::optional<float> origin_share) const {
  return PredictImpl(history, index, origin, horizon_minutes, capacity, true, origin_share);
}

Prediction SeriesModel::PredictRaw(const GridSeries& history, const TimeIndex& index,
                                   int64_t origin, int horizon_minutes, int capacity) const {
  return PredictImpl(history, index, origin, horizon_minutes, capacity, false, std::nullopt);
}

void SeriesModel::SetCalibration(int minutes, bool full_now, const CalibrationMap& map) {
  for (HorizonFit& f : fits_) {
    if (f.minutes == minutes) f.calibration[full_now ? 1 : 0] = map;
  }
}

bool SeriesModel::FullAt(const GridSeries& history, int64_t origin, int capacity) {
  if (capacity <= 0) capacity = history.Capacity(origin);
  const float now = history.Known(origin);
  return capacity > 0 && !IsMissing(now) && now >= (capacity - 0.5) / capacity;
}

Prediction SeriesModel::PredictImpl(const GridSeries& history, const TimeIndex& index,
                                    int64_t origin, int horizon_minutes, int capacity,
                                    bool calibrated, std::optional<float> origin_share) const {
  PG_ASSERT(horizon_minutes > 0 && !fits_.empty());
  // The fitted horizons bracketing the request; predictions between them are interpolated
  // linearly in the horizon, and beyond the longest the longest's deviation fades out.
  const HorizonFit* lo = nullptr;
  const HorizonFit* hi = nullptr;
  for (const HorizonFit& f : fits_) {
    if (f.minutes <= horizon_minutes && (!lo || f.minutes > lo->minutes)) lo = &f;
    if (f.minutes >= horizon_minutes && (!hi || f.minutes < hi->minutes)) hi = &f;
  }
  const int steps = std::max(1, (horizon_minutes + 2) / 5);
  if (lo && hi && lo == hi)
    return PredictFit(*lo, history, index, origin, steps, capacity, calibrated, origin_share);
  if (lo && hi) {
    Prediction a =
        PredictFit(*lo, history, index, origin, steps, capacity, calibrated, origin_share);
    Prediction b =
        PredictFit(*hi, history, index, origin, steps, capacity, calibrated, origin_share);
    double w = static_cast<double>(horizon_minutes - lo->minutes) / (hi->minutes - lo->minutes);
    return {a.share * (1 - w) + b.share * w, a.p_free * (1 - w) + b.p_free * w,
            a.low * (1 - w) + b.low * w, a.high * (1 - w) + b.high * w};
  }
  // Shorter than the shortest fitted horizon: the shortest one's coefficients at this target.
  return PredictFit(hi ? *hi : *lo, history, index, origin, steps, capacity, calibrated,
                    origin_share);
}

std::string SeriesModel::ToJson() const {
  nlohmann::json j;
  j["format"] = "parkguide.forecast.series_model/1";
  j["kind"] = Name(kind_);
  j["trained_from_slot"] = from_;
  j["trained_until_slot"] = until_;
  j["profile"] = {
      {"mean", profile_.mean()}, {"days", profile_.days()}, {"values", profile_.values()}};
  nlohmann::json fits = nlohmann::json::array();
  for (const HorizonFit& f : fits_) {
    fits.push_back({{"minutes", f.minutes},
                    {"fitted", f.fitted},
                    {"coef", f.coef},
                    {"pairs", f.pairs},
                    {"train_mae", f.train_mae},
                    {"residual_quantiles", f.residual_quantiles},
                    {"calibration",
                     {{{"x", f.calibration[0].x()}, {"y", f.calibration[0].y()}},
                      {{"x", f.calibration[1].x()}, {"y", f.calibration[1].y()}}}}});
  }
  j["horizons"] = std::move(fits);
  return j.dump();
}

Result<SeriesModel> SeriesModel::FromJson(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() ||
      j.value("format", "") != "parkguide.forecast.series_model/1") {
    return DataLoss("not a parkguide forecast model document");
  }
  try {
    SeriesModel m;
    m.kind_ = j.at("kind").get<std::string>() == "model" ? ModelKind::kFull
                                                         : ModelKind::kHistoricalAverage;
    m.from_ = j.at("trained_from_slot").get<int64_t>();
    m.until_ = j.at("trained_until_slot").get<int64_t>();
    const auto& p = j.at("profile");
    auto values = p.at("values").get<std::vector<float>>();
    if (values.size() != static_cast<size_t>(kDayTypes * kSlotsPerDay)) {
      return DataLoss("forecast model: profile has the wrong size");
    }
    m.profile_ =
        Profile::FromValues(std::move(values), p.at("mean").get<float>(), p.at("days").get<int>());
    for (const auto& f : j.at("horizons")) {
      HorizonFit h;
      h.minutes = f.at("minutes").get<int>();
      h.fitted = f.at("fitted").get<bool>();
      h.coef = f.at("coef").get<std::array<double, kFeatures>>();
      h.pairs = f.at("pairs").get<int64_t>();
      h.train_mae = f.at("train_mae").get<double>();
      h.residual_quantiles =
          f.at("residual_quantiles").get<std::array<std::vector<float>, kBands>>();
      if (f.contains("calibration")) {
        for (int b = 0; b < 2; ++b) {
          const auto& c = f["calibration"].at(b);
          h.calibration[b] = CalibrationMap::FromKnots(c.at("x").get<std::vector<float>>(),
                                                       c.at("y").get<std::vector<float>>());
        }
      }
      if (h.minutes <= 0) return DataLoss("forecast model: horizon must be positive");
      m.fits_.push_back(std::move(h));
    }
    if (m.fits_.empty()) return DataLoss("forecast model: no horizons");
    return m;
  } catch (const nlohmann::json::exception& e) {
    return DataLoss(fmt::format("forecast model: {}", e.what()));
  }
}

}  // namespace pg::forecast
