#include "mqtt/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/support/mosquitto_broker.h"
#include "tests/support/temp_dir.h"

namespace pg::mqtt {
namespace {

using namespace std::chrono_literals;

template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

using Address = std::pair<std::string, int>;

TEST(ParseBrokerAddress, TakesHostPortHostAloneAndTheUrlForm) {
  EXPECT_EQ(*ParseBrokerAddress("broker.city:1884"), Address("broker.city", 1884));
  EXPECT_EQ(*ParseBrokerAddress(" 10.0.0.5 "), Address("10.0.0.5", 1883));
  EXPECT_EQ(*ParseBrokerAddress("mqtt://b:2000"), Address("b", 2000));
}

TEST(ParseBrokerAddress, RefusesABadPortOrNoHostNamingTheField) {
  for (const char* bad : {"b:0", "b:65536", "b:x", ":1883", ""}) {
    auto r = ParseBrokerAddress(bad, "mqtt");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().field(), "mqtt") << bad;
  }
}

TEST(Client, APersistentSessionNeedsAFixedClientId) {
  Options o;
  o.persistent_session = true;
  auto c = Client::Start(o, {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().field(), "client_id");
}

TEST(Client, RefusesABadTopicFilter) {
  Options o;
  o.port = 1;  // nothing listens: the client keeps trying, which is not an error
  auto c = Client::Start(o, {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)->Subscribe("a/#/b", 1).field(), "topic");
}

class ClientWithBroker : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(broker_.Start()) << broker_.Log(); }

  Options Named(const std::string& id, bool persistent) {
    Options o;
    o.port = broker_.port();
    o.client_id = id;
    o.persistent_session = persistent;
    return o;
  }

  testing::TempDir dir_;
  testing::MosquittoBroker broker_{dir_.File("broker")};
};

// A persistent session is kept by the broker while the client is away: QoS 1 messages sent
// meanwhile arrive after the client comes back (what the observation ingest relies on).
TEST_F(ClientWithBroker, APersistentSessionGetsWhatWasSentWhileItWasAway) {
  std::mutex mu;
  std::vector<std::string> got;
  std::atomic<int> granted{0};
  Handlers h;
  h.on_message = [&](std::string_view, std::string_view payload, bool) {
    std::lock_guard lock(mu);
    got.emplace_back(payload);
  };
  h.on_subscribed = [&](const std::string& pattern, bool ok) {
    if (ok && pattern == "t/+") ++granted;
  };
  auto first = Client::Start(Named("keeper", true), h);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE((*first)->Subscribe("t/+", 1).ok());
  ASSERT_TRUE(Eventually([&] { return granted.load() == 1; }));
  first->reset();

  auto sender = Client::Start(Named("sender", false), {});
  ASSERT_TRUE(sender.ok());
  ASSERT_TRUE((*sender)->WaitConnected(10s));
  ASSERT_TRUE((*sender)->Publish("t/a", "while away", 1, false).ok());

  auto back = Client::Start(Named("keeper", true), h);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return got == std::vector<std::string>{"while away"};
  }));
}

// A clean session is forgotten: nothing sent while away arrives, and subscriptions are sent
// again on every connect (the sign links rely on that after a broker restart).
TEST_F(ClientWithBroker, ACleanSessionSubscribesAgainAfterTheBrokerRestarts) {
  std::atomic<int> granted{0};
  std::atomic<int> messages{0};
  Handlers h;
  h.on_subscribed = [&](const std::string&, bool ok) { granted += ok; };
  h.on_message = [&](std::string_view, std::string_view, bool) { ++messages; };
  auto c = Client::Start(Named("", false), h);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Subscribe("s/#", 0).ok());
  ASSERT_TRUE(Eventually([&] { return granted.load() == 1; }));
  broker_.Stop();
  ASSERT_TRUE(Eventually([&] { return !(*c)->connected(); }));
  ASSERT_TRUE(broker_.Start());
  ASSERT_TRUE(Eventually([&] { return granted.load() == 2; }, 30s));
  auto sender = Client::Start(Named("", false), {});
  ASSERT_TRUE(sender.ok() && (*sender)->WaitConnected(10s));
  ASSERT_TRUE((*sender)->Publish("s/x", "after", 1, false).ok());
  EXPECT_TRUE(Eventually([&] { return messages.load() == 1; }));
}

}  // namespace
}  // namespace pg::mqtt
