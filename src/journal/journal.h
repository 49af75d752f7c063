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
// Recovery stops at the first damage (a torn tail after a crash, a flipped byte, a missing
// record): everything before it is recovered, the damaged segment is truncated to its last good
// record, later segments are removed, and RecoveryReport says what was dropped and why.
//
// Thread-safety: not thread-safe; one thread (the ingest committer) owns a Journal.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/file_system.h"
#include "core/status.h"

namespace pg::journal {

enum class RecordType : uint8_t {
  kObservations = 1,  // a batch of observations, see observation_codec.h
};

struct JournalRecord {
  uint64_t seq = 0;  // consecutive from 1 over the journal's life
  RecordType type = RecordType::kObservations;
  std::string_view payload;  // valid during the visitor call only
};

struct JournalOptions {
  std::string dir;  // created when missing
  // A new segment is started once the current one reaches this size.
  uint64_t segment_bytes = uint64_t{64} << 20;
};

// What Open found and did.
struct RecoveryReport {
  uint64_t checkpoint_seq = 0;    // records up to this one came from the checkpoint; 0: none
  uint64_t records_replayed = 0;  // records after the checkpoint handed to the visitor
  uint64_t last_seq = 0;          // the newest record recovered (or the checkpoint's)
  int segments = 0;               // segment files read
  // Damage: empty when the journal was clean. Otherwise which file, at which offset, why.
  std::string damage;
  uint64_t bytes_dropped = 0;    // bytes cut from the damaged segment and the ones after it
  uint64_t records_dropped = 0;  // intact-looking records found after the damage and dropped
  std::string ToString() const;
};

class Journal {
 public:
  // Called with a checkpoint's state bytes, then with each record after it, in order. A
  // non-OK status aborts Open with that status.
  using CheckpointVisitor = std::function<Status(std::string_view state)>;
  using RecordVisitor = std::function<Status(const JournalRecord& record)>;

  // Opens (creating when missing) the journal in options.dir and recovers it as described
  // above. Errors: kUnavailable on I/O errors; kDataLoss when records are missing that no
  // checkpoint covers (segments deleted by hand); a visitor's error.
  // `fs` must outlive the Journal.
  static Result<std::unique_ptr<Journal>> Open(FileSystem& fs, JournalOptions options,
                                               const CheckpointVisitor& on_checkpoint,
                                               const RecordVisitor& on_record,
                                               RecoveryReport* report);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends one record and returns its seq. Not durable until Sync(). Errors: kUnavailable;
  // after any error the journal refuses further appends (kFailedPrecondition): the process must
  // restart and recover, since what reached the file is in doubt.
  Result<uint64_t> Append(RecordType type, std::string_view payload);
  // Makes every appended record durable. Errors: as Append.
  Status Sync();

  // Writes a checkpoint that stands for every record up to last_seq() — `state` must be the
  // state after applying exactly those — then deletes the segments and older checkpoints it
  // makes unnecessary. Starts a new segment. Errors: kUnavailable (the journal stays usable:
  // the old checkpoint and segments are still there).
  Status WriteCheckpoint(std::string_view state);

  uint64_t last_seq() const { return last_seq_; }
  // Bytes appended since the last checkpoint (or since Open): when to write the next one.
  uint64_t bytes_since_checkpoint() const { return bytes_since_checkpoint_; }

 private:
  Journal(FileSystem& fs, JournalOptions options);
  Status Recover(const CheckpointVisitor& on_checkpoint, const RecordVisitor& on_record,
                 RecoveryReport& report);
  Status StartSegment(uint64_t first_seq);
  std::string SegmentPath(uint64_t first_seq) const;
  std::string CheckpointPath(uint64_t seq) const;

  FileSystem& fs_;
  JournalOptions options_;
  std::unique_ptr<WritableFile> segment_;
  uint64_t last_seq_ = 0;
  uint64_t bytes_since_checkpoint_ = 0;
  bool failed_ = false;
  std::string record_buffer_;
};

// --- the record framing, exposed for tests and the format document ---

// Segment header: "PGJ1" magic, u32 format version, u64 seq of the first record. 16 bytes.
inline constexpr size_t kSegmentHeaderBytes = 16;
// Record header: u32 crc, u32 payload length, u8 type, u64 seq. 17 bytes.
inline constexpr size_t kRecordHeaderBytes = 17;
// Largest payload accepted on read; a length above it is damage.
inline constexpr uint32_t kMaxRecordBytes = uint32_t{256} << 20;

// CRC-32 (zlib's) of `data`, continuing from `crc`.
uint32_t Crc32(std::string_view data, uint32_t crc = 0);

}  // namespace pg::journal
