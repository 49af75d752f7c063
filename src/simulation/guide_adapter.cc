#include "simulation/guide_adapter.h"

#include <cmath>

namespace pg::simulation {

Result<std::vector<GuideOption>> AskGuide(const SimCity& city, const GuideAsk& ask,
                                          const state::LiveSnapshot& snapshot,
                                          const state::LiveRules& rules, Timestamp now,
                                          const forecast::ArrivalForecaster* forecaster) {
  guidance::GuidanceRequest request;
  request.dest = ask.dest;
  request.origin = ask.origin;
  request.stay_minutes = std::max(1, static_cast<int>(std::lround(ask.stay_minutes)));
  request.max_walk_m = ask.max_walk_m;
  request.limit = ask.limit;
  PG_ASSIGN_OR_RETURN(guidance::GuidanceAnswer answer,
                      city.guide->Answer(request, snapshot, now, forecaster, rules));
  std::vector<GuideOption> out;
  for (const guidance::RankedPlace& r : answer.results) {
    if (r.facility == nullptr) continue;
    const int f = city.IndexOf(r.facility->id.str());
    if (f < 0) continue;
    out.push_back({f, r.availability.p_free, r.cost.total_ms});
  }
  return out;
}

}  // namespace pg::simulation
