#include "ingest/core/ingest_service.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <future>

#include "tests/support/fault_injection_file_system.h"
#include "tests/support/temp_dir.h"

namespace pg::ingest {
namespace {

Timestamp T(const char* text) { return *ParseRfc3339(text); }

std::shared_ptr<const registry::Registry> MakeRegistry() {
  model::RegistryData data;
  model::City city;
  city.id = "test";
  data.city = city;
  for (const char* id : {"F1", "F2"}) {
    model::Facility f;
    f.id = model::FacilityId(id);
    f.capacity.total = 100;
    f.operator_name = std::string(id) == "F1" ? "Alpha" : "Beta";
    data.facilities.push_back(f);
  }
  model::Charger c;
  c.id = model::ChargerId("C1");
  c.operator_name = "Alpha";
  c.connectors = {{1, model::ConnectorType::kGbtDc, 60}};
  data.chargers.push_back(c);
  return *registry::Registry::Build(std::move(data));
}

struct Fixture {
  explicit Fixture(FileSystem& fs = FileSystem::Default(), IngestLimits limits = {},
                   PipelineOptions pipeline_options = {})
      : clock(T("2026-11-28T08:00:00+08:00")), state(MakeRegistry(), {}, &clock) {
    journal_dir = dir.File("journal");
    auto p = IngestPipeline::Open(fs, {.dir = journal_dir, .segment_bytes = 4096}, state,
                                  pipeline_options, nullptr);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    pipeline = std::move(*p);
    alpha = IssueKey();
    everyone = IssueKey();
    revoked = IssueKey();
    model::Source a;
    a.id = model::SourceId("alpha");
    a.scope.operators = {"Alpha"};
    model::Source all;
    all.id = model::SourceId("everyone");
    all.scope.all = true;
    model::Source gone = all;
    gone.id = model::SourceId("gone");
    gone.revoked_at = clock.Now();
    keys.Load({{a, alpha.stored, {}}, {all, everyone.stored, {}}, {gone, revoked.stored, {}}},
              state.index());
    service = std::make_unique<IngestService>(state, keys, *pipeline, clock, limits);
  }

  IngestResult Post(const std::string& key, const std::string& body) {
    std::promise<IngestResult> promise;
    service->Submit("Bearer " + key, body, journal::Channel::kHttp,
                    [&](IngestResult r) { promise.set_value(std::move(r)); });
    return promise.get_future().get();
  }

  testing::TempDir dir;
  std::string journal_dir;
  FakeClock clock;
  state::LiveState state;
  std::unique_ptr<IngestPipeline> pipeline;
  KeyRing keys;
  IssuedKey alpha, everyone, revoked;
  std::unique_ptr<IngestService> service;
};

std::string Count(const char* facility, int free, int seq, const char* time = "08:00:00") {
  return fmt::format(
      R"({{"type":"facility_count","facility":"{}","time":"2026-11-28T{}+08:00","free":{},"seq":{}}})",
      facility, time, free, seq);
}
std::string Batch(std::initializer_list<std::string> items) {
  std::string out = R"({"observations":[)";
  bool first = true;
  for (const auto& i : items) {
    if (!first) out += ",";
    first = false;
    out += i;
  }
  return out + "]}";
}

// A server clock stepped back refuses every source as "in the future": the service keeps, per
// source, its newest such refusal, so /health can say the server's clock is the likely cause.
TEST(IngestService, BatchesRefusedAsInTheFutureAreNotedPerSourceForTheClockCheck) {
  Fixture f;  // the server's clock: 2026-11-28 08:00 +08:00
  auto r = f.Post(f.alpha.key, Batch({Count("F1", 40, 1, "09:00:00")}));
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.service->FutureRefusals().size(), 1u);
  EXPECT_FALSE(SuspectServerClock(*f.state.Snapshot(), f.service->FutureRefusals(), f.clock.Now()));
  r = f.Post(f.everyone.key, Batch({Count("F2", 40, 1, "09:01:00")}));
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  auto refusals = f.service->FutureRefusals();
  ASSERT_EQ(refusals.size(), 2u);
  auto suspicion = SuspectServerClock(*f.state.Snapshot(), refusals, f.clock.Now());
  ASSERT_TRUE(suspicion);
  EXPECT_EQ(suspicion->kind, ClockSuspicion::Kind::kBehind);
  EXPECT_EQ(suspicion->sources, 2);
  // Five minutes later, with nothing refused since, the suspicion is gone.
  f.clock.Advance(std::chrono::minutes(6));
  EXPECT_FALSE(SuspectServerClock(*f.state.Snapshot(), f.service->FutureRefusals(), f.clock.Now()));
}

TEST(IngestService, AcceptedBatchIsCountedAndReplaysToTheSameState) {
  Fixture f;
  auto r = f.Post(f.alpha.key,
                  Batch({Count("F1", 40, 1), Count("F1", 41, 1), Count("F1", 50, 2, "07:00:00")}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.counts.accepted, 1);
  EXPECT_EQ(r.counts.duplicate, 1);
  EXPECT_EQ(r.counts.out_of_order, 1);
  EXPECT_EQ(f.state.Snapshot()->FindFacility("F1")->total.occupied, 60);
  r = f.Post(f.everyone.key, Batch({Count("F2", 10, 1)}));
  ASSERT_TRUE(r.status.ok());
  std::string bytes = f.state.Serialize();
  f.pipeline->Stop();

  state::LiveState replayed(MakeRegistry(), {}, &f.clock);
  journal::RecoveryReport report;
  auto p =
      IngestPipeline::Open(FileSystem::Default(), {.dir = f.journal_dir}, replayed, {}, &report);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(replayed.Serialize(), bytes);
}

TEST(IngestService, NoValidKeyIs401) {
  Fixture f;
  for (const std::string& key : {std::string(""), std::string("nonsense"), f.revoked.key,
                                 f.alpha.key.substr(0, f.alpha.key.size() - 1) + "x"}) {
    auto r = f.Post(key, Batch({Count("F1", 40, 1)}));
    EXPECT_EQ(r.status.code(), StatusCode::kUnauthenticated) << key;
  }
  EXPECT_EQ(f.state.Snapshot()->version, 0u);
}

TEST(IngestService, AnyInvalidItemRejectsTheWholeBatchListingEveryOne) {
  Fixture f;
  auto r = f.Post(f.alpha.key,
                  Batch({Count("F1", 40, 1), R"({"type":"entry","facility":"F1"})",
                         R"({"type":"bay","time":"2026-11-28T08:00:00+08:00","occupied":true})"}));
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].Name(), "observations[1].time");
  EXPECT_EQ(r.items[1].Name(), "observations[2].bay");
  EXPECT_EQ(f.state.Snapshot()->version, 0u) << "nothing applied";
}

// A bad time does not hide an unknown facility, nor a bad status an unknown connector: the
// refusal lists every bad field, the registry's findings with the parser's.
TEST(IngestService, ARefusalListsEveryBadFieldOfEveryItemTheRegistrysToo) {
  Fixture f;
  auto r = f.Post(
      f.everyone.key,
      Batch(
          {R"({"type":"facility_count","facility":"F9","time":"yesterday","free":5})",
           Count("F1", 40, 1),
           R"({"type":"charger","charger":"C1","connector":4,"status":"Bogus","time":"2026-11-28T08:00:00+08:00"})"}));
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  std::vector<std::string> names;
  for (const auto& item : r.items) names.push_back(item.Name());
  EXPECT_EQ(names,
            (std::vector<std::string>{"observations[0].time", "observations[0].facility",
                                      "observations[2].status", "observations[2].connector"}));
  EXPECT_NE(r.status.message().find("2 of 3 observations"), std::string::npos)
      << r.status.message();
  EXPECT_EQ(f.state.Snapshot()->version, 0u) << "nothing applied";
}

TEST(IngestService, UnknownTargetsAre400) {
  Fixture f;
  auto r = f.Post(
      f.everyone.key,
      Batch(
          {Count("F9", 40, 1),
           R"({"type":"charger","charger":"C1","connector":4,"status":"Faulted","time":"2026-11-28T08:00:00+08:00"})"}));
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].Name(), "observations[0].facility");
  EXPECT_EQ(r.items[1].Name(), "observations[1].connector");
}

TEST(IngestService, TargetsOutsideTheScopeAre403AndNothingIsApplied) {
  Fixture f;
  auto r = f.Post(
      f.alpha.key,
      Batch(
          {Count("F1", 40, 1), Count("F2", 40, 2),
           R"({"type":"charger","charger":"C1","connector":1,"status":"Faulted","time":"2026-11-28T08:00:00+08:00"})"}));
  EXPECT_EQ(r.status.code(), StatusCode::kPermissionDenied);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].index, 1u);
  EXPECT_EQ(f.state.Snapshot()->version, 0u);
}

TEST(IngestService, OverTheRateLimitIs429WithRetryAfter) {
  IngestLimits limits;
  limits.observations_per_second = 2;
  limits.burst = 3;
  Fixture f(FileSystem::Default(), limits);
  EXPECT_TRUE(f.Post(f.alpha.key, Batch({Count("F1", 1, 1), Count("F1", 2, 2)})).status.ok());
  auto r = f.Post(f.alpha.key, Batch({Count("F1", 3, 3), Count("F1", 4, 4)}));
  EXPECT_EQ(r.status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(r.retry_after_s, 1);
  f.clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(f.Post(f.alpha.key, Batch({Count("F1", 3, 3), Count("F1", 4, 4)})).status.ok());
}

TEST(IngestService, AJournalThatCannotSyncAnswers503AndAppliesNothing) {
  testing::FaultInjectionFileSystem fs;
  Fixture f(fs);
  fs.FailNextSyncs(1);
  auto r = f.Post(f.alpha.key, Batch({Count("F1", 40, 1)}));
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(f.state.Snapshot()->version, 0u);
  r = f.Post(f.alpha.key, Batch({Count("F1", 40, 2)}));
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable) << "refuses until restarted";
}

TEST(IngestService, NewKeyIsFoundByReloading) {
  Fixture f;
  IssuedKey late = IssueKey();
  model::Source s;
  s.id = model::SourceId("late");
  s.scope.all = true;
  int reloads = 0;
  f.service->SetKeyReloader([&] {
    ++reloads;
    f.keys.Load({{s, late.stored, {}}}, f.state.index());
  });
  EXPECT_TRUE(f.Post(late.key, Batch({Count("F2", 40, 1)})).status.ok());
  EXPECT_EQ(reloads, 1);
  // A known key id with a wrong secret is refused without reloading.
  std::string wrong =
      late.key.substr(0, late.key.size() - 2) + (late.key.back() == 'A' ? "BB" : "AA");
  f.clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(f.Post(wrong, Batch({Count("F2", 40, 2)})).status.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(reloads, 1);
}

TEST(IngestService, CheckpointsAndReplayRebuildAByteIdenticalState) {
  PipelineOptions options;
  options.checkpoint_bytes = 3000;  // several checkpoints along the way
  Fixture f(FileSystem::Default(), {}, options);
  int seq = 0;
  for (int batch = 0; batch < 60; ++batch) {
    std::string items;
    for (int i = 0; i < 5; ++i) {
      if (!items.empty()) items += ",";
      ++seq;
      const char* facility = (seq % 3 == 0) ? "F2" : "F1";
      items += fmt::format(
          R"({{"type":"{}","facility":"{}","time":"2026-11-28T07:{:02}:{:02}+08:00","{}":{},"seq":{}}})",
          seq % 4 == 0 ? "entry" : "facility_count", facility, seq / 60 % 60, seq % 60,
          seq % 4 == 0 ? "count" : "free", seq % 4 == 0 ? 1 + seq % 3 : seq % 120, seq);
    }
    auto r = f.Post(f.everyone.key, R"({"observations":[)" + items + "]}");
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  }
  EXPECT_GE(f.pipeline->stats().checkpoints, 2u);
  std::string bytes = f.state.Serialize();
  // The journal as a crash right now would leave it (every acknowledged batch is synced):
  // a checkpoint and records after it, without the checkpoint a clean stop would add.
  std::string crashed = f.dir.File("crashed");
  std::filesystem::copy(f.journal_dir, crashed);
  f.pipeline->Stop();
  state::LiveState replayed(MakeRegistry(), {}, &f.clock);
  journal::RecoveryReport report;
  auto p = IngestPipeline::Open(FileSystem::Default(), {.dir = crashed}, replayed, {}, &report);
  ASSERT_TRUE(p.ok());
  EXPECT_GT(report.checkpoint_seq, 0u) << "start-up began from a checkpoint";
  EXPECT_GT(report.records_replayed, 0u) << report.ToString();
  EXPECT_EQ(replayed.Serialize(), bytes);
}

// --- Sequence numbers (docs/api/ingest.md, "Sequence numbers") ---

std::string SeqCount(int free, int64_t seq, const char* time,
                     std::optional<int64_t> boot = std::nullopt) {
  return fmt::format(
      R"({{"type":"facility_count","facility":"F2","time":"2026-11-28T{}+08:00","free":{},"seq":{}{}}})",
      time, free, seq, boot ? fmt::format(R"(,"boot":{})", *boot) : "");
}

// The finding: one seq of 2^63 − 1 silenced its source for good, across restarts.
TEST(IngestServiceSequence, TheTrapSeqIsA400NamingSeqAndTheSourceKeepsWorking) {
  Fixture f;
  ASSERT_TRUE(f.Post(f.everyone.key, Batch({SeqCount(10, 5, "07:59:00")})).status.ok());
  auto r = f.Post(f.everyone.key,
                  Batch({SeqCount(11, 6, "07:59:10"), SeqCount(12, INT64_MAX, "07:59:20")}));
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].Name(), "observations[1].seq");
  EXPECT_EQ(f.state.Snapshot()->FindSource("everyone")->last_seq, 5) << "nothing applied";
  r = f.Post(f.everyone.key, Batch({SeqCount(11, 6, "07:59:10"), SeqCount(12, 7, "07:59:20")}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.counts.accepted, 2);
}

TEST(IngestServiceSequence, ASeqTooFarAheadIsA400WithTheReasonWithinTheWindowIsAccepted) {
  Fixture f;
  ASSERT_TRUE(f.Post(f.everyone.key, Batch({SeqCount(10, 100, "07:59:00")})).status.ok());
  // Judged in order: the second item is within the window of the first.
  auto r = f.Post(f.everyone.key,
                  Batch({SeqCount(11, 900'000, "07:59:10"), SeqCount(12, 1'800'000, "07:59:20"),
                         SeqCount(13, 5'000'000, "07:59:30")}));
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].Name(), "observations[2].seq");
  EXPECT_NE(r.items[0].reason.find("3200000 ahead of the last accepted seq 1800000"),
            std::string::npos)
      << r.items[0].reason;
  EXPECT_EQ(f.state.Snapshot()->FindSource("everyone")->seq_refused, 1u) << "counted in health";
  r = f.Post(f.everyone.key,
             Batch({SeqCount(11, 900'000, "07:59:10"), SeqCount(12, 1'800'000, "07:59:20")}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.counts.accepted, 2);
}

TEST(IngestServiceSequence, ACounterRestartAfterSilenceIsAccepted) {
  Fixture f;  // "everyone" declares no interval: the default 300 s × 3 = 15 minutes
  ASSERT_TRUE(f.Post(f.everyone.key, Batch({SeqCount(10, 70'000, "07:59:00")})).status.ok());
  f.clock.Advance(std::chrono::minutes(10));
  auto r = f.Post(f.everyone.key, Batch({SeqCount(11, 1, "08:09:00")}));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.counts.duplicate, 1) << "a lower seq before the threshold";
  f.clock.Advance(std::chrono::minutes(6));
  r = f.Post(f.everyone.key, Batch({SeqCount(12, 1, "08:15:00"), SeqCount(13, 2, "08:15:10")}));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.counts.accepted, 2);
  const auto* s = f.state.Snapshot()->FindSource("everyone");
  EXPECT_EQ(s->seq_restarts, 1u);
  EXPECT_EQ(s->seq_epoch, 2u);
}

TEST(IngestServiceSequence, ANewBootIsAcceptedAnOldBootIsADuplicate) {
  Fixture f;
  ASSERT_TRUE(f.Post(f.everyone.key, Batch({SeqCount(10, 500, "07:59:00", 3)})).status.ok());
  auto r = f.Post(f.everyone.key, Batch({SeqCount(11, 1, "07:59:10", 4)}));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.counts.accepted, 1);
  r = f.Post(f.everyone.key, Batch({SeqCount(12, 501, "07:59:20", 3)}));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.counts.duplicate, 1);
  EXPECT_EQ(f.state.Snapshot()->FindSource("everyone")->boot, 4);
}

// Every decision of the rule, applied live, then after a restart — from the journal alone, and
// from a checkpoint plus the records after it: the same state, byte for byte.
TEST(IngestServiceSequence, JournalReplayAndCheckpointDecideTheSame) {
  for (uint64_t checkpoint_bytes : {uint64_t{1} << 30, uint64_t{200}}) {
    SCOPED_TRACE(checkpoint_bytes);
    PipelineOptions options;
    options.checkpoint_bytes = checkpoint_bytes;
    Fixture f(FileSystem::Default(), {}, options);
    auto post = [&](std::initializer_list<std::string> items) {
      auto r = f.Post(f.everyone.key, Batch(items));
      EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    };
    post({SeqCount(10, 100, "07:50:00"), SeqCount(11, 101, "07:50:10")});
    post({SeqCount(12, 50, "07:50:20")});  // duplicate
    f.clock.Advance(std::chrono::minutes(16));
    post({SeqCount(13, 1, "08:06:00")});  // restart after silence
    post({SeqCount(14, 1, "08:06:10", 9), SeqCount(15, 2, "08:06:20", 9)});  // first boot
    post({SeqCount(16, 3, "08:06:30", 8)});                                  // an older boot
    std::string bytes = f.state.Serialize();
    // The journal as a crash now would leave it, without the checkpoint a clean stop adds.
    std::string crashed = f.dir.File("crashed");
    std::filesystem::copy(f.journal_dir, crashed);
    f.pipeline->Stop();

    // The interval changed meanwhile; the journal's thresholds still decide.
    state::LiveState replayed(MakeRegistry(), {}, &f.clock);
    replayed.DeclareSource(model::SourceId("everyone"), std::chrono::seconds(86'400));
    journal::RecoveryReport report;
    auto p = IngestPipeline::Open(FileSystem::Default(), {.dir = crashed}, replayed, {}, &report);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(report.checkpoint_seq > 0, checkpoint_bytes == 200) << report.ToString();
    EXPECT_GT(report.records_replayed, 0u);
    EXPECT_EQ(replayed.Serialize(), bytes);
    const auto* s = replayed.Snapshot()->FindSource("everyone");
    EXPECT_EQ(s->seq_restarts, 2u);
    EXPECT_EQ(s->duplicate, 2u);
    EXPECT_EQ(s->boot, 9);
    EXPECT_EQ(s->last_seq, 2);
  }
}

// tests/fixtures/compat/journal: a journal written by the code before sequence epochs — a
// "PGS1" checkpoint in which source "trapped" sits at 2^63 − 1, then a version-1 record with
// gate's seq 4 and trapped's seq 6 (a duplicate to the old code).
TEST(IngestServiceSequence, AJournalOfTheOldFormatReplaysAndFreesATrappedSource) {
  testing::TempDir dir;
  std::string copy = dir.File("journal");
  std::filesystem::copy(std::string(PG_SOURCE_DIR) + "/tests/fixtures/compat/journal", copy);
  model::RegistryData data;
  data.city.emplace().id = "test";
  model::Facility f1;
  f1.id = model::FacilityId("F1");
  f1.capacity.total = 100;
  data.facilities.push_back(f1);
  state::LiveState state(*registry::Registry::Build(std::move(data)));
  journal::RecoveryReport report;
  auto p = IngestPipeline::Open(FileSystem::Default(), {.dir = copy}, state, {}, &report);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(report.records_replayed, 1u) << report.ToString();
  EXPECT_FALSE(report.incident) << report.ToString();
  auto snap = state.Snapshot();
  EXPECT_EQ(snap->FindSource("gate")->last_seq, 4);
  EXPECT_EQ(snap->FindSource("trapped")->last_seq, 6) << "no longer a duplicate";
  EXPECT_EQ(snap->FindSource("trapped")->accepted, 3u);
  EXPECT_EQ(snap->FindFacility("F1")->total.occupied, 56);
}

}  // namespace
}  // namespace pg::ingest

namespace pg::ingest {
namespace {

IngestResult PostMessage(Fixture& f, const std::string& topic_source, const std::string& payload) {
  std::promise<IngestResult> promise;
  f.service->SubmitMessage(topic_source, payload, journal::Channel::kMqtt,
                           [&](IngestResult r) { promise.set_value(std::move(r)); });
  return promise.get_future().get();
}

TEST(IngestServiceMessage, AWrongKeyIsRefusedBeforeTheMessageIsParsed) {
  Fixture f;
  // The rest of the message is not JSON (balanced, but no valid values): a parse would have
  // said so; the key check comes first and reads only the root's member names.
  auto r =
      PostMessage(f, "alpha", R"({"key":"pgk_000000000000_wrong","observations":[nope 1.2.3]})");
  EXPECT_EQ(r.status.code(), StatusCode::kUnauthenticated) << r.status.ToString();
  // Another source's valid key: refused for the topic, still unparsed.
  r = PostMessage(f, "alpha",
                  R"({"observations":[nope],"key":")" + f.everyone.key + R"(", "x": [1.2.3]})");
  EXPECT_EQ(r.status.code(), StatusCode::kPermissionDenied) << r.status.ToString();
  // The right key and a valid body: applied; the key may come after the observations.
  r = PostMessage(f, "alpha",
                  Batch({Count("F1", 40, 1)}).insert(1, R"("key":")" + f.alpha.key + R"(",)"));
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
}

TEST(IngestServiceMessage, FindRootKeyReadsOnlyTheRootMember) {
  EXPECT_EQ(*FindRootKey(R"({"a":{"key":"nested"},"key":"root"})"), "root");
  EXPECT_FALSE(FindRootKey(R"({"a":{"key":"nested"}})")->has_value());
  EXPECT_FALSE(FindRootKey(R"([{"key":"in an array"}])")->has_value());
  EXPECT_EQ(FindRootKey(R"({"key":42})").status().field(), "key");
  EXPECT_EQ(FindRootKey("{not json").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pg::ingest
