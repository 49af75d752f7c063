// parkguide route --db city.db --from lat,lon --to lat,lon [--mode car|foot] [--crs
// wgs84|gcj02|bd09]
//   [--geojson]
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/city_access.h"
#include "cli/commands.h"
#include "core/crs.h"
#include "graph/graph_file.h"
#include "graph/graph_settings.h"
#include "routing/road_network.h"
#include "routing/route_query.h"
#include "store/store.h"

namespace pg::cli {
namespace {

// How far --from and --to may be from a road (the API's limit too).
constexpr double kMaxSnapDistanceM = 500;

std::string Duration(double seconds) {
  const long total = std::lround(seconds);
  if (total >= 3600) return fmt::format("{} h {} min", total / 3600, total % 3600 / 60);
  if (total >= 60) return fmt::format("{} min {} s", total / 60, total % 60);
  return fmt::format("{} s", total);
}

struct Options {
  std::string db_path;
  std::string from;
  std::string to;
  std::string mode = "car";
  std::string crs;
  bool geojson = false;
};

// The city's road graph, checked against the one its database was imported with.
Result<std::shared_ptr<const routing::RoadNetwork>> OpenRoads(const std::string& db_path) {
  if (!std::filesystem::exists(db_path)) {
    return NotFound(fmt::format("{}: no such database", db_path));
  }
  PG_ASSIGN_OR_RETURN(const std::string graph_path, graph::ExistingGraphForDatabase(db_path));
  PG_ASSIGN_OR_RETURN(auto store, OpenCityForReading(db_path));
  PG_ASSIGN_OR_RETURN(auto fingerprint, graph::RecordedGraphFingerprint(*store));
  graph::GraphOpenOptions open;
  open.expected_fingerprint = fingerprint;
  return routing::RoadNetwork::Open(graph_path, open);
}

void PrintGeoJson(const routing::Route& route, const Options& o, Crs crs) {
  nlohmann::json coordinates = nlohmann::json::array();
  for (const LatLon& inside : route.geometry) {
    const LatLon p = FromWgs84(inside, crs);
    coordinates.push_back({p.lon, p.lat});
  }
  nlohmann::json properties{{"mode", o.mode},
                            {"time_s", route.cost.travel_time_s()},
                            {"distance_m", route.cost.distance_m()}};
  if (crs != Crs::kWgs84) properties["crs"] = CrsName(crs);
  nlohmann::json feature{
      {"type", "Feature"},
      {"properties", std::move(properties)},
      {"geometry", {{"type", "LineString"}, {"coordinates", std::move(coordinates)}}}};
  std::puts(feature.dump().c_str());
}

int Route(const Options& o) {
  auto crs = ParseCrs(o.crs, "--crs");
  if (!crs.ok()) return Fail(fmt::format("--crs: {}", crs.status().message()));
  auto from = ParseLatLon(o.from, "--from");
  if (!from.ok()) return Fail(fmt::format("--from: {}", from.status().message()));
  auto to = ParseLatLon(o.to, "--to");
  if (!to.ok()) return Fail(fmt::format("--to: {}", to.status().message()));
  auto mode = graph::ParseMode(o.mode, "--mode");
  if (!mode.ok()) return Fail(fmt::format("--mode: {}", mode.status().message()));
  auto network = OpenRoads(o.db_path);
  if (!network.ok()) return Fail(network.status().message());

  auto a = (*network)->Snap(*mode, ToWgs84(*from, *crs), kMaxSnapDistanceM, "--from");
  if (!a.ok()) return Fail(fmt::format("--from: {}", a.status().message()));
  auto b = (*network)->Snap(*mode, ToWgs84(*to, *crs), kMaxSnapDistanceM, "--to");
  if (!b.ok()) return Fail(fmt::format("--to: {}", b.status().message()));
  routing::RouteQuery query(**network, *mode);
  auto route = query.FindRoute(*a, *b);
  if (!route.ok()) return Fail(route.status().message());

  if (o.geojson) {
    PrintGeoJson(*route, o, *crs);
    return 0;
  }
  std::fputs(fmt::format("{} route: {} ({:.1f} s), {:.2f} km ({:.1f} m)\n"
                         "  from {:.6f},{:.6f}: road {:.1f} m away\n"
                         "  to   {:.6f},{:.6f}: road {:.1f} m away\n",
                         o.mode, Duration(route->cost.travel_time_s()), route->cost.travel_time_s(),
                         route->cost.distance_m() / 1000, route->cost.distance_m(), from->lat,
                         from->lon, a->snap_distance_m, to->lat, to->lon, b->snap_distance_m)
                 .c_str(),
             stdout);
  return 0;
}

}  // namespace

void AddRouteCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "route", "Travel time, distance and path between two points over the city's road graph");
  cmd->add_option("--db", options->db_path, "City database (its graph file sits next to it)")
      ->required();
  cmd->add_option("--from", options->from, "Start, as lat,lon")->required();
  cmd->add_option("--to", options->to, "Destination, as lat,lon")->required();
  cmd->add_option("--mode", options->mode, "car or foot")->capture_default_str();
  cmd->add_option("--crs", options->crs,
                  "Coordinate system of --from/--to and of the path printed: wgs84 (default), "
                  "gcj02 (Amap, Tencent), bd09 (Baidu)");
  cmd->add_flag("--geojson", options->geojson, "Print the route as a GeoJSON Feature");
  cmd->callback([options, exit_code] { *exit_code = Route(*options); });
}

}  // namespace pg::cli
