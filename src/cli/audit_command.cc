// parkguide audit --db city.db [--since T] [--actor NAME] [--limit N] [--json]: the audit log,
// newest first — every change people made through the API or the command line
// (docs/api/roles.md, "Audit log"). --json prints what GET /api/v1/audit answers.
#include <fmt/format.h>

#include <cstdio>

#include "api/audit_api.h"
#include "cli/change_log.h"
#include "cli/city_access.h"
#include "cli/commands.h"
#include "core/text_bounds.h"
#include "store/store.h"

namespace pg::cli {
namespace {

struct AuditOptions {
  std::string db_path;
  std::string since;
  std::string actor;
  int limit = 100;
  bool json = false;
};

int ShowAudit(const AuditOptions& o) {
  store::AuditQuery query;
  query.actor = o.actor;
  query.limit = o.limit;
  if (!o.since.empty()) {
    auto since = ParseRfc3339(o.since);
    if (!since.ok()) return Fail("--since: " + since.status().message());
    query.since = *since;
  }
  auto store = OpenCityForReading(o.db_path);
  if (!store.ok()) return Fail(store.status().message());
  auto entries = (*store)->LoadAudit(query);
  if (!entries.ok()) return Fail(entries.status().message());
  const date::time_zone& zone = CityZone(**store);
  if (o.json) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& e : *entries) items.push_back(api::AuditEntryJson(e, zone));
    std::printf("%s\n", nlohmann::json{{"items", std::move(items)}}.dump(2).c_str());
    return 0;
  }
  // Shown as plain text: an entry written before its fields were bounded must not put control
  // characters on the terminal.
  const auto shown = [](const std::string& text) { return BoundedText(text, kMaxReasonChars); };
  for (const auto& e : *entries) {
    std::printf("%s  %s (%s) from %s: %s %s -> %s\n", FormatRfc3339(e.time, zone).c_str(),
                shown(e.actor).c_str(), shown(e.role).c_str(), shown(e.remote).c_str(),
                shown(e.action).c_str(), shown(e.target).c_str(), shown(e.outcome).c_str());
  }
  if (entries->empty()) std::printf("no entries\n");
  return 0;
}

}  // namespace

void AddAuditCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<AuditOptions>();
  CLI::App* cmd = app.add_subcommand(
      "audit", "The audit log: who changed what, when, from where (newest first)");
  cmd->add_option("--db", o->db_path, "City database (SQLite)")->required();
  AddStoreOption(*cmd);
  cmd->add_option("--since", o->since, "Only entries at or after this time (RFC 3339)");
  cmd->add_option("--actor", o->actor, "Only this actor's entries (a key's name, cli:USER)");
  cmd->add_option("--limit", o->limit, "At most this many entries")
      ->capture_default_str()
      ->check(CLI::Range(1, 100'000));
  cmd->add_flag("--json", o->json, "Print JSON, as GET /api/v1/audit answers");
  cmd->callback([o, exit_code] { *exit_code = ShowAudit(*o); });
}

}  // namespace pg::cli
