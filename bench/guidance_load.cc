// guidance_load: GET /api/v1/guidance at a fixed rate over keep-alive connections, one result
// line per run — the HTTP figure of docs/benchmarks.md "Guidance".
//
//   guidance_load --port P --key K [--rate 5000] [--seconds 10] [--connections 32]
//
// First it makes every facility live (one batch of counts POSTed with the source key K), then
// builds 1,000 requests — a destination within ~200 m of a random facility, the origin at
// another within 2 km — and sends them open loop: request i of a connection is due at
// start + i × connections / rate, and its latency counts from that due time, not from when it
// could be sent, so a stalled server shows in the percentiles (no coordinated omission).
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api/http/client.h"
#include "core/geo.h"
#include "core/time.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using pg::api::http::HttpConnection;

std::map<std::string, std::string> ParseArgs(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[std::string(argv[i]).substr(2)] = argv[i + 1];
  return args;
}

struct Facility {
  std::string id;
  pg::LatLon at;
  int capacity = 0;
};

int Run(const std::map<std::string, std::string>& args) {
  auto arg = [&](const char* name, const char* fallback) {
    auto it = args.find(name);
    return it == args.end() ? std::string(fallback) : it->second;
  };
  const auto port = static_cast<uint16_t>(std::stoi(arg("port", "0")));
  const std::string key = arg("key", "");
  const double rate = std::stod(arg("rate", "5000"));
  const double seconds = std::stod(arg("seconds", "10"));
  const int connections = std::stoi(arg("connections", "32"));

  // The city's facilities, every page.
  std::vector<Facility> facilities;
  std::string target = "/api/v1/facilities?limit=1000";
  while (!target.empty()) {
    auto r = pg::api::http::HttpGet("127.0.0.1", port, target);
    if (!r.ok() || r->status != 200) {
      fmt::print(stderr, "facilities: {}\n", r.ok() ? r->body : r.status().ToString());
      return 1;
    }
    json page = json::parse(r->body);
    for (const json& f : page["items"]) {
      Facility x;
      x.id = f["id"];
      x.at = {f["location"]["lat"], f["location"]["lon"]};
      x.capacity = f.contains("capacity") && f["capacity"].contains("total") &&
                           f["capacity"]["total"].is_number()
                       ? f["capacity"]["total"].get<int>()
                       : 0;
      facilities.push_back(x);
    }
    target = page["next"].is_string() ? page["next"].get<std::string>() : "";
  }
  // Every facility live: half free, or 10 free where the capacity is unknown.
  const std::string now = pg::FormatRfc3339Utc(
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  json batch = json::array();
  for (const auto& f : facilities) {
    batch.push_back({{"type", "facility_count"},
                     {"facility", f.id},
                     {"time", now},
                     {"free", f.capacity > 0 ? f.capacity / 2 : 10}});
  }
  auto posted = pg::api::http::HttpRequest(
      "POST", "127.0.0.1", port, "/api/v1/observations", json{{"observations", batch}}.dump(),
      {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}});
  if (!posted.ok() || posted->status != 200) {
    fmt::print(stderr, "observations: {}\n", posted.ok() ? posted->body : "no answer");
    return 1;
  }

  std::mt19937_64 rng(20261130);
  std::uniform_real_distribution<double> jitter(-0.002, 0.002);
  std::vector<std::string> queries;
  for (int tries = 0; queries.size() < 1000 && tries < 1'000'000; ++tries) {
    const auto& d = facilities[rng() % facilities.size()];
    const auto& o = facilities[rng() % facilities.size()];
    pg::LatLon dest{d.at.lat + jitter(rng), d.at.lon + jitter(rng)};
    if (pg::HaversineMeters(dest, o.at) > 2000) continue;
    queries.push_back(
        fmt::format("/api/v1/guidance?dest={:.6f},{:.6f}&origin={:.6f},{:.6f}&lang=en", dest.lat,
                    dest.lon, o.at.lat, o.at.lon));
  }

  // Warm up (query objects, caches), then the timed run.
  {
    auto c = HttpConnection::Open("127.0.0.1", port);
    if (!c.ok()) return 1;
    for (size_t i = 0; i < 200; ++i) (void)(*c)->Request("GET", queries[i % queries.size()]);
  }
  std::atomic<int64_t> ok{0}, errors{0}, unsnappable{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  const auto interval = std::chrono::duration<double>(connections / rate);
  const auto per_connection = static_cast<int64_t>(seconds * rate / connections);
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      auto c = HttpConnection::Open("127.0.0.1", port);
      if (!c.ok()) {
        errors += per_connection;
        return;
      }
      auto& mine = latencies[static_cast<size_t>(t)];
      const auto offset = interval * (static_cast<double>(t) / connections);
      for (int64_t i = 0; i < per_connection; ++i) {
        const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                     offset + interval * static_cast<double>(i));
        std::this_thread::sleep_until(due);
        auto r = (*c)->Request("GET", queries[static_cast<size_t>(t * 7919 + i) % queries.size()]);
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - due).count());
        if (!r.ok()) {
          ++errors;
          auto again = HttpConnection::Open("127.0.0.1", port);
          if (again.ok()) *c = std::move(*again);
        } else if (r->status == 200) {
          ++ok;
        } else if (r->status == 422) {
          ++unsnappable;  // a destination the footways do not reach: still a full answer
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))];
  };
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double client_cpu_s =
      static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
      static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  fmt::print(
      "guidance http: target {:.0f}/s, achieved {:.0f}/s over {:.1f} s, {} connections, "
      "{} facilities; latency p50 {:.2f} ms, p90 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms; "
      "{} ok, {} unsnappable (422), {} errors; load tool CPU {:.0f} us/request\n",
      rate, static_cast<double>(all.size()) / elapsed, elapsed, connections, facilities.size(),
      pct(0.5), pct(0.9), pct(0.99), all.empty() ? 0.0 : all.back(), ok.load(), unsnappable.load(),
      errors.load(), all.empty() ? 0.0 : client_cpu_s / static_cast<double>(all.size()) * 1e6);
  return errors.load() == 0 ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr,
               "usage: guidance_load --port P --key K [--rate 5000] "
               "[--seconds 10] [--connections 32]\n");
    return 2;
  }
  return Run(ParseArgs(argc, argv));
}
