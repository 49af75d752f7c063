// The SQLite store under storage faults (issue 13, finding 6): another process holding the write
// lock, a full disk, an I/O error, a power cut — through
// tests/support/fault_injection_sqlite_vfs.h.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "store/store.h"
#include "tests/support/fault_injection_sqlite_vfs.h"
#include "tests/support/temp_dir.h"

namespace pg::store {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Timestamp T0() { return *ParseRfc3339("2026-11-30T08:00:00+08:00"); }

SignDisplayRecord Display(int64_t seq, Timestamp time = T0()) {
  return {model::SignId("S1"), seq, time, R"({"lines":[]})", R"({"kind":"start"})", {}};
}

// Polls `done` until it holds or `limit` passes: for conditions another thread makes true.
template <typename F>
bool Eventually(F done, milliseconds limit = milliseconds(10'000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

// Another process's `sqlite3 city.db 'BEGIN EXCLUSIVE; …'`: a plain connection holding the write
// lock until Release().
class ForeignLock {
 public:
  explicit ForeignLock(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(
        sqlite3_exec(db_, "BEGIN EXCLUSIVE; INSERT OR REPLACE INTO settings VALUES('held', 'x');",
                     nullptr, nullptr, nullptr),
        SQLITE_OK)
        << sqlite3_errmsg(db_);
  }
  ~ForeignLock() {
    Release();
    sqlite3_close(db_);
  }
  void Release() {
    if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  sqlite3* db_ = nullptr;
};

// The drill's finding: history reads waited 8 s behind a write stuck on another process's lock.
TEST(SqliteStoreFaults, AReadDoesNotWaitForAWriteStuckBehindAnotherProcesssLock) {
  testing::TempDir dir;
  testing::FaultInjectionSqliteVfs vfs;
  SqliteStoreOptions options;
  options.vfs = vfs.name();
  options.busy_timeout = milliseconds(3'000);
  options.probe = false;
  auto store = *OpenSqliteStore(dir.File("city.db"), options);
  ASSERT_TRUE(store->AppendSignDisplays(std::vector{Display(1)}).ok());

  ForeignLock lock(dir.File("city.db"));
  std::atomic<bool> write_done{false};
  auto write = std::async(std::launch::async, [&] {
    Status s = store->AppendSignDisplays(std::vector{Display(2)});
    write_done = true;
    return s;
  });
  // The write is waiting on the lock once a lock request has been refused.
  ASSERT_TRUE(Eventually([&] { return vfs.busy_locks() > 0; }));
  const auto start = std::chrono::steady_clock::now();
  auto at = store->SignDisplayAt(model::SignId("S1"), T0());
  auto rows = store->LoadSignDisplays(model::SignId("S1"), T0(), T0() + seconds(1), 10);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(write_done) << "the reads returned only after the write gave up";
  EXPECT_LT(took, milliseconds(1'000));
  ASSERT_TRUE(at.ok() && at->has_value()) << at.status().ToString();
  EXPECT_EQ((*at)->seq, 1);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 1u);

  Status s = write.get();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_GE(s.retry_after(), seconds(1));
}

TEST(SqliteStoreFaults, ALockedOutWriteIsUnavailableWithAGrowingRetryHintAndHeals) {
  testing::TempDir dir;
  FakeClock clock(T0());
  SqliteStoreOptions options;
  options.busy_timeout = milliseconds(100);
  options.busy_timeout_in_fault = milliseconds(10);
  options.probe = false;
  options.clock = &clock;
  auto store = *OpenSqliteStore(dir.File("city.db"), options);
  const StorageHealth* health = store->storage_health();
  ASSERT_NE(health, nullptr);
  EXPECT_EQ(health->Health().fault, StorageFault::kNone);

  auto lock = std::make_unique<ForeignLock>(dir.File("city.db"));
  Status first = store->PutSetting("k", "v");
  EXPECT_EQ(first.code(), StatusCode::kUnavailable);
  EXPECT_EQ(first.retry_after(), seconds(1));
  clock.Advance(seconds(20));
  Status later = store->AddToCounter("c", T0(), 1);
  EXPECT_EQ(later.code(), StatusCode::kUnavailable);
  EXPECT_EQ(later.retry_after(), seconds(10)) << "half the time the fault has lasted";
  StorageHealthReport r = health->Health();
  EXPECT_EQ(r.fault, StorageFault::kBusy);
  EXPECT_EQ(r.since, T0());
  EXPECT_EQ(r.failures, 2u);
  EXPECT_EQ(r.busy, 2u);
  EXPECT_NE(r.last_error.find("locked"), std::string::npos) << r.last_error;
  // Reads go on meanwhile.
  EXPECT_TRUE(store->GetSetting("k").ok());

  lock.reset();
  ASSERT_TRUE(store->PutSetting("k", "v").ok());
  r = health->Health();
  EXPECT_EQ(r.fault, StorageFault::kNone);
  EXPECT_EQ(r.recoveries, 1u);
  EXPECT_EQ(r.retry_after, seconds(0));
  EXPECT_EQ(*store->GetSetting("k"), std::optional<std::string>("v"));
}

TEST(SqliteStoreFaults, AFullDiskAndAnIoErrorAreUnavailableAndHeal) {
  testing::TempDir dir;
  testing::FaultInjectionSqliteVfs vfs;
  SqliteStoreOptions options;
  options.vfs = vfs.name();
  options.probe = false;
  auto store = *OpenSqliteStore(dir.File("city.db"), options);
  struct Case {
    int write_rc;
    int sync_rc;
    StorageFault fault;
  };
  for (const Case& c : {Case{SQLITE_FULL, 0, StorageFault::kFull},
                        Case{SQLITE_IOERR_WRITE, 0, StorageFault::kIoError},
                        Case{0, SQLITE_IOERR_FSYNC, StorageFault::kIoError}}) {
    SCOPED_TRACE(c.write_rc + c.sync_rc);
    vfs.FailWrites(c.write_rc, c.sync_rc);
    Status s = store->AppendSignDisplays(std::vector{Display(1)});
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
    EXPECT_GE(s.retry_after(), seconds(1));
    EXPECT_EQ(store->storage_health()->Health().fault, c.fault);
    vfs.Heal();
    ASSERT_TRUE(store->AppendSignDisplays(std::vector{Display(1)}).ok());
    EXPECT_EQ(store->storage_health()->Health().fault, StorageFault::kNone);
    auto rows = store->LoadSignDisplays(model::SignId("S1"), T0(), T0() + seconds(1), 10);
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(rows->size(), 1u) << "nothing half-written";
    // Start the next case from an empty history.
    store.reset();
    std::filesystem::remove(dir.File("city.db"));
    store = *OpenSqliteStore(dir.File("city.db"), options);
  }
}

TEST(SqliteStoreFaults, TheStoreNoticesByItselfThatAFaultCleared) {
  testing::TempDir dir;
  SqliteStoreOptions options;
  options.busy_timeout = milliseconds(50);
  options.busy_timeout_in_fault = milliseconds(10);
  auto store = *OpenSqliteStore(dir.File("city.db"), options);  // probing
  {
    ForeignLock lock(dir.File("city.db"));
    EXPECT_EQ(store->PutSetting("k", "v").code(), StatusCode::kUnavailable);
    EXPECT_EQ(store->storage_health()->Health().fault, StorageFault::kBusy);
  }
  // Nobody writes: the probe finds the lock gone (after its 1 s retry hint).
  EXPECT_TRUE(
      Eventually([&] { return store->storage_health()->Health().fault == StorageFault::kNone; }));
  EXPECT_EQ(store->storage_health()->Health().recoveries, 1u);
}

// The shim itself: what it keeps over a power cut is what was synced, so it can tell a store
// that syncs its commits from one that does not.
TEST(FaultInjectionSqliteVfs, APowerCutKeepsWhatWasSyncedOnly) {
  for (auto sync :
       {SqliteStoreOptions::Synchronous::kFull, SqliteStoreOptions::Synchronous::kOff}) {
    testing::TempDir dir;
    testing::FaultInjectionSqliteVfs vfs;
    SqliteStoreOptions options;
    options.vfs = vfs.name();
    options.synchronous = sync;
    options.probe = false;
    auto store = *OpenSqliteStore(dir.File("city.db"), options);
    ASSERT_TRUE(store->PutSetting("k", "v").ok());
    vfs.Crash();
    ASSERT_TRUE(store->PutSetting("after", "the crash").ok()) << "writes vanish, silently";
    store.reset();
    vfs.Restart();
    store = *OpenSqliteStore(dir.File("city.db"), options);
    const bool full = sync == SqliteStoreOptions::Synchronous::kFull;
    EXPECT_EQ(store->GetSetting("k")->has_value(), full);
    EXPECT_FALSE(store->GetSetting("after")->has_value());
  }
}

}  // namespace
}  // namespace pg::store
