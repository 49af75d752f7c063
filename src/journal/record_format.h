// The journal's on-disk framing (docs/formats/journal.md): segment headers, record headers, the
// checkpoint header, and the scanner that splits a segment's bytes into intact records and
// damaged regions. Pure functions over bytes; no I/O.
//
//   SegmentScan scan = ScanSegment(bytes, /*first_seq=*/1);
//   for (const ScannedRecord& r : scan.records) Apply(RecordPayload(bytes, r));
//   for (const DamagedRegion& d : scan.damaged) Quarantine(bytes.substr(d.offset, d.size()));
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pg::journal {

enum class RecordType : uint8_t {
  kObservations = 1,  // a batch of observations, see observation_codec.h
};

// Segment header: "PGJ1" magic, u32 format version, u64 seq of the first record. 16 bytes.
inline constexpr size_t kSegmentHeaderBytes = 16;
// Record header: u32 crc, u32 payload length, u8 type, u64 seq. 17 bytes.
inline constexpr size_t kRecordHeaderBytes = 17;
// Largest payload accepted on read; a length above it is damage.
inline constexpr uint32_t kMaxRecordBytes = uint32_t{256} << 20;
// Checkpoint header: magic, u32 version, u64 seq, u32 crc of the state, u64 state length.
inline constexpr size_t kCheckpointHeaderBytes = 28;

// CRC-32 (zlib's) of `data`, continuing from `crc`.
uint32_t Crc32(std::string_view data, uint32_t crc = 0);

// Little-endian integers.
void PutU32(std::string& out, uint32_t v);
void PutU64(std::string& out, uint64_t v);
uint32_t GetU32(const char* p);
uint64_t GetU64(const char* p);

// The 16 header bytes of a segment whose first record is `first_seq`.
std::string SegmentHeader(uint64_t first_seq);
// Appends the 17 header bytes of a record (CRC over header fields and payload) to `out`.
void AppendRecordHeader(std::string& out, RecordType type, uint64_t seq, std::string_view payload);
// A whole checkpoint file for the state after record `seq`.
std::string CheckpointBytes(uint64_t seq, std::string_view state);
// The state bytes of a checkpoint file that claims to be for `seq`; nullopt when its magic,
// version, seq, length or CRC do not check out.
std::optional<std::string_view> CheckpointState(std::string_view file, uint64_t seq);

struct ScannedRecord {
  uint64_t seq = 0;
  size_t offset = 0;  // of the record header in the segment
  size_t size = 0;    // header and payload
};

struct DamagedRegion {
  size_t offset = 0;
  size_t end = 0;  // one past the last damaged byte
  std::string why;
  size_t size() const { return end - offset; }
};

// What a segment's bytes hold. Every byte is either in a record or in a damaged region.
struct SegmentScan {
  bool header_ok = false;
  std::vector<ScannedRecord> records;  // intact, with strictly increasing seqs
  std::vector<DamagedRegion> damaged;  // in file order
  // CRC-valid records of a type this build does not know (a newer parkguide wrote them).
  std::vector<ScannedRecord> unknown_type;
};

// Splits `bytes` (a whole segment file) into intact records and damaged regions. After damage
// the scan resynchronises on the next CRC-valid record whose seq is after the last intact one
// and within 2^32 of `first_seq` (the segment's first seq, from its file name), so the records
// after a flipped byte or a zeroed block are kept.
SegmentScan ScanSegment(std::string_view bytes, uint64_t first_seq);

// The payload of a scanned record. REQUIRES: `r` came from ScanSegment(bytes, …).
std::string_view RecordPayload(std::string_view bytes, const ScannedRecord& r);

}  // namespace pg::journal
