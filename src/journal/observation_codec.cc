#include "journal/observation_codec.h"

#include <fmt/format.h>

namespace pg::journal {
namespace {

// Version 2 added the batch's seq restart threshold and each observation's boot; version 1
// (no threshold: seq restarts after silence were not recognised) is still read.
constexpr uint8_t kVersion = 2;
constexpr uint8_t kVersion1 = 1;

enum Flags : uint8_t {
  kHasSeq = 1,
  kHasFree = 2,
  kHasOccupied = 4,
  kHasCategory = 8,
  kHasBoot = 16,  // version 2
};
constexpr uint8_t kKnownFlags = 31;

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void PutSigned(std::string& out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (pos_ >= data_.size()) return false;
      auto byte = static_cast<uint8_t>(data_[pos_++]);
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  bool Signed(int64_t* v) {
    uint64_t u = 0;
    if (!Varint(&u)) return false;
    *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool Byte(uint8_t* v) {
    if (pos_ >= data_.size()) return false;
    *v = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  bool String(std::string* s) {
    uint64_t n = 0;
    if (!Varint(&n) || n > data_.size() - pos_) return false;
    s->assign(data_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  size_t pos() const { return pos_; }
  bool done() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace

void EncodeObservationBatch(const BatchMeta& meta, std::span<const model::Observation> batch,
                            std::string& out) {
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(meta.channel));
  PutSigned(out, ToUnixMillis(meta.received));
  PutSigned(out, meta.seq_restart_after.count());
  PutVarint(out, batch.size());
  for (const auto& o : batch) {
    out.push_back(static_cast<char>(o.type));
    PutString(out, o.source.str());
    PutString(out, o.target);
    PutSigned(out, ToUnixMillis(o.time));
    uint8_t flags = (o.seq ? kHasSeq : 0) | (o.free ? kHasFree : 0) |
                    (o.occupied ? kHasOccupied : 0) | (o.category ? kHasCategory : 0) |
                    (o.boot ? kHasBoot : 0);
    out.push_back(static_cast<char>(flags));
    if (o.seq) PutSigned(out, *o.seq);
    if (o.boot) PutSigned(out, *o.boot);
    if (o.free) PutSigned(out, *o.free);
    if (o.occupied) PutSigned(out, *o.occupied);
    if (o.category) out.push_back(static_cast<char>(*o.category));
    switch (o.type) {
      case model::ObservationType::kEntry:
      case model::ObservationType::kExit:
        PutSigned(out, o.count);
        break;
      case model::ObservationType::kBay:
        out.push_back(static_cast<char>(o.bay_occupied ? 1 : 0));
        break;
      case model::ObservationType::kCharger:
        PutSigned(out, o.connector);
        out.push_back(static_cast<char>(o.charger_status));
        break;
      case model::ObservationType::kFacilityStatus:
        out.push_back(static_cast<char>(o.facility_status));
        break;
      case model::ObservationType::kFacilityCount:
        break;
    }
  }
}

namespace {

// The decoders below return what is wrong (DecodeObservationBatch adds where), or null.
using DecodeError = const char*;

DecodeError DecodeMeta(Reader& r, size_t payload_size, BatchMeta& meta, uint64_t& count) {
  uint8_t version = 0;
  uint8_t channel = 0;
  int64_t received = 0;
  if (!r.Byte(&version) || (version != kVersion && version != kVersion1)) {
    return "unknown version";
  }
  if (!r.Byte(&channel) || channel < 1 || channel > 6) return "unknown channel";
  meta.channel = static_cast<Channel>(channel);
  meta.version = version;
  if (!r.Signed(&received)) return "truncated";
  meta.received = FromUnixMillis(received);
  if (version >= kVersion) {
    int64_t restart_after_ms = 0;
    if (!r.Signed(&restart_after_ms) || restart_after_ms < 0) return "bad restart threshold";
    meta.seq_restart_after = std::chrono::milliseconds(restart_after_ms);
  }
  if (!r.Varint(&count) || count > payload_size) return "bad count";
  return nullptr;
}

// The fields every type may have, as `flags` announce them.
DecodeError DecodeOptionalFields(Reader& r, uint8_t flags, model::Observation& o) {
  int64_t v = 0;
  if (flags & kHasSeq) {
    if (!r.Signed(&v)) return "truncated seq";
    o.seq = v;
  }
  if (flags & kHasBoot) {
    if (!r.Signed(&v)) return "truncated boot";
    o.boot = v;
  }
  if (flags & kHasFree) {
    if (!r.Signed(&v)) return "truncated free";
    o.free = static_cast<int>(v);
  }
  if (flags & kHasOccupied) {
    if (!r.Signed(&v)) return "truncated occupied";
    o.occupied = static_cast<int>(v);
  }
  if (flags & kHasCategory) {
    uint8_t c = 0;
    if (!r.Byte(&c) || c > static_cast<uint8_t>(model::SpaceCategory::kMotorcycle)) {
      return "bad category";
    }
    o.category = static_cast<model::SpaceCategory>(c);
  }
  return nullptr;
}

// The fields of the observation's type.
DecodeError DecodeTypeFields(Reader& r, model::Observation& o) {
  int64_t v = 0;
  uint8_t b = 0;
  switch (o.type) {
    case model::ObservationType::kEntry:
    case model::ObservationType::kExit:
      if (!r.Signed(&v)) return "truncated count";
      o.count = static_cast<int>(v);
      break;
    case model::ObservationType::kBay:
      if (!r.Byte(&b)) return "truncated bay state";
      o.bay_occupied = b != 0;
      break;
    case model::ObservationType::kCharger:
      if (!r.Signed(&v) || !r.Byte(&b) ||
          b > static_cast<uint8_t>(model::ChargerStatus::kFaulted)) {
        return "bad charger status";
      }
      o.connector = static_cast<int>(v);
      o.charger_status = static_cast<model::ChargerStatus>(b);
      break;
    case model::ObservationType::kFacilityStatus:
      if (!r.Byte(&b) || b > static_cast<uint8_t>(model::FacilityStatus::kFull)) {
        return "bad facility status";
      }
      o.facility_status = static_cast<model::FacilityStatus>(b);
      break;
    case model::ObservationType::kFacilityCount:
      break;
  }
  return nullptr;
}

DecodeError DecodeObservation(Reader& r, int version, model::Observation& o) {
  uint8_t type = 0;
  std::string source;
  int64_t time = 0;
  uint8_t flags = 0;
  if (!r.Byte(&type) || type > static_cast<uint8_t>(model::ObservationType::kFacilityStatus)) {
    return "unknown observation type";
  }
  o.type = static_cast<model::ObservationType>(type);
  if (!r.String(&source) || !r.String(&o.target) || !r.Signed(&time) || !r.Byte(&flags)) {
    return "truncated observation";
  }
  o.source = model::SourceId(std::move(source));
  o.time = FromUnixMillis(time);
  // Version 1 wrote only its four flags; its reader ignored the other bits, and so does this.
  if (version == kVersion1) {
    flags &= kHasSeq | kHasFree | kHasOccupied | kHasCategory;
  } else if ((flags & ~kKnownFlags) != 0 || ((flags & kHasBoot) && !(flags & kHasSeq))) {
    return "bad flags";
  }
  if (DecodeError e = DecodeOptionalFields(r, flags, o)) return e;
  return DecodeTypeFields(r, o);
}

}  // namespace

Result<ObservationBatch> DecodeObservationBatch(std::string_view payload) {
  Reader r(payload);
  ObservationBatch batch;
  uint64_t count = 0;
  DecodeError error = DecodeMeta(r, payload.size(), batch.meta, count);
  if (!error) {
    batch.observations.resize(count);
    for (auto& o : batch.observations) {
      if ((error = DecodeObservation(r, batch.meta.version, o))) break;
    }
  }
  if (!error && !r.done()) error = "trailing bytes";
  if (error) return DataLoss(fmt::format("observation batch: {} at byte {}", error, r.pos()));
  return batch;
}

}  // namespace pg::journal
