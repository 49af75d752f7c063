// The simulation's outputs: the JSON other tools read (`parkguide simulate --json`; its shape is
// documented in docs/simulation.md and only grows by optional members) and the self-contained
// HTML report (zh or en, inline SVG: the table, the search-time distributions per policy, and a
// map of where cruising happens on the car graph).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "routing/road_network.h"
#include "simulation/metrics.h"

namespace pg::simulation {

struct ReportContext {
  std::string city;  // the city's name
  std::string db_path;
  std::string command;  // the command line that made it
  std::string date;     // simulated local date
  int drivers = 0;
  std::vector<uint64_t> seeds;
  double occupancy_low = 0, occupancy_high = 0;
  double window_hours = 0;
  std::string lang = "zh";  // "zh" or "en"
};

// [{"policy": "none", "mean_search_s": {"value": 312.4, "ci95": [290.1, 334.7]}, …}, …]
std::string RenderJson(const ReportContext& context, const std::vector<PolicyMetrics>& policies);

// The plain-text table the command prints.
std::string RenderTable(const std::vector<PolicyMetrics>& policies);

std::string RenderHtml(const ReportContext& context, const std::vector<PolicyMetrics>& policies,
                       const routing::RoadNetwork& network);

}  // namespace pg::simulation
