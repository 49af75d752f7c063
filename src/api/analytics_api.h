// AnalyticsApi: the figures of analytics/ over HTTP and the weekly reports the server wrote.
//
//   GET /api/v1/analytics/{section}?week=2026-W47&district=D1   one section (analytics.h's
//       kSections, or "all") of one ISO week; `week` defaults to the last complete week. The
//       answer also holds the week before under "previous" for comparison.
//   GET /api/v1/reports                      the report files, newest week first (the
//       dashboard's Reports page lists these)
//   GET /api/v1/reports/{file}               one report (text/html or application/pdf)
//
// Parse → validate → compute (analytics::ComputeWeek, cached per week and district: a complete
// week for good, the current one for five minutes) → render. Forecast accuracy replays a
// backtest, so it is computed only for the "forecast" and "all" sections.
//
// Thread-safety: handlers run concurrently; the cache is guarded by a mutex.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "analytics/analytics.h"
#include "api/http/server.h"
#include "core/clock.h"
#include "registry/registry.h"

namespace pg::api {

struct AnalyticsApiContext {
  // What the figures read (history, counters, sign history, dead letters, settings); required.
  std::optional<analytics::ReportStore> store;
  // The current registry snapshot; required.
  std::function<std::shared_ptr<const registry::Registry>()> registry;
  const Clock* clock = nullptr;  // required
  std::string reports_dir;       // "" : no reports are served (an empty list)
};

// REQUIRES: `store` and `clock` outlive `server`.
void RegisterAnalyticsApi(http::Server& server, const AnalyticsApiContext& context);

}  // namespace pg::api
