// What every export of the live city reads: one registry, one live snapshot and one instant, so
// that a publication is a consistent picture (no record of it newer than another's source).
//
//   interchange::ExportInput in{*live.registry(), *live.Snapshot(), clock.Now(), live.rules()};
//   std::string xml = interchange::ParkingStatusPublication(in);
#pragma once

#include <functional>
#include <optional>

#include "core/time.h"
#include "registry/registry.h"
#include "signs/content.h"
#include "state/live_state.h"

namespace pg::interchange {

struct ExportInput {
  const registry::Registry& registry;
  const state::LiveSnapshot& snapshot;
  Timestamp now;
  const state::LiveRules& rules;
  // What a sign shows now; unset or nullopt: not known (the signs layer then has no text).
  std::function<std::optional<signs::SignContent>(const model::SignId&)> sign_content = {};
};

// `t` as RFC 3339 in the city's time zone.
std::string TimeIn(const ExportInput& in, Timestamp t);

}  // namespace pg::interchange
