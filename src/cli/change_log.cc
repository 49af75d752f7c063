#include "cli/change_log.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "api/access.h"
#include "core/clock.h"

namespace pg::cli {
namespace {

// The login name of whoever runs the command ("uid <n>" when the system knows none).
std::string LoginName() {
  if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name) return pw->pw_name;
  if (const char* user = std::getenv("USER"); user && *user) return user;
  return "uid " + std::to_string(::getuid());
}

}  // namespace

void RecordChange(store::AuditWriter& store, const std::string& action, const std::string& target,
                  const nlohmann::json& request, const nlohmann::json& before,
                  const nlohmann::json& after, const std::string& outcome) {
  store::AuditEntry e;
  e.time = SystemClock::Instance().Now();
  e.actor = "cli:" + LoginName();
  e.role = "cli";
  e.remote = "local";
  e.action = action;
  e.target = target;
  e.request = api::AuditJsonText(request);
  e.before = api::AuditJsonText(before);
  e.after = api::AuditJsonText(after);
  e.outcome = outcome;
  if (Status s = store.AppendAudit({&e, 1}); !s.ok()) {
    std::fprintf(stderr,
                 "parkguide: warning: the change was made but not recorded in the audit "
                 "log: %s\n",
                 s.ToString().c_str());
  }
}

const date::time_zone& CityZone(store::RegistryReader& store) {
  auto registry = store.LoadRegistry();
  auto zone = LookupTimeZone(registry.ok() && registry->city ? registry->city->time_zone : "UTC");
  return zone.ok() ? **zone : **LookupTimeZone("UTC");
}

}  // namespace pg::cli
