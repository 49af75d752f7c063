#include "journal/journal.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/log.h"

namespace pg::journal {
namespace {

constexpr std::string_view kSegmentPrefix = "seg-";
constexpr std::string_view kSegmentSuffix = ".log";
constexpr std::string_view kCheckpointPrefix = "checkpoint-";
constexpr std::string_view kCheckpointSuffix = ".bin";
constexpr std::string_view kQuarantineDir = "quarantine";

// "seg-00000000000000000001.log" → 1; nullopt for other names.
std::optional<uint64_t> NumberIn(std::string_view name, std::string_view prefix,
                                 std::string_view suffix) {
  if (name.size() != prefix.size() + 20 + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return std::nullopt;
  }
  uint64_t v = 0;
  for (char c : name.substr(prefix.size(), 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// The journal files in a directory, by number.
struct Inventory {
  std::map<uint64_t, std::string> segments;     // first seq → name
  std::map<uint64_t, std::string> checkpoints;  // seq → name
  std::vector<std::string> temporary;           // interrupted atomic writes
};

Result<Inventory> ListJournal(FileSystem& fs, const std::string& dir) {
  Inventory inv;
  auto names = fs.ListDir(dir);
  if (!names.ok()) {
    if (names.status().code() == StatusCode::kNotFound) return inv;
    return names.status();
  }
  for (const auto& name : *names) {
    if (auto n = SegmentNumber(name)) {
      inv.segments.emplace(*n, name);
    } else if (auto c = CheckpointNumber(name)) {
      inv.checkpoints.emplace(*c, name);
    } else if (name.ends_with(".tmp")) {
      inv.temporary.push_back(name);
    }
  }
  return inv;
}

std::string RangesText(const std::vector<SeqRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ", ";
    out += r.first == r.last ? fmt::format("{}", r.first) : fmt::format("{}–{}", r.first, r.last);
  }
  return out;
}

std::string Summary(const Incident& i, int checkpoints_damaged, bool read_only) {
  uint64_t bytes = 0;
  for (const auto& f : i.files) bytes += f.bytes;
  std::string s = "journal damage: records missing (no file holds them)";
  if (!i.files.empty()) {
    s = fmt::format("journal damage: {} damaged region(s), {} bytes, {}", i.files.size(), bytes,
                    read_only ? "to be quarantined at the next start" : "quarantined");
  }
  if (checkpoints_damaged > 0) {
    s += fmt::format(" ({} checkpoint(s) passed over for an older one)", checkpoints_damaged);
  }
  if (i.lost.empty()) return s + "; no record lost";
  return s + fmt::format("; {} record(s) lost: {}; {} intact record(s) after the damage kept",
                         i.lost_records(), RangesText(i.lost), i.records_after);
}

}  // namespace

std::optional<uint64_t> SegmentNumber(std::string_view name) {
  return NumberIn(name, kSegmentPrefix, kSegmentSuffix);
}
std::optional<uint64_t> CheckpointNumber(std::string_view name) {
  return NumberIn(name, kCheckpointPrefix, kCheckpointSuffix);
}

std::string RecoveryReport::ToString() const {
  std::string s =
      fmt::format("checkpoint at record {}, {} records replayed from {} segments, last record {}",
                  checkpoint_seq, records_replayed, segments, last_seq);
  if (torn_tail_bytes > 0) {
    s += fmt::format("; cut a torn tail of {} unacknowledged bytes", torn_tail_bytes);
  }
  if (incident) s += "; " + incident->summary;
  if (!unacknowledged.empty()) {
    s += fmt::format("; {} unacknowledged incident(s): see `parkguide journal check`",
                     unacknowledged.size());
  }
  return s;
}

// One recovery of a journal directory: restores the newest good checkpoint, replays every
// intact record after it, quarantines what is damaged and records what is lost.
class Journal::Recovery {
 public:
  Recovery(Journal& journal, const CheckpointVisitor& on_checkpoint, const RecordVisitor& on_record,
           RecoveryReport& report)
      : j_(journal),
        fs_(journal.fs_),
        dir_(journal.options_.dir),
        read_only_(journal.options_.read_only),
        on_checkpoint_(on_checkpoint),
        on_record_(on_record),
        report_(report) {}

  Status Run() {
    if (!read_only_) PG_RETURN_IF_ERROR(fs_.CreateDirs(dir_));
    PG_ASSIGN_OR_RETURN(inventory_, ListJournal(fs_, dir_));
    if (!read_only_) {
      for (const auto& name : inventory_.temporary) PG_RETURN_IF_ERROR(fs_.Remove(Path(name)));
    }
    PG_ASSIGN_OR_RETURN(log_, DamageLog::Load(fs_, dir_));
    known_lost_ = log_.KnownLost();
    PG_ASSIGN_OR_RETURN(uint64_t base, RestoreCheckpoint());
    report_.checkpoint_seq = base;
    j_.last_seq_ = base;
    PG_RETURN_IF_ERROR(ReplaySegments(base));
    PG_RETURN_IF_ERROR(CheckKnownDurable());
    report_.last_seq = j_.last_seq_;
    PG_RETURN_IF_ERROR(RecordIncident());
    report_.unacknowledged = log_.Unacknowledged();
    if (read_only_ && report_.incident) report_.unacknowledged.push_back(*report_.incident);
    return Status::Ok();
  }

 private:
  std::string Path(std::string_view name) const { return fmt::format("{}/{}", dir_, name); }
  Timestamp Now() const {
    return j_.options_.clock ? j_.options_.clock->Now() : SystemClock::Instance().Now();
  }

  // Copies damaged bytes into quarantine/ before anything removes them; returns the copy's path
  // relative to the journal directory ("" when read-only).
  Result<std::string> Quarantine(std::string_view name, uint64_t offset, std::string_view bytes) {
    if (read_only_) return std::string();
    std::string relative = fmt::format("{}/{}.{}-{}.{}.bin", kQuarantineDir, name, offset,
                                       offset + bytes.size(), ToUnixMillis(Now()));
    PG_RETURN_IF_ERROR(fs_.CreateDirs(Path(kQuarantineDir)));
    PG_RETURN_IF_ERROR(fs_.WriteFileAtomic(Path(relative), bytes));
    return relative;
  }

  // The newest checkpoint that reads back whole; damaged ones are quarantined on the way.
  Result<uint64_t> RestoreCheckpoint() {
    auto& cps = inventory_.checkpoints;
    for (auto it = cps.rbegin(); it != cps.rend(); ++it) {
      PG_ASSIGN_OR_RETURN(std::string bytes, fs_.ReadFile(Path(it->second)));
      if (auto state = CheckpointState(bytes, it->first)) {
        PG_RETURN_IF_ERROR(on_checkpoint_(*state));
        return it->first;
      }
      PG_ASSIGN_OR_RETURN(std::string copy, Quarantine(it->second, 0, bytes));
      if (!read_only_) {
        PG_LOG_WARNING("journal: checkpoint '{}' is damaged; using an older one", Path(it->second));
        PG_RETURN_IF_ERROR(fs_.Remove(Path(it->second)));
      }
      found_.files.push_back(
          {it->second, 0, bytes.size(), "checkpoint header or checksum does not check out", copy});
      ++report_.checkpoints_damaged;
    }
    return uint64_t{0};
  }

  Status ReplaySegments(uint64_t base) {
    const auto& segs = inventory_.segments;
    uint64_t expected = base + 1;
    for (auto it = segs.begin(); it != segs.end(); ++it) {
      auto next = std::next(it);
      // A segment whose successor starts at or before `expected` holds only checkpointed records.
      if (next != segs.end() && next->first <= expected) continue;
      PG_RETURN_IF_ERROR(ReplaySegment(it->first, it->second, next == segs.end(), expected));
    }
    return Status::Ok();
  }

  Status ReplaySegment(uint64_t first, const std::string& name, bool newest, uint64_t& expected) {
    PG_ASSIGN_OR_RETURN(std::string bytes, fs_.ReadFile(Path(name)));
    ++report_.segments;
    SegmentScan scan = ScanSegment(bytes, first);
    if (!scan.unknown_type.empty()) {
      return FailedPrecondition(fmt::format(
          "journal segment '{}' holds records of a type this parkguide does not know (record {} "
          "at byte {}): a newer parkguide wrote this journal; run that version",
          Path(name), scan.unknown_type.front().seq, scan.unknown_type.front().offset));
    }
    size_t region = 0;
    for (const ScannedRecord& r : scan.records) {
      for (; region < scan.damaged.size() && scan.damaged[region].offset < r.offset; ++region) {
        damage_seen_ = true;
      }
      if (r.seq < expected) continue;  // in the checkpoint already
      if (r.seq > expected) NoteGap({expected, r.seq - 1});
      PG_RETURN_IF_ERROR(on_record_({r.seq, RecordType::kObservations, RecordPayload(bytes, r)}));
      ++report_.records_replayed;
      if (damage_seen_) ++found_.records_after;
      expected = r.seq + 1;
      j_.last_seq_ = r.seq;
      j_.bytes_since_checkpoint_ += r.size;
    }
    if (scan.damaged.empty()) return Status::Ok();
    return SetAsideDamage(name, first, bytes, scan, newest);
  }

  // Records the caller knows were durable but no file holds: lost at the end. Numbering goes on
  // after them, so a file found later can never collide with new records.
  Status CheckKnownDurable() {
    const JournalOptions& o = j_.options_;
    if (o.known_durable_seq <= j_.last_seq_) return Status::Ok();
    if (inventory_.segments.empty() && inventory_.checkpoints.empty() && !o.accept_missing) {
      return FailedPrecondition(fmt::format(
          "journal '{}' is empty, but the city recorded observations up to journal record {}: is "
          "the journal path right and its disk mounted? If the journal is truly gone, start with "
          "--accept-journal-loss (the live state starts empty; the history in the database is "
          "kept)",
          dir_, o.known_durable_seq));
    }
    NoteGap({j_.last_seq_ + 1, o.known_durable_seq});
    j_.last_seq_ = o.known_durable_seq;
    return Status::Ok();
  }

  void NoteGap(SeqRange gap) {
    for (const SeqRange& part : Subtract(gap, known_lost_)) found_.lost.push_back(part);
    damage_seen_ = true;
  }

  // Quarantines the damaged regions of a segment, then rewrites it with its intact records only,
  // so that the next start finds a clean file (and the damage log already knows the gaps).
  Status SetAsideDamage(const std::string& name, uint64_t first, std::string_view bytes,
                        const SegmentScan& scan, bool newest) {
    for (const DamagedRegion& d : scan.damaged) {
      PG_ASSIGN_OR_RETURN(std::string copy,
                          Quarantine(name, d.offset, bytes.substr(d.offset, d.size())));
      // The end of the newest segment, with no record after it: a write a crash interrupted.
      bool torn = newest && d.end == bytes.size();
      if (torn) {
        report_.torn_tail_bytes += d.size();
        if (!read_only_) {
          PG_LOG_INFO(
              "journal: cut a torn tail of {} unacknowledged bytes from '{}' ({}); kept "
              "as '{}'",
              d.size(), name, d.why, copy);
        }
      } else {
        found_.files.push_back({name, d.offset, d.size(), d.why, copy});
        damage_seen_ = true;
      }
    }
    if (read_only_) return Status::Ok();
    std::string clean = SegmentHeader(first);
    for (const ScannedRecord& r : scan.records) clean.append(bytes.substr(r.offset, r.size));
    return fs_.WriteFileAtomic(Path(name), clean);
  }

  Status RecordIncident() {
    if (found_.files.empty() && found_.lost.empty()) return Status::Ok();
    found_.detected = Now();
    found_.severity = found_.lost.empty() ? "damage" : "loss";
    found_.summary = Summary(found_, report_.checkpoints_damaged, read_only_);
    if (read_only_) {
      report_.incident = found_;
      return Status::Ok();
    }
    if (found_.lost.empty()) {
      PG_LOG_WARNING("journal '{}': {}", dir_, found_.summary);
    } else {
      PG_LOG_ERROR("journal '{}': {}", dir_, found_.summary);
    }
    PG_RETURN_IF_ERROR(log_.Record(fs_, dir_, found_));
    report_.incident = log_.incidents().back();
    return Status::Ok();
  }

  Journal& j_;
  FileSystem& fs_;
  const std::string& dir_;
  const bool read_only_;
  const CheckpointVisitor& on_checkpoint_;
  const RecordVisitor& on_record_;
  RecoveryReport& report_;
  Inventory inventory_;
  DamageLog log_;
  std::vector<SeqRange> known_lost_;
  Incident found_;
  bool damage_seen_ = false;
};

Journal::Journal(FileSystem& fs, JournalOptions options) : fs_(fs), options_(std::move(options)) {
  options_.keep_checkpoints = std::max(options_.keep_checkpoints, 2);
}

Journal::~Journal() {
  if (segment_) segment_->Close().IgnoreError();
}

std::string Journal::SegmentPath(uint64_t first_seq) const {
  return fmt::format("{}/{}{:020}{}", options_.dir, kSegmentPrefix, first_seq, kSegmentSuffix);
}

std::string Journal::CheckpointPath(uint64_t seq) const {
  return fmt::format("{}/{}{:020}{}", options_.dir, kCheckpointPrefix, seq, kCheckpointSuffix);
}

Result<std::unique_ptr<Journal>> Journal::Open(FileSystem& fs, JournalOptions options,
                                               const CheckpointVisitor& on_checkpoint,
                                               const RecordVisitor& on_record,
                                               RecoveryReport* report) {
  if (options.dir.empty()) return InvalidArgument("journal directory not set", "dir");
  std::unique_ptr<Journal> journal(new Journal(fs, std::move(options)));
  RecoveryReport local;
  RecoveryReport& out = report ? *report : local;
  out = {};
  PG_RETURN_IF_ERROR(Recovery(*journal, on_checkpoint, on_record, out).Run());
  journal->synced_seq_ = journal->last_seq_;
  if (journal->options_.read_only) {
    journal->failed_ = true;  // refuses appends
    return journal;
  }
  PG_RETURN_IF_ERROR(fs.SyncDir(journal->options_.dir));
  PG_RETURN_IF_ERROR(journal->StartSegment(journal->last_seq_ + 1));
  return journal;
}

Status Journal::StartSegment(uint64_t first_seq) {
  if (segment_) {
    PG_RETURN_IF_ERROR(segment_->Close());
    segment_.reset();
  }
  segment_path_ = SegmentPath(first_seq);
  synced_size_ = 0;
  PG_ASSIGN_OR_RETURN(segment_, fs_.OpenAppendable(segment_path_));
  if (segment_->size() == 0) {
    PG_RETURN_IF_ERROR(segment_->Append(SegmentHeader(first_seq)));
    PG_RETURN_IF_ERROR(segment_->Sync());
    PG_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));
  } else if (segment_->size() != kSegmentHeaderBytes) {
    // Recovery rewrote or replayed it, so any record in it would have been last_seq_ + 1.
    return Internal(fmt::format("journal segment '{}' is not empty as expected", segment_path_));
  }
  synced_size_ = kSegmentHeaderBytes;
  return Status::Ok();
}

Result<uint64_t> Journal::Append(RecordType type, std::string_view payload) {
  if (failed_) {
    return FailedPrecondition(options_.read_only ? "the journal is open read-only"
                                                 : "the journal failed earlier and is not healed");
  }
  if (payload.size() > kMaxRecordBytes) {
    return InvalidArgument(
        fmt::format("record of {} bytes exceeds the limit of {}", payload.size(), kMaxRecordBytes));
  }
  if (segment_->size() >= options_.segment_bytes) {
    // Records in the old segment must be durable before a new file can follow them.
    if (Status s = Sync(); !s.ok()) return s;
    if (Status s = StartSegment(last_seq_ + 1); !s.ok()) {
      failed_ = true;
      return s;
    }
  }
  uint64_t seq = last_seq_ + 1;
  record_buffer_.clear();
  AppendRecordHeader(record_buffer_, type, seq, payload);
  Status s = segment_->Append(record_buffer_);
  if (s.ok()) s = segment_->Append(payload);
  if (!s.ok()) {
    failed_ = true;
    return s;
  }
  last_seq_ = seq;
  bytes_since_checkpoint_ += kRecordHeaderBytes + payload.size();
  return seq;
}

Status Journal::Sync() {
  if (failed_) return FailedPrecondition("the journal failed earlier and is not healed");
  Status s = segment_->Sync();
  if (!s.ok()) {
    failed_ = true;
    return s;
  }
  synced_seq_ = last_seq_;
  synced_size_ = segment_->size();
  return s;
}

Status Journal::Heal() {
  if (!failed_ || options_.read_only) return Status::Ok();
  uint64_t appended = segment_ ? segment_->size() : synced_size_;
  segment_.reset();  // closing may write buffered bytes; they are cut below
  if (synced_size_ >= kSegmentHeaderBytes) {
    PG_RETURN_IF_ERROR(fs_.Truncate(segment_path_, synced_size_));
  } else {
    PG_RETURN_IF_ERROR(fs_.Remove(segment_path_));  // a new segment without a durable header
  }
  bytes_since_checkpoint_ -= std::min(bytes_since_checkpoint_, appended - synced_size_);
  last_seq_ = synced_seq_;
  PG_RETURN_IF_ERROR(StartSegment(last_seq_ + 1));
  failed_ = false;
  return Status::Ok();
}

Status Journal::Probe() {
  std::string path = options_.dir + "/probe.tmp";
  Status s = fs_.WriteFileAtomic(path, std::string(size_t{64} << 10, '\0'));
  Status removed = fs_.Remove(path);
  return s.ok() ? removed : s;
}

Status Journal::WriteCheckpoint(std::string_view state) {
  PG_RETURN_IF_ERROR(Sync());
  PG_RETURN_IF_ERROR(
      fs_.WriteFileAtomic(CheckpointPath(last_seq_), CheckpointBytes(last_seq_, state)));
  if (Status s = StartSegment(last_seq_ + 1); !s.ok()) {
    failed_ = true;
    return s;
  }
  bytes_since_checkpoint_ = 0;
  return RemoveRedundantFiles();
}

// Keeps the newest keep_checkpoints checkpoints and every segment holding a record after the
// oldest of them; with fewer checkpoints than that, every segment (a damaged checkpoint then
// falls back to a replay from the start).
Status Journal::RemoveRedundantFiles() {
  PG_ASSIGN_OR_RETURN(Inventory inv, ListJournal(fs_, options_.dir));
  if (inv.checkpoints.size() < static_cast<size_t>(options_.keep_checkpoints)) {
    return Status::Ok();
  }
  auto oldest_kept = std::prev(inv.checkpoints.end(), options_.keep_checkpoints);
  const uint64_t covered = oldest_kept->first;
  for (auto it = inv.checkpoints.begin(); it != oldest_kept; ++it) {
    PG_RETURN_IF_ERROR(fs_.Remove(options_.dir + "/" + it->second));
  }
  for (auto it = inv.segments.begin(); it != inv.segments.end(); ++it) {
    auto next = std::next(it);
    if (next == inv.segments.end() || next->first > covered + 1) break;
    PG_RETURN_IF_ERROR(fs_.Remove(options_.dir + "/" + it->second));
  }
  return fs_.SyncDir(options_.dir);
}

}  // namespace pg::journal
