// Journal: parkguide's write-ahead log — append-only, checksummed records in numbered segment
// files, made durable by one fsync per group of records, replayed on start, with checkpoints so
// start-up does not replay forever. The format is docs/formats/journal.md.
//
//   JournalOptions options{.dir = "city.db.journal"};
//   RecoveryReport report;
//   PG_ASSIGN_OR_RETURN(auto journal, Journal::Open(fs, options,
//       [&](std::string_view checkpoint) { return state.Restore(checkpoint); },
//       [&](const JournalRecord& r) { return state.ApplyRecord(r); }, &report));
//   PG_ASSIGN_OR_RETURN(uint64_t seq, journal->Append(RecordType::kObservations, payload));
//   PG_RETURN_IF_ERROR(journal->Sync());   // only now may the caller acknowledge
//   ...
//   PG_RETURN_IF_ERROR(journal->WriteCheckpoint(state.Serialize()));
//
// Recovery never destroys evidence. Every intact record is kept and replayed, also after damage
// (a flipped byte, a zeroed block, a damaged segment header, a missing segment); damaged bytes
// are moved to `quarantine/`; records that no file holds any more are reported as seq ranges in
// an incident of the damage log (damage_log.h), which stays unacknowledged until an operator
// says otherwise. The policy per kind of damage is in docs/formats/journal.md: the server starts
// (degraded) whenever what it can recover is the best state there is, and refuses only when
// starting would hide a problem an operator must fix first (unreadable files, a journal written
// by a newer parkguide). The newest two checkpoints and the segments they need are kept, so a
// damaged checkpoint falls back to the one before.
//
// Storage faults heal: after a failed append or sync (disk full, EIO) the journal refuses
// appends until Heal() cuts the segment back to its last durable record; Probe() tells whether
// the storage takes writes again.
//
// Thread-safety: not thread-safe; one thread (the ingest committer) owns a Journal.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/file_system.h"
#include "core/status.h"
#include "journal/damage_log.h"
#include "journal/record_format.h"

namespace pg::journal {

struct JournalRecord {
  uint64_t seq = 0;  // consecutive from 1 over the journal's life, unless records were lost
  RecordType type = RecordType::kObservations;
  std::string_view payload;  // valid during the visitor call only
};

struct JournalOptions {
  std::string dir;  // created when missing
  // A new segment is started once the current one reaches this size.
  uint64_t segment_bytes = uint64_t{64} << 20;
  // Inspect only (`parkguide journal check`): recovery reads and visits as usual but changes no
  // file — nothing is quarantined, rewritten or recorded — and the journal refuses appends.
  bool read_only = false;
  // Checkpoints kept, newest first, with the segments the oldest of them needs (at least 2).
  int keep_checkpoints = 2;
  // When incidents were detected; the system clock when null.
  const Clock* clock = nullptr;
  // The newest record the caller knows was durable, from a record kept elsewhere (the city
  // database notes it): recovery reports the records up to it that it cannot find as lost, and
  // refuses an empty journal (kFailedPrecondition: a wrong --journal path or an unmounted disk
  // would otherwise start a new journal beside the real one) unless `accept_missing`.
  uint64_t known_durable_seq = 0;
  bool accept_missing = false;
};

// What Open found and did.
struct RecoveryReport {
  uint64_t checkpoint_seq = 0;    // records up to this one came from the checkpoint; 0: none
  uint64_t records_replayed = 0;  // records after the checkpoint handed to the visitor
  uint64_t last_seq = 0;          // the newest record recovered (or the checkpoint's)
  int segments = 0;               // segment files read
  int checkpoints_damaged = 0;    // checkpoints passed over (and quarantined) for an older one
  // Bytes cut from the end of the newest segment: a write that a crash interrupted, never
  // acknowledged. Quarantined, but not an incident.
  uint64_t torn_tail_bytes = 0;
  // New damage this recovery found (recorded in the damage log unless read_only).
  std::optional<Incident> incident;
  // Every incident not yet acknowledged, the new one included.
  std::vector<Incident> unacknowledged;
  std::string ToString() const;
};

class Journal {
 public:
  // Called with a checkpoint's state bytes, then with each record after it, in order. A
  // non-OK status aborts Open with that status.
  using CheckpointVisitor = std::function<Status(std::string_view state)>;
  using RecordVisitor = std::function<Status(const JournalRecord& record)>;

  // Opens (creating when missing, unless read_only) the journal in options.dir and recovers it
  // as described above. Errors: kUnavailable on I/O errors (a file that cannot be read, the
  // quarantine or damage log that cannot be written: nothing is removed then);
  // kFailedPrecondition when a record's type is unknown (a newer parkguide wrote it); kDataLoss
  // when damage.json is not a damage log; a visitor's error.
  // `fs` (and options.clock) must outlive the Journal.
  static Result<std::unique_ptr<Journal>> Open(FileSystem& fs, JournalOptions options,
                                               const CheckpointVisitor& on_checkpoint,
                                               const RecordVisitor& on_record,
                                               RecoveryReport* report);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends one record and returns its seq. Not durable until Sync(). Errors: kUnavailable;
  // after any error the journal refuses further appends (kFailedPrecondition) until Heal().
  Result<uint64_t> Append(RecordType type, std::string_view payload);
  // Makes every appended record durable. Errors: as Append.
  Status Sync();

  // After an error: drops the records appended since the last successful Sync (none of them was
  // durable, so none was acknowledged), cuts the segment back to its durable length and goes on
  // in a new segment. OK when the journal was not failed. Errors: kUnavailable while the
  // storage still fails; call again later.
  Status Heal();
  // Writes, syncs and removes a small file in the journal directory: whether its storage takes
  // writes now. Errors: kUnavailable.
  Status Probe();
  bool failed() const { return failed_; }

  // Writes a checkpoint that stands for every record up to last_seq() — `state` must be the
  // state after applying exactly those — then removes the checkpoints older than the newest
  // `keep_checkpoints` and the segments none of those needs. Starts a new segment. Errors:
  // kUnavailable (the journal stays usable: the old checkpoints and segments are still there).
  Status WriteCheckpoint(std::string_view state);

  uint64_t last_seq() const { return last_seq_; }
  // Bytes appended since the last checkpoint (or since Open): when to write the next one.
  uint64_t bytes_since_checkpoint() const { return bytes_since_checkpoint_; }

 private:
  class Recovery;
  Journal(FileSystem& fs, JournalOptions options);
  Status StartSegment(uint64_t first_seq);
  Status RemoveRedundantFiles();
  std::string SegmentPath(uint64_t first_seq) const;
  std::string CheckpointPath(uint64_t seq) const;

  FileSystem& fs_;
  JournalOptions options_;
  std::unique_ptr<WritableFile> segment_;
  std::string segment_path_;
  uint64_t last_seq_ = 0;
  uint64_t synced_seq_ = 0;   // the newest durable record
  uint64_t synced_size_ = 0;  // the current segment's durable length
  uint64_t bytes_since_checkpoint_ = 0;
  bool failed_ = false;
  std::string record_buffer_;
};

// The names journal files go by (docs/formats/journal.md): seg-<20 digits>.log,
// checkpoint-<20 digits>.bin; nullopt for other names.
std::optional<uint64_t> SegmentNumber(std::string_view name);
std::optional<uint64_t> CheckpointNumber(std::string_view name);

}  // namespace pg::journal
