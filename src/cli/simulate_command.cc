// parkguide simulate --db city.db [--drivers N] [--occupancy LO..HI] [--policy none,signs,guidance]
//   [--seeds K] [--seed-base S] [--hours H] [--jobs J] [--report out.html] [--json] [--lang zh|en]
// Agent-based simulation of parking search on the city's own car graph under each policy, with
// 95% confidence intervals over seeds (src/simulation, docs/simulation.md). Reads the city only.
#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/guidance_wiring.h"
#include "cli/city_access.h"
#include "cli/commands.h"
#include "core/strings.h"
#include "graph/graph_file.h"
#include "graph/graph_settings.h"
#include "registry/registry.h"
#include "routing/road_network.h"
#include "simulation/metrics.h"
#include "simulation/report.h"
#include "simulation/simulation.h"

namespace pg::cli {
namespace {

namespace sim = pg::simulation;

struct Options {
  std::string db_path;
  int drivers = 2000;
  std::string occupancy = "0.85..0.95";
  std::string policies = "none,signs,guidance";
  int seeds = 5;
  uint64_t seed_base = 1;
  double hours = 2;
  int jobs = 1;
  std::string report;
  bool json = false;
  std::string lang = "zh";
};

// "0.85..0.95" → {0.85, 0.95}. Errors name --occupancy.
Result<std::pair<double, double>> ParseOccupancy(const std::string& text) {
  const auto dots = text.find("..");
  const std::string lo = dots == std::string::npos ? text : text.substr(0, dots);
  const std::string hi = dots == std::string::npos ? text : text.substr(dots + 2);
  double a = 0, b = 0;
  try {
    size_t used_a = 0, used_b = 0;
    a = std::stod(lo, &used_a);
    b = std::stod(hi, &used_b);
    if (used_a != lo.size() || used_b != hi.size()) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    return InvalidArgument(
        fmt::format("--occupancy: \"{}\" is not LO..HI (e.g. 0.85..0.95)", text));
  }
  if (!(a > 0 && b < 1 && a <= b)) {
    return InvalidArgument(fmt::format(
        "--occupancy: {}..{} must satisfy 0 < LO <= HI < 1 (shares of capacity)", a, b));
  }
  return std::make_pair(a, b);
}

Result<std::vector<sim::Policy>> ParsePolicies(const std::string& text) {
  std::vector<sim::Policy> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string name = text.substr(start, comma == std::string::npos ? comma : comma - start);
    auto p = sim::ParsePolicy(name);
    if (!p) {
      return InvalidArgument(
          fmt::format("--policy: \"{}\" is not a policy (none, signs, guidance)", name));
    }
    if (std::find(out.begin(), out.end(), *p) == out.end()) out.push_back(*p);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Status CheckOptions(const Options& o) {
  if (o.drivers < 1 || o.drivers > 200'000) return InvalidArgument("--drivers: must be 1–200000");
  if (o.seeds < 1 || o.seeds > 1000) return InvalidArgument("--seeds: must be 1–1000");
  if (!(o.hours > 0 && o.hours <= 24)) return InvalidArgument("--hours: must be in (0, 24]");
  if (o.jobs < 1 || o.jobs > 64) return InvalidArgument("--jobs: must be 1–64");
  if (o.lang != "zh" && o.lang != "en") return InvalidArgument("--lang: must be zh or en");
  return Status::Ok();
}

struct City {
  std::unique_ptr<store::Store> store;
  std::shared_ptr<const registry::Registry> registry;
  std::shared_ptr<const routing::RoadNetwork> roads;
  std::unique_ptr<guidance::Guide> guide;
  sim::SimCity sim;
};

Result<std::unique_ptr<City>> OpenCity(const std::string& db_path) {
  auto c = std::make_unique<City>();
  PG_ASSIGN_OR_RETURN(c->store, OpenCityForReading(db_path));
  PG_ASSIGN_OR_RETURN(model::RegistryData data, c->store->LoadRegistry());
  PG_ASSIGN_OR_RETURN(c->registry, registry::Registry::Build(std::move(data)));
  PG_ASSIGN_OR_RETURN(const std::string graph_path, graph::ExistingGraphForDatabase(db_path));
  PG_ASSIGN_OR_RETURN(std::optional<uint64_t> fingerprint,
                      graph::RecordedGraphFingerprint(*c->store));
  graph::GraphOpenOptions open;
  open.expected_fingerprint = fingerprint;
  PG_ASSIGN_OR_RETURN(c->roads, routing::RoadNetwork::Open(graph_path, open));
  PG_ASSIGN_OR_RETURN(c->guide, app::BuildGuide(c->roads, c->registry, *c->store));
  signs::SignConfig config;
  PG_ASSIGN_OR_RETURN(auto stored, c->store->GetSetting("signs.config"));
  if (stored) {
    auto parsed = signs::SignConfigFromJson(nlohmann::json::parse(*stored, nullptr, false));
    if (!parsed.ok()) {
      return DataLoss(fmt::format("{}: the stored sign rules cannot be read: {}", db_path,
                                  parsed.status().ToString()));
    }
    config = std::move(*parsed);
  }
  PG_ASSIGN_OR_RETURN(
      c->sim, sim::SimCity::Build(c->registry, c->roads, c->guide.get(), std::move(config)));
  return c;
}

// Runs every (policy, seed) on `jobs` threads; results by policy, in seed order.
Result<std::vector<std::vector<sim::RunResult>>> RunAll(const sim::SimCity& city,
                                                        const std::vector<sim::Policy>& policies,
                                                        const Options& o,
                                                        const sim::SimulationParams& params) {
  const size_t runs = policies.size() * static_cast<size_t>(o.seeds);
  std::vector<std::optional<Result<sim::RunResult>>> results(runs);
  std::atomic<size_t> next{0};
  std::mutex print;
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < runs;) {
      const sim::Policy policy = policies[i % policies.size()];
      const uint64_t seed = o.seed_base + i / policies.size();
      results[i] = sim::RunSimulation(city, policy, seed, params);
      std::lock_guard lock(print);
      if (results[i]->ok()) {
        const auto m = sim::Summarise(**results[i]);
        std::fprintf(stderr,
                     "  %-8s seed %-4llu mean search %6.0f s, full on arrival %5.1f%%, %.1f s\n",
                     std::string(sim::Name(policy)).c_str(), static_cast<unsigned long long>(seed),
                     m.mean_search_s, m.full_on_arrival * 100, (*results[i])->wall_s);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < o.jobs; ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  std::vector<std::vector<sim::RunResult>> by_policy(policies.size());
  for (size_t i = 0; i < runs; ++i) {
    if (!results[i]->ok()) return results[i]->status();
    by_policy[i % policies.size()].push_back(std::move(**results[i]));
  }
  return by_policy;
}

int Simulate(const Options& o) {
  if (Status s = CheckOptions(o); !s.ok()) return Fail(s.message());
  auto occupancy = ParseOccupancy(o.occupancy);
  if (!occupancy.ok()) return Fail(occupancy.status().message());
  auto policies = ParsePolicies(o.policies);
  if (!policies.ok()) return Fail(policies.status().message());
  auto city = OpenCity(o.db_path);
  if (!city.ok()) return Fail(city.status().message());
  const sim::SimCity& sc = (*city)->sim;
  sim::SimulationParams params;
  params.demand.drivers = o.drivers;
  params.demand.occupancy_low = occupancy->first;
  params.demand.occupancy_high = occupancy->second;
  params.demand.window_hours = o.hours;
  std::fprintf(
      stderr, "simulating %s: %zu facilities (%d left out), %d drivers × %d seeds × %zu policies\n",
      o.db_path.c_str(), sc.facilities.size(), sc.left_out, o.drivers, o.seeds, policies->size());
  auto runs = RunAll(sc, *policies, o, params);
  if (!runs.ok()) return Fail(fmt::format("{}: {}", o.db_path, runs.status().message()));
  std::vector<sim::PolicyMetrics> metrics;
  for (size_t i = 0; i < policies->size(); ++i) {
    metrics.push_back(sim::Aggregate((*policies)[i], (*runs)[i]));
  }
  sim::ReportContext context;
  context.city = sc.registry->city().name.In(o.lang);
  context.db_path = o.db_path;
  context.command = CommandLine();
  context.date = params.date;
  context.drivers = o.drivers;
  for (int s = 0; s < o.seeds; ++s) context.seeds.push_back(o.seed_base + s);
  context.occupancy_low = occupancy->first;
  context.occupancy_high = occupancy->second;
  context.window_hours = o.hours;
  context.lang = o.lang;
  if (o.json) {
    std::puts(sim::RenderJson(context, metrics).c_str());
  } else {
    std::fputs(sim::RenderTable(metrics).c_str(), stdout);
  }
  if (!o.report.empty()) {
    std::ofstream out(o.report, std::ios::binary | std::ios::trunc);
    out << sim::RenderHtml(context, metrics, *sc.network);
    out.close();
    if (!out) return Fail(fmt::format("{}: cannot write the report", o.report));
  }
  return 0;
}

}  // namespace

void AddSimulateCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "simulate", "Agent-based simulation of parking search under none, signs and guidance");
  cmd->add_option("--db", o->db_path, "City database (its graph file sits next to it)")->required();
  cmd->add_option("--drivers", o->drivers, "Simulated drivers per run (default 2000)");
  cmd->add_option("--occupancy", o->occupancy,
                  "Range of the facilities' background occupancy, LO..HI (default 0.85..0.95)");
  cmd->add_option("--policy", o->policies,
                  "Policies, comma-separated (default none,signs,guidance)");
  cmd->add_option("--seeds", o->seeds, "Seeds per policy (default 5)");
  cmd->add_option("--seed-base", o->seed_base, "First seed (default 1)");
  cmd->add_option("--hours", o->hours, "Hours over which drivers depart (default 2)");
  cmd->add_option("--jobs", o->jobs, "Runs at once, on as many threads (default 1)");
  cmd->add_option("--report", o->report, "Write the HTML report here");
  cmd->add_flag("--json", o->json,
                "Print the metrics as JSON (docs/simulation.md) instead of a table");
  cmd->add_option("--lang", o->lang, "Report language, zh or en (default zh)");
  cmd->callback([o, exit_code] { *exit_code = Simulate(*o); });
}

}  // namespace pg::cli
