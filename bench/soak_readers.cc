#include "soak_readers.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>

#include "api/http/client.h"

namespace pg::bench {
namespace {

using Clock = std::chrono::steady_clock;
using api::http::HttpConnection;

constexpr auto kDashboardPeriod = std::chrono::seconds(5);
constexpr auto kAnalyticsPeriod = std::chrono::seconds(60);
constexpr size_t kQueries = 1000;

std::vector<std::string> GuidanceQueries(const CityInfo& city) {
  std::mt19937_64 rng(20261130);
  std::uniform_real_distribution<double> unit(0, 1);
  const double inset_lon = (city.east - city.west) * 0.05;
  const double inset_lat = (city.north - city.south) * 0.05;
  const double m_per_deg_lat = 111'320;
  std::vector<std::string> out;
  while (out.size() < kQueries) {
    const double lat =
        city.south + inset_lat + unit(rng) * (city.north - city.south - 2 * inset_lat);
    const double lon = city.west + inset_lon + unit(rng) * (city.east - city.west - 2 * inset_lon);
    const double distance_m = 500 + unit(rng) * 2500;
    const double bearing = unit(rng) * 2 * std::numbers::pi;
    const double m_per_deg_lon = m_per_deg_lat * std::cos(lat * std::numbers::pi / 180);
    const double olat =
        std::clamp(lat + distance_m * std::cos(bearing) / m_per_deg_lat, city.south, city.north);
    const double olon =
        std::clamp(lon + distance_m * std::sin(bearing) / m_per_deg_lon, city.west, city.east);
    out.push_back(fmt::format("/api/v1/guidance?dest={:.6f},{:.6f}&origin={:.6f},{:.6f}&lang=en",
                              lat, lon, olat, olon));
  }
  return out;
}

// Sleeps until `t` in slices, so a stop is noticed; false when stopped.
bool SleepUntil(Clock::time_point t, const std::atomic<bool>& stop) {
  while (Clock::now() < t) {
    if (stop) return false;
    std::this_thread::sleep_until(std::min(t, Clock::now() + std::chrono::milliseconds(200)));
  }
  return !stop;
}

}  // namespace

ReaderDriver::ReaderDriver(uint16_t port, const CityInfo& city, ReaderOptions options, Load& load)
    : port_(port), options_(options), load_(load), queries_(GuidanceQueries(city)) {}

ReaderDriver::~ReaderDriver() { Join(); }

void ReaderDriver::Start(const std::atomic<bool>& stop) {
  const int guides = options_.guidance_per_s > 0 ? options_.guidance_connections : 0;
  for (int t = 0; t < guides; ++t) {
    threads_.emplace_back([this, t, &stop] { Guide(t, stop); });
  }
  for (int d = 0; d < options_.dashboards; ++d) {
    threads_.emplace_back([this, d, &stop] { Dashboard(d, stop); });
  }
}

void ReaderDriver::Join() {
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void ReaderDriver::Guide(int connection, const std::atomic<bool>& stop) {
  const int n = options_.guidance_connections;
  const auto interval = std::chrono::duration<double>(n / options_.guidance_per_s);
  const auto start = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        interval * (static_cast<double>(connection) / n));
  RequestStats& stats = load_.guidance;
  std::unique_ptr<HttpConnection> conn;
  for (int64_t i = 0;; ++i) {
    const auto due =
        start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
    if (!SleepUntil(due, stop)) return;
    if (!conn || !conn->open()) {
      auto opened = HttpConnection::Open("127.0.0.1", port_);
      if (!opened.ok()) {
        stats.Unanswered(opened.status().message(), "guidance connect");
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      conn = std::move(*opened);
    }
    const auto& query = queries_[static_cast<size_t>(connection * 7919 + i) % queries_.size()];
    auto r = conn->Request("GET", query);
    stats.latency.Record(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - due));
    if (!r.ok()) {
      stats.Unanswered(r.status().message(), "guidance");
      conn.reset();
    } else if (r->status == 200) {
      ++stats.ok;
    } else if (r->status == 422) {
      ++stats.unsnappable;
    } else {
      stats.NonOk(r->status, r->body, "guidance");
    }
  }
}

namespace {

// One timed GET on the dashboard's connection; the body when 200.
std::optional<std::string> Fetch(uint16_t port, std::unique_ptr<HttpConnection>& conn,
                                 const std::string& target, RequestStats& stats) {
  if (!conn || !conn->open()) {
    auto opened = HttpConnection::Open("127.0.0.1", port);
    if (!opened.ok()) return stats.Unanswered(opened.status().message(), "dashboard"), std::nullopt;
    conn = std::move(*opened);
  }
  const auto sent = Clock::now();
  auto r = conn->Request("GET", target, {}, {{"Accept", "application/json"}});
  stats.latency.Record(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent));
  if (!r.ok()) {
    conn.reset();
    return stats.Unanswered(r.status().message(), "dashboard " + target), std::nullopt;
  }
  if (r->status != 200) return stats.NonOk(r->status, r->body, target), std::nullopt;
  ++stats.ok;
  return std::move(r->body);
}

// Every page of a list, as the dashboard's getAll does.
void FetchAll(uint16_t port, std::unique_ptr<HttpConnection>& conn, const std::string& path,
              RequestStats& stats) {
  std::string next = path + "?limit=1000";
  while (!next.empty()) {
    auto body = Fetch(port, conn, next, stats);
    if (!body) return;
    auto page = nlohmann::json::parse(*body, nullptr, false);
    next = !page.is_discarded() && page["next"].is_string() ? page["next"].get<std::string>() : "";
  }
}

}  // namespace

void ReaderDriver::Dashboard(int index, const std::atomic<bool>& stop) {
  RequestStats& stats = load_.dashboard;
  std::unique_ptr<HttpConnection> conn;
  auto next = Clock::now() + kDashboardPeriod * index / std::max(1, options_.dashboards);
  auto next_analytics = Clock::now() + std::chrono::seconds(5);
  while (SleepUntil(next, stop)) {
    next += kDashboardPeriod;
    Fetch(port_, conn, "/api/v1/city", stats);
    FetchAll(port_, conn, "/api/v1/facilities", stats);
    FetchAll(port_, conn, "/api/v1/chargers", stats);
    FetchAll(port_, conn, "/api/v1/signs", stats);
    Fetch(port_, conn, "/api/v1/sources/health", stats);
    Fetch(port_, conn, "/health", stats);
    if (index == 0 && Clock::now() >= next_analytics) {
      next_analytics += kAnalyticsPeriod;
      Fetch(port_, conn, "/api/v1/analytics/summary", stats);
    }
  }
}

}  // namespace pg::bench
