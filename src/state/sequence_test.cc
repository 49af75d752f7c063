#include "state/sequence.h"

#include <gtest/gtest.h>

namespace pg::state {
namespace {

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

constexpr std::chrono::milliseconds kThreshold{180'000};  // 60 s × 3

// A source whose seq last advanced to 100 at 08:00:00 (received 08:00:05).
SourceStats At100(std::optional<int64_t> boot = {}) {
  SourceStats s;
  s.id = "gw";
  s.last_seq = 100;
  s.boot = boot;
  s.seq_epoch = 1;
  s.seq_advanced_at = T("2026-11-28T08:00:05Z");
  s.seq_newest_time = T("2026-11-28T08:00:00Z");
  return s;
}

SeqInput In(int64_t seq, const char* time = "2026-11-28T08:01:00Z",
            const char* received = "2026-11-28T08:01:05Z", std::optional<int64_t> boot = {}) {
  return {seq, boot, T(time), T(received), kThreshold};
}

TEST(SequenceRule, TheTableOfVerdicts) {
  struct Row {
    const char* what;
    SourceStats source;
    SeqInput in;
    SeqVerdict expected;
  };
  const char* late = "2026-11-28T08:03:06Z";  // 181 s after the seq last advanced
  const Row rows[] = {
      {"first seq ever, any value", SourceStats{}, In(model::kMaxSeq), SeqVerdict::kFirst},
      {"next", At100(), In(101), SeqVerdict::kNext},
      {"a gap within the window", At100(), In(100 + kSeqWindow), SeqVerdict::kNext},
      {"beyond the window", At100(), In(101 + kSeqWindow), SeqVerdict::kTooFarAhead},
      {"the old trap, 2^63 - 1", At100(), In(INT64_MAX), SeqVerdict::kOutOfRange},
      {"above 2^53 - 1 even first", SourceStats{}, In(model::kMaxSeq + 1), SeqVerdict::kOutOfRange},
      {"negative", At100(), In(-1), SeqVerdict::kOutOfRange},
      {"same seq", At100(), In(100), SeqVerdict::kDuplicate},
      {"lower seq, not silent", At100(), In(1, "2026-11-28T08:01:00Z", "2026-11-28T08:03:05Z"),
       SeqVerdict::kDuplicate},
      {"lower seq after silence", At100(), In(1, late, late), SeqVerdict::kRestartSilence},
      {"far ahead after silence", At100(), In(100 + 5 * kSeqWindow, late, late),
       SeqVerdict::kRestartSilence},
      {"a retransmission after silence (not newer)", At100(), In(50, "2026-11-28T07:59:00Z", late),
       SeqVerdict::kDuplicate},
      {"no threshold: never on silence", At100(),
       SeqInput{1, std::nullopt, T(late), T(late), std::chrono::milliseconds(0)},
       SeqVerdict::kDuplicate},
      {"first boot from a source that sent none", At100(),
       In(1, "2026-11-28T08:01:00Z", "2026-11-28T08:01:05Z", 1), SeqVerdict::kRestartBoot},
      {"a new boot", At100(7), In(1, "2026-11-28T08:01:00Z", "2026-11-28T08:01:05Z", 8),
       SeqVerdict::kRestartBoot},
      {"same boot, next", At100(7), In(101, "2026-11-28T08:01:00Z", "2026-11-28T08:01:05Z", 7),
       SeqVerdict::kNext},
      {"same boot, lower", At100(7), In(99, "2026-11-28T08:01:00Z", "2026-11-28T08:01:05Z", 7),
       SeqVerdict::kDuplicate},
      {"an older boot", At100(7), In(500, "2026-11-28T08:01:00Z", "2026-11-28T08:01:05Z", 6),
       SeqVerdict::kOldBoot},
      {"the first seq with a boot", SourceStats{},
       In(9, "2026-11-28T08:01:00Z", "2026-11-28T08:01:05Z", 3), SeqVerdict::kFirst},
      {"a held seq beyond 2^53 - 1 (a version-1 record's) counts as none",
       [] {
         SourceStats s = At100();
         s.last_seq = INT64_MAX;
         return s;
       }(),
       In(5), SeqVerdict::kFirst},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(JudgeSeq(row.source, row.in), row.expected) << row.what;
  }
}

TEST(SequenceRule, ARestartStartsANewEpochAndCountsIt) {
  SourceStats s = At100(7);
  const SeqVerdict v = AdvanceSeq(s, In(3, "2026-11-28T08:01:00Z", "2026-11-28T08:01:05Z", 8));
  EXPECT_EQ(v, SeqVerdict::kRestartBoot);
  EXPECT_EQ(s.last_seq, 3);
  EXPECT_EQ(s.boot, 8);
  EXPECT_EQ(s.seq_epoch, 2u);
  EXPECT_EQ(s.seq_restarts, 1u);
  EXPECT_EQ(s.seq_advanced_at, T("2026-11-28T08:01:05Z"));
  // The new epoch goes on from its own seq; the old boot's messages are out.
  EXPECT_EQ(AdvanceSeq(s, In(4, "2026-11-28T08:01:10Z", "2026-11-28T08:01:15Z", 8)),
            SeqVerdict::kNext);
  EXPECT_EQ(AdvanceSeq(s, In(101, "2026-11-28T08:01:10Z", "2026-11-28T08:01:15Z", 7)),
            SeqVerdict::kOldBoot);
  EXPECT_EQ(s.last_seq, 4);
}

TEST(SequenceRule, RejectedSeqsLeaveTheSequenceAlone) {
  for (int64_t seq : {int64_t{100}, int64_t{50}, 101 + kSeqWindow, INT64_MAX}) {
    SourceStats s = At100();
    EXPECT_FALSE(IsAccepted(AdvanceSeq(s, In(seq)))) << seq;
    EXPECT_EQ(s.last_seq, 100) << seq;
    EXPECT_EQ(s.seq_epoch, 1u) << seq;
    EXPECT_EQ(s.seq_advanced_at, T("2026-11-28T08:00:05Z")) << seq;
  }
}

TEST(SequenceRule, TheFirstSeqIsNotARestart) {
  SourceStats s;
  EXPECT_EQ(AdvanceSeq(s, In(42)), SeqVerdict::kFirst);
  EXPECT_EQ(s.seq_epoch, 1u);
  EXPECT_EQ(s.seq_restarts, 0u);
}

TEST(SequenceRule, RefusalReasonsSayWhatIsAllowed) {
  SourceStats s = At100();
  std::string ahead = SeqRefusalReason(s, In(5'000'000), SeqVerdict::kTooFarAhead);
  EXPECT_NE(ahead.find("4999900 ahead"), std::string::npos) << ahead;
  EXPECT_NE(ahead.find("last accepted seq 100"), std::string::npos) << ahead;
  EXPECT_NE(ahead.find("at most 1000000"), std::string::npos) << ahead;
  EXPECT_NE(ahead.find("\"boot\""), std::string::npos) << ahead;
  EXPECT_NE(ahead.find("after 180 s"), std::string::npos) << ahead;
  std::string range = SeqRefusalReason(s, In(INT64_MAX), SeqVerdict::kOutOfRange);
  EXPECT_NE(range.find("0–9007199254740991"), std::string::npos) << range;
}

TEST(SequenceRule, TheRestartThresholdIsTheSilenceThreshold) {
  LiveRules rules;  // stale_factor 3, default_interval 300 s
  SourceStats s;
  s.expected_interval = std::chrono::seconds(60);
  EXPECT_EQ(SeqRestartAfter(s, rules), std::chrono::milliseconds(180'000));
  s.expected_interval = std::chrono::seconds(0);  // none declared: the default interval
  EXPECT_EQ(SeqRestartAfter(s, rules), std::chrono::milliseconds(900'000));
}

}  // namespace
}  // namespace pg::state
