// A sign's content is never published before its display history is durable (issue 13,
// finding 6: "a sign showed content its display history lacks"): with the database locked, the
// disk full or failing, the content is held and published with its history once the store
// heals; and after a power cut every content that reached a publisher has its history row
// (tests/support/fault_injection_sqlite_vfs.h drops what was not synced).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <nlohmann/json.hpp>

#include "signs/sign_service.h"
#include "store/store.h"
#include "tests/support/fault_injection_sqlite_vfs.h"
#include "tests/support/temp_dir.h"

namespace pg::signs {
namespace {

using model::FacilityId;
using model::SignId;
using std::chrono::milliseconds;
using std::chrono::seconds;

Timestamp T0() { return *ParseRfc3339("2026-11-30T08:00:00+08:00"); }

std::shared_ptr<const registry::Registry> MakeRegistry() {
  model::RegistryData data;
  model::City city;
  city.id = "test";
  data.city = city;
  model::Facility f;
  f.id = FacilityId("F1");
  f.location = {34, 113};
  f.capacity.total = 100;
  data.facilities.push_back(f);
  model::Source s;
  s.id = model::SourceId("gate");
  s.scope.all = true;
  s.expected_interval = seconds(60);
  data.sources.push_back(s);
  model::Sign sign;
  sign.id = SignId("S1");
  sign.location = {34, 113};
  sign.level = model::SignLevel::kRoute;
  sign.lines = {{{FacilityId("F1")}, model::Arrow::kLeft, {"一号", "One"}}};
  sign.controller_id = "C1";
  data.signs.push_back(sign);
  return *registry::Registry::Build(std::move(data));
}

// Records every content that reaches it; `on_publish` runs after recording (a crash, say).
class Recorder final : public SignPublisher {
 public:
  Status Publish(const SignMessage& m) override {
    published_.push_back(m);
    if (on_publish_) on_publish_(m);
    return Status::Ok();
  }
  const std::vector<SignMessage>& published() const { return published_; }
  void set_on_publish(std::function<void(const SignMessage&)> f) { on_publish_ = std::move(f); }

 private:
  std::vector<SignMessage> published_;
  std::function<void(const SignMessage&)> on_publish_;
};

// Another process holding the database's write lock (`sqlite3 city.db 'BEGIN EXCLUSIVE; …'`).
class ForeignLock {
 public:
  explicit ForeignLock(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN EXCLUSIVE; INSERT OR REPLACE INTO settings VALUES('x','y')",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  ~ForeignLock() {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
  }

 private:
  sqlite3* db_ = nullptr;
};

class SignHistoryDurability : public ::testing::Test {
 protected:
  SignHistoryDurability() : clock_(T0()), live_(MakeRegistry(), {}, &clock_) {}

  void Open(store::SqliteStoreOptions options) {
    options.clock = &clock_;
    options.probe = false;
    auto s = store::OpenSqliteStore(dir_.File("city.db"), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    SignServiceOptions o;
    o.min_publish_interval = milliseconds(0);
    service_ = std::make_unique<SignService>(o, clock_, *store_, FromLiveState(live_));
    ASSERT_TRUE(service_->Load().ok());
    service_->AddPublisher(recorder_);
  }
  // F1 now has `free` spaces; the sign's content changes with it.
  void Count(int free) {
    model::Observation o;
    o.type = model::ObservationType::kFacilityCount;
    o.source = model::SourceId("gate");
    o.time = clock_.Now();
    o.seq = ++seq_;
    o.target = "F1";
    o.free = free;
    ASSERT_EQ(live_.Apply(o).result, state::ApplyResult::kApplied);
  }

  std::vector<store::SignDisplayRecord> History() {
    auto rows =
        store_->LoadSignDisplays(SignId("S1"), T0() - seconds(1), clock_.Now() + seconds(1), 1000);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<store::SignDisplayRecord>{};
  }
  std::vector<std::string> FaultKinds() {
    auto faults =
        store_->LoadSignFaults(SignId("S1"), T0() - seconds(1), clock_.Now() + seconds(1), 100);
    std::vector<std::string> kinds;
    for (const auto& f : *faults) kinds.push_back(f.kind);
    return kinds;
  }

  testing::TempDir dir_;
  testing::FaultInjectionSqliteVfs vfs_;  // outlives the store opened on it
  FakeClock clock_;
  state::LiveState live_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SignService> service_;
  Recorder recorder_;
  int64_t seq_ = 0;
};

// The drill: database locked, disk full, EIO. Nothing reaches a controller until its history
// row is written; then the newest content does, with its history, and the fault log says why
// the sign waited.
TEST_F(SignHistoryDurability, NothingIsPublishedWhileTheHistoryCannotBeWrittenThenItIs) {
  testing::FaultInjectionSqliteVfs& vfs = vfs_;
  store::SqliteStoreOptions options;
  options.vfs = vfs.name();
  options.busy_timeout = milliseconds(100);
  options.busy_timeout_in_fault = milliseconds(10);
  Open(options);
  Count(40);
  service_->Step();
  ASSERT_EQ(recorder_.published().size(), 1u);

  int64_t seq = 1;
  for (const char* fault : {"locked", "full", "eio"}) {
    SCOPED_TRACE(fault);
    std::unique_ptr<ForeignLock> lock;
    if (std::string(fault) == "locked") lock = std::make_unique<ForeignLock>(dir_.File("city.db"));
    if (std::string(fault) == "full") vfs.FailWrites(SQLITE_FULL);
    if (std::string(fault) == "eio") vfs.FailWrites(SQLITE_IOERR_WRITE);
    const size_t before = recorder_.published().size();
    const auto stats = service_->stats();
    clock_.Advance(seconds(1));
    Count(30 - static_cast<int>(seq));
    service_->Step();
    clock_.Advance(milliseconds(500));
    service_->Step();  // within the backoff: not even tried
    EXPECT_EQ(recorder_.published().size(), before) << "published without history";
    auto now = service_->Current(SignId("S1"));
    EXPECT_EQ(now->seq, seq) << "the sign keeps its last recorded content";
    EXPECT_TRUE(now->change_pending);
    EXPECT_EQ(service_->stats().history_failures, stats.history_failures + 1);
    EXPECT_EQ(service_->stats().publishes_held, stats.publishes_held + 1);
    EXPECT_NE(store_->storage_health()->Health().fault, store::StorageFault::kNone);

    lock.reset();
    vfs.Heal();
    clock_.Advance(seconds(1));
    service_->Step();
    ++seq;
    ASSERT_EQ(recorder_.published().size(), before + 1);
    EXPECT_EQ(recorder_.published().back().seq, seq);
    auto rows = History();
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows.back().seq, seq) << "published with its history";
    EXPECT_FALSE(service_->Current(SignId("S1"))->change_pending);
  }
  auto kinds = FaultKinds();
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "history_failed"), 3) << kinds.size();
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "history_restored"), 3);
}

// Publishes contents until the `crash_at`-th reaches the publisher, where the power goes; then
// reopens the database and returns the seqs that reached a publisher without a history row
// (or with a different one).
std::vector<int64_t> LostAfterAPowerCut(store::SqliteStoreOptions::Synchronous synchronous) {
  testing::TempDir dir;
  testing::FaultInjectionSqliteVfs vfs;
  FakeClock clock(T0());
  state::LiveState live(MakeRegistry(), {}, &clock);
  store::SqliteStoreOptions options;
  options.vfs = vfs.name();
  options.synchronous = synchronous;
  options.probe = false;
  auto store = *store::OpenSqliteStore(dir.File("city.db"), options);
  SignServiceOptions o;
  o.min_publish_interval = milliseconds(0);
  auto service = std::make_unique<SignService>(o, clock, *store, FromLiveState(live));
  EXPECT_TRUE(service->Load().ok());
  constexpr size_t kCrashAt = 7;
  Recorder recorder;
  bool crashed = false;
  recorder.set_on_publish([&](const SignMessage&) {
    if (recorder.published().size() == kCrashAt) {
      vfs.Crash();
      crashed = true;
    }
  });
  service->AddPublisher(recorder);
  for (int i = 1; !crashed && i < 50; ++i) {
    model::Observation ob;
    ob.type = model::ObservationType::kFacilityCount;
    ob.source = model::SourceId("gate");
    ob.time = clock.Now();
    ob.seq = i;
    ob.target = "F1";
    ob.free = 80 - i;
    live.Apply(ob);
    service->Step();
    clock.Advance(seconds(1));
  }
  EXPECT_TRUE(crashed);
  service.reset();
  store.reset();
  vfs.Restart();

  store = *store::OpenSqliteStore(dir.File("city.db"));
  auto rows = *store->LoadSignDisplays(SignId("S1"), T0(), clock.Now(), 1000);
  std::map<int64_t, nlohmann::json> history;
  for (const auto& r : rows) {
    auto j = nlohmann::json::parse(r.content_json);
    for (auto& line : j["lines"]) line.erase("basis");
    history[r.seq] = j;
  }
  std::vector<int64_t> lost;
  for (const auto& m : recorder.published()) {
    auto it = history.find(m.seq);
    if (it == history.end() || it->second != nlohmann::json::parse(m.payload)) {
      lost.push_back(m.seq);
    }
  }
  return lost;
}

TEST(SignHistoryPowerCut, EveryContentThatReachedAPublisherHasItsHistoryRow) {
  EXPECT_EQ(LostAfterAPowerCut(store::SqliteStoreOptions::Synchronous::kFull),
            std::vector<int64_t>{});
}

// The test can fail: the same run with the history's commits not synced loses rows of contents
// controllers were told to show. (WAL + synchronous=NORMAL syncs only at checkpoints.)
TEST(SignHistoryPowerCut, WithoutSyncedCommitsThePowerCutLosesPublishedHistory) {
  EXPECT_FALSE(LostAfterAPowerCut(store::SqliteStoreOptions::Synchronous::kOff).empty());
  EXPECT_FALSE(LostAfterAPowerCut(store::SqliteStoreOptions::Synchronous::kNormal).empty());
}

}  // namespace
}  // namespace pg::signs
