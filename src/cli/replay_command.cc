// parkguide replay FILE --format birmingham|csv --db city.db: backfills occupancy history (and
// its 5-minute rollups) from a file, with a progress bar on stderr. `--register DISTRICT` adds the
// replayed facilities the registry lacks. --format melbourne (the melbourne-onstreet folder:
// zones, bays with time limits and bay sensor events) and --format ev (the EV-charging folder:
// charging sites and their occupancy) backfill what the weekly report reads beyond car parks;
// `--shift-days N` moves their times by N days (ingest/replay/real_data.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "cli/city_access.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "datasets/datasets.h"
#include "ingest/replay/real_data.h"
#include "ingest/replay/replay.h"
#include "store/store.h"

namespace pg::cli {
namespace {

struct ReplayCommandOptions {
  std::string path;
  std::string format;
  std::string db_path;
  ingest::ReplayOptions replay;
  int hold_minutes = 45;
  std::string register_district;
  std::string locations_path;
  int shift_days = 0;
  bool quiet = false;

  // The places of the entries the replay registers (none when no --locations is given).
  Result<ingest::Locations> Locations() const {
    if (locations_path.empty()) return ingest::Locations{};
    return ingest::ReadLocationsFile(locations_path);
  }
};

// --format melbourne: zones, bays and their sensor events.
Status ReplayBayEvents(const ReplayCommandOptions& o, store::Store& store) {
  PG_ASSIGN_OR_RETURN(auto set,
                      ingest::ReadMelbourneBayEvents(o.path, std::chrono::days(o.shift_days)));
  PG_RETURN_IF_ERROR(ingest::StoreBayEvents(set, store));
  std::printf(
      "%zu rows: %zu zones, %zu bays (%zu in neither location table, placed at their zone's "
      "centre), %zu bay events (%zu arrivals moved a second after the previous departure); "
      "left out: %zu bays of zones with no located bay, with their %zu events\n",
      set.rows, set.zones.size(), set.bays.size(), set.bays_at_zone_centre, set.events.size(),
      set.moved_arrivals, set.unlocated_bays, set.unlocated_events);
  return Status::Ok();
}

// --format ev: charging sites and their occupancy.
Status ReplayChargerSites(const ReplayCommandOptions& o, store::Store& store) {
  PG_ASSIGN_OR_RETURN(auto locations, o.Locations());
  PG_ASSIGN_OR_RETURN(auto data, datasets::LoadDataset(o.path, datasets::DataFormat::kEv));
  PG_ASSIGN_OR_RETURN(auto report, ingest::StoreChargerSites(data, store, locations,
                                                             std::chrono::days(o.shift_days)));
  std::printf("%s\n", report.ToText().c_str());
  return Status::Ok();
}

// How many of the replayed facilities the registry does not know (0 when it cannot be read).
size_t UnregisteredFacilities(const ingest::ReplayReport& report, store::Store& store) {
  auto registry = store.LoadRegistry();
  if (!registry.ok()) return 0;
  return std::count_if(report.facilities.begin(), report.facilities.end(), [&](const auto& id) {
    return std::none_of(registry->facilities.begin(), registry->facilities.end(),
                        [&](const auto& f) { return f.id.str() == id; });
  });
}

// --format birmingham|csv: occupancy history and its rollups, with a progress bar.
Status ReplayReadings(const ReplayCommandOptions& o) {
  auto format =
      o.format == "birmingham" ? ingest::ReplayFormat::kBirmingham : ingest::ReplayFormat::kLongCsv;
  PG_ASSIGN_OR_RETURN(auto locations, o.Locations());
  PG_ASSIGN_OR_RETURN(auto readings, ingest::ReadReadings(o.path, format, o.replay));
  PG_ASSIGN_OR_RETURN(auto store, OpenCityStore(o.db_path));
  if (!o.register_district.empty()) {
    PG_ASSIGN_OR_RETURN(int added, ingest::RegisterReplayedFacilities(readings, o.register_district,
                                                                      locations, *store));
    std::printf("registered %d facilities in district %s\n", added, o.register_district.c_str());
  }
  TerminalProgress bar("replay", o.quiet);
  PG_ASSIGN_OR_RETURN(auto report, ingest::ReplayToHistory(std::move(readings), *store, o.replay,
                                                           [&](size_t done, size_t total) {
                                                             bar.Update("rows", done, total);
                                                           }));
  bar.Done();
  std::printf("%s\n", report.ToText().c_str());
  if (size_t unknown = UnregisteredFacilities(report, *store); unknown > 0) {
    std::printf(
        "note: %zu of the %zu facilities are not in the registry of '%s'; their history "
        "is kept under their ids\n",
        unknown, report.facilities.size(), o.db_path.c_str());
  }
  return Status::Ok();
}

// The command, once its options are read: the city locked for its whole run.
Status RunReplay(ReplayCommandOptions& o) {
  PG_ASSIGN_OR_RETURN(auto lock, LockCity(o.db_path));
  o.replay.max_hold = std::chrono::minutes(o.hold_minutes);
  if (o.format != "melbourne" && o.format != "ev") return ReplayReadings(o);
  PG_ASSIGN_OR_RETURN(auto store, OpenCityStore(o.db_path));
  return o.format == "melbourne" ? ReplayBayEvents(o, *store) : ReplayChargerSites(o, *store);
}

}  // namespace

void AddReplayCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<ReplayCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Backfill occupancy history and its 5-minute rollups from a file");
  cmd->add_option("file", o->path, "The file")->required();
  cmd->add_option("--format", o->format,
                  "birmingham (UCI Parking Birmingham), csv (facility_id,time,occupied,capacity), "
                  "melbourne (on-street bay events folder) or ev (EV-charging occupancy folder)")
      ->required()
      ->check(CLI::IsMember({"birmingham", "csv", "melbourne", "ev"}));
  cmd->add_option("--register", o->register_district,
                  "Add the replayed facilities the registry lacks, in this district (their "
                  "places from --locations)");
  cmd->add_option("--locations", o->locations_path,
                  "CSV id,lat,lon: where the facilities (--register) or EV stations (ev) the "
                  "registry lacks are; a replay that would register an entry it cannot place "
                  "refuses")
      ->check(CLI::ExistingFile);
  cmd->add_option("--shift-days", o->shift_days,
                  "Move melbourne/ev times by this many days (a multiple of 7 keeps weekdays)")
      ->capture_default_str();
  cmd->add_option("--db", o->db_path, "City database (SQLite)")->required();
  AddStoreOption(*cmd);
  cmd->add_flag("--quiet", o->quiet,
                "No progress bar (there is none when stderr is not a terminal)");
  cmd->add_option("--time-zone", o->replay.time_zone, "Zone of the file's local times (birmingham)")
      ->capture_default_str();
  cmd->add_option("--hold", o->hold_minutes,
                  "Minutes a reading stands for when the next one is late (rollups)")
      ->capture_default_str()
      ->check(CLI::Range(1, 24 * 60));
  cmd->callback([o, exit_code] {
    Status s = RunReplay(*o);
    *exit_code = s.ok() ? 0 : Fail(s.message());
  });
}

}  // namespace pg::cli
