// parkguide city --db city.db [--name "许昌市|Xuchang"] [--name-zh N] [--name-en N] [--time-zone Z]
//
// The city's own settings: without options prints them; with, changes them (one process per
// city: not while a server holds it) and records the change in the audit log. The time zone
// decides every local time parkguide shows, so its change is said plainly.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <optional>

#include "cli/change_log.h"
#include "cli/city_access.h"
#include "cli/commands.h"
#include "model/model_json.h"
#include "model/validation.h"
#include "registry/city_from_osm.h"
#include "store/store.h"

namespace pg::cli {
namespace {

struct CityArgs {
  std::string db;
  std::optional<std::string> name;
  std::optional<std::string> name_zh;
  std::optional<std::string> name_en;
  std::optional<std::string> time_zone;
  bool Edits() const { return name || name_zh || name_en || time_zone; }
};

void Print(const model::City& city) {
  std::printf("id          %s\nname (zh)   %s\nname (en)   %s\ntime zone   %s\n", city.id.c_str(),
              city.name.zh.c_str(), city.name.en.c_str(), city.time_zone.c_str());
  std::printf("districts   %zu\n%s", city.districts.size(),
              city.is_demo ? "demo        yes\n" : "");
}

int Show(const CityArgs& a) {
  auto store = OpenCityForReading(a.db);
  if (!store.ok()) return Fail(store.status().message());
  auto registry = (*store)->LoadRegistry();
  if (!registry.ok()) return Fail(registry.status().message());
  if (!registry->city) {
    return Fail(
        fmt::format("{} has no city settings yet: give them with `parkguide city --db {} "
                    "--name NAME --time-zone ZONE`",
                    a.db, a.db));
  }
  Print(*registry->city);
  return 0;
}

model::City Edited(model::City city, const CityArgs& a) {
  if (a.name) city.name = registry::NameFromFlag(*a.name);
  if (a.name_zh) city.name.zh = *a.name_zh;
  if (a.name_en) city.name.en = *a.name_en;
  if (a.time_zone) city.time_zone = *a.time_zone;
  return city;
}

int Edit(const CityArgs& a) {
  auto lock = LockCity(a.db);
  if (!lock.ok()) return Fail(lock.status().message());
  if (!std::filesystem::exists(a.db)) {
    return Fail(fmt::format("{} does not exist: make a city with `parkguide import-osm`", a.db));
  }
  auto store = OpenCityStore(a.db);
  if (!store.ok()) return Fail(store.status().message());
  auto registry = (*store)->LoadRegistry();
  if (!registry.ok()) return Fail(registry.status().message());
  model::City before;
  before.id = "city";
  if (registry->city) before = *registry->city;
  model::RegistryData change;
  change.city = Edited(before, a);
  if (auto problems = model::Validate(*change.city); !problems.empty()) {
    return Fail(fmt::format("{}: {}", problems.front().field(), problems.front().message()));
  }
  auto written = (*store)->WriteRegistry(change, store::RegistryWriteMode::kUpsert);
  if (!written.ok()) return Fail(written.status().message());
  RecordChange(**store, "city set", "city:" + change.city->id,
               {{"name", a.name.value_or("")},
                {"name_zh", a.name_zh.value_or("")},
                {"name_en", a.name_en.value_or("")},
                {"time_zone", a.time_zone.value_or("")}},
               registry->city ? model::ToJson(before) : nlohmann::json(nullptr),
               model::ToJson(*change.city), "ok");
  if (before.time_zone != change.city->time_zone) {
    std::printf(
        "time zone changed from %s to %s: local times from now on (reports, forecasts, the "
        "dashboard) follow the new zone; reports already written keep theirs\n",
        before.time_zone.c_str(), change.city->time_zone.c_str());
  }
  Print(*change.city);
  return 0;
}

}  // namespace

void AddCityCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CityArgs>();
  CLI::App* cmd =
      app.add_subcommand("city", "Show or change the city's name and time zone (audited)");
  cmd->add_option("--db", args->db, "City database (SQLite)")->required();
  AddStoreOption(*cmd);
  cmd->add_option("--name", args->name, "Name in both languages: \"许昌市|Xuchang\"");
  cmd->add_option("--name-zh", args->name_zh, "Name in Chinese");
  cmd->add_option("--name-en", args->name_en, "Name in English");
  cmd->add_option("--time-zone", args->time_zone, "IANA time zone, such as Asia/Shanghai");
  cmd->callback([args, exit_code] { *exit_code = args->Edits() ? Edit(*args) : Show(*args); });
}

}  // namespace pg::cli
