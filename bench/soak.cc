// soak: one process that holds a running parkguide at the target load for a long time and says,
// every interval, what the server's memory and latencies did — the tool of bench/soak.sh and of
// docs/benchmarks.md "Soak: one hour at the target load".
//
//   soak --port P --server-pid PID --keys-file FILE [--seconds 3600] [--interval 10]
//        [--obs-per-s 50000] [--batch 500] [--guidance-per-s 2000] [--guidance-connections 32]
//        [--stream-clients 1000] [--stream-threads 2] [--dashboards 4] [--change-share 0.1]
//        [--csv FILE] [--acked-out FILE]
//   soak --port P --check-acked FILE
//
// FILE holds one source per line, "<source id> <key>" (parkguide source add … --scope all).
// At fixed rates, all at once:
// - ingest: one keep-alive connection per source, batches POSTed on a fixed schedule adding up to
//   --obs-per-s; each source reports its own share of the city's targets (soak_ingest.h);
// - guidance: GET /api/v1/guidance, open loop over a pool of connections (latency from each
//   request's due time, so a stall shows instead of slowing the sender);
// - event streams: --stream-clients readers of /api/v1/stream with small filters
//   (soak_stream.h), plus one unfiltered stream per dashboard;
// - dashboards: readers refreshing what the dashboard's pages fetch every 5 s, and the analytics
//   summary once a minute.
// Every --interval seconds one CSV line (to --csv, or stdout): the server's RSS, CPU, threads and
// open files from /proc/<pid>, and each load's rate, latency percentiles and errors for that
// interval. At the end the totals, the loss check (every observation acknowledged is counted by
// the server's /api/v1/sources/health) and the restart check; the exit code is 0 only when both
// pass. --acked-out writes the acknowledged counts per source; --check-acked compares a server
// (e.g. restarted on the same journal) with such a file, and nothing else.
#include <arpa/inet.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "soak_common.h"
#include "soak_ingest.h"
#include "soak_readers.h"
#include "soak_stream.h"

namespace pg::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::atomic<bool> g_interrupted{false};

struct Options {
  uint16_t port = 0;
  int server_pid = 0;
  std::string keys_file;
  double seconds = 3600;
  double interval_s = 10;
  double obs_per_s = 50'000;
  int batch = 500;
  double change_share = 0.1;
  double guidance_per_s = 2000;
  int guidance_connections = 32;
  int stream_clients = 1000;
  int stream_threads = 2;
  int dashboards = 4;
  std::string csv_path;
  std::string acked_out;    // where the acknowledged counts go, for a check after a restart
  std::string check_acked;  // only check a running server against such a file
};

Result<Options> ParseOptions(int argc, char** argv) {
  std::map<std::string, std::string> a;
  for (int i = 1; i < argc; i += 2) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0 || i + 1 >= argc) {
      return InvalidArgument(fmt::format("expected --option value at '{}'", name));
    }
    a[name.substr(2)] = argv[i + 1];
  }
  Options o;
  auto num = [&](const char* name, double fallback) {
    return a.contains(name) ? std::stod(a.at(name)) : fallback;
  };
  o.port = static_cast<uint16_t>(num("port", 0));
  o.server_pid = static_cast<int>(num("server-pid", 0));
  o.keys_file = a.contains("keys-file") ? a.at("keys-file") : "";
  o.seconds = num("seconds", o.seconds);
  o.interval_s = num("interval", o.interval_s);
  o.obs_per_s = num("obs-per-s", o.obs_per_s);
  o.batch = static_cast<int>(num("batch", o.batch));
  o.change_share = num("change-share", o.change_share);
  o.guidance_per_s = num("guidance-per-s", o.guidance_per_s);
  o.guidance_connections = static_cast<int>(num("guidance-connections", o.guidance_connections));
  o.stream_clients = static_cast<int>(num("stream-clients", o.stream_clients));
  o.stream_threads = static_cast<int>(num("stream-threads", o.stream_threads));
  o.dashboards = static_cast<int>(num("dashboards", o.dashboards));
  o.csv_path = a.contains("csv") ? a.at("csv") : "";
  o.acked_out = a.contains("acked-out") ? a.at("acked-out") : "";
  o.check_acked = a.contains("check-acked") ? a.at("check-acked") : "";
  if (o.port != 0 && !o.check_acked.empty()) return o;
  if (o.port == 0 || o.server_pid <= 0 || o.keys_file.empty()) {
    return InvalidArgument("--port, --server-pid and --keys-file are required");
  }
  if (o.batch < 1 || o.batch > 10'000) return InvalidArgument("--batch: 1–10000");
  return o;
}

Result<std::vector<SourceKey>> ReadKeys(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound(fmt::format("{}: cannot be read", path));
  std::vector<SourceKey> keys;
  std::string id, key;
  while (in >> id >> key) keys.push_back({id, key});
  if (keys.empty()) return InvalidArgument(fmt::format("{}: no '<id> <key>' lines", path));
  return keys;
}

// Stream filters: nine readers in ten follow one facility (each facility by about as many
// readers), one in ten a box of ~300 × 300 m around a facility; from loopback addresses
// 127.0.0.2 …, 50 readers to an address. Then one unfiltered stream per dashboard.
std::vector<StreamSpec> StreamSpecs(const CityInfo& city, int clients, int dashboards) {
  std::vector<StreamSpec> specs;
  const size_t n = city.facilities.size();
  for (int i = 0; i < clients + dashboards; ++i) {
    StreamSpec s;
    const auto u = static_cast<size_t>(i);
    if (i >= clients) {
      s.target = "/api/v1/stream";
    } else if (i % 10 == 9) {
      const LatLonInfo& at = city.facilities[(u * 7919) % n].at;
      s.target = fmt::format("/api/v1/stream?bbox={:.5f},{:.5f},{:.5f},{:.5f}", at.lon - 0.0018,
                             at.lat - 0.00135, at.lon + 0.0018, at.lat + 0.00135);
    } else {
      s.target = "/api/v1/stream?facility=" + city.facilities[u % n].id;
    }
    s.local_address = htonl((127u << 24) | (2u + static_cast<uint32_t>(i / 50)));
    specs.push_back(std::move(s));
  }
  return specs;
}

// "<source> <accepted> <duplicate> <out_of_order> <seq_refused> <unanswered> <refused>
// <accepted before> <processed before>" lines.
void WriteAcked(const std::string& path,
                const std::vector<std::unique_ptr<SourceCounts>>& sources) {
  std::ofstream out(path);
  for (const auto& s : sources) {
    out << s->id << ' ' << s->accepted << ' ' << s->duplicate << ' ' << s->out_of_order << ' '
        << s->seq_refused << ' ' << s->unanswered << ' ' << s->refused << ' ' << s->accepted_before
        << ' ' << s->processed_before << '\n';
  }
}

// --check-acked: a server (restarted on the soak's journal) against the acknowledged counts.
int CheckAcked(const Options& o) {
  std::ifstream in(o.check_acked);
  std::vector<std::unique_ptr<SourceCounts>> sources;
  std::string id;
  int64_t v[8];
  while (in >> id >> v[0] >> v[1] >> v[2] >> v[3] >> v[4] >> v[5] >> v[6] >> v[7]) {
    auto s = std::make_unique<SourceCounts>();
    s->id = id;
    s->accepted = v[0];
    s->duplicate = v[1];
    s->out_of_order = v[2];
    s->seq_refused = v[3];
    s->unanswered = v[4];
    s->refused = v[5];
    s->accepted_before = v[6];
    s->processed_before = v[7];
    sources.push_back(std::move(s));
  }
  if (sources.empty()) return fmt::print(stderr, "soak: {}: no counts\n", o.check_acked), 2;
  return CheckNothingLost(o.port, sources) ? 0 : 1;
}

void PrintPlan(const Options& o, const CityInfo& city, size_t sources) {
  fmt::print(
      "soak: city {} — {} facilities ({} counted by gates), {} bays, {} chargers; {} s at {} obs/s "
      "(batches of {}, {} sources), {} guidance/s, {} stream clients, {} dashboards\n",
      city.id, city.facilities.size(), city.counted.size(), city.bays.size(), city.chargers.size(),
      o.seconds, o.obs_per_s, o.batch, sources, o.guidance_per_s, o.stream_clients, o.dashboards);
}

// A line every interval until the run's end, an interrupt, or the server's end.
void ReportUntilDone(const Options& o, Reporter& reporter, Clock::time_point start) {
  auto seconds = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  const auto end = start + seconds(o.seconds);
  auto next = start;
  while (Clock::now() < end && !g_interrupted && reporter.server_alive()) {
    next += seconds(o.interval_s);
    while (Clock::now() < std::min(next, end) && !g_interrupted) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    reporter.Interval(Clock::now() - start);
  }
}

int Run(const Options& o) {
  auto keys = ReadKeys(o.keys_file);
  if (!keys.ok()) return fmt::print(stderr, "soak: {}\n", keys.status().message()), 2;
  auto city = LoadCity(o.port);
  if (!city.ok()) return fmt::print(stderr, "soak: {}\n", city.status().message()), 2;
  auto server = ServerProbe::Attach(o.server_pid);
  if (!server.ok()) return fmt::print(stderr, "soak: {}\n", server.status().message()), 2;
  PrintPlan(o, *city, keys->size());

  Load load;
  StreamFleet fleet(o.port, StreamSpecs(*city, o.stream_clients, o.dashboards), o.stream_threads,
                    load.streams);
  IngestDriver ingest(o.port, *city, *keys,
                      {.obs_per_s = o.obs_per_s, .batch = o.batch, .change_share = o.change_share},
                      load);
  ReaderDriver readers(o.port, *city,
                       {.guidance_per_s = o.guidance_per_s,
                        .guidance_connections = o.guidance_connections,
                        .dashboards = o.dashboards},
                       load);
  if (Status s = ReadCountsBefore(o.port, ingest.Sources()); !s.ok()) {
    return fmt::print(stderr, "soak: {}\n", s.message()), 2;
  }
  std::atomic<bool> stop{false};
  Reporter reporter(o.csv_path, *server, load);
  const auto start = Clock::now();
  fleet.Start();
  ingest.Start(stop);
  readers.Start(stop);
  ReportUntilDone(o, reporter, start);
  stop = true;
  ingest.Join();
  readers.Join();
  fleet.Stop();
  reporter.Interval(Clock::now() - start);  // what finished after the last line
  reporter.PrintTotals(Clock::now() - start);
  const bool kept = CheckNothingLost(o.port, ingest.Sources());
  if (!o.acked_out.empty()) WriteAcked(o.acked_out, ingest.Sources());
  const bool same_server = reporter.PrintRestartCheck();
  return kept && same_server ? 0 : 1;
}

}  // namespace
}  // namespace pg::bench

int main(int argc, char** argv) {
  auto options = pg::bench::ParseOptions(argc, argv);
  if (!options.ok()) {
    fmt::print(stderr,
               "soak: {}\nusage: soak --port P --server-pid PID --keys-file FILE "
               "[--seconds 3600] [--interval 10] …\n",
               options.status().message());
    return 2;
  }
  std::signal(SIGINT, [](int) { pg::bench::g_interrupted = true; });
  std::signal(SIGTERM, [](int) { pg::bench::g_interrupted = true; });
  std::signal(SIGPIPE, SIG_IGN);
  if (!options->check_acked.empty()) return pg::bench::CheckAcked(*options);
  return pg::bench::Run(*options);
}
