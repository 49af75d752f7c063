// What the parts of the soak load tool (bench/soak.cc) share: the city as the server describes
// it, the counters each load records into, the probe of the server process (/proc/<pid>), the
// reporter that turns counters into one CSV line per interval, and the loss check at the end.
//
// Thread-safety: the counters (RequestStats, SourceCounts) are atomics, recorded into by any
// thread; the Reporter and ServerProbe belong to the main thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "latency_histogram.h"
#include "soak_stream.h"

namespace pg::bench {

struct SourceKey {
  std::string id;
  std::string key;
};

struct LatLonInfo {
  double lat = 0;
  double lon = 0;
};

struct FacilityInfo {
  std::string id;
  LatLonInfo at;
  int capacity = 0;  // 0 when the registry has none
  int bays = 0;      // sensed bays (an on-street zone's count comes from them)
};

struct BayInfo {
  std::string id;
  std::string facility;  // the on-street zone it belongs to
};

struct ChargerInfo {
  std::string id;
  std::string facility;         // the car park it stands in; "" when none
  std::vector<int> connectors;  // connector ids
};

struct CityInfo {
  std::string id;
  double west = 0, south = 0, east = 0, north = 0;
  std::vector<FacilityInfo> facilities;  // every facility
  std::vector<size_t> counted;           // those counted by gates: without sensed bays
  std::vector<BayInfo> bays;
  std::vector<ChargerInfo> chargers;  // in service
};

// GET /api/v1/city, and every page of /api/v1/facilities, /bays and /chargers.
// Errors: kUnavailable when the server does not answer 200; kFailedPrecondition for a city
// without facilities.
Result<CityInfo> LoadCity(uint16_t port);

// The JSON body of GET `target`. Errors: kUnavailable (no answer, not 200, not JSON).
Result<nlohmann::json> GetJson(uint16_t port, const std::string& target);

// One kind of request load, counted per interval (exchanged by the reporter) and in total.
struct RequestStats {
  std::atomic<int64_t> ok{0};             // answered as expected
  std::atomic<int64_t> unsnappable{0};    // guidance only: 422, a destination no road reaches
  std::atomic<int64_t> non_200{0};        // any other status
  std::atomic<int64_t> conn_failures{0};  // no answer: connect failed, cut, timed out
  std::atomic<int64_t> conn_failures_total{0};
  std::atomic<int64_t> items{0};  // ingest: observations acknowledged
  AtomicHistogram latency;
  std::array<std::atomic<int64_t>, 600> by_status{};  // non-200 answers by status, never reset
  std::atomic<int> messages_printed{0};

  // Counts a non-200 answer; the first few are printed to stderr with their body (bounded: an
  // hour of errors does not fill a log).
  void NonOk(int status, std::string_view body, std::string_view what);
  void Unanswered(std::string_view error, std::string_view what);
};

// What the tool's ingest was told for one source, from the 200 answers; and what the server
// counted for the source before the run (a database used before).
struct SourceCounts {
  std::string id;
  int64_t accepted_before = 0;
  int64_t processed_before = 0;  // accepted + duplicate + out_of_order
  std::atomic<int64_t> accepted{0};
  std::atomic<int64_t> duplicate{0};
  std::atomic<int64_t> out_of_order{0};
  std::atomic<int64_t> seq_refused{0};
  std::atomic<int64_t> unanswered{0};  // observations sent without an answer: outcome unknown
  std::atomic<int64_t> refused{0};     // observations in batches answered non-200: not applied
};

struct Load {
  RequestStats ingest;
  RequestStats guidance;
  RequestStats dashboard;
  StreamStats streams;
};

// The server process as /proc shows it.
class ServerProbe {
 public:
  struct Sample {
    bool alive = false;
    uint64_t start_ticks = 0;  // since boot: a restarted process (same pid or not) differs
    uint64_t cpu_ticks = 0;    // utime + stime
    double rss_mib = 0;
    int threads = 0;
    int open_files = 0;
  };
  // Errors: kNotFound when no process `pid` is readable.
  static Result<ServerProbe> Attach(int pid);
  Sample Read() const;
  int pid() const { return pid_; }
  uint64_t start_ticks() const { return start_ticks_; }

 private:
  ServerProbe(int pid, uint64_t start_ticks) : pid_(pid), start_ticks_(start_ticks) {}
  int pid_;
  uint64_t start_ticks_;
};

class Reporter {
 public:
  // `csv_path` empty: the lines go to stdout.
  Reporter(const std::string& csv_path, ServerProbe server, Load& load);
  ~Reporter();
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

  // One CSV line for the time since the previous call.
  void Interval(std::chrono::steady_clock::duration elapsed);
  bool server_alive() const { return server_alive_; }
  void PrintTotals(std::chrono::steady_clock::duration elapsed);
  // PASS when the process answered every probe with the start time it had at the first.
  bool PrintRestartCheck() const;

 private:
  struct Totals;
  static std::string RequestColumns(AtomicHistogram& latency, Histogram& total, int64_t count,
                                    double seconds);
  std::string StreamColumns(double seconds);

  FILE* csv_;
  bool own_csv_;
  ServerProbe server_;
  Load& load_;
  std::unique_ptr<Totals> totals_;
  bool server_alive_ = true;
  bool restarted_ = false;
};

// Reads each source's counts on the server now into accepted_before and processed_before.
// Errors: those of GetJson.
Status ReadCountsBefore(uint16_t port, const std::vector<std::unique_ptr<SourceCounts>>& sources);

// Compares, for every source, what the tool was acknowledged with what the server's
// GET /api/v1/sources/health counts beyond the counts before, prints a line per source and
// PASS/FAIL: every acknowledged observation must be counted — accepted, and accepted + duplicate
// + out_of_order, each at least what the answers said and at most the unanswered observations
// more. (seq_refused is shown, not compared: the server counts it only since it started.)
bool CheckNothingLost(uint16_t port, const std::vector<std::unique_ptr<SourceCounts>>& sources);

}  // namespace pg::bench
