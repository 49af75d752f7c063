// ForecastApi: GET /api/v1/facilities/{id}/forecast and GET /api/v1/chargers/{id}/forecast.
//
// Parse → validate → ask the forecast service → render. `horizon` (minutes, 5–1440) or `at`
// (RFC 3339 arrival time) asks for one forecast; neither gives the standard horizons 5, 15, 30,
// 60 and 120. A charger is forecast as its charging site (the chargers sharing its `site`):
// occupied means connectors not available, P(free) the chance that at least one is.
//
// Thread-safety: handlers run concurrently; they read registry snapshots and the thread-safe
// ForecastService.
#pragma once

#include <functional>
#include <memory>

#include "api/http/server.h"
#include "core/clock.h"
#include "forecast/service.h"
#include "registry/registry.h"

namespace pg::api {

struct ForecastApiContext {
  forecast::ForecastService* forecasts = nullptr;  // required
  // The current registry snapshot; required.
  std::function<std::shared_ptr<const registry::Registry>()> registry;
  const Clock* clock = nullptr;  // required
};

// The series key of a charger: its site, or the charger alone when it has none.
forecast::SeriesKey ChargerSeriesKey(const model::Charger& charger);

// REQUIRES: every member of `context` is set and outlives `server`.
void RegisterForecastApi(http::Server& server, const ForecastApiContext& context);

}  // namespace pg::api
