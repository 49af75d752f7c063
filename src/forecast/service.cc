#include "forecast/service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "forecast/calibration.h"

namespace pg::forecast {
namespace {

std::string ScoreJson(const std::vector<CityTraining::HeldOut>& scores) {
  nlohmann::json hs = nlohmann::json::array();
  for (const auto& s : scores) {
    hs.push_back({{"minutes", s.minutes},
                  {"n", s.n},
                  {"model_mae", s.model},
                  {"persistence_mae", s.persistence},
                  {"historical_average_mae", s.historical_average}});
  }
  return nlohmann::json{{"held_out", std::move(hs)}}.dump();
}

}  // namespace

std::string SeriesKey::Name() const {
  return fmt::format("{}/{}", kind == Kind::kFacility ? "facility" : "charger_site", id);
}

Result<std::unique_ptr<ForecastService>> ForecastService::Create(const Clock& clock,
                                                                 ForecastStore store,
                                                                 const LiveReader* live,
                                                                 ServiceOptions options) {
  PG_ASSIGN_OR_RETURN(const date::time_zone* zone, LookupTimeZone(options.time_zone));
  Result<HolidayCalendar> calendar =
      options.calendar_csv.empty()
          ? HolidayCalendar::Builtin(BuiltinCalendarForZone(options.time_zone))
          : HolidayCalendar::FromCsv(options.calendar_csv);
  if (!calendar.ok()) return calendar.status();
  TimeIndex index(*zone, std::move(*calendar));
  return std::unique_ptr<ForecastService>(
      new ForecastService(clock, store, live, std::move(options), std::move(index)));
}

ForecastService::ForecastService(const Clock& clock, ForecastStore store, const LiveReader* live,
                                 ServiceOptions options, TimeIndex index)
    : clock_(clock),
      models_store_(store.get<store::ForecastModelStore>()),
      history_(store.get<store::OccupancyHistoryReader>()),
      live_(live),
      options_(std::move(options)),
      index_(std::move(index)),
      state_(std::make_shared<State>()) {}

std::shared_ptr<const ForecastService::State> ForecastService::Snapshot() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void ForecastService::Publish(std::shared_ptr<const State> state) {
  std::lock_guard lock(mutex_);
  state_ = std::move(state);
}

void ForecastService::SetSeries(std::vector<SeriesKey> keys) {
  std::lock_guard update(update_mutex_);
  auto next = std::make_shared<State>(*Snapshot());
  std::sort(keys.begin(), keys.end());
  next->keys = std::move(keys);
  Publish(std::move(next));
}

Result<std::vector<Sample>> ForecastService::LoadSamples(const SeriesKey& key, Timestamp from,
                                                         Timestamp to) const {
  std::vector<Sample> out;
  if (key.kind == SeriesKey::Kind::kFacility) {
    PG_ASSIGN_OR_RETURN(auto rows, history_.LoadOccupancy(model::FacilityId(key.id), from, to));
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back({r.time, r.occupied, r.capacity});
  } else {
    PG_ASSIGN_OR_RETURN(auto rows, history_.LoadChargerSiteOccupancy(key.id, from, to));
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back({r.time, r.busy, r.connectors});
  }
  return out;
}

Status ForecastService::LoadModels() {
  std::lock_guard update(update_mutex_);
  PG_ASSIGN_OR_RETURN(auto records, models_store_.LoadForecastModels());
  auto next = std::make_shared<State>(*Snapshot());
  for (const auto& r : records) {
    SeriesKey key;
    if (r.series.starts_with("facility/")) {
      key = {SeriesKey::Kind::kFacility, r.series.substr(9)};
    } else if (r.series.starts_with("charger_site/")) {
      key = {SeriesKey::Kind::kChargerSite, r.series.substr(13)};
    } else {
      continue;
    }
    Entry e;
    auto m = SeriesModel::FromJson(r.model_json);
    if (!m.ok()) {
      e.failure = "stored model cannot be read: " + m.status().message();
    } else {
      e.info = {r.trained_at, r.window_from, r.window_to, r.score_json,
                std::string(Name(m->kind()))};
      e.model = std::make_shared<const SeriesModel>(std::move(*m));
    }
    next->models[key] = std::move(e);
  }
  Publish(std::move(next));
  return Status::Ok();
}

Status ForecastService::Refresh() {
  std::lock_guard update(update_mutex_);
  const Timestamp now = clock_.Now();
  auto next = std::make_shared<State>(*Snapshot());
  next->history.clear();
  for (const SeriesKey& key : next->keys) {
    PG_ASSIGN_OR_RETURN(auto samples, LoadSamples(key, now - options_.history_window, now));
    if (samples.empty()) continue;
    next->history[key] = std::make_shared<const GridSeries>(
        BuildGrid(key.Name(), std::move(samples), options_.grid));
  }
  Publish(std::move(next));
  return Status::Ok();
}

bool ForecastService::RetrainDue() const {
  auto s = Snapshot();
  std::optional<Timestamp> newest;
  for (const auto& [key, e] : s->models) {
    if (e.model && (!newest || e.info.trained_at > *newest)) newest = e.info.trained_at;
  }
  return !newest || clock_.Now() - *newest >= options_.retrain_every;
}

Status ForecastService::Retrain() {
  std::lock_guard update(update_mutex_);
  const Timestamp now = clock_.Now();
  const Timestamp from = now - options_.training_window;
  auto base = Snapshot();
  std::vector<SeriesKey> keys = base->keys;
  std::vector<GridSeries> grids;
  grids.reserve(keys.size());
  for (const SeriesKey& key : keys) {
    PG_ASSIGN_OR_RETURN(auto samples, LoadSamples(key, from, now));
    grids.push_back(BuildGrid(key.Name(), std::move(samples), options_.grid));
  }
  const int64_t until = SlotOf(now) + 1;
  CityTraining trained =
      TrainCity(grids, index_, SlotOf(from), until, options_.model, options_.threads);
  auto next = std::make_shared<State>(*base);
  std::vector<store::ForecastModelRecord> records;
  int ok = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    Entry e;
    auto& m = trained.models[i];
    if (!m.ok()) {
      e.failure = m.status().message();
      // A series that cannot be trained now keeps no model: its answers fall back.
      next->models[keys[i]] = std::move(e);
      continue;
    }
    ++ok;
    e.info = {now, SlotTime(m->trained_from()), SlotTime(m->trained_until()),
              ScoreJson(trained.held_out[i]), std::string(Name(m->kind()))};
    records.push_back({keys[i].Name(), now, e.info.window_from, e.info.window_to, e.info.score_json,
                       m->ToJson()});
    e.model = std::make_shared<const SeriesModel>(std::move(*m));
    next->models[keys[i]] = std::move(e);
  }
  PG_RETURN_IF_ERROR(models_store_.PutForecastModels(records));
  Publish(std::move(next));
  PG_LOG_INFO("forecast: trained {} of {} series", ok, keys.size());
  return Status::Ok();
}

std::optional<ModelInfo> ForecastService::Info(const SeriesKey& key) const {
  auto s = Snapshot();
  auto it = s->models.find(key);
  if (it == s->models.end() || !it->second.model) return std::nullopt;
  return it->second.info;
}

namespace {

// `f` with its expected share (and occupied spaces), P(free) and band.
ArrivalForecast Settle(ArrivalForecast& f, double share, double p_free, double low, double high) {
  f.expected_share = std::clamp(share, 0.0, 1.0);
  f.expected_occupied = f.expected_share * f.capacity;
  f.p_free = std::clamp(p_free, 0.0, 1.0);
  f.low_share = low;
  f.high_share = high;
  return f;
}

struct WeekAverage {
  double share = 0;
  double p_free = 0;
};
// The mean share of slot `target` and its two neighbours each side, one to three weeks back, and
// the share of those slots with a space free; nullopt when the history has none of them.
std::optional<WeekAverage> SameTimeOfWeek(const GridSeries& history, int64_t target, int capacity) {
  double sum = 0;
  int n = 0, free = 0;
  for (int w = 1; w <= 3; ++w) {
    for (int j = -2; j <= 2; ++j) {
      float v = history.Truth(target - static_cast<int64_t>(w) * kSlotsPerWeek + j);
      if (IsMissing(v)) continue;
      sum += v;
      ++n;
      if (v < (capacity - 0.5) / capacity) ++free;
    }
  }
  if (n == 0) return std::nullopt;
  return WeekAverage{sum / n, (free + 0.5) / (n + 1.0)};
}

}  // namespace

Result<ArrivalForecast> ForecastService::AtArrival(const SeriesKey& key, Timestamp arrival) const {
  auto s = Snapshot();
  if (!std::binary_search(s->keys.begin(), s->keys.end(), key)) {
    return NotFound(fmt::format("no forecast series '{}'", key.Name()), "id");
  }
  const Timestamp now = clock_.Now();
  const int64_t origin = SlotOf(now);
  ArrivalForecast f;
  f.origin = now;
  f.arrival = std::max(arrival, now);
  f.horizon_minutes = static_cast<int>(std::chrono::round<Minutes>(f.arrival - now).count());
  // The model counts from the origin slot's instant, which is up to 5 minutes before now.
  const auto ahead = std::chrono::round<Minutes>(f.arrival - SlotTime(origin));
  const int model_minutes = static_cast<int>(
      std::clamp<int64_t>((ahead.count() + 2) / 5 * 5, 5, options_.max_horizon.count()));
  std::shared_ptr<const GridSeries> history;
  if (auto it = s->history.find(key); it != s->history.end()) history = it->second;
  // A pointer, not a reset optional: gcc 12 at -O1 takes the reset one's capacity for
  // uninitialized.
  const std::optional<LiveValue> current = live_ ? live_->Current(key) : std::nullopt;
  const LiveValue* live = current && current->capacity > 0 ? &*current : nullptr;
  f.capacity = live ? live->capacity : history ? history->Capacity(origin) : 0;
  std::optional<float> live_share;
  if (live) {
    live_share = static_cast<float>(std::clamp(live->occupied, 0, live->capacity)) /
                 static_cast<float>(live->capacity);
  }

  // 1. The model, when fresh.
  const Entry* entry = nullptr;
  if (auto it = s->models.find(key); it != s->models.end()) entry = &it->second;
  std::string reason;
  if (!entry) {
    reason = "no model trained yet";
  } else if (!entry->model) {
    reason = "training failed: " + entry->failure;
  } else if (now - entry->info.trained_at > options_.stale_after) {
    reason = fmt::format("model trained {} is stale (older than {} h)",
                         FormatRfc3339Utc(entry->info.trained_at), options_.stale_after.count());
  }
  if (reason.empty() && f.capacity > 0 && (history || live_share)) {
    static const GridSeries empty_history;
    Prediction p = entry->model->Predict(history ? *history : empty_history, index_, origin,
                                         model_minutes, f.capacity, live_share);
    f.method = entry->info.kind == "model" ? "model" : "historical_average";
    return Settle(f, p.share, p.p_free, p.low, p.high);
  }
  if (reason.empty()) reason = "no recent history or live value";
  f.fallback = true;
  f.reason = reason;

  // 2. Historical average of the same time of week (±10 minutes) over the cached weeks.
  if (history && f.capacity > 0) {
    if (auto average = SameTimeOfWeek(*history, origin + model_minutes / 5, f.capacity)) {
      f.method = "historical_average";
      return Settle(f, average->share, average->p_free, average->share, average->share);
    }
  }
  // 3. Persistence.
  if (live_share) {
    f.method = "persistence";
    double free_now = *live_share < (f.capacity - 0.5) / f.capacity ? 1.0 : 0.0;
    return Settle(f, *live_share, 0.5 + 0.4 * (free_now - 0.5) * 2, *live_share, *live_share);
  }
  return Unavailable(
      fmt::format("'{}' has neither history nor a live value to forecast from", key.Name()));
}

}  // namespace pg::forecast
