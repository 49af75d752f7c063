// The soak's readers (bench/soak.cc): drivers asking for guidance, and dashboards.
//
// Guidance: GET /api/v1/guidance?dest=…&origin=…&lang=en at `guidance_per_s`, open loop over
// `guidance_connections` keep-alive connections — request i of a connection is due at
// start + i × connections / rate and its latency counts from that due time, so a stall shows in
// the percentiles instead of slowing the sender (no coordinated omission). 1,000 fixed queries,
// cycled: the destination uniform in the city's box (5 % in from its edges), the origin 0.5–3 km
// from it in a random direction (kept inside the box). A 422 (no road near the destination) is
// an answer, counted apart.
//
// Dashboards: each refreshes, every 5 s over one keep-alive connection, what the dashboard's
// pages fetch — /api/v1/city, every page of /api/v1/facilities, /chargers and /signs
// (limit=1000), /api/v1/sources/health and /health — and the first also
// /api/v1/analytics/summary once a minute. Latency per request from its send (closed loop).
//
// Thread-safety: Start/Join from one thread; the counters are atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "soak_common.h"

namespace pg::bench {

struct ReaderOptions {
  double guidance_per_s = 2000;
  int guidance_connections = 32;
  int dashboards = 4;
};

class ReaderDriver {
 public:
  ReaderDriver(uint16_t port, const CityInfo& city, ReaderOptions options, Load& load);
  ~ReaderDriver();
  ReaderDriver(const ReaderDriver&) = delete;
  ReaderDriver& operator=(const ReaderDriver&) = delete;

  // The threads run until `stop` (which must outlive Join).
  void Start(const std::atomic<bool>& stop);
  void Join();

 private:
  void Guide(int connection, const std::atomic<bool>& stop);
  void Dashboard(int index, const std::atomic<bool>& stop);

  const uint16_t port_;
  const ReaderOptions options_;
  Load& load_;
  std::vector<std::string> queries_;
  std::vector<std::thread> threads_;
};

}  // namespace pg::bench
