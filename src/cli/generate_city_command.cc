// parkguide generate-city --facilities N --road-nodes M --out DIR [--seed S] [--bays N]
//                         [--chargers N] [--signs N] [--streets grid|compounds]
//                         [--shape-points N]
//
// Writes a generated city of the size asked for (demo/demo_city.h: the demo's street pattern on a
// larger grid, or the same streets walled into compounds; car parks and zones spread over it) as an
// OSM file and survey CSVs, for benchmarks of how costs grow with a city. It goes in like any city:
// import-osm, then import-registry.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "demo/demo_city.h"

namespace pg::cli {
namespace {

// The option a DemoCitySize field is given by: "road_nodes" → "--road-nodes".
std::string OptionOf(std::string field) {
  for (char& c : field) {
    if (c == '_') c = '-';
  }
  return "--" + field;
}

int GenerateCity(const demo::DemoCitySize& size, uint64_t seed, const std::string& out_dir) {
  const auto start = std::chrono::steady_clock::now();
  const demo::DemoCity city = demo::GenerateDemoCity(seed, size);
  auto files = demo::WriteDemoCityFiles(city, out_dir);
  if (!files.ok()) return Fail(files.status().message());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int zones = 0;
  for (const auto& f : city.survey.facilities) zones += f.kind == model::FacilityKind::kOnStreet;
  std::fputs(fmt::format("{}: {} road nodes, {} facilities ({} car parks, {} on-street zones), {} "
                         "bays, {} chargers, {} signs; written in {:.1f} s\n"
                         "next: parkguide import-osm {} --db city.db\n"
                         "      parkguide import-registry {}/survey --db city.db\n",
                         files->osm_path, demo::RoadNodeCount(size), size.facilities,
                         size.facilities - zones, zones, city.survey.bays.size(),
                         city.survey.chargers.size(), city.survey.signs.size(), seconds,
                         files->osm_path, out_dir)
                 .c_str(),
             stdout);
  return 0;
}

}  // namespace

void AddGenerateCityCommand(CLI::App& app, int* exit_code) {
  struct Options {
    demo::DemoCitySize size;
    uint64_t seed = 20261128;
    std::string out_dir;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "generate-city",
      "Write a generated city of a given size (OSM file and survey CSVs) for benchmarks: the demo "
      "city's pattern grown to the road nodes asked for, facilities spread over it; then "
      "import-osm and import-registry as for any city");
  cmd->add_option("--facilities", options->size.facilities,
                  fmt::format("Car parks and on-street zones ({} to {})",
                              demo::kMinGeneratedFacilities, demo::kMaxGeneratedFacilities))
      ->required();
  cmd->add_option("--road-nodes", options->size.road_nodes,
                  fmt::format("Street-grid nodes ({} to {}; the square grid comes within 5%)",
                              demo::kMinGeneratedRoadNodes, demo::kMaxGeneratedRoadNodes))
      ->required();
  cmd->add_option("--out", options->out_dir, "Directory to write into (created when missing)")
      ->required();
  cmd->add_option("--seed", options->seed, "Same seed and size, same city (default 20261128)");
  cmd->add_option("--bays", options->size.bays, "On-street bays (default: 300 per 36 facilities)");
  cmd->add_option("--chargers", options->size.chargers, "Chargers (default: 69 per 36 facilities)");
  cmd->add_option("--signs", options->size.signs, "Guidance signs (default: 1 per 3 facilities)");
  cmd->add_option("--streets", options->size.streets,
                  "grid: every street a through street, as in the demo (default); compounds: the "
                  "streets between the arterials lead into gated compounds (封闭小区), reached "
                  "only through their gates, as in most Chinese cities")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, demo::StreetPattern>{
              {"grid", demo::StreetPattern::kGrid}, {"compounds", demo::StreetPattern::kCompounds}},
          CLI::ignore_case));
  cmd->add_option(
      "--shape-points", options->size.shape_points,
      fmt::format("Nodes that only shape a street, on each half of a block face, counted "
                  "in --road-nodes (0 to {}, default 0; 1 gives the 4 to 7 road nodes per "
                  "junction real extracts have)",
                  demo::kMaxShapePoints));
  cmd->callback([options, exit_code] {
    if (Status valid = demo::ValidateDemoCitySize(options->size); !valid.ok()) {
      throw CLI::ValidationError(OptionOf(valid.field()), valid.message());
    }
    *exit_code = GenerateCity(options->size, options->seed, options->out_dir);
  });
}

}  // namespace pg::cli
