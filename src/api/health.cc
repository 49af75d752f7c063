#include "api/health.h"

namespace pg::api {

std::vector<HealthProblem> CollectHealth(const std::vector<HealthCheck>& checks) {
  std::vector<HealthProblem> problems;
  for (const auto& check : checks) check(problems);
  return problems;
}

}  // namespace pg::api
