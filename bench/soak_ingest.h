// The soak's ingest (bench/soak.cc): one keep-alive connection per source, each POSTing batches
// of observations to /api/v1/observations on a fixed schedule, the sources together at
// `obs_per_s`.
//
// Each source reports its own share of the city: facility i with its bays and chargers belongs
// to source i mod sources, as a car park's gate system reports its counts and chargers and a
// zone's sensor gateway its bays (a charger outside any facility goes to the sources in turn). An
// observation is, by weight, a facility count (60 %), an entry or exit (10 %), a bay's state (20 %)
// or a charger connector's status (10 %), of a random target of the source (weights of kinds the
// source has no target of go to the counts; a car park whose capacity the registry does not know
// is given 100 spaces, reported as free and occupied, whose sum is then its capacity). Like a real
// system reporting periodically, most
// reports repeat the target's last value: a count, a bay or a connector changes with probability
// `change_share` (a count by 1–3 spaces), an entry or exit always moves the count by one. Every
// batch carries the send time as its observations' `time`, increasing `seq`s and the run's `boot`.
//
// A batch's latency counts from its due time, not from when it could be sent (so a stall shows).
// Thread-safety: Start/Join from one thread; the counters are atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "soak_common.h"

namespace pg::bench {

struct IngestOptions {
  double obs_per_s = 50'000;
  int batch = 500;
  double change_share = 0.1;
};

class IngestDriver {
 public:
  // `city` and `keys` are copied from as needed; they need not outlive the call.
  IngestDriver(uint16_t port, const CityInfo& city, const std::vector<SourceKey>& keys,
               IngestOptions options, Load& load);
  ~IngestDriver();
  IngestDriver(const IngestDriver&) = delete;
  IngestDriver& operator=(const IngestDriver&) = delete;

  // One thread per source, until `stop` (which must outlive Join).
  void Start(const std::atomic<bool>& stop);
  // Waits for every batch under way to be answered.
  void Join();
  const std::vector<std::unique_ptr<SourceCounts>>& Sources() const { return counts_; }

  struct Source;

 private:
  void Run(Source& source, size_t index, const std::atomic<bool>& stop);

  const uint16_t port_;
  const IngestOptions options_;
  Load& load_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<std::unique_ptr<SourceCounts>> counts_;
  std::vector<std::thread> threads_;
};

}  // namespace pg::bench
