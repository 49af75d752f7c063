#include "journal/journal.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "core/log.h"

namespace pg::journal {
namespace {

constexpr char kSegmentMagic[4] = {'P', 'G', 'J', '1'};
constexpr char kCheckpointMagic[4] = {'P', 'G', 'C', '1'};
constexpr uint32_t kFormatVersion = 1;
// Checkpoint header: magic, u32 version, u64 seq, u32 crc of the state, u64 state length.
constexpr size_t kCheckpointHeaderBytes = 28;

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

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

constexpr std::string_view kSegmentPrefix = "seg-";
constexpr std::string_view kSegmentSuffix = ".log";
constexpr std::string_view kCheckpointPrefix = "checkpoint-";
constexpr std::string_view kCheckpointSuffix = ".bin";

// Why the record at `p` (with `left` bytes to the end of the file) cannot be read; empty when it
// can. Sets *record on success.
std::string ParseRecord(const char* p, size_t left, JournalRecord* record, size_t* total) {
  if (left < kRecordHeaderBytes) {
    return fmt::format("incomplete record header ({} of {} bytes)", left, kRecordHeaderBytes);
  }
  uint32_t crc = GetU32(p);
  uint32_t length = GetU32(p + 4);
  if (length > kMaxRecordBytes) return fmt::format("record length {} is implausible", length);
  if (left - kRecordHeaderBytes < length) {
    return fmt::format("incomplete record ({} of {} payload bytes)", left - kRecordHeaderBytes,
                       length);
  }
  uint32_t actual = Crc32(std::string_view(p + 4, kRecordHeaderBytes - 4 + length));
  if (actual != crc)
    return fmt::format("checksum mismatch (stored {:08x}, computed {:08x})", crc, actual);
  uint8_t type = static_cast<uint8_t>(p[8]);
  if (type != static_cast<uint8_t>(RecordType::kObservations)) {
    return fmt::format("unknown record type {}", type);
  }
  record->type = static_cast<RecordType>(type);
  record->seq = GetU64(p + 9);
  record->payload = std::string_view(p + kRecordHeaderBytes, length);
  *total = kRecordHeaderBytes + length;
  return {};
}

}  // namespace

uint32_t Crc32(std::string_view data, uint32_t crc) {
  // zlib takes uInt lengths; feed large inputs in pieces.
  uLong c = crc;
  while (!data.empty()) {
    size_t n = std::min<size_t>(data.size(), size_t{1} << 30);
    c = ::crc32(c, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(c);
}

std::string RecoveryReport::ToString() const {
  std::string s =
      fmt::format("checkpoint at record {}, {} records replayed from {} segments, last record {}",
                  checkpoint_seq, records_replayed, segments, last_seq);
  if (!damage.empty()) {
    s += fmt::format("; DAMAGE: {}; dropped {} bytes and {} later records", damage, bytes_dropped,
                     records_dropped);
  }
  return s;
}

Journal::Journal(FileSystem& fs, JournalOptions options) : fs_(fs), options_(std::move(options)) {}

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
  PG_RETURN_IF_ERROR(journal->Recover(on_checkpoint, on_record, report ? *report : local));
  return journal;
}

Status Journal::Recover(const CheckpointVisitor& on_checkpoint, const RecordVisitor& on_record,
                        RecoveryReport& report) {
  PG_RETURN_IF_ERROR(fs_.CreateDirs(options_.dir));
  PG_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_.ListDir(options_.dir));
  std::map<uint64_t, std::string> segments;     // first seq → path
  std::map<uint64_t, std::string> checkpoints;  // seq → path
  for (const auto& name : names) {
    std::string path = options_.dir + "/" + name;
    if (auto n = NumberIn(name, kSegmentPrefix, kSegmentSuffix)) {
      segments.emplace(*n, path);
    } else if (auto c = NumberIn(name, kCheckpointPrefix, kCheckpointSuffix)) {
      checkpoints.emplace(*c, path);
    } else if (name.ends_with(".tmp")) {
      PG_RETURN_IF_ERROR(fs_.Remove(path));  // an interrupted checkpoint
    }
  }

  // The newest checkpoint that reads back whole.
  uint64_t checkpoint_seq = 0;
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    PG_ASSIGN_OR_RETURN(std::string bytes, fs_.ReadFile(it->second));
    bool ok =
        bytes.size() >= kCheckpointHeaderBytes &&
        std::memcmp(bytes.data(), kCheckpointMagic, 4) == 0 &&
        GetU32(bytes.data() + 4) == kFormatVersion && GetU64(bytes.data() + 8) == it->first &&
        GetU64(bytes.data() + 20) == bytes.size() - kCheckpointHeaderBytes &&
        Crc32(std::string_view(bytes).substr(kCheckpointHeaderBytes)) == GetU32(bytes.data() + 16);
    if (!ok) {
      PG_LOG_WARNING("journal: checkpoint '{}' is damaged; trying an older one", it->second);
      continue;
    }
    PG_RETURN_IF_ERROR(on_checkpoint(std::string_view(bytes).substr(kCheckpointHeaderBytes)));
    checkpoint_seq = it->first;
    break;
  }
  report.checkpoint_seq = checkpoint_seq;
  last_seq_ = checkpoint_seq;

  uint64_t expected = checkpoint_seq + 1;
  bool damaged = false;
  for (auto it = segments.begin(); it != segments.end(); ++it) {
    auto next = std::next(it);
    const std::string& path = it->second;
    if (damaged) {
      // After damage nothing can be applied: count what goes, then remove it.
      PG_ASSIGN_OR_RETURN(std::string bytes, fs_.ReadFile(path));
      report.bytes_dropped += bytes.size();
      size_t off = kSegmentHeaderBytes;
      JournalRecord r;
      size_t total = 0;
      while (off < bytes.size() &&
             ParseRecord(bytes.data() + off, bytes.size() - off, &r, &total).empty()) {
        ++report.records_dropped;
        off += total;
      }
      PG_RETURN_IF_ERROR(fs_.Remove(path));
      continue;
    }
    // A segment whose successor starts at or before `expected` holds only checkpointed records.
    if (next != segments.end() && next->first <= expected) continue;
    if (it->first > expected) {
      return DataLoss(fmt::format(
          "journal '{}' is missing records {}–{} (segment '{}' starts after them) and no "
          "checkpoint covers them",
          options_.dir, expected, it->first - 1, path));
    }
    PG_ASSIGN_OR_RETURN(std::string bytes, fs_.ReadFile(path));
    ++report.segments;
    size_t good = 0;  // bytes of the file known good
    std::string why;
    if (bytes.size() < kSegmentHeaderBytes || std::memcmp(bytes.data(), kSegmentMagic, 4) != 0 ||
        GetU32(bytes.data() + 4) != kFormatVersion || GetU64(bytes.data() + 8) != it->first) {
      why = bytes.size() < kSegmentHeaderBytes ? "incomplete segment header" : "bad segment header";
    } else {
      good = kSegmentHeaderBytes;
      while (good < bytes.size()) {
        JournalRecord r;
        size_t total = 0;
        why = ParseRecord(bytes.data() + good, bytes.size() - good, &r, &total);
        if (!why.empty()) break;
        if (r.seq > expected) {
          why =
              fmt::format("record {} follows record {}: records are missing", r.seq, expected - 1);
          break;
        }
        if (r.seq == expected) {
          PG_RETURN_IF_ERROR(on_record(r));
          ++report.records_replayed;
          ++expected;
          last_seq_ = r.seq;
        }
        good += total;
        bytes_since_checkpoint_ += total;
      }
    }
    if (!why.empty()) {
      damaged = true;
      report.damage = fmt::format("'{}' at byte {}: {}", path, good, why);
      report.bytes_dropped += bytes.size() - good;
      // Count intact-looking records past the damage, resynchronising on record headers.
      for (size_t off = good + 1; off + kRecordHeaderBytes <= bytes.size(); ++off) {
        JournalRecord r;
        size_t total = 0;
        if (ParseRecord(bytes.data() + off, bytes.size() - off, &r, &total).empty()) {
          ++report.records_dropped;
          off += total - 1;
        }
      }
      if (good < kSegmentHeaderBytes) {
        PG_RETURN_IF_ERROR(fs_.Remove(path));
      } else {
        PG_RETURN_IF_ERROR(fs_.Truncate(path, good));
      }
      report.last_seq = last_seq_;
      PG_LOG_WARNING("journal: {}", report.ToString());
    }
  }
  report.last_seq = last_seq_;
  PG_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));
  return StartSegment(last_seq_ + 1);
}

Status Journal::StartSegment(uint64_t first_seq) {
  if (segment_) {
    PG_RETURN_IF_ERROR(segment_->Close());
    segment_.reset();
  }
  std::string path = SegmentPath(first_seq);
  PG_ASSIGN_OR_RETURN(segment_, fs_.OpenAppendable(path));
  if (segment_->size() == 0) {
    std::string header(kSegmentMagic, 4);
    PutU32(header, kFormatVersion);
    PutU64(header, first_seq);
    PG_RETURN_IF_ERROR(segment_->Append(header));
    PG_RETURN_IF_ERROR(segment_->Sync());
    PG_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));
  } else if (segment_->size() != kSegmentHeaderBytes) {
    // Recovery truncated or replayed it, so any record in it would have been last_seq_ + 1.
    return Internal(fmt::format("journal segment '{}' is not empty as expected", path));
  }
  return Status::Ok();
}

Result<uint64_t> Journal::Append(RecordType type, std::string_view payload) {
  if (failed_) return FailedPrecondition("the journal failed earlier; restart to recover");
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
  PutU32(record_buffer_, 0);  // crc, filled below
  PutU32(record_buffer_, static_cast<uint32_t>(payload.size()));
  record_buffer_.push_back(static_cast<char>(type));
  PutU64(record_buffer_, seq);
  uint32_t crc = Crc32(std::string_view(record_buffer_).substr(4));
  crc = Crc32(payload, crc);
  std::string header = record_buffer_;
  for (int i = 0; i < 4; ++i) header[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  Status s = segment_->Append(header);
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
  if (failed_) return FailedPrecondition("the journal failed earlier; restart to recover");
  Status s = segment_->Sync();
  if (!s.ok()) failed_ = true;
  return s;
}

Status Journal::WriteCheckpoint(std::string_view state) {
  PG_RETURN_IF_ERROR(Sync());
  std::string bytes(kCheckpointMagic, 4);
  PutU32(bytes, kFormatVersion);
  PutU64(bytes, last_seq_);
  PutU32(bytes, Crc32(state));
  PutU64(bytes, state.size());
  bytes.append(state);
  PG_RETURN_IF_ERROR(fs_.WriteFileAtomic(CheckpointPath(last_seq_), bytes));
  uint64_t covered = last_seq_;
  if (Status s = StartSegment(covered + 1); !s.ok()) {
    failed_ = true;
    return s;
  }
  bytes_since_checkpoint_ = 0;
  // Everything older is now redundant.
  PG_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_.ListDir(options_.dir));
  for (const auto& name : names) {
    auto seg = NumberIn(name, kSegmentPrefix, kSegmentSuffix);
    auto cp = NumberIn(name, kCheckpointPrefix, kCheckpointSuffix);
    if ((seg && *seg <= covered) || (cp && *cp < covered)) {
      PG_RETURN_IF_ERROR(fs_.Remove(options_.dir + "/" + name));
    }
  }
  return fs_.SyncDir(options_.dir);
}

}  // namespace pg::journal
