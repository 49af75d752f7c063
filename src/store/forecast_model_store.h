// The forecast models' role: the trained model of each series (forecast/model.h), kept so that
// a restart serves forecasts without training again. Only forecast/ reads and writes it.
//
// Contract (every implementation): a record for an existing series replaces it; a Put call is
// one transaction. The documents are opaque to the store. Storage faults fail a call with
// kUnavailable and a retry hint (store.h).
//
// Thread-safety: implementations are safe to call from several threads.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace pg::store {

// A trained forecast model as stored: which series, when and on what window it was trained, its
// backtest score and the model document (forecast/model.h). Opaque to the store.
struct ForecastModelRecord {
  std::string series;  // "facility/<id>" or "charger_site/<site>"
  Timestamp trained_at;
  Timestamp window_from;
  Timestamp window_to;
  std::string score_json;  // held-out errors per horizon, model and baselines
  std::string model_json;
  friend bool operator==(const ForecastModelRecord&, const ForecastModelRecord&) = default;
};

class ForecastModelStore {
 public:
  virtual ~ForecastModelStore() = default;

  // Stores `records`, all in one transaction; a record for an existing series replaces it.
  virtual Status PutForecastModels(std::span<const ForecastModelRecord> records) = 0;
  // Every stored model, in series order.
  virtual Result<std::vector<ForecastModelRecord>> LoadForecastModels() = 0;
};

}  // namespace pg::store
