#include "api/metrics_api.h"

#include <memory>

namespace pg::api {

void RegisterMetricsApi(http::Server& server, std::vector<MetricsCollector> collectors) {
  auto shared = std::make_shared<const std::vector<MetricsCollector>>(std::move(collectors));
  server.Route("GET", "/metrics", [shared](const http::Request&) {
    PrometheusText out;
    for (const auto& collect : *shared) collect(out);
    http::Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = out.text();
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  });
}

}  // namespace pg::api
