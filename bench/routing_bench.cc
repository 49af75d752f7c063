// parkguide_routing_bench: every routing figure of docs/benchmarks.md ("Routing") for one OSM
// extract, measured in one run on one machine — preprocessing, file, start-up, point-to-point and
// one-to-many query times of the contraction hierarchy and of plain Dijkstra on the same queries.
//
//   build/bench/bench/parkguide_routing_bench --osm EXTRACT.osm.pbf
//   build/bench/bench/parkguide_routing_bench --osm EXTRACT.osm.pbf \
//       --export-queries q.tsv --export-timings t.tsv      # for bench/pgrouting_compare.sh
//
// Each query is timed on its own (steady_clock around the call); medians and 99th percentiles are
// over those times. Queries are random positions on the graph (seeded), so runs repeat.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "graph/graph_file.h"
#include "graph_build/graph_builder.h"
#include "osm/road_extract.h"
#include "routing/dijkstra.h"
#include "routing/route_query.h"

namespace {

using pg::routing::Mode;
using pg::routing::RouteCost;
using pg::routing::SnappedPoint;
using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

struct Summary {
  double median_us = 0;
  double p99_us = 0;
  double mean_us = 0;
  size_t n = 0;
};

Summary Summarise(std::vector<double> us) {
  Summary s;
  s.n = us.size();
  if (us.empty()) return s;
  std::sort(us.begin(), us.end());
  s.median_us = us[us.size() / 2];
  s.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  double sum = 0;
  for (double u : us) sum += u;
  s.mean_us = sum / static_cast<double>(us.size());
  return s;
}

long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::vector<SnappedPoint> RandomPoints(const pg::routing::RoadNetwork& net, Mode mode, size_t n,
                                       std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0, 1);
  const uint32_t segments = net.View(mode).segment_count();
  std::vector<SnappedPoint> points;
  points.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    points.push_back(net.PointOnSegment(mode, static_cast<uint32_t>(rng() % segments), unit(rng)));
  }
  return points;
}

void Row(const std::string& label, const std::string& mode, const std::string& what,
         const Summary& s) {
  std::printf("| %s | %s | %s | %zu | %.2f | %.2f | %.2f |\n", label.c_str(), mode.c_str(),
              what.c_str(), s.n, s.median_us, s.p99_us, s.mean_us);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Routing benchmark: preprocessing, file, start-up and query times"};
  std::string osm_path, label, export_queries, export_timings;
  size_t pairs = 10'000, dijkstra_pairs = 300, one_to_many = 1'000, dijkstra_one_to_many = 100;
  uint64_t seed = 1;
  app.add_option("--osm", osm_path, "OSM extract")->required();
  app.add_option("--label", label, "Name in the table (default: the file name)");
  app.add_option("--pairs", pairs, "Point-to-point queries")->capture_default_str();
  app.add_option("--dijkstra-pairs", dijkstra_pairs, "Of which also run with Dijkstra")
      ->capture_default_str();
  app.add_option("--one-to-many", one_to_many, "One-to-many queries per target count")
      ->capture_default_str();
  app.add_option("--dijkstra-one-to-many", dijkstra_one_to_many,
                 "One-to-many queries also run with Dijkstra")
      ->capture_default_str();
  app.add_option("--seed", seed, "Random seed")->capture_default_str();
  app.add_option("--export-queries", export_queries,
                 "Write the car one-to-many-50 queries (origin then 50 targets, lat lon) as TSV");
  app.add_option("--export-timings", export_timings,
                 "Write this run's time per exported query (µs) as TSV");
  CLI11_PARSE(app, argc, argv);
  if (label.empty()) label = std::filesystem::path(osm_path).filename().string();

  // Preprocessing, as `parkguide build-roads` does it.
  const auto t0 = Clock::now();
  auto extract = pg::osm::ReadRoadExtract(osm_path);
  if (!extract.ok()) {
    std::fprintf(stderr, "%s\n", extract.status().ToString().c_str());
    return 1;
  }
  const auto t1 = Clock::now();
  pg::graph::RoadGraphs graphs = pg::graph::BuildRoadGraphs(*extract);
  const auto t2 = Clock::now();
  const long peak_kb = PeakRssKb();
  const std::string graph_path =
      (std::filesystem::temp_directory_path() / fmt::format("routing-bench-{}.graph", ::getpid()))
          .string();
  if (auto s = pg::graph::WriteGraphFile(graph_path, graphs, 1, "{}"); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  const auto t3 = Clock::now();
  const uint64_t file_bytes = std::filesystem::file_size(graph_path);

  std::string load1, load5, load15;
  std::ifstream("/proc/loadavg") >> load1 >> load5 >> load15;
  std::printf("## %s\n\n(%u cores, load average %s %s %s at the start)\n\n", label.c_str(),
              std::thread::hardware_concurrency(), load1.c_str(), load5.c_str(), load15.c_str());
  std::printf("| step | value |\n|---|---|\n");
  std::printf("| read roads (OSM → records) | %.2f s |\n",
              std::chrono::duration<double>(t1 - t0).count());
  std::printf("| build both graphs (incl. contraction) | %.2f s |\n",
              std::chrono::duration<double>(t2 - t1).count());
  std::printf("| contraction car / foot | %.2f s / %.2f s |\n",
              graphs.car_stats.contraction_seconds, graphs.foot_stats.contraction_seconds);
  std::printf("| write graph file | %.2f s |\n", std::chrono::duration<double>(t3 - t2).count());
  std::printf("| peak memory of the build (max RSS) | %.1f MB |\n",
              static_cast<double>(peak_kb) / 1024.0);
  std::printf("| graph file size | %.2f MB |\n", static_cast<double>(file_bytes) / 1e6);
  std::printf("| car: search nodes / turns / shortcuts | %u / %lu / %lu |\n",
              graphs.car_stats.search_nodes, static_cast<unsigned long>(graphs.car_stats.turns),
              static_cast<unsigned long>(graphs.car_stats.shortcuts));
  std::printf("| foot: search nodes / turns / shortcuts | %u / %lu / %lu |\n",
              graphs.foot_stats.search_nodes, static_cast<unsigned long>(graphs.foot_stats.turns),
              static_cast<unsigned long>(graphs.foot_stats.shortcuts));

  // Start-up: map, checksum and check the file, as the server does.
  std::vector<double> open_us;
  std::shared_ptr<const pg::routing::RoadNetwork> network;
  for (int i = 0; i < 21; ++i) {
    const auto a = Clock::now();
    auto opened = pg::routing::RoadNetwork::Open(graph_path, {.expected_fingerprint = 1});
    const auto b = Clock::now();
    if (!opened.ok()) {
      std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
      return 1;
    }
    open_us.push_back(Micros(b - a));
    network = *opened;
  }
  std::printf("| start-up: map + verify the file (median of 21) | %.2f ms |\n\n",
              Summarise(open_us).median_us / 1000);
  graphs = {};  // queries run on the mapped file, as in the server

  std::printf("| extract | mode | query | n | median µs | p99 µs | mean µs |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  std::mt19937_64 rng(seed);
  for (Mode mode : {Mode::kCar, Mode::kFoot}) {
    const std::string mode_name(pg::graph::ModeName(mode));
    const pg::routing::RoadNetwork& net = *network;
    pg::routing::RouteQuery ch(net, mode);
    pg::routing::DijkstraQuery dijkstra(net, mode);
    const auto from = RandomPoints(net, mode, pairs, rng);
    const auto to = RandomPoints(net, mode, pairs, rng);

    // Point-to-point: cost only, then with the path unpacked to coordinates.
    std::vector<double> ch_us, route_us, ch_subset_us, dijkstra_us;
    uint64_t checksum = 0;
    for (size_t i = 0; i < pairs; ++i) {
      const auto a = Clock::now();
      const RouteCost c = ch.Cost(from[i], to[i]);
      const auto b = Clock::now();
      ch_us.push_back(Micros(b - a));
      checksum += c.travel_time_ms;
      if (i < dijkstra_pairs) ch_subset_us.push_back(ch_us.back());
    }
    for (size_t i = 0; i < std::min<size_t>(pairs, 2000); ++i) {
      const auto a = Clock::now();
      auto r = ch.FindRoute(from[i], to[i]);
      const auto b = Clock::now();
      route_us.push_back(Micros(b - a));
      if (r.ok()) checksum += r->geometry.size();
    }
    for (size_t i = 0; i < std::min(pairs, dijkstra_pairs); ++i) {
      const auto a = Clock::now();
      const RouteCost c = dijkstra.Cost(from[i], to[i]);
      const auto b = Clock::now();
      dijkstra_us.push_back(Micros(b - a));
      checksum -= c.travel_time_ms;
    }
    const Summary p2p = Summarise(ch_us), p2p_subset = Summarise(ch_subset_us);
    const Summary p2p_dijkstra = Summarise(dijkstra_us);
    Row(label, mode_name, "point-to-point, CH, time+distance", p2p);
    Row(label, mode_name, "point-to-point, CH, with path and coordinates", Summarise(route_us));
    Row(label, mode_name, "point-to-point, Dijkstra (same first pairs)", p2p_dijkstra);
    std::printf(
        "| %s | %s | speed-up of CH over Dijkstra, point-to-point (median on the same "
        "%zu pairs) | | %.0f× | | |\n",
        label.c_str(), mode_name.c_str(), p2p_dijkstra.n,
        p2p_dijkstra.median_us / p2p_subset.median_us);

    // One-to-many: a fresh random origin and target set per query (buckets built per call), and
    // a fixed prepared set (a city's car-park entrances) with a fresh origin per query.
    for (size_t targets : {size_t{10}, size_t{50}, size_t{500}}) {
      std::vector<double> auto_us, buckets_us, rphast_us, prepared_us, dijkstra_many_us,
          auto_subset_us;
      std::vector<RouteCost> out;
      const auto fixed = RandomPoints(net, mode, targets, rng);
      const pg::routing::TargetSet prepared(net, mode, fixed);
      std::ofstream queries_out, timings_out;
      const bool export_this = mode == Mode::kCar && targets == 50 && !export_queries.empty();
      if (export_this) {
        queries_out.open(export_queries);
        if (!export_timings.empty()) timings_out.open(export_timings);
      }
      using Method = pg::routing::RouteQuery::Method;
      auto time_one = [&](auto&& call) {
        const auto a = Clock::now();
        call();
        const auto b = Clock::now();
        for (const RouteCost& c : out) checksum += c.travel_time_ms;
        return Micros(b - a);
      };
      for (size_t q = 0; q < one_to_many; ++q) {
        const auto origin = RandomPoints(net, mode, 1, rng)[0];
        const auto set = RandomPoints(net, mode, targets, rng);
        auto_us.push_back(time_one([&] { ch.OneToMany(origin, set, out); }));
        if (q < dijkstra_one_to_many) auto_subset_us.push_back(auto_us.back());
        if (export_this) {
          queries_out << fmt::format("{:.7f}\t{:.7f}", origin.location.lat, origin.location.lon);
          for (const SnappedPoint& t : set) {
            queries_out << fmt::format("\t{:.7f}\t{:.7f}", t.location.lat, t.location.lon);
          }
          queries_out << "\n";
          if (timings_out.is_open()) timings_out << fmt::format("{}\t{:.3f}\n", q, auto_us.back());
        }
        buckets_us.push_back(time_one([&] { ch.OneToMany(origin, set, out, Method::kBuckets); }));
        rphast_us.push_back(time_one([&] { ch.OneToMany(origin, set, out, Method::kRphast); }));
        prepared_us.push_back(time_one([&] { ch.OneToMany(origin, prepared, out); }));
        if (q < dijkstra_one_to_many) {
          dijkstra_many_us.push_back(time_one([&] { dijkstra.OneToMany(origin, set, out); }));
        }
      }
      const Summary d = Summarise(dijkstra_many_us), s = Summarise(auto_subset_us);
      Row(label, mode_name, fmt::format("one-to-{}, CH, new targets per query (auto)", targets),
          Summarise(auto_us));
      Row(label, mode_name, fmt::format("one-to-{}, CH, buckets built per query", targets),
          Summarise(buckets_us));
      Row(label, mode_name, fmt::format("one-to-{}, CH, RPHAST per query", targets),
          Summarise(rphast_us));
      Row(label, mode_name, fmt::format("one-to-{}, CH, prepared target set", targets),
          Summarise(prepared_us));
      Row(label, mode_name, fmt::format("one-to-{}, Dijkstra (one search)", targets), d);
      std::printf(
          "| %s | %s | speed-up of CH (auto) over Dijkstra, one-to-%zu (median on the "
          "same %zu queries) | | %.0f× | | |\n",
          label.c_str(), mode_name.c_str(), targets, d.n, d.median_us / s.median_us);
    }
    std::fprintf(stderr, "(%s checksum %lu)\n", mode_name.c_str(),
                 static_cast<unsigned long>(checksum));
  }
  std::filesystem::remove(graph_path);
  return 0;
}
