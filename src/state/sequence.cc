#include "state/sequence.h"

#include <fmt/format.h>

#include <cmath>

namespace pg::state {
namespace {

// No seq of the source has advanced for longer than the threshold before this batch, and the
// observation is newer than every one of this epoch (a retransmission of old messages after a
// pause is not a restart: its times give it away).
bool SeqSilent(const SourceStats& s, const SeqInput& in) {
  return in.restart_after.count() > 0 && s.seq_advanced_at != Timestamp{} &&
         in.received - s.seq_advanced_at > in.restart_after && in.time > s.seq_newest_time;
}

}  // namespace

SeqVerdict JudgeSeq(const SourceStats& s, const SeqInput& in) {
  if (in.seq > model::kMaxSeq || in.seq < 0) return SeqVerdict::kOutOfRange;
  if (in.boot && s.boot && *in.boot < *s.boot) return SeqVerdict::kOldBoot;
  if (in.boot && (!s.boot || *in.boot > *s.boot)) {
    return s.last_seq ? SeqVerdict::kRestartBoot : SeqVerdict::kFirst;
  }
  // A held seq outside the range can only come from before the rule (a version-1 record): it
  // would make every real seq a duplicate, so it counts as none.
  if (!s.last_seq || *s.last_seq < 0 || *s.last_seq > model::kMaxSeq) return SeqVerdict::kFirst;
  const int64_t last = *s.last_seq;
  if (in.seq > last && in.seq - last <= kSeqWindow) return SeqVerdict::kNext;
  if (SeqSilent(s, in)) return SeqVerdict::kRestartSilence;
  return in.seq > last ? SeqVerdict::kTooFarAhead : SeqVerdict::kDuplicate;
}

SeqVerdict AdvanceSeq(SourceStats& s, const SeqInput& in) {
  const SeqVerdict v = JudgeSeq(s, in);
  switch (v) {
    case SeqVerdict::kFirst:
    case SeqVerdict::kRestartBoot:
    case SeqVerdict::kRestartSilence:
      if (s.last_seq) ++s.seq_restarts;
      ++s.seq_epoch;
      s.seq_newest_time = in.time;
      break;
    case SeqVerdict::kNext:
      s.seq_newest_time = std::max(s.seq_newest_time, in.time);
      break;
    case SeqVerdict::kDuplicate:
    case SeqVerdict::kOldBoot:
    case SeqVerdict::kTooFarAhead:
    case SeqVerdict::kOutOfRange:
      return v;
  }
  s.last_seq = in.seq;
  if (in.boot) s.boot = in.boot;
  s.seq_advanced_at = std::max(s.seq_advanced_at, in.received);
  return v;
}

SeqVerdict AdvanceSeqAsBeforeEpochs(SourceStats& s, const SeqInput& in) {
  if (s.last_seq && in.seq <= *s.last_seq) return SeqVerdict::kDuplicate;
  const SeqVerdict v = s.last_seq ? SeqVerdict::kNext : SeqVerdict::kFirst;
  if (!s.last_seq) {
    s.seq_epoch = std::max<uint64_t>(s.seq_epoch, 1);
    s.seq_newest_time = in.time;
  }
  s.last_seq = in.seq;
  s.seq_newest_time = std::max(s.seq_newest_time, in.time);
  s.seq_advanced_at = std::max(s.seq_advanced_at, in.received);
  return v;
}

std::string SeqRefusalReason(const SourceStats& s, const SeqInput& in, SeqVerdict verdict) {
  if (verdict == SeqVerdict::kOutOfRange) {
    return fmt::format("{} is not in 0–{} (2^53 − 1, the largest integer JSON carries exactly)",
                       in.seq, model::kMaxSeq);
  }
  const auto silence_s = std::chrono::duration_cast<std::chrono::seconds>(in.restart_after).count();
  return fmt::format(
      "{} is {} ahead of the last accepted seq {} of source '{}' (at most {} ahead); a "
      "restarted counter is accepted with a new \"boot\", or after {} s without a new seq",
      in.seq, in.seq - s.last_seq.value_or(0), s.last_seq.value_or(0), s.id, kSeqWindow, silence_s);
}

std::chrono::milliseconds SeqRestartAfter(const SourceStats& source, const LiveRules& rules) {
  const std::chrono::seconds interval =
      source.expected_interval.count() > 0 ? source.expected_interval : rules.default_interval;
  return std::chrono::milliseconds(static_cast<int64_t>(
      std::llround(static_cast<double>(interval.count()) * 1000.0 * rules.stale_factor)));
}

}  // namespace pg::state
