// parkguide key add|list|rotate|revoke --db city.db …: the role keys of people and systems that
// act on the city through the API (api/authorizer.h: operator, traffic_centre, admin,
// controller). `add` and `rotate` print the new key alone on their last line; it is shown only
// once (the database keeps a salted hash). A running server picks changes up within seconds.
#include <fmt/format.h>

#include <cstdio>

#include "api/role_keys.h"
#include "cli/change_log.h"
#include "cli/city_access.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/strings.h"
#include "store/store.h"

namespace pg::cli {
namespace {

// The generations of `name` (the audit's before and after); null when they cannot be read.
nlohmann::json KeyState(store::Store& store, const std::string& name) {
  auto j = api::KeyGenerationsJson(store, name, CityZone(store), SystemClock::Instance().Now());
  return j.ok() ? *j : nlohmann::json(nullptr);
}

struct KeyOptions {
  std::string db_path;
  std::string name;
  std::string role;
  std::string facilities;  // comma-separated
  std::string overlap = "24h";
};

int AddKey(const KeyOptions& o) {
  auto role = api::ParseRole(o.role);
  if (!role) {
    return Fail(
        fmt::format("--role: '{}' is not one of: operator, traffic_centre, admin, "
                    "controller",
                    o.role));
  }
  api::RoleKeyRequest request{o.name, *role, {}};
  for (auto part : SplitString(o.facilities, ',')) {
    if (!TrimSpace(part).empty()) request.facilities.emplace_back(TrimSpace(part));
  }
  // Keys are picked up by a running server: this may run beside it.
  auto city = OpenCityForLiveWrite(o.db_path);
  if (!city.ok()) return Fail(city.status().message());
  auto registry = city->store->LoadRegistry();
  if (!registry.ok()) return Fail(registry.status().message());
  auto exists = [&](std::string_view id) {
    return std::any_of(registry->facilities.begin(), registry->facilities.end(),
                       [&](const auto& f) { return f.id.str() == id; });
  };
  auto issued = api::AddRoleKey(*city->store, request, exists, SystemClock::Instance().Now());
  if (!issued.ok()) {
    const Status& s = issued.status();
    return Fail(s.field().empty() ? s.message() : fmt::format("--{}: {}", s.field(), s.message()));
  }
  RecordChange(*city->store, "key add", "key:" + o.name,
               {{"name", o.name}, {"role", o.role}, {"facilities", request.facilities}},
               nlohmann::json::array(), KeyState(*city->store, o.name), "ok");
  std::printf("key '%s' added: role %s%s\n", o.name.c_str(), issued->record.role.c_str(),
              request.facilities.empty()
                  ? ""
                  : fmt::format(", facilities {}", fmt::join(request.facilities, ",")).c_str());
  std::printf("the key, shown only this once (the database keeps a salted hash):\n%s\n",
              issued->key.c_str());
  return 0;
}

int RotateKey(const KeyOptions& o) {
  auto overlap = api::ParseOverlap(o.overlap);
  if (!overlap.ok()) return Fail("--overlap: " + overlap.status().message());
  auto city = OpenCityForLiveWrite(o.db_path);
  if (!city.ok()) return Fail(city.status().message());
  const Timestamp now = SystemClock::Instance().Now();
  nlohmann::json before = KeyState(*city->store, o.name);
  auto issued = api::RotateRoleKey(*city->store, o.name, now, *overlap);
  if (!issued.ok()) return Fail(issued.status().message());
  RecordChange(*city->store, "key rotate", "key:" + o.name, {{"overlap", o.overlap}}, before,
               KeyState(*city->store, o.name), "ok");
  std::printf("key '%s' rotated: the old key works until %s, the new one from now on\n",
              o.name.c_str(), FormatRfc3339Utc(now + *overlap).c_str());
  std::printf("the new key, shown only this once:\n%s\n", issued->key.c_str());
  return 0;
}

int RevokeKey(const KeyOptions& o) {
  // A leaked key must be revocable without stopping the city: this may run beside the server.
  auto city = OpenCityForLiveWrite(o.db_path);
  if (!city.ok()) return Fail(city.status().message());
  nlohmann::json before = KeyState(*city->store, o.name);
  auto n = city->store->RevokeApiKey(o.name, SystemClock::Instance().Now());
  if (!n.ok()) return Fail(n.status().message());
  RecordChange(*city->store, "key revoke", "key:" + o.name, nullptr, before,
               KeyState(*city->store, o.name), "ok");
  std::printf(
      "key '%s' revoked (%d generation%s): it no longer works (a running server notices within "
      "seconds)\n",
      o.name.c_str(), *n, *n == 1 ? "" : "s");
  return 0;
}

// "current", "valid until T", "ended T" or "revoked T".
std::string GenerationState(const store::ApiKeyRecord& k, Timestamp now) {
  if (k.revoked) return "revoked " + FormatRfc3339Utc(*k.revoked);
  if (!k.expires) return "current";
  return (now < *k.expires ? "valid until " : "ended ") + FormatRfc3339Utc(*k.expires);
}

int ListKeys(const KeyOptions& o) {
  auto store = OpenCityForReading(o.db_path);
  if (!store.ok()) return Fail(store.status().message());
  auto keys = (*store)->LoadApiKeys();
  if (!keys.ok()) return Fail(keys.status().message());
  const Timestamp now = SystemClock::Instance().Now();
  std::printf("%-20s %-15s %-25s %-36s %s\n", "name", "role", "created", "state", "facilities");
  for (const auto& k : *keys) {
    std::printf(
        "%-20s %-15s %-25s %-36s %s\n", k.name.c_str(), k.role.c_str(),
        FormatRfc3339Utc(k.created).c_str(), GenerationState(k, now).c_str(),
        k.facilities.empty() ? "-" : fmt::format("{}", fmt::join(k.facilities, ",")).c_str());
  }
  return 0;
}

}  // namespace

void AddKeyCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<KeyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "key", "Role keys: car-park operators, the traffic centre, admins, sign controllers");
  cmd->require_subcommand(1);

  CLI::App* add = cmd->add_subcommand("add", "Add a key and print it (once)");
  add->add_option("--db", o->db_path, "City database (SQLite)")->required();
  AddStoreOption(*add);
  add->add_option("--name", o->name, "Who holds it (an operator, a person, a controller id)")
      ->required();
  add->add_option("--role", o->role, "operator, traffic_centre, admin or controller")->required();
  add->add_option("--facilities", o->facilities,
                  "An operator's facilities, comma-separated (the only ones it may write)");
  add->callback([o, exit_code] { *exit_code = AddKey(*o); });

  CLI::App* list = cmd->add_subcommand("list", "List the keys (never the keys themselves)");
  list->add_option("--db", o->db_path, "City database (SQLite)")->required();
  AddStoreOption(*list);
  list->callback([o, exit_code] { *exit_code = ListKeys(*o); });

  CLI::App* rotate = cmd->add_subcommand(
      "rotate", "Issue a new key for a name; the old one works until the overlap ends");
  rotate->add_option("--db", o->db_path, "City database (SQLite)")->required();
  AddStoreOption(*rotate);
  rotate->add_option("--name", o->name, "The key's name")->required();
  rotate
      ->add_option("--overlap", o->overlap,
                   "How long the old key keeps working: 90s, 30m, 24h, 7d (0: ends now)")
      ->capture_default_str();
  rotate->callback([o, exit_code] { *exit_code = RotateKey(*o); });

  CLI::App* revoke = cmd->add_subcommand("revoke", "Revoke every generation of a key at once");
  revoke->add_option("--db", o->db_path, "City database (SQLite)")->required();
  AddStoreOption(*revoke);
  revoke->add_option("--name", o->name, "The key's name")->required();
  revoke->callback([o, exit_code] { *exit_code = RevokeKey(*o); });
}

}  // namespace pg::cli
