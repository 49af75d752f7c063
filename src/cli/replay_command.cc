// parkguide replay FILE --format birmingham|csv --db city.db: backfills occupancy history (and
// its 5-minute rollups) from a file, with a progress bar on stderr. `--register DISTRICT` adds the
// replayed facilities the registry lacks. --format melbourne (the melbourne-onstreet folder:
// zones, bays with time limits and bay sensor events) and --format ev (the EV-charging folder:
// charging sites and their occupancy) backfill what the weekly report reads beyond car parks;
// `--shift-days N` moves their times by N days (ingest/replay/real_data.h).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "cli/city_access.h"
#include "cli/commands.h"
#include "datasets/datasets.h"
#include "ingest/replay/real_data.h"
#include "ingest/replay/replay.h"
#include "store/store.h"

namespace pg::cli {
namespace {

// "[##########----------]  50%  14,247/28,494" on one line, redrawn; on a non-terminal, a line
// every 10% so logs stay readable.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label) : label_(std::move(label)), tty_(::isatty(2) != 0) {}
  void Update(size_t done, size_t total) {
    if (total == 0) return;
    int percent = static_cast<int>(done * 100 / total);
    if (!tty_ && percent / 10 == last_percent_ / 10 && done != total) return;
    if (percent == last_percent_ && done != total) return;
    last_percent_ = percent;
    constexpr int kWidth = 30;
    int filled = percent * kWidth / 100;
    std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '-');
    std::fprintf(stderr, "%s%s [%s] %3d%%  %zu/%zu rows%s", tty_ ? "\r" : "", label_.c_str(),
                 bar.c_str(), percent, done, total, tty_ ? "" : "\n");
    if (tty_ && done == total) std::fputc('\n', stderr);
    std::fflush(stderr);
  }

 private:
  std::string label_;
  bool tty_;
  int last_percent_ = -1;
};

}  // namespace

void AddReplayCommand(CLI::App& app, int* exit_code) {
  struct Options {
    std::string path;
    std::string format;
    std::string db_path;
    ingest::ReplayOptions replay;
    int hold_minutes = 45;
    std::string register_district;
    int shift_days = 0;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Backfill occupancy history and its 5-minute rollups from a file");
  cmd->add_option("file", o->path, "The file")->required();
  cmd->add_option("--format", o->format,
                  "birmingham (UCI Parking Birmingham), csv (facility_id,time,occupied,capacity), "
                  "melbourne (on-street bay events folder) or ev (EV-charging occupancy folder)")
      ->required()
      ->check(CLI::IsMember({"birmingham", "csv", "melbourne", "ev"}));
  cmd->add_option("--register", o->register_district,
                  "Add the replayed facilities the registry lacks, in this district");
  cmd->add_option("--shift-days", o->shift_days,
                  "Move melbourne/ev times by this many days (a multiple of 7 keeps weekdays)")
      ->capture_default_str();
  cmd->add_option("--db", o->db_path, "City database (SQLite)")->required();
  cmd->add_option("--time-zone", o->replay.time_zone, "Zone of the file's local times (birmingham)")
      ->capture_default_str();
  cmd->add_option("--hold", o->hold_minutes,
                  "Minutes a reading stands for when the next one is late (rollups)")
      ->capture_default_str()
      ->check(CLI::Range(1, 24 * 60));
  cmd->callback([o, exit_code] {
    auto lock = LockCity(o->db_path);
    if (!lock.ok()) {
      *exit_code = Fail(lock.status().message());
      return;
    }
    o->replay.max_hold = std::chrono::minutes(o->hold_minutes);
    if (o->format == "melbourne" || o->format == "ev") {
      auto store = store::OpenSqliteStore(o->db_path);
      if (!store.ok()) {
        *exit_code = Fail(store.status().message());
        return;
      }
      std::chrono::days shift(o->shift_days);
      if (o->format == "melbourne") {
        auto set = ingest::ReadMelbourneBayEvents(o->path, shift);
        if (!set.ok()) {
          *exit_code = Fail(set.status().message());
          return;
        }
        if (Status s = ingest::StoreBayEvents(*set, **store); !s.ok()) {
          *exit_code = Fail(s.message());
          return;
        }
        std::printf(
            "%zu rows: %zu zones, %zu bays (%zu without a location), %zu bay events "
            "(%zu arrivals moved a second after the previous departure)\n",
            set->rows, set->zones.size(), set->bays.size(), set->unlocated_bays, set->events.size(),
            set->moved_arrivals);
      } else {
        auto data = datasets::LoadDataset(o->path, datasets::DataFormat::kEv);
        if (!data.ok()) {
          *exit_code = Fail(data.status().message());
          return;
        }
        auto report = ingest::StoreChargerSites(*data, **store, shift);
        if (!report.ok()) {
          *exit_code = Fail(report.status().message());
          return;
        }
        std::printf("%s\n", report->ToText().c_str());
      }
      *exit_code = 0;
      return;
    }
    auto format = o->format == "birmingham" ? ingest::ReplayFormat::kBirmingham
                                            : ingest::ReplayFormat::kLongCsv;
    auto readings = ingest::ReadReadings(o->path, format, o->replay);
    if (!readings.ok()) {
      *exit_code = Fail(readings.status().message());
      return;
    }
    auto store = store::OpenSqliteStore(o->db_path);
    if (!store.ok()) {
      *exit_code = Fail(store.status().message());
      return;
    }
    if (!o->register_district.empty()) {
      auto added = ingest::RegisterReplayedFacilities(*readings, o->register_district, **store);
      if (!added.ok()) {
        *exit_code = Fail(added.status().message());
        return;
      }
      std::printf("registered %d facilities in district %s\n", *added,
                  o->register_district.c_str());
    }
    ProgressBar bar("replay");
    auto report =
        ingest::ReplayToHistory(std::move(*readings), **store, o->replay,
                                [&](size_t done, size_t total) { bar.Update(done, total); });
    if (!report.ok()) {
      *exit_code = Fail(report.status().message());
      return;
    }
    auto registry = (*store)->LoadRegistry();
    size_t unknown = 0;
    if (registry.ok()) {
      for (const auto& id : report->facilities) {
        bool known = std::any_of(registry->facilities.begin(), registry->facilities.end(),
                                 [&](const auto& f) { return f.id.str() == id; });
        unknown += !known;
      }
    }
    std::printf("%s\n", report->ToText().c_str());
    if (unknown > 0) {
      std::printf(
          "note: %zu of the %zu facilities are not in the registry of '%s'; their history "
          "is kept under their ids\n",
          unknown, report->facilities.size(), o->db_path.c_str());
    }
    *exit_code = 0;
  });
}

}  // namespace pg::cli
