// ForecastService: the server side of forecasting — per-series models trained on a schedule from
// the store's history, persisted with their training window and held-out score, and answers for
// "expected occupancy and P(free) at this arrival time", with fallbacks flagged.
//
// It reads history through the store's OccupancyHistoryReader role (facility and charging-site
// occupancy), keeps its models through the ForecastModelStore role, and reads the
// live value through LiveReader, a small interface the composition root implements over the live
// state — so this module does not depend on how live state is kept.
//
// Answers, in order of preference:
//   1. `model`: a trained model no older than `stale_after`, from the cached recent history plus
//      the live value.
//   2. `historical_average` (fallback, flagged with the reason): the model is stale, failed or
//      was never trained; the mean of the same time of week over the cached weeks, P(free) the
//      smoothed share of those weeks with a free space.
//   3. `persistence` (fallback): no history at all but a live value.
//   Otherwise kUnavailable.
//
//   ForecastService service(clock, store, live, options);
//   service.SetSeries(keys);                  // from the registry
//   PG_RETURN_IF_ERROR(service.LoadModels());  // persisted ones, at start
//   service.Refresh();                        // every few minutes: new history into the cache
//   service.Retrain();                        // on the schedule
//   PG_ASSIGN_OR_RETURN(ArrivalForecast f, service.AtArrival(key, arrival));
//
// Thread-safety: every method may be called from any thread. Answers read an immutable
// snapshot (models and history caches) swapped under a mutex; Refresh and Retrain serialise
// among themselves.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "forecast/model.h"
#include "forecast/series.h"
#include "store/forecast_model_store.h"
#include "store/occupancy_history.h"
#include "store/roles.h"

namespace pg::forecast {

// A series the service forecasts.
struct SeriesKey {
  enum class Kind { kFacility, kChargerSite };
  Kind kind = Kind::kFacility;
  std::string id;  // facility id, or charging site
  static SeriesKey Facility(std::string facility_id) {
    return {Kind::kFacility, std::move(facility_id)};
  }
  static SeriesKey ChargerSite(std::string site) { return {Kind::kChargerSite, std::move(site)}; }
  // "facility/F1", "charger_site/S3": the key in the store's forecast_models table.
  std::string Name() const;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>.
  friend auto operator<=>(const SeriesKey&, const SeriesKey&) = default;
};

// The current count of a series.
struct LiveValue {
  int occupied = 0;
  int capacity = 0;
  Timestamp time;
};

class LiveReader {
 public:
  virtual ~LiveReader() = default;
  // nullopt when unknown (no data, stale, closed). Called on request threads.
  virtual std::optional<LiveValue> Current(const SeriesKey& key) const = 0;
};

// What guidance and the API get for one series at one arrival time.
struct ArrivalForecast {
  Timestamp origin;         // the instant the forecast is made from
  Timestamp arrival;        // as asked (clamped to at least the origin)
  int horizon_minutes = 0;  // arrival − origin, whole minutes
  int capacity = 0;
  double expected_occupied = 0;          // spaces
  double expected_share = 0;             // 0..1
  double p_free = 1;                     // P(at least one free space)
  double low_share = 0, high_share = 0;  // 80% interval of the share
  std::string method;                    // "model", "historical_average" or "persistence"
  bool fallback = false;
  std::string reason;  // why a fallback, empty otherwise
};

// Metadata of a series' model, for the API.
struct ModelInfo {
  Timestamp trained_at;
  Timestamp window_from, window_to;
  std::string score_json;
  std::string kind;  // "model" or "historical_average" (too little history for more)
};

// The small interface guidance (issue 6) calls; ForecastService implements it.
//
//   PG_ASSIGN_OR_RETURN(ArrivalForecast f,
//                       forecaster.AtArrival(SeriesKey::Facility("F12"), now + drive_time));
//   double p = f.p_free;  // carries f.fallback / f.method for the explanation
class ArrivalForecaster {
 public:
  virtual ~ArrivalForecaster() = default;
  // Expected occupancy and P(free) of the series at `arrival`. Errors: kNotFound for a series
  // the service does not know; kUnavailable when there is neither history nor a live value.
  virtual Result<ArrivalForecast> AtArrival(const SeriesKey& key, Timestamp arrival) const = 0;
};

struct ServiceOptions {
  std::string time_zone = "Asia/Shanghai";
  std::string calendar_csv;  // empty: the built-in calendar for the zone ("cn" for China)
  std::chrono::hours training_window{24 * 7 * 8};
  std::chrono::hours retrain_every{24};
  // A model older than this is stale: answers fall back to the historical average.
  std::chrono::hours stale_after{72};
  // How much recent history is cached for forecasting (weekly lags need three weeks).
  std::chrono::hours history_window{24 * 22};
  ModelOptions model;
  GridOptions grid{Minutes(30), Minutes(12 * 60), Seconds(60)};
  int threads = 1;
  // Longest horizon answered.
  Minutes max_horizon{24 * 60};
};

// The store roles the service uses: the history it trains on and the models it keeps.
using ForecastStore = store::Roles<store::ForecastModelStore, store::OccupancyHistoryReader>;

class ForecastService final : public ArrivalForecaster {
 public:
  // `store` and `clock` must outlive the service; `live` may be null (history only).
  // Errors: kInvalidArgument for an unknown zone or a bad calendar.
  static Result<std::unique_ptr<ForecastService>> Create(const Clock& clock, ForecastStore store,
                                                         const LiveReader* live,
                                                         ServiceOptions options);

  // The series to serve (replaces the set; models of others are kept but not answered).
  void SetSeries(std::vector<SeriesKey> keys);
  // Loads persisted models. Errors: those of the store (a model document that cannot be read is
  // skipped and counted as failed, not an error).
  Status LoadModels();
  // Reloads each series' recent history from the store into the cache.
  Status Refresh();
  // Trains every series on its last `training_window` of history, scores it on a held-out tail,
  // persists the models and swaps them in. A series that fails keeps no model (answers fall
  // back). Errors: those of the store.
  Status Retrain();
  // Whether a retrain is due (no models, or the newest is older than retrain_every).
  bool RetrainDue() const;

  Result<ArrivalForecast> AtArrival(const SeriesKey& key, Timestamp arrival) const override;
  std::optional<ModelInfo> Info(const SeriesKey& key) const;

 private:
  struct Entry {
    std::shared_ptr<const SeriesModel> model;
    ModelInfo info;
    std::string failure;  // why there is no model
  };
  struct State {
    std::map<SeriesKey, Entry> models;
    std::map<SeriesKey, std::shared_ptr<const GridSeries>> history;
    std::vector<SeriesKey> keys;
  };

  ForecastService(const Clock& clock, ForecastStore store, const LiveReader* live,
                  ServiceOptions options, TimeIndex index);
  Result<std::vector<Sample>> LoadSamples(const SeriesKey& key, Timestamp from, Timestamp to) const;
  std::shared_ptr<const State> Snapshot() const;
  void Publish(std::shared_ptr<const State> state);

  const Clock& clock_;
  store::ForecastModelStore& models_store_;
  store::OccupancyHistoryReader& history_;
  const LiveReader* live_;
  ServiceOptions options_;
  TimeIndex index_;
  mutable std::mutex mutex_;  // guards state_
  std::shared_ptr<const State> state_;
  std::mutex update_mutex_;  // serialises Refresh/Retrain/LoadModels/SetSeries
};

}  // namespace pg::forecast
