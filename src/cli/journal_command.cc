// parkguide journal check --db city.db [--journal DIR] [--json]
// parkguide journal ack --db city.db [--journal DIR] [--incident N] --by NAME [--note TEXT]
//
// `check` recovers the journal read-only (no file changes, beside a running server too) and
// says what a server start would recover, what is damaged or lost, and which incidents are not
// yet acknowledged; exit 1 while any is. `ack` records that an operator has looked at an
// incident (or all of them): it writes only acks.json, so it may run while the city is served,
// and the server's /health clears within seconds.
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/city_access.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "journal/journal.h"
#include "journal/observation_codec.h"

namespace pg::cli {
namespace {

struct JournalArgs {
  std::string db;
  std::string journal;
  bool json = false;
  int64_t incident = 0;
  std::string by;
  std::string note;
  std::string Dir() const { return journal.empty() ? db + ".journal" : journal; }
};

std::string RangesText(const std::vector<journal::SeqRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ", ";
    out += r.first == r.last ? fmt::format("{}", r.first) : fmt::format("{}–{}", r.first, r.last);
  }
  return out;
}

void PrintIncident(const journal::Incident& i) {
  std::string state =
      i.acknowledged ? fmt::format("acknowledged by {} at {}{}", i.acknowledged->by,
                                   FormatRfc3339Utc(i.acknowledged->time),
                                   i.acknowledged->note.empty() ? "" : ": " + i.acknowledged->note)
                     : "NOT ACKNOWLEDGED";
  fmt::print("  #{} {} [{}] {}\n      {}\n", i.id, FormatRfc3339Utc(i.detected), i.severity,
             i.summary, state);
  if (!i.lost.empty()) fmt::print("      lost records: {}\n", RangesText(i.lost));
  for (const auto& f : i.files) {
    fmt::print("      {} bytes at {} of {} ({}){}\n", f.bytes, f.offset, f.file, f.why,
               f.quarantine.empty() ? "" : " → " + f.quarantine);
  }
}

// Bytes and files under quarantine/.
std::pair<int, uint64_t> QuarantineSize(const std::string& dir) {
  std::pair<int, uint64_t> out{0, 0};
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/quarantine", ec)) {
    ++out.first;
    out.second += e.file_size(ec);
  }
  return out;
}

int Check(const JournalArgs& args) {
  const std::string dir = args.Dir();
  // A read-only recovery changes no file, so it may read the journal of a live city directly.
  if (auto live = NoteLiveCity(args.db); !live.ok()) return Fail(live.status().message());
  if (!std::filesystem::is_directory(dir)) {
    return Fail(fmt::format("no journal at '{}' (a city that was never served has none)", dir));
  }
  uint64_t observations = 0;
  std::string decode_error;
  journal::RecoveryReport report;
  auto j = journal::Journal::Open(
      FileSystem::Default(), {.dir = dir, .read_only = true},
      [](std::string_view) { return Status::Ok(); },
      [&](const journal::JournalRecord& r) {
        auto batch = journal::DecodeObservationBatch(r.payload);
        if (!batch.ok()) {
          return DataLoss(fmt::format("record {}: {}", r.seq, batch.status().message()));
        }
        observations += batch->observations.size();
        return Status::Ok();
      },
      &report);
  if (!j.ok()) return Fail(fmt::format("journal '{}': {}", dir, j.status().message()));
  auto log = journal::DamageLog::Load(FileSystem::Default(), dir);
  if (!log.ok()) return Fail(log.status().message());
  auto [quarantined_files, quarantined_bytes] = QuarantineSize(dir);
  if (args.json) {
    nlohmann::json out{
        {"journal", dir},
        {"checkpoint_seq", report.checkpoint_seq},
        {"last_seq", report.last_seq},
        {"records_after_checkpoint", report.records_replayed},
        {"observations_after_checkpoint", observations},
        {"checkpoints_damaged", report.checkpoints_damaged},
        {"torn_tail_bytes", report.torn_tail_bytes},
        {"new_damage", report.incident ? journal::ToJson(*report.incident) : nlohmann::json()},
        {"incidents", nlohmann::json::array()},
        {"unacknowledged", report.unacknowledged.size()},
        {"quarantine", {{"files", quarantined_files}, {"bytes", quarantined_bytes}}}};
    for (const auto& i : log->incidents()) out["incidents"].push_back(journal::ToJson(i));
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return report.unacknowledged.empty() ? 0 : 1;
  }
  fmt::print(
      "journal {}\n  recovers to record {}: checkpoint {} + {} records ({} observations) "
      "from {} segment(s)\n",
      dir, report.last_seq, report.checkpoint_seq, report.records_replayed, observations,
      report.segments);
  if (report.torn_tail_bytes > 0) {
    fmt::print("  a torn tail of {} bytes (a write a crash interrupted; never acknowledged)\n",
               report.torn_tail_bytes);
  }
  if (report.incident) {
    fmt::print("  new damage, recorded when the city is next served:\n");
    PrintIncident(*report.incident);
  }
  if (!log->incidents().empty()) fmt::print("  incidents:\n");
  for (const auto& i : log->incidents()) PrintIncident(i);
  if (quarantined_files > 0) {
    fmt::print("  quarantine: {} file(s), {} bytes in {}/quarantine (never removed by parkguide)\n",
               quarantined_files, quarantined_bytes, dir);
  }
  if (report.unacknowledged.empty()) {
    fmt::print("  nothing to acknowledge\n");
    return 0;
  }
  fmt::print(
      "  {} incident(s) not acknowledged: when you have looked (docs/operations.md), run\n"
      "  parkguide journal ack --db {} --by NAME [--incident N] [--note TEXT]\n",
      report.unacknowledged.size(), args.db);
  return 1;
}

int Ack(const JournalArgs& args) {
  const std::string dir = args.Dir();
  // acks.json has no other writer (recovery writes damage.json), so acknowledging beside a live
  // server is safe; it re-reads the file within seconds.
  if (auto live = NoteLiveCity(args.db); !live.ok()) return Fail(live.status().message());
  auto log = journal::DamageLog::Load(FileSystem::Default(), dir);
  if (!log.ok()) return Fail(log.status().message());
  journal::Acknowledgement ack{args.incident, args.by, args.note, SystemClock::Instance().Now()};
  if (Status s = log->Acknowledge(FileSystem::Default(), dir, ack); !s.ok()) {
    return Fail(fmt::format("journal '{}': {}", dir, s.message()));
  }
  for (const auto& i : log->incidents()) {
    if (i.acknowledged && i.acknowledged->time == ack.time && i.acknowledged->by == ack.by) {
      fmt::print("acknowledged #{}: {}\n", i.id, i.summary);
    }
  }
  return 0;
}

}  // namespace

void AddJournalCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "journal", "Inspect the write-ahead journal and acknowledge damage (docs/operations.md)");
  cmd->require_subcommand(1);
  auto args = std::make_shared<JournalArgs>();
  auto common = [&](CLI::App* sub) {
    sub->add_option("--db", args->db, "City database (SQLite)")->required();
    sub->add_option("--journal", args->journal, "Journal directory (default <db>.journal)");
  };
  CLI::App* check = cmd->add_subcommand(
      "check",
      "What a start would recover, what is damaged or lost, what is unacknowledged; "
      "changes nothing (exit 1 while an incident is unacknowledged)");
  common(check);
  check->add_flag("--json", args->json, "One JSON object");
  check->callback([args, exit_code] { *exit_code = Check(*args); });
  CLI::App* ack = cmd->add_subcommand(
      "ack", "Acknowledge an incident (or all): /health stops reporting it within seconds");
  common(ack);
  ack->add_option("--incident", args->incident, "Incident number (default: every one)");
  ack->add_option("--by", args->by, "Who acknowledges (kept in acks.json)")->required();
  ack->add_option("--note", args->note, "What was done");
  ack->callback([args, exit_code] { *exit_code = Ack(*args); });
}

}  // namespace pg::cli
