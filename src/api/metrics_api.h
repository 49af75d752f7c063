// GET /metrics: Prometheus text exposition (format 0.0.4) of what the process is doing, so the
// traffic centre's monitoring can alert on a silent source, a stuck journal or offline signs
// with the tools it already runs.
//
//   std::vector<api::MetricsCollector> collectors;
//   collectors.push_back([&](PrometheusText& out) {
//     out.Counter("parkguide_http_requests_total", "Requests that reached routing",
//     stats.requests);
//   });
//   api::RegisterMetricsApi(server, std::move(collectors));
//
// Collectors run on the request's thread, one after another, each time /metrics is read; they
// must be cheap and thread-safe (read stats snapshots, not the store).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http/server.h"
#include "core/prometheus_text.h"

namespace pg::api {

using MetricsCollector = std::function<void(PrometheusText&)>;

void RegisterMetricsApi(http::Server& server, std::vector<MetricsCollector> collectors);

}  // namespace pg::api
