#include "api/metrics_api.h"

#include <gtest/gtest.h>

#include "api/http/client.h"

namespace pg::api {
namespace {

TEST(MetricsApi, ServesEveryCollectorAsPrometheusText) {
  http::Server server(http::ServerOptions{});
  int calls = 0;
  std::vector<MetricsCollector> collectors;
  collectors.push_back([&](PrometheusText& out) {
    ++calls;
    out.Counter("pg_a_total", "A", calls);
  });
  collectors.push_back([](PrometheusText& out) { out.Gauge("pg_b", "B", 7, {{"k", "v"}}); });
  RegisterMetricsApi(server, std::move(collectors));
  ASSERT_TRUE(server.Start().ok());
  auto r = http::HttpGet("127.0.0.1", server.port(), "/metrics");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("pg_a_total 1\n"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("pg_b{k=\"v\"} 7\n"), std::string::npos) << r->body;
  auto again = http::HttpGet("127.0.0.1", server.port(), "/metrics");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->body.find("pg_a_total 2\n"), std::string::npos) << "collected on every read";
  server.Stop();
}

}  // namespace
}  // namespace pg::api
