#include "graph_build/road_import.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "graph/graph_file.h"

namespace pg::graph {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

nlohmann::json StatsJson(const ModeBuildStats& s) {
  return {{"ways", s.ways},
          {"junctions", s.junctions},
          {"segments", s.segments},
          {"segments_dropped", s.segments_dropped},
          {"components", s.components},
          {"search_nodes", s.search_nodes},
          {"restricted_nodes", s.restricted_nodes},
          {"enclosed_open_directions", s.enclosed_open_directions},
          {"turns", s.turns},
          {"shortcuts", s.shortcuts},
          {"restrictions_applied", s.restrictions_applied},
          {"restrictions_via_way", s.restrictions_via_way},
          {"restrictions_not_on_network", s.restrictions_not_on_network},
          {"restrictions_not_at_via", s.restrictions_not_at_via}};
}

}  // namespace

std::string EntranceSnapText(const EntranceSnapStats& s) {
  std::string out = fmt::format(
      "entrances: {} points (facility locations and entrances); car {} snapped, {} farther than "
      "{:.0f} m from a drivable road; foot {} snapped, {} farther than {:.0f} m from a walkable "
      "way\n",
      s.points, s.car_snapped, s.car_too_far, kEntranceSnapRadiusM, s.foot_snapped, s.foot_too_far,
      kEntranceSnapRadiusM);
  for (const std::string& e : s.too_far_examples) out += fmt::format("  too far: {}\n", e);
  return out;
}

std::string RoadImportReport::ToText() const {
  std::string out = fmt::format("roads from {}: {} highway ways, {} car, {} foot\n", osm_path,
                                extract.highway_ways, extract.car_ways, extract.foot_ways);
  out += fmt::format(
      "  {} traffic signals, {} car barriers ({} restricted passages), {} restricted ways "
      "(destination, private…), {} ways cut by the extract\n",
      extract.traffic_signals, extract.car_barriers, extract.restricted_passages,
      extract.restricted_ways, extract.ways_with_missing_nodes);
  out += fmt::format(
      "  turn restrictions read: {} (skipped: {} for other vehicles, {} conditional, {} unknown, "
      "{} "
      "malformed)\n",
      extract.restrictions, extract.restrictions_other_vehicles, extract.restrictions_conditional,
      extract.restrictions_unknown, extract.restrictions_malformed);
  out += "car graph:\n" + car.ToText();
  out += "foot graph:\n" + foot.ToText();
  out += EntranceSnapText(entrances);
  out += fmt::format(
      "graph file {}: {:.1f} MB, fingerprint {} (read {:.2f} s, build {:.2f} s, write {:.2f} s)\n",
      graph_path, static_cast<double>(graph_file_bytes) / 1e6, FingerprintToHex(fingerprint),
      read_seconds, build_seconds, write_seconds);
  return out;
}

Result<RoadImportReport> ImportRoads(const std::string& osm_path, RoadImportStore store,
                                     const std::string& graph_path, const BuildOptions& options) {
  RoadImportReport report;
  report.osm_path = osm_path;
  report.graph_path = graph_path;

  auto start = Clock::now();
  PG_ASSIGN_OR_RETURN(osm::RoadExtract extract,
                      osm::ReadRoadExtract(osm_path, options.contraction.progress));
  PG_ASSIGN_OR_RETURN(report.fingerprint, FingerprintFile(osm_path));
  report.extract = extract.stats;
  report.read_seconds = SecondsSince(start);

  start = Clock::now();
  RoadGraphs graphs = BuildRoadGraphs(extract, options);
  report.car = graphs.car_stats;
  report.foot = graphs.foot_stats;
  report.build_seconds = SecondsSince(start);
  if (graphs.car.node_segment.empty()) {
    return FailedPrecondition(
        fmt::format("{}: holds no road a car can drive; is it the right file?", osm_path));
  }

  start = Clock::now();
  // No build time in the metadata: the same OSM file gives the same graph file, byte for byte.
  const nlohmann::json metadata{{"source",
                                 {{"file", std::filesystem::path(osm_path).filename().string()},
                                  {"fingerprint", FingerprintToHex(report.fingerprint)}}},
                                {"format_version", kGraphFormatVersion},
                                {"profile_version", kRoadProfileVersion},
                                {"car", StatsJson(report.car)},
                                {"foot", StatsJson(report.foot)}};
  PG_RETURN_IF_ERROR(WriteGraphFile(graph_path, graphs, report.fingerprint, metadata.dump(2)));
  std::error_code ec;
  report.graph_file_bytes = std::filesystem::file_size(graph_path, ec);
  PG_RETURN_IF_ERROR(store.get<store::SettingsStore>().PutSetting(
      std::string(kGraphFingerprintSetting), FingerprintToHex(report.fingerprint)));
  report.write_seconds = SecondsSince(start);

  PG_ASSIGN_OR_RETURN(model::RegistryData registry,
                      store.get<store::RegistryReader>().LoadRegistry());
  const EntranceSnapTable table = SnapEntrances(graphs.car.View(), graphs.foot.View(), registry,
                                                report.fingerprint, &report.entrances);
  PG_RETURN_IF_ERROR(store.get<store::SettingsStore>().PutSetting(
      std::string(kEntranceSnapsSetting), table.ToJson()));
  return report;
}

Result<EntranceSnapStats> RefreshEntranceSnaps(RoadImportStore store,
                                               const std::string& graph_path) {
  PG_ASSIGN_OR_RETURN(std::optional<uint64_t> fingerprint,
                      RecordedGraphFingerprint(store.get<store::SettingsStore>()));
  GraphOpenOptions open;
  open.expected_fingerprint = fingerprint;
  PG_ASSIGN_OR_RETURN(auto file, MappedGraphFile::Open(graph_path, open));
  PG_ASSIGN_OR_RETURN(model::RegistryData registry,
                      store.get<store::RegistryReader>().LoadRegistry());
  EntranceSnapStats stats;
  const EntranceSnapTable table = SnapEntrances(file->View(Mode::kCar), file->View(Mode::kFoot),
                                                registry, file->source_fingerprint(), &stats);
  PG_RETURN_IF_ERROR(store.get<store::SettingsStore>().PutSetting(
      std::string(kEntranceSnapsSetting), table.ToJson()));
  return stats;
}

}  // namespace pg::graph
