// Glue between guidance and the rest of the server, kept out of app.cc: building the Guide from
// the road network, the registry and the import's entrance snaps; and a read-only session over a
// city database for `parkguide guide`.
//
//   PG_ASSIGN_OR_RETURN(auto session, OpenGuidanceSession("city.db", clock));
//   auto answer = session->guide->Answer(request, *session->live->Snapshot(), clock.Now(),
//                                        session->forecasts.get(), session->live->rules());
//
// Thread-safety: BuildGuide is a plain function; a session is used by one thread.
#pragma once

#include <memory>
#include <string>

#include "app/forecast_wiring.h"
#include "core/clock.h"
#include "core/status.h"
#include "forecast/service.h"
#include "guidance/guidance.h"
#include "registry/registry.h"
#include "routing/road_network.h"
#include "state/live_state.h"
#include "store/store.h"

namespace pg::app {

// The store setting with the city's cost-model parameters, a JSON object of any of
// GuidanceParams' members by name ({"value_of_time_fen_per_hour": 4000, "give_up_ms": 600000}).
inline constexpr std::string_view kGuidanceParamsSetting = "guidance.params";

// Reads kGuidanceParamsSetting's value over the defaults. Errors: kInvalidArgument naming the
// setting and the member for an unknown member, a wrong type or a value out of range.
Result<guidance::GuidanceParams> ParseGuidanceParams(std::string_view json);

// The guide over `roads`, or null when the city has no road graph. Uses the entrance snaps the
// import stored when they belong to this graph, and the parameters of kGuidanceParamsSetting.
// Errors: those of the store and of ParseGuidanceParams.
Result<std::unique_ptr<guidance::Guide>> BuildGuide(
    std::shared_ptr<const routing::RoadNetwork> roads,
    std::shared_ptr<const registry::Registry> registry, store::Store& store);

struct GuidanceSession {
  std::unique_ptr<store::Store> store;
  std::shared_ptr<const registry::Registry> registry;
  std::unique_ptr<state::LiveState> live;
  std::unique_ptr<LiveStateReader> live_reader;
  std::unique_ptr<forecast::ForecastService> forecasts;
  std::shared_ptr<const routing::RoadNetwork> roads;
  std::unique_ptr<guidance::Guide> guide;
};

// Opens the city of `db_path` for reading guidance: the registry from `store` (the caller opens
// it read-only, so this may run beside the server), the live state recovered from a copy of its
// journal (`<db_path>.journal`; the server may be appending to the original), the persisted
// forecast models with recent history, the road graph next to `db_path` and the guide. The
// journal is not touched and nothing is stored.
// Errors: kNotFound when the road graph is missing (the message says how to make it); those of
// the store, the graph file and journal recovery.
Result<std::unique_ptr<GuidanceSession>> OpenGuidanceSession(const std::string& db_path,
                                                             std::unique_ptr<store::Store> store,
                                                             const Clock& clock);

}  // namespace pg::app
