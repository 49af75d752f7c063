// The sequence rule: what an observation's `seq` (and `boot`) means for its source — new, a
// duplicate, a recognised counter restart, or refused (SPEC §3 "accepted only once (same source
// and sequence)"; the rule in full: docs/api/ingest.md, "Sequence numbers").
//
// Per source the state keeps the newest accepted seq of the current epoch, the source's boot, the
// epoch number, when the seq last advanced (server time) and the newest observation time that
// advanced it. For an observation with seq s (and maybe boot b), in journal order:
//   1. s outside 0..kMaxSeq (2^53 − 1)                → refused (kOutOfRange)
//   2. b older than the held boot                     → duplicate (kOldBoot: from before a restart)
//      b new (greater, or the first boot)             → new epoch (kRestartBoot), s accepted as is
//   3. no seq yet in this epoch (or one above 2^53 − 1 that a version-1 record left)
//                                                     → accepted as is (kFirst)
//   4. s > last and s − last <= kSeqWindow            → accepted (kNext)
//   5. the source is seq-silent (below) and the observation is newer than any of this epoch
//                                                     → new epoch (kRestartSilence), s accepted
//   6. s > last + kSeqWindow                          → refused (kTooFarAhead)
//   7. s <= last                                      → duplicate (kDuplicate), as before
// Seq-silent: no seq of the source has advanced for longer than `restart_after` (the source's
// silence threshold, journaled with the batch) before this batch was received.
//
// Everything the rule reads is in the state (checkpointed) or in the journal record (boot, the
// received time and restart_after), so a replay decides the same.
//
// Thread-safety: pure functions over caller-owned values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"
#include "model/observation.h"
#include "state/live_state.h"

namespace pg::state {

// How far above the last accepted seq a seq may jump without a restart: a source that numbers
// its messages and lost a million of them has been away long enough to go seq-silent first
// (a million at 10 messages a second is 28 hours), while a corrupted or mistyped counter (a
// bit flip, 2^31, 2^63 − 1) lands far beyond it.
inline constexpr int64_t kSeqWindow = 1'000'000;

enum class SeqVerdict : uint8_t {
  kFirst,           // the first seq of the source (or of an epoch without boot): accepted
  kNext,            // above the last, within the window: accepted
  kRestartBoot,     // a new boot value: new epoch, accepted
  kRestartSilence,  // a counter restart after silence: new epoch, accepted
  kDuplicate,       // at or below the last, same epoch
  kOldBoot,         // a boot older than the held one: a message from before a restart
  kTooFarAhead,     // more than kSeqWindow above the last, and not after silence: refused
  kOutOfRange,      // below 0 or above model::kMaxSeq: refused
};

inline bool IsAccepted(SeqVerdict v) {
  return v == SeqVerdict::kFirst || v == SeqVerdict::kNext || v == SeqVerdict::kRestartBoot ||
         v == SeqVerdict::kRestartSilence;
}
inline bool IsRefused(SeqVerdict v) {
  return v == SeqVerdict::kTooFarAhead || v == SeqVerdict::kOutOfRange;
}

// One seq-carrying observation, with the context of its batch.
struct SeqInput {
  int64_t seq = 0;
  std::optional<int64_t> boot;
  Timestamp time;      // the observation's time
  Timestamp received;  // the server time of its batch
  // The source's silence threshold when the batch was received; 0: never restart on silence.
  std::chrono::milliseconds restart_after{0};
};

// What the rule says of `in` given the source's sequence so far. Changes nothing.
SeqVerdict JudgeSeq(const SourceStats& source, const SeqInput& in);

// Judges `in` and, when accepted, advances the source's sequence: last_seq, boot, seq_epoch,
// seq_restarts (a restart after an earlier seq), seq_advanced_at and seq_newest_time. Counts
// nothing else (duplicates and refusals are the caller's to count).
SeqVerdict AdvanceSeq(SourceStats& source, const SeqInput& in);

// The rule before epochs, for replaying a version-1 journal record as the code that wrote it
// decided: a seq at or below the last is a duplicate, any other is accepted (no range, window,
// boot or silence). Advances like AdvanceSeq.
SeqVerdict AdvanceSeqAsBeforeEpochs(SourceStats& source, const SeqInput& in);

// Why a refused seq is refused, for the client (problem+json's invalid_params reason).
// REQUIRES: IsRefused(verdict), judged against `source` as it was.
std::string SeqRefusalReason(const SourceStats& source, const SeqInput& in, SeqVerdict verdict);

// A source's silence threshold for restarts: its expected interval (or rules.default_interval
// when it declared none) × rules.stale_factor — the same factor as staleness and silence alerts.
std::chrono::milliseconds SeqRestartAfter(const SourceStats& source, const LiveRules& rules);

}  // namespace pg::state
