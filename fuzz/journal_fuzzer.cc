// The journal's on-disk bytes (docs/formats/journal.md), as recovery reads them: the bytes as a
// segment (ScanSegment must account for every byte, in records or in damaged regions, and each
// record's payload is decoded), as a checkpoint file, and as an observation batch payload —
// which, when it decodes, must encode and decode back to the same batch. Text that starts like
// JSON is also read as the damage log's two files (damage.json, acks.json).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "core/file_system.h"
#include "fuzz/fuzz_support.h"
#include "journal/damage_log.h"
#include "journal/observation_codec.h"
#include "journal/record_format.h"

namespace {

using namespace pg::journal;

void ScanAsSegment(std::string_view bytes) {
  // The first seq the segment's name would give: the header's own, so a header can be intact.
  const uint64_t first_seq = bytes.size() >= kSegmentHeaderBytes ? GetU64(bytes.data() + 8) : 1;
  SegmentScan scan = ScanSegment(bytes, first_seq);
  if (bytes.empty()) return;  // one empty damaged region: "incomplete segment header"
  std::vector<std::pair<size_t, size_t>> covered;
  for (const ScannedRecord& r : scan.records) {
    covered.emplace_back(r.offset, r.offset + r.size);
    (void)DecodeObservationBatch(RecordPayload(bytes, r));
  }
  for (const ScannedRecord& r : scan.unknown_type)
    covered.emplace_back(r.offset, r.offset + r.size);
  for (const DamagedRegion& d : scan.damaged) covered.emplace_back(d.offset, d.end);
  std::sort(covered.begin(), covered.end());
  size_t at = scan.header_ok ? kSegmentHeaderBytes : 0;
  for (auto [begin, end] : covered) {
    pg::fuzz::Check(begin == at && end > begin, "the scan's regions follow each other");
    at = end;
  }
  pg::fuzz::Check(at == bytes.size(), "the scan accounts for every byte");
}

void DecodeAsBatch(std::string_view bytes) {
  auto batch = DecodeObservationBatch(bytes);
  if (!batch.ok()) return;
  std::string encoded;
  EncodeObservationBatch(batch->meta, batch->observations, encoded);
  auto again = DecodeObservationBatch(encoded);
  pg::fuzz::Check(again.ok(), "an encoded batch decodes");
  pg::fuzz::Check(again->observations == batch->observations, "a batch decodes back equal");
  pg::fuzz::Check(
      again->meta.channel == batch->meta.channel && again->meta.received == batch->meta.received,
      "a batch's meta decodes back equal");
}

void LoadAsDamageLog(std::string_view text) {
  const std::string damage = pg::fuzz::ScratchFile("journal/damage.json", text);
  pg::fuzz::ScratchFile("journal/acks.json", text);
  const std::string dir = std::filesystem::path(damage).parent_path().string();
  auto log = DamageLog::Load(pg::FileSystem::Default(), dir);
  if (!log.ok()) return;
  for (const Incident& i : log->incidents()) (void)ToJson(i).dump();
  (void)log->Unacknowledged();
  (void)log->KnownLost();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = pg::fuzz::AsText(data, size);
  ScanAsSegment(bytes);
  DecodeAsBatch(bytes);
  const uint64_t seq = size >= 16 ? GetU64(bytes.data() + 8) : 1;
  if (auto state = CheckpointState(bytes, seq)) {
    pg::fuzz::Check(CheckpointBytes(seq, *state) == bytes, "a checkpoint is its own bytes");
  }
  if (bytes.starts_with("{")) LoadAsDamageLog(bytes);
  return 0;
}
