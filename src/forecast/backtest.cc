#include "forecast/backtest.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/parallel.h"
#include "forecast/baselines.h"
#include "forecast/calibration.h"

namespace pg::forecast {
namespace {

// Sums from which a Score is finished.
struct ErrorSums {
  double abs = 0, sq = 0, abs_spaces = 0, sq_spaces = 0;
  void Add(double forecast, double truth, double capacity) {
    double e = forecast - truth;
    abs += std::fabs(e);
    sq += e * e;
    abs_spaces += std::fabs(e) * capacity;
    sq_spaces += e * e * capacity * capacity;
  }
  void Merge(const ErrorSums& o) {
    abs += o.abs;
    sq += o.sq;
    abs_spaces += o.abs_spaces;
    sq_spaces += o.sq_spaces;
  }
  Score Finish(int64_t n) const {
    if (n == 0) return {};
    double dn = static_cast<double>(n);
    return {abs / dn, std::sqrt(sq / dn), abs_spaces / dn, std::sqrt(sq_spaces / dn)};
  }
};

struct HorizonSums {
  int64_t n = 0;
  ErrorSums model, persistence, average, hsl;
  double brier = 0;
  int64_t free_outcomes = 0;
  std::array<int64_t, 10> bin_n{};
  std::array<double, 10> bin_p{};
  std::array<double, 10> bin_o{};
  void Merge(const HorizonSums& o) {
    n += o.n;
    model.Merge(o.model);
    persistence.Merge(o.persistence);
    average.Merge(o.average);
    hsl.Merge(o.hsl);
    brier += o.brier;
    free_outcomes += o.free_outcomes;
    for (int i = 0; i < 10; ++i) {
      bin_n[i] += o.bin_n[i];
      bin_p[i] += o.bin_p[i];
      bin_o[i] += o.bin_o[i];
    }
  }
};

struct SeriesOutcome {
  std::vector<HorizonSums> horizons;
  GridStats grid;
  bool scored = false, profile_only = false, no_training = false;
  int64_t train_slots = 0, test_slots = 0, origins = 0;
  int64_t first_slot = 0, last_slot = 0;
};

SeriesOutcome ScoreSeries(const GridSeries& g, const Result<SeriesModel>& model,
                          const TimeIndex& index, int64_t cut, const std::vector<int>& horizons) {
  SeriesOutcome out;
  out.horizons.resize(horizons.size());
  out.grid = g.stats;
  if (g.truth.empty()) {
    out.no_training = true;
    return out;
  }
  out.first_slot = std::numeric_limits<int64_t>::max();
  out.last_slot = std::numeric_limits<int64_t>::min();
  for (int64_t k = g.first_slot; k < g.end_slot(); ++k) {
    if (IsMissing(g.truth[k - g.first_slot])) continue;
    ++(k < cut ? out.train_slots : out.test_slots);
    out.first_slot = std::min(out.first_slot, k);
    out.last_slot = std::max(out.last_slot, k);
  }
  if (out.train_slots == 0 || !model.ok()) {
    out.no_training = true;
    return out;
  }
  out.profile_only = model->kind() == ModelKind::kHistoricalAverage;
  auto info = index.Range(g.first_slot, static_cast<int64_t>(g.truth.size()));
  HistoricalAverage average = HistoricalAverage::Fit(g, info, g.first_slot, cut);
  for (int64_t t = std::max(cut, g.first_slot); t < g.end_slot(); ++t) {
    if (!g.fresh[t - g.first_slot]) continue;
    float now = g.known[t - g.first_slot];
    if (IsMissing(now)) continue;
    ++out.origins;
    for (size_t h = 0; h < horizons.size(); ++h) {
      const int steps = horizons[h] / 5;
      const int64_t target_slot = t + steps;
      float y = g.Truth(target_slot);
      if (IsMissing(y)) continue;
      const auto& ti = info[target_slot - g.first_slot];
      float ha = average.At(ti.weekday, ti.slot_of_day);
      if (IsMissing(ha)) continue;
      const int cap = g.Capacity(target_slot);
      Prediction p = model->Predict(g, index, t, horizons[h], cap);
      float hsl = HslForecast(g, t, steps);
      HorizonSums& s = out.horizons[h];
      ++s.n;
      s.model.Add(p.share, y, cap);
      s.persistence.Add(now, y, cap);
      s.average.Add(ha, y, cap);
      s.hsl.Add(hsl, y, cap);
      const double threshold = (cap - 0.5) / cap;
      const double outcome = y < threshold ? 1.0 : 0.0;
      s.brier += (p.p_free - outcome) * (p.p_free - outcome);
      s.free_outcomes += outcome > 0 ? 1 : 0;
      int bin = std::clamp(static_cast<int>(p.p_free * 10), 0, 9);
      ++s.bin_n[bin];
      s.bin_p[bin] += p.p_free;
      s.bin_o[bin] += outcome;
    }
  }
  for (const auto& h : out.horizons) out.scored = out.scored || h.n > 0;
  return out;
}

std::string LocalText(int64_t slot, const date::time_zone& zone) {
  return FormatRfc3339(SlotTime(slot), zone);
}

}  // namespace

namespace {

Status CheckHorizons(const std::vector<int>& horizons) {
  if (horizons.empty()) return InvalidArgument("no horizons", "horizons");
  for (int h : horizons) {
    if (h <= 0 || h % 5 != 0 || h > 7 * 24 * 60) {
      return InvalidArgument(
          fmt::format("{} is not a horizon in minutes: a positive multiple of 5 up to one week", h),
          "horizons");
    }
  }
  return Status::Ok();
}

// The name the report gives the holiday calendar the options choose.
std::string CalendarName(const datasets::Dataset& data, const BacktestOptions& options) {
  if (options.calendar_is_csv) return "file";
  return options.calendar.empty() ? data.calendar : options.calendar;
}

// Local time in the data set's zone, with the holiday calendar the options choose.
Result<TimeIndex> MakeTimeIndex(const datasets::Dataset& data, const BacktestOptions& options) {
  PG_ASSIGN_OR_RETURN(const date::time_zone* zone, LookupTimeZone(data.time_zone));
  Result<HolidayCalendar> calendar = options.calendar_is_csv
                                         ? HolidayCalendar::FromCsv(options.calendar)
                                         : HolidayCalendar::Builtin(CalendarName(data, options));
  if (!calendar.ok()) return calendar.status();
  return TimeIndex(*zone, std::move(*calendar));
}

// Every series' outcome, from its grid and its model trained on the slots before `cut`.
std::vector<SeriesOutcome> ScoreAll(const datasets::Dataset& data, const BacktestOptions& options,
                                    const TimeIndex& index, int64_t cut) {
  GridOptions set_grid;
  set_grid.max_gap = data.max_gap;
  const GridOptions grid = options.grid.value_or(set_grid);
  ModelOptions model = options.model;
  model.horizons_minutes = options.horizons_minutes;
  const size_t n = data.series.size();
  std::mutex report_mu;
  size_t done = 0;
  auto report = [&](std::string_view stage) {  // one more series through `stage`
    std::lock_guard lock(report_mu);
    ReportProgress(options.progress, stage, ++done, n);
  };
  std::vector<GridSeries> grids(n);
  ParallelFor(n, options.threads, [&](size_t i) {
    grids[i] = BuildGrid(data.series[i].id, data.series[i].samples, grid);
    report("grid series");
  });
  int64_t first_slot = std::numeric_limits<int64_t>::max();
  for (const GridSeries& g : grids) {
    if (!g.truth.empty()) first_slot = std::min(first_slot, g.first_slot);
  }
  ReportProgress(options.progress, "train", 0, 1);
  CityTraining trained = TrainCity(grids, index, first_slot, cut, model, options.threads);
  ReportProgress(options.progress, "train", 1, 1);
  std::vector<SeriesOutcome> outcomes(n);
  done = 0;
  ParallelFor(n, options.threads, [&](size_t i) {
    outcomes[i] = ScoreSeries(grids[i], trained.models[i], index, cut, options.horizons_minutes);
    report("score series");
  });
  return outcomes;
}

// The sums of every series per horizon; counts what the outcomes cover into `c`, and the first
// and last valid slot into `first` and `last`.
std::vector<HorizonSums> MergeOutcomes(const std::vector<SeriesOutcome>& outcomes, size_t horizons,
                                       Coverage& c, int64_t& first, int64_t& last) {
  std::vector<HorizonSums> sums(horizons);
  first = std::numeric_limits<int64_t>::max();
  last = std::numeric_limits<int64_t>::min();
  for (const SeriesOutcome& o : outcomes) {
    c.grid += o.grid;
    c.train_slots += o.train_slots;
    c.test_slots += o.test_slots;
    c.test_origins += o.origins;
    if (o.no_training) {
      ++c.series_no_training;
      continue;
    }
    if (o.scored) ++c.series_scored;
    if (o.profile_only) ++c.series_profile_only;
    first = std::min(first, o.first_slot);
    last = std::max(last, o.last_slot);
    for (size_t h = 0; h < sums.size(); ++h) sums[h].Merge(o.horizons[h]);
  }
  return sums;
}

// Scores, Brier score and reliability of one horizon from its sums.
HorizonResult FinishHorizon(int minutes, const HorizonSums& s) {
  HorizonResult hr;
  hr.minutes = minutes;
  hr.n = s.n;
  hr.model = s.model.Finish(s.n);
  hr.persistence = s.persistence.Finish(s.n);
  hr.historical_average = s.average.Finish(s.n);
  hr.hsl = s.hsl.Finish(s.n);
  if (s.n > 0) {
    double dn = static_cast<double>(s.n);
    hr.brier = s.brier / dn;
    double rate = static_cast<double>(s.free_outcomes) / dn;
    hr.brier_climatology = rate * (1 - rate);
  }
  for (int b = 0; b < 10; ++b) {
    ReliabilityBin bin;
    bin.lo = b / 10.0;
    bin.hi = (b + 1) / 10.0;
    bin.n = s.bin_n[b];
    if (bin.n > 0) {
      bin.mean_predicted = s.bin_p[b] / static_cast<double>(bin.n);
      bin.observed = s.bin_o[b] / static_cast<double>(bin.n);
      if (bin.n >= kMinCalibrationBin) {
        hr.max_calibration_gap =
            std::max(hr.max_calibration_gap, std::fabs(bin.mean_predicted - bin.observed));
      }
    }
    hr.reliability.push_back(bin);
  }
  return hr;
}

}  // namespace

Result<BacktestReport> RunBacktest(const datasets::Dataset& data, const BacktestOptions& options) {
  PG_RETURN_IF_ERROR(CheckHorizons(options.horizons_minutes));
  PG_ASSIGN_OR_RETURN(TimeIndex index, MakeTimeIndex(data, options));
  // The model always knows 5 minutes too, so short arrivals interpolate from a fitted horizon.
  const int64_t cut = SlotOf(options.train_until - Milliseconds(1)) + 1;
  const std::vector<SeriesOutcome> outcomes = ScoreAll(data, options, index, cut);

  BacktestReport r;
  r.dataset = data.name;
  r.time_zone = data.time_zone;
  r.calendar = CalendarName(data, options);
  r.notes = data.notes;
  Coverage& c = r.coverage;
  c.series = static_cast<int64_t>(data.series.size());
  c.rows = data.rows;
  c.cells = data.cells;
  c.skipped_cells = data.skipped_cells;
  c.carried_forward = data.carried_forward;
  int64_t first = 0, last = 0;
  const std::vector<HorizonSums> sums =
      MergeOutcomes(outcomes, options.horizons_minutes.size(), c, first, last);
  if (c.series_scored == 0) {
    return FailedPrecondition(
        "no series has valid data on both sides of --train-until: choose a cut inside the data");
  }
  c.first_time = LocalText(first, index.zone());
  c.cut_time = LocalText(cut, index.zone());
  c.last_time = LocalText(last, index.zone());
  for (size_t h = 0; h < sums.size(); ++h) {
    r.horizons.push_back(FinishHorizon(options.horizons_minutes[h], sums[h]));
  }
  return r;
}

namespace {

nlohmann::json ScoreJson(const Score& s) {
  return {{"mae", s.mae},
          {"rmse", s.rmse},
          {"mae_spaces", s.mae_spaces},
          {"rmse_spaces", s.rmse_spaces}};
}

}  // namespace

std::string ReportJson(const BacktestReport& r) {
  nlohmann::json j;
  j["dataset"] = r.dataset;
  nlohmann::json hs = nlohmann::json::array();
  for (const HorizonResult& h : r.horizons) {
    nlohmann::json bins = nlohmann::json::array();
    for (const ReliabilityBin& b : h.reliability) {
      bins.push_back({{"lo", b.lo},
                      {"hi", b.hi},
                      {"n", b.n},
                      {"predicted", b.mean_predicted},
                      {"observed", b.observed}});
    }
    hs.push_back({{"minutes", h.minutes},
                  {"n", h.n},
                  {"model", ScoreJson(h.model)},
                  {"persistence", ScoreJson(h.persistence)},
                  {"historical_average", ScoreJson(h.historical_average)},
                  {"hsl", ScoreJson(h.hsl)},
                  {"p_free",
                   {{"brier", h.brier},
                    {"brier_climatology", h.brier_climatology},
                    {"max_calibration_gap", h.max_calibration_gap},
                    {"reliability", std::move(bins)}}}});
  }
  j["horizons"] = std::move(hs);
  const Coverage& c = r.coverage;
  j["coverage"] = {{"series", c.series},
                   {"series_scored", c.series_scored},
                   {"series_profile_only", c.series_profile_only},
                   {"series_no_training", c.series_no_training},
                   {"rows", c.rows},
                   {"cells", c.cells},
                   {"skipped_cells", c.skipped_cells},
                   {"carried_forward", c.carried_forward},
                   {"samples", c.grid.samples},
                   {"duplicates", c.grid.duplicates},
                   {"above_capacity", c.grid.above_capacity},
                   {"negative", c.grid.negative},
                   {"frozen", c.grid.frozen},
                   {"train_slots", c.train_slots},
                   {"test_slots", c.test_slots},
                   {"test_origins", c.test_origins},
                   {"first", c.first_time},
                   {"train_until", c.cut_time},
                   {"last", c.last_time}};
  j["time_zone"] = r.time_zone;
  j["calendar"] = r.calendar;
  j["notes"] = r.notes;
  return j.dump(2) + "\n";
}

std::string ReportText(const BacktestReport& r) {
  const Coverage& c = r.coverage;
  std::string out = fmt::format(
      "dataset {} ({}; calendar {})\n"
      "train {} .. {}, test .. {}\n"
      "coverage: {} series, {} scored, {} profile-only, {} without training data; "
      "{} samples ({} duplicate, {} above capacity, {} negative — clamped, {} frozen — dropped); "
      "{} valid training slots, {} valid test slots, {} forecast origins\n\n",
      r.dataset, r.time_zone, r.calendar, c.first_time, c.cut_time, c.last_time, c.series,
      c.series_scored, c.series_profile_only, c.series_no_training, c.grid.samples,
      c.grid.duplicates, c.grid.above_capacity, c.grid.negative, c.grid.frozen, c.train_slots,
      c.test_slots, c.test_origins);
  out += "MAE and RMSE as share of capacity [in spaces]\n";
  out += fmt::format("{:>7} {:>8}  {:>24} {:>24} {:>24} {:>24}\n", "horizon", "n", "model",
                     "persistence", "historical_average", "hsl");
  for (const HorizonResult& h : r.horizons) {
    auto cell = [](const Score& s, double v, double sp) {
      (void)s;
      return fmt::format("{:.4f} [{:.2f}]", v, sp);
    };
    out += fmt::format(
        "{:>4}min {:>8}  MAE  {:>19} {:>24} {:>24} {:>24}\n", h.minutes, h.n,
        cell(h.model, h.model.mae, h.model.mae_spaces),
        cell(h.persistence, h.persistence.mae, h.persistence.mae_spaces),
        cell(h.historical_average, h.historical_average.mae, h.historical_average.mae_spaces),
        cell(h.hsl, h.hsl.mae, h.hsl.mae_spaces));
    out += fmt::format(
        "{:>7} {:>8}  RMSE {:>19} {:>24} {:>24} {:>24}\n", "", "",
        cell(h.model, h.model.rmse, h.model.rmse_spaces),
        cell(h.persistence, h.persistence.rmse, h.persistence.rmse_spaces),
        cell(h.historical_average, h.historical_average.rmse, h.historical_average.rmse_spaces),
        cell(h.hsl, h.hsl.rmse, h.hsl.rmse_spaces));
  }
  out += "\nP(at least one free space): Brier score (climatology) and reliability by decile\n";
  for (const HorizonResult& h : r.horizons) {
    out +=
        fmt::format("{:>4}min Brier {:.4f} ({:.4f}), largest gap {:.3f} (bins n>={})\n", h.minutes,
                    h.brier, h.brier_climatology, h.max_calibration_gap, kMinCalibrationBin);
    for (const ReliabilityBin& b : h.reliability) {
      if (b.n == 0) continue;
      out += fmt::format("        [{:.1f},{:.1f}) n={:<8} predicted {:.3f} observed {:.3f}\n", b.lo,
                         b.hi, b.n, b.mean_predicted, b.observed);
    }
  }
  for (const std::string& n : r.notes) out += "note: " + n + "\n";
  return out;
}

}  // namespace pg::forecast
