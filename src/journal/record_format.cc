#include "journal/record_format.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace pg::journal {
namespace {

constexpr char kSegmentMagic[4] = {'P', 'G', 'J', '1'};
constexpr char kCheckpointMagic[4] = {'P', 'G', 'C', '1'};
constexpr uint32_t kFormatVersion = 1;
// How far past a segment's first seq a resynchronised record may claim to be: a random 8-byte
// seq lands in this window with probability 2^-32, so garbage is not taken for a record.
constexpr uint64_t kResyncSeqWindow = uint64_t{1} << 32;

enum class Parse { kOk, kDamaged, kUnknownType };

struct Parsed {
  Parse outcome = Parse::kDamaged;
  std::string why;
  ScannedRecord record;
};

// Reads the record at `offset`.
Parsed ParseAt(std::string_view bytes, size_t offset) {
  Parsed out;
  size_t left = bytes.size() - offset;
  const char* p = bytes.data() + offset;
  if (left < kRecordHeaderBytes) {
    out.why = fmt::format("incomplete record header ({} of {} bytes)", left, kRecordHeaderBytes);
    return out;
  }
  uint32_t length = GetU32(p + 4);
  if (length > kMaxRecordBytes) {
    out.why = fmt::format("record length {} is implausible", length);
    return out;
  }
  if (left - kRecordHeaderBytes < length) {
    out.why = fmt::format("incomplete record ({} of {} payload bytes)", left - kRecordHeaderBytes,
                          length);
    return out;
  }
  uint32_t stored = GetU32(p);
  uint32_t actual = Crc32(std::string_view(p + 4, kRecordHeaderBytes - 4 + length));
  if (actual != stored) {
    out.why = fmt::format("checksum mismatch (stored {:08x}, computed {:08x})", stored, actual);
    return out;
  }
  out.record = {GetU64(p + 9), offset, kRecordHeaderBytes + length};
  uint8_t type = static_cast<uint8_t>(p[8]);
  if (type != static_cast<uint8_t>(RecordType::kObservations)) {
    out.outcome = Parse::kUnknownType;
    out.why = fmt::format("unknown record type {}", type);
    return out;
  }
  out.outcome = Parse::kOk;
  return out;
}

// Whether a record could start at `offset` with a seq in (after, limit): the cheap header
// checks first, the CRC last, so scanning garbage costs little.
bool PlausibleRecordAt(std::string_view bytes, size_t offset, uint64_t after, uint64_t limit) {
  size_t left = bytes.size() - offset;
  if (left < kRecordHeaderBytes) return false;
  const char* p = bytes.data() + offset;
  uint32_t length = GetU32(p + 4);
  if (length > kMaxRecordBytes || left - kRecordHeaderBytes < length) return false;
  if (static_cast<uint8_t>(p[8]) != static_cast<uint8_t>(RecordType::kObservations)) return false;
  uint64_t seq = GetU64(p + 9);
  if (seq <= after || seq >= limit) return false;
  return ParseAt(bytes, offset).outcome == Parse::kOk;
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

std::string SegmentHeader(uint64_t first_seq) {
  std::string header(kSegmentMagic, 4);
  PutU32(header, kFormatVersion);
  PutU64(header, first_seq);
  return header;
}

void AppendRecordHeader(std::string& out, RecordType type, uint64_t seq, std::string_view payload) {
  size_t start = out.size();
  PutU32(out, 0);  // crc, filled below
  PutU32(out, static_cast<uint32_t>(payload.size()));
  out.push_back(static_cast<char>(type));
  PutU64(out, seq);
  uint32_t crc = Crc32(std::string_view(out).substr(start + 4), 0);
  crc = Crc32(payload, crc);
  for (int i = 0; i < 4; ++i) out[start + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

std::string CheckpointBytes(uint64_t seq, std::string_view state) {
  std::string bytes(kCheckpointMagic, 4);
  PutU32(bytes, kFormatVersion);
  PutU64(bytes, seq);
  PutU32(bytes, Crc32(state));
  PutU64(bytes, state.size());
  bytes.append(state);
  return bytes;
}

std::optional<std::string_view> CheckpointState(std::string_view file, uint64_t seq) {
  if (file.size() < kCheckpointHeaderBytes || std::memcmp(file.data(), kCheckpointMagic, 4) != 0 ||
      GetU32(file.data() + 4) != kFormatVersion || GetU64(file.data() + 8) != seq ||
      GetU64(file.data() + 20) != file.size() - kCheckpointHeaderBytes) {
    return std::nullopt;
  }
  std::string_view state = file.substr(kCheckpointHeaderBytes);
  if (Crc32(state) != GetU32(file.data() + 16)) return std::nullopt;
  return state;
}

SegmentScan ScanSegment(std::string_view bytes, uint64_t first_seq) {
  SegmentScan scan;
  size_t offset = std::min(bytes.size(), kSegmentHeaderBytes);
  scan.header_ok =
      bytes.size() >= kSegmentHeaderBytes && std::memcmp(bytes.data(), kSegmentMagic, 4) == 0 &&
      GetU32(bytes.data() + 4) == kFormatVersion && GetU64(bytes.data() + 8) == first_seq;
  if (!scan.header_ok) {
    scan.damaged.push_back(
        {0, offset,
         bytes.size() < kSegmentHeaderBytes ? "incomplete segment header" : "bad segment header"});
  }
  const uint64_t limit = first_seq + kResyncSeqWindow;
  uint64_t last = first_seq == 0 ? 0 : first_seq - 1;
  while (offset < bytes.size()) {
    Parsed p = ParseAt(bytes, offset);
    if (p.outcome == Parse::kOk && p.record.seq > last) {
      scan.records.push_back(p.record);
      last = p.record.seq;
      offset += p.record.size;
      continue;
    }
    if (p.outcome == Parse::kUnknownType) {
      scan.unknown_type.push_back(p.record);
      offset += p.record.size;
      continue;
    }
    if (p.outcome == Parse::kOk) {
      p.why = fmt::format("record {} is out of order after record {}", p.record.seq, last);
    }
    size_t next = offset + 1;
    while (next < bytes.size() && !PlausibleRecordAt(bytes, next, last, limit)) ++next;
    if (!scan.damaged.empty() && scan.damaged.back().end == offset) {
      scan.damaged.back().end = next;  // one region from the header's damage on
    } else {
      scan.damaged.push_back({offset, next, std::move(p.why)});
    }
    offset = next;
  }
  return scan;
}

std::string_view RecordPayload(std::string_view bytes, const ScannedRecord& r) {
  return bytes.substr(r.offset + kRecordHeaderBytes, r.size - kRecordHeaderBytes);
}

}  // namespace pg::journal
