// parkguide source add|list|revoke --db city.db …: the sources that may write live data, and
// their keys (SPEC §9: `add` prints the new key alone on its last line; it is shown only once).
#include <fmt/format.h>

#include <cstdio>

#include "cli/change_log.h"
#include "cli/city_access.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "ingest/core/source_keys.h"
#include "model/model_json.h"
#include "model/validation.h"
#include "model/vocabulary.h"
#include "store/store.h"

namespace pg::cli {
namespace {

struct SourceOptions {
  std::string db_path;
  std::string id;
  std::string kind = "operator_system";
  std::string scope;
  int interval_s = 300;
  std::string description;
};

int AddSource(const SourceOptions& o) {
  model::Source source;
  source.id = model::SourceId(o.id);
  auto kind = model::Parse<model::SourceKind>(o.kind);
  if (!kind) {
    return Fail(fmt::format("--kind: '{}' is not one of: {}", o.kind,
                            model::AllowedNames<model::SourceKind>()));
  }
  source.kind = *kind;
  auto scope = model::ParseScope(o.scope);
  if (!scope.ok()) return Fail("--scope: " + scope.status().message());
  source.scope = std::move(*scope);
  source.expected_interval = std::chrono::seconds(o.interval_s);
  source.description = o.description;
  // Keys are picked up by a running server: this may run beside it.
  auto city = OpenCityForLiveWrite(o.db_path);
  if (!city.ok()) return Fail(city.status().message());
  store::Store* store = city->store.get();
  auto registry = store->LoadRegistry();
  if (!registry.ok()) return Fail(registry.status().message());
  auto key =
      ingest::AddSourceWithKey(source, {registry->facilities, registry->bays, registry->chargers},
                               *store, SystemClock::Instance().Now());
  if (!key.ok()) {
    const Status& s = key.status();
    return Fail(s.field().empty() ? s.message() : fmt::format("--{}: {}", s.field(), s.message()));
  }
  RecordChange(*store, "source add", "source:" + o.id,
               {{"id", o.id},
                {"kind", o.kind},
                {"scope", o.scope},
                {"interval", o.interval_s},
                {"description", o.description}},
               nullptr, model::ToJson(source), "ok");
  std::printf("source '%s' added: kind %s, scope %s, expected every %d s\n", o.id.c_str(),
              o.kind.c_str(), model::FormatScope(source.scope).c_str(), o.interval_s);
  std::printf("its key, shown only this once (the database keeps a salted hash):\n%s\n",
              key->key.c_str());
  return 0;
}

int ListSources(const SourceOptions& o) {
  auto store = OpenCityForReading(o.db_path);
  if (!store.ok()) return Fail(store.status().message());
  auto sources = (*store)->LoadSources();
  if (!sources.ok()) return Fail(sources.status().message());
  std::printf("%-20s %-16s %-8s %-9s %-25s %s\n", "id", "kind", "interval", "key", "created",
              "scope");
  for (const auto& r : *sources) {
    const model::Source& s = r.source;
    std::string key = s.revoked_at ? "revoked" : r.key_hash.empty() ? "none" : "yes";
    std::string created = r.created == Timestamp{} ? "-" : FormatRfc3339Utc(r.created);
    std::printf("%-20s %-16s %-8s %-9s %-25s %s\n", s.id.str().c_str(),
                std::string(model::Name(s.kind)).c_str(),
                fmt::format("{}s", s.expected_interval.count()).c_str(), key.c_str(),
                created.c_str(), model::FormatScope(s.scope).c_str());
  }
  return 0;
}

int RevokeSource(const SourceOptions& o) {
  // A leaked key must be revocable without stopping the city: this may run beside the server.
  auto city = OpenCityForLiveWrite(o.db_path);
  if (!city.ok()) return Fail(city.status().message());
  const Timestamp now = SystemClock::Instance().Now();
  if (Status s = city->store->RevokeSource(model::SourceId(o.id), now); !s.ok()) {
    return Fail(s.message());
  }
  RecordChange(*city->store, "source revoke", "source:" + o.id, nullptr, nullptr,
               {{"revoked", FormatRfc3339Utc(now)}}, "ok");
  std::printf(
      "source '%s' revoked: its key no longer works (a running server notices within "
      "seconds)\n",
      o.id.c_str());
  return 0;
}

}  // namespace

void AddSourceCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<SourceOptions>();
  CLI::App* cmd = app.add_subcommand("source", "Sources of live data and their keys");
  cmd->require_subcommand(1);

  CLI::App* add = cmd->add_subcommand("add", "Add a source and print its new key (once)");
  add->add_option("--db", o->db_path, "City database (SQLite)")->required();
  AddStoreOption(*add);
  add->add_option("--id", o->id, "Source id")->required();
  add->add_option("--kind", o->kind, "operator_system, sensor_gateway, charger or manual")
      ->capture_default_str();
  add->add_option("--scope", o->scope,
                  "all | facility:ID,bay:ID,charger:ID,operator:NAME (comma-separated)")
      ->required();
  add->add_option("--interval", o->interval_s, "Expected reporting interval, seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 7 * 24 * 3600));
  add->add_option("--description", o->description, "Free text");
  add->callback([o, exit_code] { *exit_code = AddSource(*o); });

  CLI::App* list = cmd->add_subcommand("list", "List the sources (never their keys)");
  list->add_option("--db", o->db_path, "City database (SQLite)")->required();
  AddStoreOption(*list);
  list->callback([o, exit_code] { *exit_code = ListSources(*o); });

  CLI::App* revoke = cmd->add_subcommand("revoke", "Revoke a source's key");
  revoke->add_option("--db", o->db_path, "City database (SQLite)")->required();
  AddStoreOption(*revoke);
  revoke->add_option("--id", o->id, "Source id")->required();
  revoke->callback([o, exit_code] { *exit_code = RevokeSource(*o); });
}

}  // namespace pg::cli
