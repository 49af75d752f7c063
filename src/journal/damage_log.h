// DamageLog: what journal recovery found damaged or missing, kept in the journal directory until
// an operator has looked at it (docs/formats/journal.md, "Damage and quarantine";
// docs/operations.md). Recovery appends an incident to `damage.json`; `parkguide journal ack`
// records acknowledgements in `acks.json`; the server reads both to say on /health, /metrics and
// the dashboard what is unacknowledged. The two files have one writer each (recovery holds the
// city; ack may run beside a live server), so neither overwrites the other's facts.
//
//   PG_ASSIGN_OR_RETURN(DamageLog log, DamageLog::Load(fs, dir));
//   for (const Incident& i : log.Unacknowledged()) Warn(i.summary);
//   PG_RETURN_IF_ERROR(log.Acknowledge(fs, dir, {.incident = 0, .by = "ops", .time = now}));
//
// Thread-safety: a DamageLog is a value; the files are replaced atomically.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/file_system.h"
#include "core/status.h"
#include "core/time.h"

namespace pg::journal {

// Records [first, last], both included.
struct SeqRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t count() const { return last - first + 1; }
  friend bool operator==(const SeqRange&, const SeqRange&) = default;
};

// Damaged bytes found in one file, and where they were moved.
struct DamagedFile {
  std::string file;  // name in the journal directory
  uint64_t offset = 0;
  uint64_t bytes = 0;
  std::string why;
  std::string quarantine;  // path relative to the journal directory; "" when nothing was kept
};

struct Acknowledgement {
  int64_t incident = 0;  // 0: every incident detected up to `time`
  std::string by;
  std::string note;
  Timestamp time;
};

struct Incident {
  int64_t id = 0;  // 1, 2, … in the order found
  Timestamp detected;
  // "loss": acknowledged records are missing; "damage": damaged bytes were quarantined but every
  // record is accounted for (a checkpoint fell back to an older one, say).
  std::string severity;
  std::string summary;         // one line for logs, /health and the dashboard
  std::vector<SeqRange> lost;  // records that no file holds any more
  uint64_t records_after = 0;  // intact records found after the first damage and kept
  std::vector<DamagedFile> files;
  std::optional<Acknowledgement> acknowledged;

  uint64_t lost_records() const;
};

class DamageLog {
 public:
  // Reads damage.json and acks.json from `dir` (either may be missing). Errors: kUnavailable on
  // I/O errors; kDataLoss when a file is not a damage log (its content is named).
  static Result<DamageLog> Load(FileSystem& fs, const std::string& dir);

  // Adds a new incident (its id assigned) and rewrites damage.json atomically.
  Status Record(FileSystem& fs, const std::string& dir, Incident incident);
  // Appends an acknowledgement and rewrites acks.json atomically. Errors: kNotFound for an
  // unknown incident id; kFailedPrecondition when there is nothing left to acknowledge.
  Status Acknowledge(FileSystem& fs, const std::string& dir, Acknowledgement ack);

  const std::vector<Incident>& incidents() const { return incidents_; }
  std::vector<Incident> Unacknowledged() const;
  // Every range any incident, acknowledged or not, reported lost: a later recovery that meets
  // the same gap does not report it again.
  std::vector<SeqRange> KnownLost() const;

 private:
  std::vector<Incident> incidents_;  // acknowledgements merged in
  std::vector<Acknowledgement> acks_;
};

// The one JSON form of an incident (damage.json, `parkguide journal check --json`, /health).
nlohmann::json ToJson(const Incident& incident);

// `gap` minus every range in `known`, in order.
std::vector<SeqRange> Subtract(SeqRange gap, const std::vector<SeqRange>& known);

}  // namespace pg::journal
