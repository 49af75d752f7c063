// GET /metrics: Prometheus text exposition (format 0.0.4) of what the process is doing, so the
// traffic centre's monitoring can alert on a silent source, a stuck journal or offline signs
// with the tools it already runs.
//
//   std::vector<api::MetricsCollector> collectors;
//   collectors.push_back([&](api::PrometheusText& out) {
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

namespace pg::api {

class PrometheusText {
 public:
  using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

  // One sample; HELP and TYPE are written before the first sample of each name. The samples of
  // one name must come together (the format requires it).
  void Counter(std::string_view name, std::string_view help, double value,
               const Labels& labels = {});
  void Gauge(std::string_view name, std::string_view help, double value, const Labels& labels = {});

  const std::string& text() const { return text_; }

 private:
  void Sample(std::string_view type, std::string_view name, std::string_view help, double value,
              const Labels& labels);

  std::string text_;
  std::string last_name_;
};

using MetricsCollector = std::function<void(PrometheusText&)>;

void RegisterMetricsApi(http::Server& server, std::vector<MetricsCollector> collectors);

}  // namespace pg::api
