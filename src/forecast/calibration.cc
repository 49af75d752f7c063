#include "forecast/calibration.h"

#include "core/parallel.h"
#include "forecast/baselines.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

namespace pg::forecast {

CalibrationMap CalibrationMap::Fit(std::vector<std::pair<float, float>> pairs, size_t min_pairs) {
  CalibrationMap m;
  if (pairs.size() < min_pairs) return m;
  std::sort(pairs.begin(), pairs.end());
  // Pool-adjacent-violators over blocks of equal raw probability.
  struct Block {
    double sum_x = 0, sum_y = 0, n = 0;
  };
  std::vector<Block> blocks;
  for (size_t i = 0; i < pairs.size();) {
    Block b;
    size_t j = i;
    while (j < pairs.size() && pairs[j].first == pairs[i].first) {
      b.sum_x += pairs[j].first;
      b.sum_y += pairs[j].second;
      b.n += 1;
      ++j;
    }
    i = j;
    blocks.push_back(b);
    while (blocks.size() >= 2) {
      Block& a = blocks[blocks.size() - 2];
      Block& c = blocks.back();
      if (a.sum_y / a.n < c.sum_y / c.n) break;
      a.sum_x += c.sum_x;
      a.sum_y += c.sum_y;
      a.n += c.n;
      blocks.pop_back();
    }
  }
  for (const Block& b : blocks) {
    m.x_.push_back(static_cast<float>(b.sum_x / b.n));
    m.y_.push_back(static_cast<float>(b.sum_y / b.n));
  }
  return m;
}

CalibrationMap CalibrationMap::FromKnots(std::vector<float> x, std::vector<float> y) {
  CalibrationMap m;
  if (x.size() == y.size()) {
    m.x_ = std::move(x);
    m.y_ = std::move(y);
  }
  return m;
}

double CalibrationMap::Apply(double p) const {
  if (x_.empty()) return p;
  if (p <= x_.front()) return y_.front();
  if (p >= x_.back()) return y_.back();
  size_t i = static_cast<size_t>(std::upper_bound(x_.begin(), x_.end(), static_cast<float>(p)) -
                                 x_.begin());
  double x0 = x_[i - 1], x1 = x_[i];
  double w = x1 > x0 ? (p - x0) / (x1 - x0) : 1.0;
  return y_[i - 1] * (1 - w) + y_[i] * w;
}

CityTraining TrainCity(std::span<const GridSeries> grids, const TimeIndex& index, int64_t from,
                       int64_t until, const ModelOptions& options, int threads) {
  CityTraining out;
  const size_t n = grids.size();
  const std::vector<int>& horizons = options.horizons_minutes;
  // Held-out tail for calibration.
  const int64_t window = until - from;
  // A quarter of the window, at least 2 and at most 14 days; at most one week's worth of origins
  // (evenly spaced), which bounds the cost for a year of history.
  const int64_t held = std::min<int64_t>(std::max<int64_t>(window / 4, int64_t{2} * kSlotsPerDay),
                                         int64_t{14} * kSlotsPerDay);
  const int64_t stride = std::max<int64_t>(1, held / kSlotsPerWeek);
  const bool calibrate = window >= int64_t{6} * kSlotsPerDay;
  // Per horizon and origin state (not full, full).
  std::vector<std::vector<std::pair<float, float>>> pairs(2 * horizons.size());
  out.held_out.resize(n);
  if (calibrate) {
    const int64_t split = until - held;
    std::mutex mu;
    ParallelFor(n, threads, [&](size_t i) {
      const GridSeries& g = grids[i];
      auto m = SeriesModel::Train(g, index, from, split, options);
      if (!m.ok()) return;
      auto info = index.Range(g.first_slot, static_cast<int64_t>(g.truth.size()));
      HistoricalAverage average = HistoricalAverage::Fit(g, info, from, split);
      std::vector<CityTraining::HeldOut> scores(horizons.size());
      std::vector<std::vector<std::pair<float, float>>> local(2 * horizons.size());
      for (int64_t t = std::max(split, g.first_slot); t < std::min(until, g.end_slot()); ++t) {
        if ((t - split) % stride != 0 || !g.Fresh(t) || IsMissing(g.Known(t))) continue;
        for (size_t h = 0; h < horizons.size(); ++h) {
          const int64_t target_slot = t + horizons[h] / 5;
          if (target_slot >= until) continue;
          float y = g.Truth(target_slot);
          if (IsMissing(y)) continue;
          const int cap = g.Capacity(target_slot);
          Prediction p = m->PredictRaw(g, index, t, horizons[h], cap);
          const size_t band = 2 * h + (SeriesModel::FullAt(g, t, cap) ? 1 : 0);
          local[band].emplace_back(static_cast<float>(p.p_free),
                                   y < (cap - 0.5) / cap ? 1.0f : 0.0f);
          const auto& ti = info[target_slot - g.first_slot];
          float ha = average.At(ti.weekday, ti.slot_of_day);
          CityTraining::HeldOut& sc = scores[h];
          ++sc.n;
          sc.model += std::fabs(p.share - y);
          sc.persistence += std::fabs(g.Known(t) - y);
          sc.historical_average += IsMissing(ha) ? std::fabs(p.share - y) : std::fabs(ha - y);
        }
      }
      for (size_t h = 0; h < horizons.size(); ++h) {
        CityTraining::HeldOut& sc = scores[h];
        sc.minutes = horizons[h];
        if (sc.n > 0) {
          sc.model /= static_cast<double>(sc.n);
          sc.persistence /= static_cast<double>(sc.n);
          sc.historical_average /= static_cast<double>(sc.n);
        }
      }
      out.held_out[i] = std::move(scores);
      std::lock_guard lock(mu);
      for (size_t b = 0; b < pairs.size(); ++b) {
        pairs[b].insert(pairs[b].end(), local[b].begin(), local[b].end());
      }
    });
  }
  std::vector<CalibrationMap> maps;
  for (auto& p : pairs) {
    out.calibration_pairs += p.size();
    maps.push_back(CalibrationMap::Fit(std::move(p)));
  }
  out.models.resize(n, Result<SeriesModel>(Internal("not trained")));
  ParallelFor(n, threads, [&](size_t i) {
    auto m = SeriesModel::Train(grids[i], index, from, until, options);
    if (m.ok()) {
      for (size_t b = 0; b < maps.size(); ++b) {
        m->SetCalibration(horizons[b / 2], b % 2 == 1, maps[b]);
      }
    }
    out.models[i] = std::move(m);
  });
  return out;
}

}  // namespace pg::forecast
