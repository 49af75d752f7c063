#include "events/event_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

namespace pg::events {
namespace {

std::vector<Event> Events(uint64_t first, uint64_t last) {
  std::vector<Event> out;
  for (uint64_t id = first; id <= last; ++id) {
    Event e;
    e.id = id;
    e.type = "facility";
    e.subject = "F" + std::to_string(id);
    e.data = "{}";
    out.push_back(std::move(e));
  }
  return out;
}

// Waits until `pred` holds, up to two seconds.
template <typename P>
bool Eventually(P pred) {
  for (int i = 0; i < 200 && !pred(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return pred();
}

TEST(EventBus, TheRendererWritesEachEventsDataOnceFromItsPayload) {
  std::atomic<int> calls{0};
  EventBus bus(16, [&](const Event& e) {
    ++calls;
    return "{\"n\":" + std::to_string(std::any_cast<int>(e.payload)) + "}";
  });
  std::mutex mu;
  std::vector<EventPtr> seen;
  bus.SubscribeFrom(std::nullopt, [&](const EventPtr& e) {
    std::lock_guard lock(mu);
    seen.push_back(e);
    return true;
  });
  bus.SubscribeFrom(std::nullopt, [](const EventPtr&) { return true; });
  std::vector<Event> events = Events(1, 2);
  events[0].data.clear();
  events[0].payload = 7;
  bus.Publish(std::move(events));  // the second keeps the data its producer set
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return seen.size() == 2;
  }));
  EXPECT_EQ(calls.load(), 1) << "rendered once, whatever the number of subscribers";
  EXPECT_EQ(seen[0]->data, R"({"n":7})");
  EXPECT_EQ(seen[0]->framed, "id: 1\nevent: facility\ndata: {\"n\":7}\n\n");
  EXPECT_EQ(seen[1]->data, "{}");
}

TEST(EventBus, DeliversEveryLaterEventInOrder) {
  EventBus bus;
  std::mutex mu;
  std::vector<uint64_t> seen;
  bus.SubscribeFrom(std::nullopt, [&](const EventPtr& e) {
    std::lock_guard lock(mu);
    seen.push_back(e->id);
    return true;
  });
  bus.Publish(Events(1, 5));
  bus.Publish(Events(6, 9));
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return seen.size() == 9;
  }));
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1);
}

TEST(EventBus, ResumeHandsOverMissedEventsWithoutDuplicates) {
  EventBus bus;
  bus.Publish(Events(1, 10));
  std::optional<std::vector<EventPtr>> missed;
  std::atomic<int> live{0};
  std::atomic<uint64_t> first_live{0};
  bus.SubscribeFrom(
      7,
      [&](const EventPtr& e) {
        if (live++ == 0) first_live = e->id;
        return true;
      },
      &missed);
  ASSERT_TRUE(missed.has_value());
  ASSERT_EQ(missed->size(), 3u);
  EXPECT_EQ((*missed)[0]->id, 8u);
  EXPECT_EQ(missed->back()->id, 10u);
  EXPECT_NE(missed->back()->framed.find("id: 10\nevent: facility\n"), std::string::npos);
  bus.Publish(Events(11, 11));
  ASSERT_TRUE(Eventually([&] { return live.load() == 1; }));
  EXPECT_EQ(first_live.load(), 11u);
}

TEST(EventBus, ResumingBeyondTheHistoryIsReportedAsMissed) {
  EventBus bus(/*history=*/4);
  bus.Publish(Events(1, 10));
  std::optional<std::vector<EventPtr>> missed = std::vector<EventPtr>{};
  bus.SubscribeFrom(
      2, [](const EventPtr&) { return true; }, &missed);
  EXPECT_FALSE(missed.has_value());
  // A gap in ids restarts the history too.
  bus.Publish(Events(20, 21));
  bus.SubscribeFrom(
      15, [](const EventPtr&) { return true; }, &missed);
  EXPECT_FALSE(missed.has_value());
}

TEST(EventBus, CallbackReturningFalseEndsItsSubscription) {
  EventBus bus;
  std::atomic<int> calls{0};
  bus.SubscribeFrom(std::nullopt, [&](const EventPtr&) {
    ++calls;
    return false;
  });
  EXPECT_TRUE(bus.HasSubscribers());
  bus.Publish(Events(1, 3));
  ASSERT_TRUE(Eventually([&] { return !bus.HasSubscribers(); }));
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace pg::events
