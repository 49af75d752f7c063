#include "api/http/limits.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace pg::api::http::internal {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

TEST(ClientLimits, ConcurrencyPerAddressIsBoundedAndSlotsComeBack) {
  ClientLimits limits({.max_concurrent = 2, .per_second = 0, .burst = 0}, {}, 0);
  RequestSlot a;
  RequestSlot b;
  RequestSlot c;
  EXPECT_FALSE(limits.Acquire("192.0.2.1", "", a));
  EXPECT_FALSE(limits.Acquire("192.0.2.1", "", b));
  auto refused = limits.Acquire("192.0.2.1", "", c);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->detail.find("192.0.2.1"), std::string::npos) << refused->detail;
  EXPECT_FALSE(c.held());
  EXPECT_FALSE(limits.Acquire("192.0.2.2", "", c)) << "another address has its own bound";
  a.Reset();
  RequestSlot d;
  EXPECT_FALSE(limits.Acquire("192.0.2.1", "", d)) << "a slot given back is free again";
}

TEST(ClientLimits, RateIsATokenBucketWithRetryAfter) {
  ClientLimits limits({.max_concurrent = 0, .per_second = 2, .burst = 3}, {}, 0);
  auto t0 = Clock::now();
  for (int i = 0; i < 3; ++i) {
    RequestSlot s;
    EXPECT_FALSE(limits.Acquire("198.51.100.9", "", s, t0)) << i;
  }
  RequestSlot s;
  auto refused = limits.Acquire("198.51.100.9", "", s, t0);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->retry_after_s, 1);
  // Half a second later one token has come back, and only one.
  EXPECT_FALSE(limits.Acquire("198.51.100.9", "", s, t0 + milliseconds(500)));
  s.Reset();
  EXPECT_TRUE(limits.Acquire("198.51.100.9", "", s, t0 + milliseconds(500)));
}

TEST(ClientLimits, RetryAfterCoversTheWaitForASlowRate) {
  ClientLimits limits({.max_concurrent = 0, .per_second = 0.1, .burst = 1}, {}, 0);
  auto t0 = Clock::now();
  RequestSlot s;
  EXPECT_FALSE(limits.Acquire("a", "", s, t0));
  s.Reset();
  auto refused = limits.Acquire("a", "", s, t0);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->retry_after_s, 10);
}

TEST(ClientLimits, AClientIsCountedAcrossAddressesAndARefusalCostsNothing) {
  ClientLimits limits({}, {.max_concurrent = 1, .per_second = 100, .burst = 1}, 0);
  auto t0 = Clock::now();
  RequestSlot first;
  EXPECT_FALSE(limits.Acquire("192.0.2.1", "gate-3", first, t0));
  RequestSlot second;
  auto refused = limits.Acquire("192.0.2.2", "gate-3", second, t0 + milliseconds(100));
  ASSERT_TRUE(refused) << "the same key from another address";
  EXPECT_NE(refused->detail.find("gate-3"), std::string::npos) << refused->detail;
  EXPECT_FALSE(limits.Acquire("192.0.2.2", "gate-4", second, t0 + milliseconds(100)));
}

TEST(ClientLimits, StreamsPerAddress) {
  ClientLimits limits(RequestLimits{}, RequestLimits{}, 2);
  EXPECT_TRUE(limits.AcquireStream("a"));
  EXPECT_TRUE(limits.AcquireStream("a"));
  EXPECT_FALSE(limits.AcquireStream("a"));
  EXPECT_TRUE(limits.AcquireStream("b"));
  limits.ReleaseStream("a");
  EXPECT_TRUE(limits.AcquireStream("a"));
}

TEST(ClientLimits, IdleCallersAreForgottenSoTheTableStaysBounded) {
  ClientLimits limits({.max_concurrent = 0, .per_second = 10, .burst = 10}, {}, 0);
  auto t0 = Clock::now();
  RequestSlot busy;
  ASSERT_FALSE(limits.Acquire("busy", "", busy, t0));
  for (int i = 0; i < 5000; ++i) {
    RequestSlot s;
    ASSERT_FALSE(limits.Acquire("10.0." + std::to_string(i), "", s, t0 + std::chrono::seconds(i)));
  }
  // Each caller refilled a second after its request; only the latest few and the busy one stay.
  EXPECT_LT(limits.tracked(), 2100u);
  busy.Reset();
  RequestSlot again;
  EXPECT_FALSE(limits.Acquire("busy", "", again, t0 + std::chrono::seconds(5000)));
}

TEST(BodyBudget, ChargesGrowWithinTheLimitAndComeBack) {
  BodyBudget budget(1000);
  BodyCharge a(&budget);
  EXPECT_TRUE(a.GrowTo(600));
  EXPECT_TRUE(a.GrowTo(500)) << "never shrinks below what it holds";
  EXPECT_EQ(budget.used(), 600u);
  BodyCharge b(&budget);
  EXPECT_FALSE(b.GrowTo(500));
  EXPECT_EQ(budget.used(), 600u) << "a refused charge takes nothing";
  EXPECT_TRUE(b.GrowTo(400));
  EXPECT_FALSE(b.GrowTo(401));
  BodyCharge moved = std::move(a);
  a.Release();
  EXPECT_EQ(budget.used(), 1000u) << "the charge moved with its request";
  moved.Release();
  b = BodyCharge();
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_FALSE(BodyCharge(&budget).GrowTo(SIZE_MAX)) << "no overflow";
}

}  // namespace
}  // namespace pg::api::http::internal
