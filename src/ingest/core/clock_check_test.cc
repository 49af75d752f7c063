#include "ingest/core/clock_check.h"

#include <gtest/gtest.h>

namespace pg::ingest {
namespace {

const Timestamp kNow = *ParseRfc3339("2026-12-06T08:00:00Z");

state::SourceStats Heard(const char* id, Milliseconds ago, Milliseconds lag) {
  state::SourceStats s;
  s.id = id;
  s.last_received = kNow - ago;
  s.last_observation = s.last_received - lag;
  return s;
}

TEST(SuspectServerClock, SeveralSourcesRefusedAsInTheFutureMeanTheServerIsBehind) {
  state::LiveSnapshot live;
  std::vector<FutureRefusal> refusals{{"a", kNow - std::chrono::minutes(1), std::chrono::hours(1)},
                                      {"b", kNow, std::chrono::minutes(61)}};
  auto s = SuspectServerClock(live, refusals, kNow);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, ClockSuspicion::Kind::kBehind);
  EXPECT_EQ(s->sources, 2);
  EXPECT_NE(s->message.find("behind"), std::string::npos) << s->message;
  EXPECT_NE(s->message.find("61 min"), std::string::npos) << s->message;
}

TEST(SuspectServerClock, OneSourceOrOldRefusalsAreThatSourcesClock) {
  state::LiveSnapshot live;
  std::vector<FutureRefusal> one{{"a", kNow, std::chrono::hours(1)}};
  EXPECT_FALSE(SuspectServerClock(live, one, kNow));
  std::vector<FutureRefusal> old{{"a", kNow - std::chrono::minutes(6), std::chrono::hours(1)},
                                 {"b", kNow, std::chrono::hours(1)}};
  EXPECT_FALSE(SuspectServerClock(live, old, kNow));
}

TEST(SuspectServerClock, MostSourcesLaggingWhileArrivingNowMeansTheServerIsAhead) {
  state::LiveSnapshot live;
  live.sources = {Heard("a", std::chrono::seconds(5), std::chrono::hours(2)),
                  Heard("b", std::chrono::seconds(30), std::chrono::minutes(119)),
                  Heard("c", std::chrono::seconds(10), std::chrono::seconds(2)),
                  Heard("gone", std::chrono::hours(3), std::chrono::hours(5))};
  auto s = SuspectServerClock(live, {}, kNow);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, ClockSuspicion::Kind::kAhead);
  EXPECT_EQ(s->sources, 2);
  EXPECT_NE(s->message.find("2 of the 3 sources"), std::string::npos) << s->message;
  // One lagging source among punctual ones is that source's clock (or its buffer).
  live.sources = {Heard("a", std::chrono::seconds(5), std::chrono::hours(2)),
                  Heard("c", std::chrono::seconds(10), std::chrono::seconds(2)),
                  Heard("d", std::chrono::seconds(10), std::chrono::seconds(1))};
  EXPECT_FALSE(SuspectServerClock(live, {}, kNow));
}

}  // namespace
}  // namespace pg::ingest
