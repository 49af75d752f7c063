// Health: what /health reports beside "the process answers" — every condition under which
// parkguide still serves but an operator must act: unacknowledged journal damage, a storage
// fault that refuses writes, a database that cannot be written, a broker that is gone.
//
//   std::vector<api::HealthCheck> checks;
//   checks.push_back([&](std::vector<api::HealthProblem>& out) {
//     if (auto s = pipeline.stats(); s.faulted)
//       out.push_back({"journal", "storage_fault", s.fault, s.fault_since});
//   });
//
// /health answers 200 with "status": "ok" or "degraded" and the problems; the process keeps
// serving while degraded (the live state is the best there is). /metrics carries the same as
// parkguide_health_problems{component,kind}.
//
// Checks run on the request's thread each time /health or /metrics is read: they must be cheap
// and thread-safe (read stats snapshots, never the store).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace pg::api {

struct HealthProblem {
  std::string component;  // "journal", "database", "mqtt"…
  std::string kind;       // "damage", "loss", "storage_fault", "disconnected"…
  std::string message;    // one line for people, in English
  std::optional<Timestamp> since;
  nlohmann::json detail;  // the component's own record (an incident…); null when none
};

using HealthCheck = std::function<void(std::vector<HealthProblem>&)>;

// Every problem the checks report now.
std::vector<HealthProblem> CollectHealth(const std::vector<HealthCheck>& checks);

}  // namespace pg::api
