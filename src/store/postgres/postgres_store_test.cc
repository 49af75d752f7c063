// What only the PostgreSQL store can be asked: its schema versions, several nodes writing one
// database at once, a server that goes away and comes back, and credentials kept out of errors.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <atomic>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "store/store.h"
#include "tests/support/postgres_server.h"

namespace pg::store {
namespace {

using testing::PostgresServer;
using testing::SharedPostgresServer;

// REQUIRES: PG_NEED_SERVER() passed.
PostgresServer& Server() { return *SharedPostgresServer(); }

#define PG_NEED_SERVER()                                                       \
  if (SharedPostgresServer() == nullptr) {                                     \
    GTEST_SKIP() << "no PostgreSQL: " << testing::PostgresUnavailableReason(); \
  }

std::unique_ptr<Store> MustOpen(const std::string& uri, PostgresStoreOptions options = {}) {
  auto store = OpenPostgresStore(uri, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

TEST(PostgresStore, RefusesASchemaFromANewerVersion) {
  PG_NEED_SERVER();
  const std::string uri = Server().FreshSchemaUri();
  { ASSERT_NE(MustOpen(uri), nullptr); }
  {
    pqxx::connection c{uri};
    pqxx::work w{c};
    w.exec_params0("UPDATE parkguide_schema SET version = $1", PostgresSchemaVersion() + 1);
    w.commit();
  }
  auto reopened = OpenPostgresStore(uri);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(reopened.status().message().find("newer parkguide"), std::string::npos)
      << reopened.status().message();
}

TEST(PostgresStore, AReadOnlyOpenNeitherCreatesNorWrites) {
  PG_NEED_SERVER();
  const std::string uri = Server().FreshSchemaUri();
  PostgresStoreOptions read_only;
  read_only.read_only = true;
  auto none = OpenPostgresStore(uri, read_only);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kFailedPrecondition) << none.status().ToString();
  { ASSERT_NE(MustOpen(uri), nullptr); }
  auto reader = MustOpen(uri, read_only);
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->LoadRegistry().ok());
  EXPECT_FALSE(reader->PutSetting("k", "v").ok());
}

// Two nodes, one database: the rules one SQLite writer keeps by being alone hold across nodes.
TEST(PostgresStore, NodesAddingTheSameKeyAtOnceMakeOneCurrentKey) {
  PG_NEED_SERVER();
  const std::string uri = Server().FreshSchemaUri();
  auto a = MustOpen(uri);
  auto b = MustOpen(uri);
  ASSERT_TRUE(a && b);
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    ApiKeyRecord key;
    key.name = "centre-" + std::to_string(round);
    key.role = "traffic_centre";
    key.key_hash = "h";
    std::atomic<int> added{0}, refused{0};
    auto add = [&](Store& node) {
      auto r = node.AddApiKey(key);
      if (r.ok()) {
        ++added;
      } else if (r.status().code() == StatusCode::kAlreadyExists) {
        ++refused;
      }
    };
    std::thread ta([&] { add(*a); });
    std::thread tb([&] { add(*b); });
    ta.join();
    tb.join();
    EXPECT_EQ(added.load(), 1) << key.name;
    EXPECT_EQ(refused.load(), 1) << key.name;
  }
  auto keys = a->LoadApiKeys();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), size_t{kRounds});
}

TEST(PostgresStore, CountersOfSeveralNodesAddUp) {
  PG_NEED_SERVER();
  const std::string uri = Server().FreshSchemaUri();
  auto a = MustOpen(uri);
  auto b = MustOpen(uri);
  ASSERT_TRUE(a && b);
  const Timestamp hour = FromUnixMillis(1'800'000'000'000);
  auto count = [&](Store& node) {
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(node.AddToCounter("guidance", hour, 1).ok());
  };
  std::thread ta([&] { count(*a); });
  std::thread tb([&] { count(*b); });
  ta.join();
  tb.join();
  auto sum = a->CounterSum("guidance", hour, hour + std::chrono::hours(1));
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->value_or(-1), 100);
}

TEST(PostgresStore, NodesEndingTheSameOverrideEndItOnce) {
  PG_NEED_SERVER();
  const std::string uri = Server().FreshSchemaUri();
  auto a = MustOpen(uri);
  auto b = MustOpen(uri);
  ASSERT_TRUE(a && b);
  SignOverrideRecord o;
  o.sign = model::SignId("S1");
  o.kind = "blank";
  o.created = FromUnixMillis(1000);
  o.expires = FromUnixMillis(100'000);
  auto id = a->AddSignOverride(o);
  ASSERT_TRUE(id.ok());
  Status ended_a, ended_b;
  std::thread ta([&] { ended_a = a->EndSignOverride(*id, FromUnixMillis(2000), "a", "done"); });
  std::thread tb([&] { ended_b = b->EndSignOverride(*id, FromUnixMillis(2000), "b", "done"); });
  ta.join();
  tb.join();
  EXPECT_NE(ended_a.ok(), ended_b.ok()) << ended_a.ToString() << " / " << ended_b.ToString();
  const Status& loser = ended_a.ok() ? ended_b : ended_a;
  EXPECT_EQ(loser.code(), StatusCode::kFailedPrecondition);
}

// History of a month the store made no partition for (a replay of 2016) lands in the DEFAULT
// partition, reads back, and does not stop that month's partition from being tried later.
TEST(PostgresStore, HistoryOfAnyMonthIsKeptAndReadBack) {
  PG_NEED_SERVER();
  const std::string uri = Server().FreshSchemaUri();
  FakeClock clock(FromUnixMillis(1'480'000'000'000));  // November 2016
  PostgresStoreOptions options;
  options.clock = &clock;
  const model::FacilityId park("P1");
  const Timestamp old = FromUnixMillis(1'470'000'000'000);  // August 2016: no partition
  {
    auto store = MustOpen(uri, options);
    ASSERT_NE(store, nullptr);
    std::vector<model::OccupancySample> samples = {{park, old, 10, 100},
                                                   {park, clock.Now(), 20, 100}};
    ASSERT_TRUE(store->AppendOccupancy(samples).ok());
  }
  clock.Set(FromUnixMillis(1'472'000'000'000));  // back in August: its partition is made now
  auto store = MustOpen(uri, options);
  ASSERT_NE(store, nullptr);
  auto read = store->LoadOccupancy(park, FromUnixMillis(0), FromUnixMillis(1'500'000'000'000));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].occupied, 10);
  EXPECT_EQ((*read)[1].occupied, 20);
  pqxx::connection c{uri};
  pqxx::read_transaction r{c};
  EXPECT_EQ(r.exec1("SELECT count(*) FROM occupancy_201611")[0].as<int>(), 1);
}

TEST(PostgresStore, ErrorsNeverShowThePassword) {
  const uint16_t closed = testing::FreeLoopbackPort();
  auto store =
      OpenPostgresStore("postgresql://parkguide:s3cret-pw@127.0.0.1:" + std::to_string(closed) +
                        "/city?connect_timeout=2");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.status().message().find("s3cret-pw"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("parkguide:***@127.0.0.1"), std::string::npos)
      << store.status().message();
}

// The server stops under a running store: writes fail as a storage fault with a retry hint
// (HTTP 503 upstream), nothing half-written; when it is back, the store heals by itself.
TEST(PostgresStore, AServerThatGoesAwayIsAStorageFaultThatHeals) {
  PostgresServer server;  // its own: this test stops it
  std::string why;
  if (!server.Start(&why)) GTEST_SKIP() << "no PostgreSQL: " << why;
  PostgresStoreOptions options;
  options.upkeep = false;  // the test's own writes end the fault
  auto store = MustOpen(server.FreshSchemaUri(), options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->PutSetting("a", "1").ok());
  server.Stop();
  Status refused = store->PutSetting("a", "2");
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable) << refused.ToString();
  EXPECT_GT(refused.retry_after().count(), 0);
  StorageHealthReport health = store->storage_health()->Health();
  EXPECT_EQ(health.fault, StorageFault::kIoError);
  ASSERT_TRUE(server.Start(&why)) << why;
  EXPECT_TRUE(store->PutSetting("a", "3").ok());  // on a new connection: the old ones died
  EXPECT_EQ(store->storage_health()->Health().fault, StorageFault::kNone);
  EXPECT_EQ(store->storage_health()->Health().recoveries, 1u);
  auto value = store->GetSetting("a");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->value_or(""), "3");
}

}  // namespace
}  // namespace pg::store

namespace pg::store {
namespace {

// One node of a city holds the writer lease; when it goes, another takes it within seconds.
TEST(PostgresStore, OneNodeHoldsTheWriterLeaseAndAnotherTakesItOver) {
  PG_NEED_SERVER();
  const std::string uri = Server().FreshSchemaUri();
  auto a = MustOpen(uri);
  auto b = MustOpen(uri);
  ASSERT_TRUE(a && b);
  auto first = a->AcquireWriterLease();
  auto second = b->AcquireWriterLease();
  EXPECT_TRUE(first->held());
  EXPECT_FALSE(second->held());
  first.reset();  // the node stops: its session ends
  bool taken = false;
  for (int i = 0; i < 50 && !taken; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    taken = second->held();
  }
  EXPECT_TRUE(taken);
  // Another city in the same database has a lease of its own.
  auto other = MustOpen(Server().FreshSchemaUri());
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(other->AcquireWriterLease()->held());
}

}  // namespace
}  // namespace pg::store
