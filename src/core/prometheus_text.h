// PrometheusText: the Prometheus text exposition format (0.0.4), written sample by sample, so each
// module can say what it measures (its own `Append…Metrics` beside its stats) and /metrics
// (api/metrics_api.h) only concatenates.
//
//   PrometheusText out;
//   out.Counter("parkguide_http_requests_total", "Requests that reached routing", stats.requests);
//   out.Gauge("parkguide_source_silent", "1 when silent", 1, {{"source", "gate"}});
//
// Thread-safety: none; one writer per instance.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pg {

class PrometheusText {
 public:
  using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

  // One sample of any arithmetic type (written as a double: exact up to 2^53); HELP and TYPE
  // are written before the first sample of each name. The samples of one name must come
  // together (the format requires it).
  template <typename T>
  requires std::is_arithmetic_v<T>
  void Counter(std::string_view name, std::string_view help, T value, const Labels& labels = {}) {
    Sample("counter", name, help, static_cast<double>(value), labels);
  }
  template <typename T>
  requires std::is_arithmetic_v<T>
  void Gauge(std::string_view name, std::string_view help, T value, const Labels& labels = {}) {
    Sample("gauge", name, help, static_cast<double>(value), labels);
  }

  const std::string& text() const { return text_; }

 private:
  void Sample(std::string_view type, std::string_view name, std::string_view help, double value,
              const Labels& labels);

  std::string text_;
  std::string last_name_;
};

}  // namespace pg
