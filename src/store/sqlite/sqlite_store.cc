// SQLite implementation of pg::store::Store: one file per city, WAL mode, documents as JSON.
//
// Registry entries are stored as their model JSON (model/model_json.h) with the columns queries
// need beside it, so adding a model field needs no migration; schema changes that do need one go
// in kMigrations, applied in order on open. PRAGMA user_version holds the schema version and
// PRAGMA application_id marks the file as parkguide's.
//
// Connections. One write connection, used by one caller at a time (mutex_), and a pool of read
// connections, each lent to one caller at a time. In WAL mode a reader never waits for a writer:
// not for our own (a write stuck behind another process's lock used to hold the one shared
// connection, so history reads waited with it — 8 s in the issue 13 drill), and not for another
// process's `BEGIN EXCLUSIVE`. Dead letters are read on the write connection (unchanged).
//
// Durability. The write connection runs PRAGMA synchronous=FULL: in WAL mode every commit
// fsyncs the WAL before it returns, so a write the store reported done survives a power cut. The
// sign service relies on it (a content is published only once its history row is durable);
// NORMAL would lose the last commits to a power cut (they are synced only at checkpoints).
// Cost: one fsync per commit — docs/benchmarks.md ("SQLite commit durability"); every store
// write is batched per call, a few per second at most.
//
// Storage faults. A call failing with SQLITE_BUSY/LOCKED (locked beyond busy_timeout), FULL or
// IOERR/CANTOPEN is a storage fault (storage_health.h): kUnavailable with a retry hint, counted
// in the health; while it lasts writes wait only busy_timeout_in_fault, and a probe (a write of
// the schema version onto itself, every retry hint) notices when it clears. The first write
// that commits ends the fault.
#include <fmt/format.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <unordered_map>

#include "core/log.h"
#include "core/redact.h"
#include "model/model_json.h"
#include "model/vocabulary.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"
#include "store/write_rules.h"

namespace pg::store {
namespace {

using sqlite::Database;
using sqlite::Statement;

constexpr int64_t kApplicationId = 0x50475544;  // "PGUD"

// Append only: each entry moves the schema one version up.
constexpr const char* kMigrations[] = {
    // v1: registry, sources, settings, occupancy history.
    R"sql(
    CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE city(singleton INTEGER PRIMARY KEY CHECK (singleton = 1), doc TEXT NOT NULL);
    CREATE TABLE facilities(id TEXT PRIMARY KEY, origin TEXT NOT NULL, doc TEXT NOT NULL);
    CREATE TABLE bays(id TEXT PRIMARY KEY, origin TEXT NOT NULL, facility_id TEXT NOT NULL,
                      doc TEXT NOT NULL);
    CREATE INDEX bays_by_facility ON bays(facility_id);
    CREATE TABLE chargers(id TEXT PRIMARY KEY, origin TEXT NOT NULL, doc TEXT NOT NULL);
    CREATE TABLE signs(id TEXT PRIMARY KEY, origin TEXT NOT NULL, doc TEXT NOT NULL);
    CREATE TABLE sources(id TEXT PRIMARY KEY, doc TEXT NOT NULL, key_hash TEXT NOT NULL,
                         created_ms INTEGER NOT NULL, revoked_ms INTEGER);
    CREATE TABLE occupancy(facility_id TEXT NOT NULL, t_ms INTEGER NOT NULL,
                           occupied INTEGER NOT NULL, capacity INTEGER NOT NULL,
                           PRIMARY KEY (facility_id, t_ms)) WITHOUT ROWID;
    CREATE INDEX occupancy_by_time ON occupancy(t_ms);
    )sql",
    // v2: dead letters of the ingestion channels; occupancy rollups (5-minute by default).
    R"sql(
    CREATE TABLE ingest_errors(id INTEGER PRIMARY KEY AUTOINCREMENT, t_ms INTEGER NOT NULL,
                               channel TEXT NOT NULL, topic TEXT NOT NULL, source TEXT NOT NULL,
                               reason TEXT NOT NULL, payload TEXT NOT NULL);
    CREATE TABLE rollups(kind INTEGER NOT NULL, id TEXT NOT NULL, step_s INTEGER NOT NULL,
                         t_ms INTEGER NOT NULL, min_occupied INTEGER NOT NULL,
                         mean_occupied REAL NOT NULL, max_occupied INTEGER NOT NULL,
                         capacity INTEGER NOT NULL, coverage REAL NOT NULL,
                         PRIMARY KEY (kind, id, step_s, t_ms)) WITHOUT ROWID;
    )sql",
    // v3: charging-site occupancy history and trained forecast models.
    R"sql(
    CREATE TABLE charger_site_occupancy(site TEXT NOT NULL, t_ms INTEGER NOT NULL,
                                        busy INTEGER NOT NULL, connectors INTEGER NOT NULL,
                                        PRIMARY KEY (site, t_ms)) WITHOUT ROWID;
    CREATE TABLE forecast_models(series TEXT PRIMARY KEY, trained_ms INTEGER NOT NULL,
                                 window_from_ms INTEGER NOT NULL, window_to_ms INTEGER NOT NULL,
                                 score TEXT NOT NULL, model TEXT NOT NULL);
    )sql",
    // v4: what every sign showed and why, its controller's faults, operator overrides (issue 7).
    R"sql(
    CREATE TABLE sign_display(sign_id TEXT NOT NULL, seq INTEGER NOT NULL, t_ms INTEGER NOT NULL,
                              content TEXT NOT NULL, cause TEXT NOT NULL, acked_ms INTEGER,
                              PRIMARY KEY (sign_id, seq)) WITHOUT ROWID;
    CREATE INDEX sign_display_by_time ON sign_display(sign_id, t_ms);
    CREATE TABLE sign_faults(sign_id TEXT NOT NULL, t_ms INTEGER NOT NULL, kind TEXT NOT NULL,
                             detail TEXT NOT NULL);
    CREATE INDEX sign_faults_by_time ON sign_faults(sign_id, t_ms);
    CREATE TABLE sign_overrides(id INTEGER PRIMARY KEY AUTOINCREMENT, sign_id TEXT NOT NULL,
                                line INTEGER, kind TEXT NOT NULL, text_zh TEXT NOT NULL,
                                text_en TEXT NOT NULL, reason TEXT NOT NULL,
                                created_by TEXT NOT NULL, created_ms INTEGER NOT NULL,
                                expires_ms INTEGER NOT NULL, ended_ms INTEGER,
                                ended_by TEXT NOT NULL DEFAULT '',
                                end_reason TEXT NOT NULL DEFAULT '');
    CREATE INDEX sign_overrides_by_sign ON sign_overrides(sign_id, id);
    )sql",
    // v5: what the weekly report needs beyond occupancy (issue 9): bay sensor changes (turnover,
    // dwell, overstays), charger connector statuses (fault hours, time to restore) and hourly
    // event counters (guidance queries served).
    R"sql(
    CREATE TABLE bay_events(bay_id TEXT NOT NULL, t_ms INTEGER NOT NULL, occupied INTEGER NOT NULL,
                            PRIMARY KEY (bay_id, t_ms)) WITHOUT ROWID;
    CREATE INDEX bay_events_by_time ON bay_events(t_ms);
    CREATE TABLE charger_status(charger_id TEXT NOT NULL, connector INTEGER NOT NULL,
                                t_ms INTEGER NOT NULL, status TEXT NOT NULL,
                                PRIMARY KEY (charger_id, connector, t_ms)) WITHOUT ROWID;
    CREATE INDEX charger_status_by_time ON charger_status(t_ms);
    CREATE TABLE counters(name TEXT NOT NULL, t_ms INTEGER NOT NULL, count INTEGER NOT NULL,
                          PRIMARY KEY (name, t_ms)) WITHOUT ROWID;
    )sql",
    // v6: no credentials in dead letters (issue 13). Older versions stored refused messages raw,
    // keys included; the rows are rewritten through RedactSecrets by ScrubDeadLetters (C++: the
    // rules are not expressible in SQL), which Migrate runs with this version's step.
    R"sql(
    -- data only: see ScrubDeadLetters
    )sql",
    // v7: role keys (issue 16): one row per generation of a named key (a rotation adds one).
    R"sql(
    CREATE TABLE api_keys(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
                          role TEXT NOT NULL, facilities TEXT NOT NULL, key_hash TEXT NOT NULL,
                          created_ms INTEGER NOT NULL, expires_ms INTEGER, revoked_ms INTEGER);
    CREATE INDEX api_keys_by_name ON api_keys(name, id);
    )sql",
    // v8: the audit log (issue 16): append-only, every change people make.
    R"sql(
    CREATE TABLE audit_log(id INTEGER PRIMARY KEY AUTOINCREMENT, t_ms INTEGER NOT NULL,
                           actor TEXT NOT NULL, role TEXT NOT NULL, remote TEXT NOT NULL,
                           action TEXT NOT NULL, target TEXT NOT NULL, request TEXT NOT NULL,
                           before TEXT NOT NULL, after TEXT NOT NULL, outcome TEXT NOT NULL);
    CREATE INDEX audit_log_by_time ON audit_log(t_ms);
    CREATE INDEX audit_log_by_actor ON audit_log(actor, id);
    )sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));
constexpr int kScrubDeadLettersVersion = 6;

// A rollup from the columns t_ms, min_occupied, mean_occupied, max_occupied, capacity, coverage
// of `st`'s current row, starting at column `first`.
model::OccupancyRollup RollupFromRow(const Statement& st, int first,
                                     model::OccupancyRollup::Kind kind, std::string id,
                                     std::chrono::seconds step) {
  model::OccupancyRollup r;
  r.kind = kind;
  r.id = std::move(id);
  r.step = step;
  r.start = FromUnixMillis(st.Int(first));
  r.min_occupied = static_cast<int>(st.Int(first + 1));
  r.mean_occupied = st.Double(first + 2);
  r.max_occupied = static_cast<int>(st.Int(first + 3));
  r.capacity = static_cast<int>(st.Int(first + 4));
  r.coverage = st.Double(first + 5);
  return r;
}

// Read connections, each lent to one caller at a time.
class ReaderPool {
 public:
  // A borrowed connection, returned (with any transaction left open rolled back) on destruction.
  class Lease {
   public:
    Lease(ReaderPool& pool, Database* db) : pool_(pool), db_(db) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.Return(db_); }
    Database* operator->() { return db_; }
    Database& operator*() { return *db_; }

   private:
    ReaderPool& pool_;
    Database* db_;
  };

  Status Open(const std::string& path, const sqlite::OpenOptions& options, int n,
              sqlite::ConnectionObserver* observer) {
    for (int i = 0; i < std::max(1, n); ++i) {
      PG_ASSIGN_OR_RETURN(Database db, Database::Open(path, options));
      all_.push_back(std::make_unique<Database>(std::move(db)));
      all_.back()->set_observer(observer);
      free_.push_back(all_.back().get());
    }
    return Status::Ok();
  }
  // Waits for a free connection (never for the writer).
  Lease Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !free_.empty(); });
    Database* db = free_.back();
    free_.pop_back();
    return Lease(*this, db);
  }

 private:
  void Return(Database* db) {
    if (db->in_transaction()) db->Exec("ROLLBACK").IgnoreError();
    {
      std::lock_guard lock(mu_);
      free_.push_back(db);
    }
    cv_.notify_one();
  }

  std::vector<std::unique_ptr<Database>> all_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Database*> free_;  // guarded by mu_
};

StorageFault FaultOf(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StorageFault::kBusy;
    case SQLITE_FULL:
      return StorageFault::kFull;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return StorageFault::kIoError;
    default:
      return StorageFault::kNone;
  }
}

class SqliteStore final : public Store, private sqlite::ConnectionObserver {
 public:
  SqliteStore(Database db, std::string path, SqliteStoreOptions options)
      : db_(std::move(db)),
        path_(std::move(path)),
        options_(std::move(options)),
        health_(options_.clock ? *options_.clock : SystemClock::Instance()) {
    db_.set_observer(this);
  }
  ~SqliteStore() override;

  Status Migrate();
  Result<int64_t> SchemaVersion();
  // Checks that this build can read the file as it is, without writing. Errors: as
  // OpenSqliteStoreReadOnly's.
  Status CheckReadable();
  // Opens the read connections and starts the probe. REQUIRES: after Migrate().
  Status Start();

  const StorageHealth* storage_health() const override { return &health_; }

  Result<model::RegistryData> LoadRegistry() override;
  Result<RegistryWriteSummary> WriteRegistry(const model::RegistryData& data,
                                             RegistryWriteMode mode) override;
  Status AddSource(const SourceRecord& record) override;
  Result<std::vector<SourceRecord>> LoadSources() override;
  Status RevokeSource(const model::SourceId& id, Timestamp when) override;
  Status AppendOccupancy(std::span<const model::OccupancySample> samples) override;
  Result<std::vector<model::OccupancySample>> LoadOccupancy(const model::FacilityId& id,
                                                            Timestamp from, Timestamp to) override;
  Result<std::optional<Timestamp>> LatestOccupancyTime() override;
  Status AppendDeadLetter(const DeadLetter& letter) override;
  // Migration step of schema v6: RedactSecrets over every stored dead letter.
  Status ScrubDeadLetters();
  Status ScrubDeadLetterRows();
  Result<std::vector<DeadLetter>> LoadDeadLetters(int limit) override;
  Status AppendRollups(std::span<const model::OccupancyRollup> rollups) override;
  Result<std::vector<model::OccupancyRollup>> LoadRollups(model::OccupancyRollup::Kind kind,
                                                          const std::string& id,
                                                          std::chrono::seconds step, Timestamp from,
                                                          Timestamp to) override;
  Result<std::vector<model::OccupancyRollup>> LoadAllRollups(model::OccupancyRollup::Kind kind,
                                                             std::chrono::seconds step,
                                                             Timestamp from, Timestamp to) override;
  Status AppendBayEvents(std::span<const model::BayEvent> events) override;
  Result<std::vector<model::BayEvent>> LoadBayEvents(Timestamp from, Timestamp to) override;
  Status AppendChargerStatus(std::span<const model::ChargerStatusEvent> events) override;
  Result<std::vector<model::ChargerStatusEvent>> LoadChargerStatus(Timestamp from,
                                                                   Timestamp to) override;
  Status AddToCounter(const std::string& name, Timestamp time, int64_t count) override;
  Result<std::optional<int64_t>> CounterSum(const std::string& name, Timestamp from,
                                            Timestamp to) override;
  Status AppendChargerSiteOccupancy(std::span<const model::ChargerSiteSample> samples) override;
  Result<std::vector<model::ChargerSiteSample>> LoadChargerSiteOccupancy(const std::string& site,
                                                                         Timestamp from,
                                                                         Timestamp to) override;
  Status PutForecastModels(std::span<const ForecastModelRecord> records) override;
  Result<std::vector<ForecastModelRecord>> LoadForecastModels() override;
  Result<std::optional<std::string>> GetSetting(const std::string& key) override;
  Status PutSetting(const std::string& key, const std::string& value) override;

  Status AppendSignDisplays(std::span<const SignDisplayRecord> records) override;
  Status MarkSignsAcknowledged(std::span<const SignAck> acks) override;
  Result<std::vector<SignDisplayRecord>> LoadSignDisplays(const model::SignId& sign, Timestamp from,
                                                          Timestamp to, size_t limit) override;
  Result<std::optional<SignDisplayRecord>> SignDisplayAt(const model::SignId& sign,
                                                         Timestamp at) override;
  Result<std::vector<SignDisplayRecord>> LatestSignDisplays() override;
  Status AppendSignFault(const SignFaultRecord& record) override;
  Result<std::vector<SignFaultRecord>> LoadSignFaults(const model::SignId& sign, Timestamp from,
                                                      Timestamp to, size_t limit) override;
  Result<std::optional<SignFaultRecord>> SignFaultAt(const model::SignId& sign,
                                                     Timestamp at) override;
  Result<int64_t> AddSignOverride(const SignOverrideRecord& record) override;
  Status EndSignOverride(int64_t id, Timestamp when, const std::string& by,
                         const std::string& reason) override;
  Result<std::vector<SignOverrideRecord>> LoadSignOverrides(const model::SignId* sign,
                                                            bool open_only, size_t limit) override;

  Result<std::vector<ApiKeyRecord>> LoadApiKeys() override;
  Result<ApiKeyRecord> AddApiKey(const ApiKeyRecord& record) override;
  Result<ApiKeyRecord> RotateApiKey(const std::string& name, const std::string& new_key_hash,
                                    Timestamp now, Timestamp old_valid_until) override;
  Result<int> RevokeApiKey(const std::string& name, Timestamp when) override;

  Status AppendAudit(std::span<const AuditEntry> entries) override;
  Result<std::vector<AuditEntry>> LoadAudit(const AuditQuery& query) override;

 private:
  // The generation of `name` with no end and not revoked (the current one), on the writer.
  Result<std::optional<ApiKeyRecord>> CurrentApiKey(const std::string& name);
  // Inserts a generation; returns it with its id.
  Result<ApiKeyRecord> InsertApiKey(ApiKeyRecord record);
  // sqlite::ConnectionObserver: the storage health.
  Status Failed(Database& db, int rc, Status status) override;
  void Committed(Database& db) override;
  // While a fault lasts, a write of our own every retry hint, until one commits.
  void ProbeLoop();
  Status Probe();

  // Runs `body` inside BEGIN IMMEDIATE … COMMIT, rolling back when it fails.
  template <typename F>
  Status InTransaction(F&& body);

  template <typename T, typename FromJson>
  Status LoadDocs(Database& db, const char* table, FromJson from_json, std::vector<T>& out);

  // Sets revoked_at from the revoked_ms column, which alone records revocation.
  Status ApplyRevocations(Database& db, std::vector<model::Source>& sources);

  template <typename T>
  Status WriteDocs(const char* table, const std::vector<T>& entries, RegistryWriteMode mode,
                   RegistryWriteSummary& summary);

  std::mutex mutex_;  // the write connection's
  Database db_;       // the write connection
  std::string path_;
  const SqliteStoreOptions options_;
  StorageHealthTracker health_;
  ReaderPool readers_;

  std::mutex probe_mutex_;
  std::condition_variable probe_cv_;
  bool probe_stop_ = false;    // guarded by probe_mutex_
  bool probe_wanted_ = false;  // guarded by probe_mutex_
  std::thread prober_;
};

template <typename F>
Status SqliteStore::InTransaction(F&& body) {
  PG_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (s.ok()) s = db_.Exec("COMMIT");
  // A failed COMMIT can leave the transaction open (SQLite rolls back by itself only for some
  // errors): never leave the writer holding its lock.
  if (!s.ok() && db_.in_transaction()) db_.Exec("ROLLBACK").IgnoreError();
  return s;
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(probe_mutex_);
    probe_stop_ = true;
  }
  probe_cv_.notify_all();
  if (prober_.joinable()) prober_.join();
}

Status SqliteStore::Start() {
  sqlite::OpenOptions read;
  read.vfs = options_.vfs;
  read.read_only = true;
  read.busy_timeout = options_.busy_timeout;
  PG_RETURN_IF_ERROR(readers_.Open(path_, read, options_.read_connections, this));
  if (options_.probe) prober_ = std::thread([this] { ProbeLoop(); });
  return Status::Ok();
}

Status SqliteStore::Failed(Database& db, int rc, Status status) {
  const StorageFault fault = FaultOf(rc);
  if (fault == StorageFault::kNone) return status;
  const bool began = !health_.faulted();
  const std::chrono::seconds wait = health_.Failed(fault, status.message());
  if (&db == &db_) db_.SetBusyTimeout(options_.busy_timeout_in_fault);
  if (began) {
    PG_LOG_WARNING("store: '{}' cannot be written ({}: {}); retrying by itself", path_, Name(fault),
                   status.message());
    {
      std::lock_guard lock(probe_mutex_);
      probe_wanted_ = true;
    }
    probe_cv_.notify_all();
  }
  return status.WithRetryAfter(wait);
}

void SqliteStore::Committed(Database& db) {
  if (&db != &db_ || !health_.Succeeded()) return;
  db_.SetBusyTimeout(options_.busy_timeout);
  PG_LOG_INFO("store: '{}' is writable again", path_);
}

void SqliteStore::ProbeLoop() {
  std::unique_lock lock(probe_mutex_);
  while (!probe_stop_) {
    if (!health_.faulted()) {
      probe_cv_.wait(lock, [this] { return probe_stop_ || probe_wanted_; });
      probe_wanted_ = false;
      continue;
    }
    const auto wait = std::max(health_.Health().retry_after, std::chrono::seconds(1));
    if (probe_cv_.wait_for(lock, wait, [this] { return probe_stop_; })) break;
    lock.unlock();
    Probe().IgnoreError();  // a failure is counted in the health
    lock.lock();
  }
}

Status SqliteStore::Probe() {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(int64_t version, db_.QueryInt("PRAGMA user_version"));
    return db_.Exec(fmt::format("PRAGMA user_version={}", version));
  });
}

// The file's schema version, after checking that it is parkguide's and not from a newer build.
Result<int64_t> SqliteStore::SchemaVersion() {
  auto version = db_.QueryInt("PRAGMA user_version");
  if (!version.ok()) {
    if (version.status().code() == StatusCode::kDataLoss) {
      return DataLoss(fmt::format("'{}' is not a parkguide database (not a SQLite file)", path_));
    }
    return version.status();
  }
  PG_ASSIGN_OR_RETURN(int64_t app_id, db_.QueryInt("PRAGMA application_id"));
  PG_ASSIGN_OR_RETURN(int64_t tables, db_.QueryInt("SELECT count(*) FROM sqlite_master"));
  if (app_id != kApplicationId && (app_id != 0 || tables != 0)) {
    return FailedPrecondition(
        fmt::format("'{}' is a SQLite database of another application, not parkguide's", path_));
  }
  if (*version > kSchemaVersion) {
    return FailedPrecondition(fmt::format(
        "'{}' was written by a newer parkguide (schema version {}; this build knows up to {}): "
        "upgrade parkguide to open it",
        path_, *version, kSchemaVersion));
  }
  return *version;
}

Status SqliteStore::CheckReadable() {
  PG_ASSIGN_OR_RETURN(int64_t version, SchemaVersion());
  if (version < kSchemaVersion) {
    return FailedPrecondition(fmt::format(
        "'{}' has schema version {} and this build reads version {}; a read-only open does not "
        "upgrade it",
        path_, version, kSchemaVersion));
  }
  return Status::Ok();
}

Status SqliteStore::Migrate() {
  PG_ASSIGN_OR_RETURN(int64_t version, SchemaVersion());
  const char* synchronous = options_.synchronous == SqliteStoreOptions::Synchronous::kFull ? "FULL"
                            : options_.synchronous == SqliteStoreOptions::Synchronous::kNormal
                                ? "NORMAL"
                                : "OFF";
  PG_RETURN_IF_ERROR(
      db_.Exec(fmt::format("PRAGMA journal_mode=WAL; PRAGMA synchronous={};", synchronous)));
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    Status s = InTransaction([&]() -> Status {
      PG_RETURN_IF_ERROR(db_.Exec(kMigrations[v]));
      if (v + 1 == kScrubDeadLettersVersion) PG_RETURN_IF_ERROR(ScrubDeadLetters());
      PG_RETURN_IF_ERROR(db_.Exec(fmt::format("PRAGMA application_id={}", kApplicationId)));
      return db_.Exec(fmt::format("PRAGMA user_version={}", v + 1));
    });
    if (!s.ok()) return s.WithContext(fmt::format("migrating '{}' to schema {}", path_, v + 1));
  }
  return Status::Ok();
}

template <typename T, typename FromJson>
Status SqliteStore::LoadDocs(Database& db, const char* table, FromJson from_json,
                             std::vector<T>& out) {
  PG_ASSIGN_OR_RETURN(Statement st,
                      db.Prepare(fmt::format("SELECT id, doc FROM {} ORDER BY id", table)));
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    auto j = nlohmann::json::parse(st.Text(1), nullptr, /*allow_exceptions=*/false);
    auto entry = from_json(j);
    if (!entry.ok()) {
      return DataLoss(fmt::format("{} '{}' in '{}' cannot be read back: {}", table, st.Text(0),
                                  path_, entry.status().ToString()));
    }
    out.push_back(std::move(*entry));
  }
  return Status::Ok();
}

Status SqliteStore::ApplyRevocations(Database& db, std::vector<model::Source>& sources) {
  PG_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT revoked_ms FROM sources WHERE id = ?1"));
  for (auto& source : sources) {
    st.Bind(1, source.id.str());
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    source.revoked_at.reset();
    if (row && !st.IsNull(0)) source.revoked_at = FromUnixMillis(st.Int(0));
    st.Reset();
  }
  return Status::Ok();
}

Result<model::RegistryData> SqliteStore::LoadRegistry() {
  auto db = readers_.Acquire();
  // One read transaction: every table as of the same commit.
  PG_RETURN_IF_ERROR(db->Exec("BEGIN"));
  model::RegistryData data;
  {
    PG_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT doc FROM city"));
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) {
      auto city = model::CityFromJson(
          nlohmann::json::parse(st.Text(0), nullptr, /*allow_exceptions=*/false));
      if (!city.ok())
        return DataLoss("stored city cannot be read back: " + city.status().ToString());
      data.city = std::move(*city);
    }
  }
  PG_RETURN_IF_ERROR(LoadDocs(*db, "facilities", model::FacilityFromJson, data.facilities));
  PG_RETURN_IF_ERROR(LoadDocs(*db, "bays", model::BayFromJson, data.bays));
  PG_RETURN_IF_ERROR(LoadDocs(*db, "chargers", model::ChargerFromJson, data.chargers));
  PG_RETURN_IF_ERROR(LoadDocs(*db, "signs", model::SignFromJson, data.signs));
  PG_RETURN_IF_ERROR(LoadDocs(*db, "sources", model::SourceFromJson, data.sources));
  PG_RETURN_IF_ERROR(ApplyRevocations(*db, data.sources));
  PG_RETURN_IF_ERROR(db->Exec("COMMIT"));
  return data;
}

template <typename T>
Status SqliteStore::WriteDocs(const char* table, const std::vector<T>& entries,
                              RegistryWriteMode mode, RegistryWriteSummary& summary) {
  std::unordered_map<std::string, std::string> existing;  // id → origin
  {
    PG_ASSIGN_OR_RETURN(Statement st, db_.Prepare(fmt::format("SELECT id, origin FROM {}", table)));
    while (true) {
      PG_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      existing.emplace(st.Text(0), st.Text(1));
    }
  }
  constexpr bool kIsBay = std::is_same_v<T, model::Bay>;
  std::string sql = kIsBay ? fmt::format(
                                 "INSERT OR REPLACE INTO {}(id, origin, doc, facility_id) "
                                 "VALUES(?1, ?2, ?3, ?4)",
                                 table)
                           : fmt::format(
                                 "INSERT OR REPLACE INTO {}(id, origin, doc) "
                                 "VALUES(?1, ?2, ?3)",
                                 table);
  PG_ASSIGN_OR_RETURN(Statement upsert, db_.Prepare(sql));
  std::set<std::string> mentioned;
  for (const T& entry : entries) {
    const std::string& id = entry.id.str();
    mentioned.insert(id);
    auto it = existing.find(id);
    if (it != existing.end() && it->second == "survey" && entry.origin == model::Origin::kOsm) {
      ++summary.kept_survey;
      continue;
    }
    upsert.Bind(1, id).Bind(2, model::Name(entry.origin)).Bind(3, model::ToJson(entry).dump());
    if constexpr (kIsBay) upsert.Bind(4, entry.facility.str());
    PG_RETURN_IF_ERROR(upsert.Run());
    upsert.Reset();
    ++(it == existing.end() ? summary.inserted : summary.updated);
  }
  if (mode == RegistryWriteMode::kReplaceOsm) {
    PG_ASSIGN_OR_RETURN(Statement del,
                        db_.Prepare(fmt::format("DELETE FROM {} WHERE id = ?1", table)));
    for (const auto& [id, origin] : existing) {
      if (origin == "osm" && !mentioned.contains(id)) {
        del.Bind(1, id);
        PG_RETURN_IF_ERROR(del.Run());
        del.Reset();
        ++summary.deleted;
      }
    }
  }
  return Status::Ok();
}

Result<RegistryWriteSummary> SqliteStore::WriteRegistry(const model::RegistryData& data,
                                                        RegistryWriteMode mode) {
  for (const auto& source : data.sources) PG_RETURN_IF_ERROR(ValidSource(source));
  std::lock_guard lock(mutex_);
  RegistryWriteSummary summary;
  Status s = InTransaction([&]() -> Status {
    if (data.city) {
      PG_ASSIGN_OR_RETURN(Statement st,
                          db_.Prepare("INSERT OR REPLACE INTO city(singleton, doc) VALUES(1, ?1)"));
      st.Bind(1, model::ToJson(*data.city).dump());
      PG_RETURN_IF_ERROR(st.Run());
    }
    PG_RETURN_IF_ERROR(WriteDocs("facilities", data.facilities, mode, summary));
    PG_RETURN_IF_ERROR(WriteDocs("bays", data.bays, mode, summary));
    PG_RETURN_IF_ERROR(WriteDocs("chargers", data.chargers, mode, summary));
    PG_RETURN_IF_ERROR(WriteDocs("signs", data.signs, mode, summary));
    // Sources declared in the survey keep any key already issued for them.
    PG_ASSIGN_OR_RETURN(
        Statement src,
        db_.Prepare("INSERT INTO sources(id, doc, key_hash, created_ms) VALUES(?1, ?2, '', 0) "
                    "ON CONFLICT(id) DO UPDATE SET doc = excluded.doc"));
    for (const auto& source : data.sources) {
      src.Bind(1, source.id.str()).Bind(2, model::ToJson(source).dump());
      PG_RETURN_IF_ERROR(src.Run());
      src.Reset();
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return summary;
}

Status SqliteStore::AddSource(const SourceRecord& record) {
  PG_RETURN_IF_ERROR(ValidSource(record.source));
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(Statement find, db_.Prepare("SELECT key_hash FROM sources WHERE id = ?1"));
    find.Bind(1, record.source.id.str());
    PG_ASSIGN_OR_RETURN(bool exists, find.Step());
    if (exists && !find.Text(0).empty()) {
      return AlreadyExists(
          fmt::format("source '{}' already has a key; revoke it first", record.source.id.str()),
          "id");
    }
    PG_ASSIGN_OR_RETURN(Statement st,
                        db_.Prepare("INSERT OR REPLACE INTO sources(id, doc, key_hash, created_ms, "
                                    "revoked_ms) VALUES(?1, ?2, ?3, ?4, NULL)"));
    st.Bind(1, record.source.id.str())
        .Bind(2, model::ToJson(record.source).dump())
        .Bind(3, record.key_hash)
        .Bind(4, ToUnixMillis(record.created));
    return st.Run();
  });
}

Result<std::vector<SourceRecord>> SqliteStore::LoadSources() {
  auto db = readers_.Acquire();
  std::vector<SourceRecord> out;
  PG_ASSIGN_OR_RETURN(Statement st,
                      db->Prepare("SELECT id, doc, key_hash, created_ms, revoked_ms FROM sources "
                                  "ORDER BY id"));
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    auto source = model::SourceFromJson(
        nlohmann::json::parse(st.Text(1), nullptr, /*allow_exceptions=*/false));
    if (!source.ok()) {
      return DataLoss(fmt::format("source '{}' cannot be read back: {}", st.Text(0),
                                  source.status().ToString()));
    }
    source->revoked_at.reset();
    if (!st.IsNull(4)) source->revoked_at = FromUnixMillis(st.Int(4));
    out.push_back({std::move(*source), st.Text(2), FromUnixMillis(st.Int(3))});
  }
  return out;
}

Status SqliteStore::RevokeSource(const model::SourceId& id, Timestamp when) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(Statement find, db_.Prepare("SELECT 1 FROM sources WHERE id = ?1"));
    find.Bind(1, id.str());
    PG_ASSIGN_OR_RETURN(bool exists, find.Step());
    if (!exists) return NotFound(fmt::format("no source '{}'", id.str()), "id");
    PG_ASSIGN_OR_RETURN(
        Statement st,
        db_.Prepare("UPDATE sources SET revoked_ms = ?2, key_hash = '' WHERE id = ?1"));
    st.Bind(1, id.str()).Bind(2, ToUnixMillis(when));
    return st.Run();
  });
}

Status SqliteStore::AppendOccupancy(std::span<const model::OccupancySample> samples) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(Statement st,
                        db_.Prepare("INSERT OR REPLACE INTO occupancy(facility_id, t_ms, occupied, "
                                    "capacity) VALUES(?1, ?2, ?3, ?4)"));
    for (const auto& s : samples) {
      st.Bind(1, s.facility.str())
          .Bind(2, ToUnixMillis(s.time))
          .Bind(3, s.occupied)
          .Bind(4, s.capacity);
      PG_RETURN_IF_ERROR(st.Run());
      st.Reset();
    }
    return Status::Ok();
  });
}

Result<std::vector<model::OccupancySample>> SqliteStore::LoadOccupancy(const model::FacilityId& id,
                                                                       Timestamp from,
                                                                       Timestamp to) {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(Statement st,
                      db->Prepare("SELECT t_ms, occupied, capacity FROM occupancy WHERE "
                                  "facility_id = ?1 AND t_ms >= ?2 AND t_ms < ?3 ORDER BY t_ms"));
  st.Bind(1, id.str()).Bind(2, ToUnixMillis(from)).Bind(3, ToUnixMillis(to));
  std::vector<model::OccupancySample> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(
        {id, FromUnixMillis(st.Int(0)), static_cast<int>(st.Int(1)), static_cast<int>(st.Int(2))});
  }
  return out;
}

Result<std::optional<Timestamp>> SqliteStore::LatestOccupancyTime() {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT max(t_ms) FROM occupancy"));
  PG_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row || st.IsNull(0)) return std::optional<Timestamp>();
  return std::optional<Timestamp>(FromUnixMillis(st.Int(0)));
}

Status SqliteStore::ScrubDeadLetters() {
  // Overwrite, not just unlink: a shorter row would leave the old bytes in the page's free space.
  PG_RETURN_IF_ERROR(db_.Exec("PRAGMA secure_delete=ON"));
  Status s = ScrubDeadLetterRows();
  Status off = db_.Exec("PRAGMA secure_delete=OFF");
  return s.ok() ? off : s;
}

Status SqliteStore::ScrubDeadLetterRows() {
  PG_ASSIGN_OR_RETURN(Statement rows,
                      db_.Prepare("SELECT id, topic, reason, payload FROM ingest_errors"));
  PG_ASSIGN_OR_RETURN(Statement update,
                      db_.Prepare("UPDATE ingest_errors SET topic = ?2, reason = ?3, payload = ?4 "
                                  "WHERE id = ?1"));
  int64_t scrubbed = 0;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    std::string topic = rows.Text(1), reason = rows.Text(2), payload = rows.Text(3);
    std::string clean_topic = RedactSecrets(topic), clean_reason = RedactSecrets(reason),
                clean_payload = RedactSecrets(payload);
    if (clean_topic == topic && clean_reason == reason && clean_payload == payload) continue;
    update.Reset();
    update.Bind(1, rows.Int(0)).Bind(2, clean_topic).Bind(3, clean_reason).Bind(4, clean_payload);
    PG_RETURN_IF_ERROR(update.Run());
    ++scrubbed;
  }
  if (scrubbed > 0) PG_LOG_INFO("store: credentials removed from {} dead letters", scrubbed);
  return Status::Ok();
}

Status SqliteStore::AppendDeadLetter(const DeadLetter& d) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(Statement st,
                        db_.Prepare("INSERT INTO ingest_errors(t_ms, channel, topic, source, "
                                    "reason, payload) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
    st.Bind(1, ToUnixMillis(d.received))
        .Bind(2, d.channel)
        .Bind(3, RedactSecrets(d.topic))
        .Bind(4, d.source)
        .Bind(5, RedactSecrets(d.reason))
        .Bind(6, StoredText(d.payload));
    PG_RETURN_IF_ERROR(st.Run());
    return db_.Exec(fmt::format(
        "DELETE FROM ingest_errors WHERE id <= (SELECT max(id) FROM ingest_errors) - {}",
        kDeadLettersKept));
  });
}

Result<std::vector<DeadLetter>> SqliteStore::LoadDeadLetters(int limit) {
  std::lock_guard lock(mutex_);
  PG_ASSIGN_OR_RETURN(Statement st,
                      db_.Prepare("SELECT id, t_ms, channel, topic, source, reason, payload FROM "
                                  "ingest_errors ORDER BY id DESC LIMIT ?1"));
  st.Bind(1, static_cast<int64_t>(limit));
  std::vector<DeadLetter> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.Int(0), FromUnixMillis(st.Int(1)), st.Text(2), st.Text(3), st.Text(4),
                   st.Text(5), st.Text(6)});
  }
  return out;
}

Status SqliteStore::AppendRollups(std::span<const model::OccupancyRollup> rollups) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(
        Statement st,
        db_.Prepare("INSERT OR REPLACE INTO rollups(kind, id, step_s, t_ms, min_occupied, "
                    "mean_occupied, max_occupied, capacity, coverage) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    for (const auto& r : rollups) {
      st.Bind(1, static_cast<int64_t>(r.kind))
          .Bind(2, r.id)
          .Bind(3, static_cast<int64_t>(r.step.count()))
          .Bind(4, ToUnixMillis(r.start))
          .Bind(5, static_cast<int64_t>(r.min_occupied))
          .BindDouble(6, r.mean_occupied)
          .Bind(7, static_cast<int64_t>(r.max_occupied))
          .Bind(8, static_cast<int64_t>(r.capacity))
          .BindDouble(9, r.coverage);
      PG_RETURN_IF_ERROR(st.Run());
      st.Reset();
    }
    return Status::Ok();
  });
}

Result<std::vector<model::OccupancyRollup>> SqliteStore::LoadRollups(
    model::OccupancyRollup::Kind kind, const std::string& id, std::chrono::seconds step,
    Timestamp from, Timestamp to) {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(
      Statement st,
      db->Prepare("SELECT t_ms, min_occupied, mean_occupied, max_occupied, capacity, coverage "
                  "FROM rollups WHERE kind = ?1 AND id = ?2 AND step_s = ?3 AND t_ms >= ?4 AND "
                  "t_ms < ?5 ORDER BY t_ms"));
  st.Bind(1, static_cast<int64_t>(kind))
      .Bind(2, id)
      .Bind(3, static_cast<int64_t>(step.count()))
      .Bind(4, ToUnixMillis(from))
      .Bind(5, ToUnixMillis(to));
  std::vector<model::OccupancyRollup> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(RollupFromRow(st, 0, kind, id, step));
  }
  return out;
}

Result<std::vector<model::OccupancyRollup>> SqliteStore::LoadAllRollups(
    model::OccupancyRollup::Kind kind, std::chrono::seconds step, Timestamp from, Timestamp to) {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(
      Statement st,
      db->Prepare("SELECT id, t_ms, min_occupied, mean_occupied, max_occupied, capacity, coverage "
                  "FROM rollups WHERE kind = ?1 AND step_s = ?2 AND t_ms >= ?3 AND t_ms < ?4 "
                  "ORDER BY id, t_ms"));
  st.Bind(1, static_cast<int64_t>(kind))
      .Bind(2, static_cast<int64_t>(step.count()))
      .Bind(3, ToUnixMillis(from))
      .Bind(4, ToUnixMillis(to));
  std::vector<model::OccupancyRollup> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(RollupFromRow(st, 1, kind, st.Text(0), step));
  }
  return out;
}

Status SqliteStore::AppendBayEvents(std::span<const model::BayEvent> events) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(Statement st, db_.Prepare("INSERT OR REPLACE INTO bay_events(bay_id, "
                                                  "t_ms, occupied) VALUES(?1, ?2, ?3)"));
    for (const auto& e : events) {
      st.Bind(1, e.bay.str()).Bind(2, ToUnixMillis(e.time)).Bind(3, int64_t{e.occupied});
      PG_RETURN_IF_ERROR(st.Run());
      st.Reset();
    }
    return Status::Ok();
  });
}

Result<std::vector<model::BayEvent>> SqliteStore::LoadBayEvents(Timestamp from, Timestamp to) {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(Statement st,
                      db->Prepare("SELECT bay_id, t_ms, occupied FROM bay_events WHERE t_ms >= ?1 "
                                  "AND t_ms < ?2 ORDER BY bay_id, t_ms"));
  st.Bind(1, ToUnixMillis(from)).Bind(2, ToUnixMillis(to));
  std::vector<model::BayEvent> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({model::BayId(st.Text(0)), FromUnixMillis(st.Int(1)), st.Int(2) != 0});
  }
  return out;
}

Status SqliteStore::AppendChargerStatus(std::span<const model::ChargerStatusEvent> events) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(Statement st,
                        db_.Prepare("INSERT OR REPLACE INTO charger_status(charger_id, connector, "
                                    "t_ms, status) VALUES(?1, ?2, ?3, ?4)"));
    for (const auto& e : events) {
      st.Bind(1, e.charger.str())
          .Bind(2, int64_t{e.connector})
          .Bind(3, ToUnixMillis(e.time))
          .Bind(4, model::Name(e.status));
      PG_RETURN_IF_ERROR(st.Run());
      st.Reset();
    }
    return Status::Ok();
  });
}

Result<std::vector<model::ChargerStatusEvent>> SqliteStore::LoadChargerStatus(Timestamp from,
                                                                              Timestamp to) {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT charger_id, connector, t_ms, status FROM "
                                                "charger_status WHERE t_ms >= ?1 AND t_ms < ?2 "
                                                "ORDER BY charger_id, connector, t_ms"));
  st.Bind(1, ToUnixMillis(from)).Bind(2, ToUnixMillis(to));
  std::vector<model::ChargerStatusEvent> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    auto status = model::Parse<model::ChargerStatus>(st.Text(3));
    if (!status) {
      return DataLoss(fmt::format("charger_status of '{}' holds an unknown status '{}'", st.Text(0),
                                  st.Text(3)));
    }
    out.push_back({model::ChargerId(st.Text(0)), static_cast<int>(st.Int(1)),
                   FromUnixMillis(st.Int(2)), *status});
  }
  return out;
}

Status SqliteStore::AddToCounter(const std::string& name, Timestamp time, int64_t count) {
  std::lock_guard lock(mutex_);
  const int64_t bucket = HourBucketMs(ToUnixMillis(time));
  PG_ASSIGN_OR_RETURN(Statement st,
                      db_.Prepare("INSERT INTO counters(name, t_ms, count) VALUES(?1, ?2, ?3) "
                                  "ON CONFLICT(name, t_ms) DO UPDATE SET count = count + ?3"));
  st.Bind(1, name).Bind(2, bucket).Bind(3, count);
  return st.Run();
}

Result<std::optional<int64_t>> SqliteStore::CounterSum(const std::string& name, Timestamp from,
                                                       Timestamp to) {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(Statement st,
                      db->Prepare("SELECT count(*), coalesce(sum(count), 0) FROM counters WHERE "
                                  "name = ?1 AND t_ms >= ?2 AND t_ms < ?3"));
  st.Bind(1, name).Bind(2, ToUnixMillis(from)).Bind(3, ToUnixMillis(to));
  PG_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row || st.Int(0) == 0) return std::optional<int64_t>();
  return std::optional<int64_t>(st.Int(1));
}

Status SqliteStore::AppendChargerSiteOccupancy(std::span<const model::ChargerSiteSample> samples) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(Statement st,
                        db_.Prepare("INSERT OR REPLACE INTO charger_site_occupancy(site, t_ms, "
                                    "busy, connectors) VALUES(?1, ?2, ?3, ?4)"));
    for (const auto& s : samples) {
      st.Bind(1, s.site).Bind(2, ToUnixMillis(s.time)).Bind(3, s.busy).Bind(4, s.connectors);
      PG_RETURN_IF_ERROR(st.Run());
      st.Reset();
    }
    return Status::Ok();
  });
}

Result<std::vector<model::ChargerSiteSample>> SqliteStore::LoadChargerSiteOccupancy(
    const std::string& site, Timestamp from, Timestamp to) {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(Statement st,
                      db->Prepare("SELECT t_ms, busy, connectors FROM charger_site_occupancy "
                                  "WHERE site = ?1 AND t_ms >= ?2 AND t_ms < ?3 ORDER BY t_ms"));
  st.Bind(1, site).Bind(2, ToUnixMillis(from)).Bind(3, ToUnixMillis(to));
  std::vector<model::ChargerSiteSample> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({site, FromUnixMillis(st.Int(0)), static_cast<int>(st.Int(1)),
                   static_cast<int>(st.Int(2))});
  }
  return out;
}

Status SqliteStore::PutForecastModels(std::span<const ForecastModelRecord> records) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(
        Statement st,
        db_.Prepare("INSERT OR REPLACE INTO forecast_models(series, trained_ms, window_from_ms, "
                    "window_to_ms, score, model) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
    for (const auto& r : records) {
      st.Bind(1, r.series)
          .Bind(2, ToUnixMillis(r.trained_at))
          .Bind(3, ToUnixMillis(r.window_from))
          .Bind(4, ToUnixMillis(r.window_to))
          .Bind(5, r.score_json)
          .Bind(6, r.model_json);
      PG_RETURN_IF_ERROR(st.Run());
      st.Reset();
    }
    return Status::Ok();
  });
}

Result<std::vector<ForecastModelRecord>> SqliteStore::LoadForecastModels() {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(Statement st,
                      db->Prepare("SELECT series, trained_ms, window_from_ms, window_to_ms, score, "
                                  "model FROM forecast_models ORDER BY series"));
  std::vector<ForecastModelRecord> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.Text(0), FromUnixMillis(st.Int(1)), FromUnixMillis(st.Int(2)),
                   FromUnixMillis(st.Int(3)), st.Text(4), st.Text(5)});
  }
  return out;
}

Result<std::optional<std::string>> SqliteStore::GetSetting(const std::string& key) {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT value FROM settings WHERE key = ?1"));
  st.Bind(1, key);
  PG_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.Text(0));
}

Status SqliteStore::PutSetting(const std::string& key, const std::string& value) {
  std::lock_guard lock(mutex_);
  PG_ASSIGN_OR_RETURN(Statement st,
                      db_.Prepare("INSERT OR REPLACE INTO settings(key, value) VALUES(?1, ?2)"));
  st.Bind(1, key).Bind(2, value);
  return st.Run();
}

// Columns: sign_id, seq, t_ms, content, cause, acked_ms.
constexpr const char* kSignDisplayColumns = "sign_id, seq, t_ms, content, cause, acked_ms";

SignDisplayRecord ReadSignDisplay(const Statement& st) {
  SignDisplayRecord r;
  r.sign = model::SignId(st.Text(0));
  r.seq = st.Int(1);
  r.time = FromUnixMillis(st.Int(2));
  r.content_json = st.Text(3);
  r.cause_json = st.Text(4);
  if (!st.IsNull(5)) r.acknowledged = FromUnixMillis(st.Int(5));
  return r;
}

Status SqliteStore::AppendSignDisplays(std::span<const SignDisplayRecord> records) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(
        Statement st, db_.Prepare(fmt::format("INSERT INTO sign_display({}) VALUES(?1, ?2, ?3, ?4, "
                                              "?5, ?6)",
                                              kSignDisplayColumns)));
    for (const auto& r : records) {
      st.Bind(1, r.sign.str())
          .Bind(2, r.seq)
          .Bind(3, ToUnixMillis(r.time))
          .Bind(4, r.content_json)
          .Bind(5, r.cause_json);
      if (r.acknowledged) {
        st.Bind(6, ToUnixMillis(*r.acknowledged));
      } else {
        st.BindNull(6);
      }
      Status s = st.Run();
      if (!s.ok()) {
        if (s.code() == StatusCode::kAlreadyExists) {
          return AlreadyExists(
              fmt::format("sign '{}' already has a content with seq {}", r.sign.str(), r.seq),
              "seq");
        }
        return s;
      }
      st.Reset();
    }
    return Status::Ok();
  });
}

Status SqliteStore::MarkSignsAcknowledged(std::span<const SignAck> acks) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(Statement st,
                        db_.Prepare("UPDATE sign_display SET acked_ms = ?3 WHERE sign_id = ?1 "
                                    "AND seq = ?2 AND acked_ms IS NULL"));
    for (const auto& a : acks) {
      st.Bind(1, a.sign.str()).Bind(2, a.seq).Bind(3, ToUnixMillis(a.when));
      PG_RETURN_IF_ERROR(st.Run());
      st.Reset();
    }
    return Status::Ok();
  });
}

Result<std::vector<SignDisplayRecord>> SqliteStore::LoadSignDisplays(const model::SignId& sign,
                                                                     Timestamp from, Timestamp to,
                                                                     size_t limit) {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(
      Statement st,
      db->Prepare(fmt::format("SELECT {} FROM sign_display WHERE sign_id = ?1 AND t_ms >= ?2 AND "
                              "t_ms < ?3 ORDER BY t_ms, seq LIMIT ?4",
                              kSignDisplayColumns)));
  st.Bind(1, sign.str())
      .Bind(2, ToUnixMillis(from))
      .Bind(3, ToUnixMillis(to))
      .Bind(4, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  std::vector<SignDisplayRecord> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadSignDisplay(st));
  }
  return out;
}

Result<std::optional<SignDisplayRecord>> SqliteStore::SignDisplayAt(const model::SignId& sign,
                                                                    Timestamp at) {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(
      Statement st,
      db->Prepare(fmt::format("SELECT {} FROM sign_display WHERE sign_id = ?1 AND t_ms <= ?2 "
                              "ORDER BY t_ms DESC, seq DESC LIMIT 1",
                              kSignDisplayColumns)));
  st.Bind(1, sign.str()).Bind(2, ToUnixMillis(at));
  PG_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<SignDisplayRecord>();
  return std::optional<SignDisplayRecord>(ReadSignDisplay(st));
}

Result<std::vector<SignDisplayRecord>> SqliteStore::LatestSignDisplays() {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(
      Statement st,
      db->Prepare(fmt::format("SELECT {} FROM sign_display d WHERE seq = (SELECT max(seq) FROM "
                              "sign_display WHERE sign_id = d.sign_id) ORDER BY sign_id",
                              kSignDisplayColumns)));
  std::vector<SignDisplayRecord> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadSignDisplay(st));
  }
  return out;
}

Status SqliteStore::AppendSignFault(const SignFaultRecord& record) {
  std::lock_guard lock(mutex_);
  PG_ASSIGN_OR_RETURN(Statement st,
                      db_.Prepare("INSERT INTO sign_faults(sign_id, t_ms, kind, detail) "
                                  "VALUES(?1, ?2, ?3, ?4)"));
  st.Bind(1, record.sign.str())
      .Bind(2, ToUnixMillis(record.time))
      .Bind(3, record.kind)
      .Bind(4, record.detail);
  return st.Run();
}

Result<std::vector<SignFaultRecord>> SqliteStore::LoadSignFaults(const model::SignId& sign,
                                                                 Timestamp from, Timestamp to,
                                                                 size_t limit) {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(Statement st,
                      db->Prepare("SELECT t_ms, kind, detail FROM sign_faults WHERE sign_id = ?1 "
                                  "AND t_ms >= ?2 AND t_ms < ?3 ORDER BY t_ms, rowid LIMIT ?4"));
  st.Bind(1, sign.str())
      .Bind(2, ToUnixMillis(from))
      .Bind(3, ToUnixMillis(to))
      .Bind(4, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  std::vector<SignFaultRecord> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({sign, FromUnixMillis(st.Int(0)), st.Text(1), st.Text(2)});
  }
  return out;
}

Result<std::optional<SignFaultRecord>> SqliteStore::SignFaultAt(const model::SignId& sign,
                                                                Timestamp at) {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(Statement st,
                      db->Prepare("SELECT t_ms, kind, detail FROM sign_faults WHERE sign_id = ?1 "
                                  "AND t_ms <= ?2 ORDER BY t_ms DESC, rowid DESC LIMIT 1"));
  st.Bind(1, sign.str()).Bind(2, ToUnixMillis(at));
  PG_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<SignFaultRecord>();
  return std::optional<SignFaultRecord>(
      SignFaultRecord{sign, FromUnixMillis(st.Int(0)), st.Text(1), st.Text(2)});
}

Result<int64_t> SqliteStore::AddSignOverride(const SignOverrideRecord& r) {
  std::lock_guard lock(mutex_);
  PG_ASSIGN_OR_RETURN(
      Statement st,
      db_.Prepare(
          "INSERT INTO sign_overrides(sign_id, line, kind, text_zh, text_en, reason, "
          "created_by, created_ms, expires_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  st.Bind(1, r.sign.str());
  if (r.line) {
    st.Bind(2, static_cast<int64_t>(*r.line));
  } else {
    st.BindNull(2);
  }
  st.Bind(3, r.kind)
      .Bind(4, r.text.zh)
      .Bind(5, r.text.en)
      .Bind(6, r.reason)
      .Bind(7, r.created_by)
      .Bind(8, ToUnixMillis(r.created))
      .Bind(9, ToUnixMillis(r.expires));
  PG_RETURN_IF_ERROR(st.Run());
  return db_.QueryInt("SELECT last_insert_rowid()");
}

Status SqliteStore::EndSignOverride(int64_t id, Timestamp when, const std::string& by,
                                    const std::string& reason) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(Statement find,
                        db_.Prepare("SELECT ended_ms FROM sign_overrides WHERE id = ?1"));
    find.Bind(1, id);
    PG_ASSIGN_OR_RETURN(bool exists, find.Step());
    if (!exists) return NotFound(fmt::format("no override {}", id), "id");
    if (!find.IsNull(0)) return FailedPrecondition(fmt::format("override {} has ended", id));
    PG_ASSIGN_OR_RETURN(Statement st,
                        db_.Prepare("UPDATE sign_overrides SET ended_ms = ?2, ended_by = ?3, "
                                    "end_reason = ?4 WHERE id = ?1"));
    st.Bind(1, id).Bind(2, ToUnixMillis(when)).Bind(3, by).Bind(4, reason);
    return st.Run();
  });
}

Result<std::vector<SignOverrideRecord>> SqliteStore::LoadSignOverrides(const model::SignId* sign,
                                                                       bool open_only,
                                                                       size_t limit) {
  auto db = readers_.Acquire();
  std::string sql =
      "SELECT id, sign_id, line, kind, text_zh, text_en, reason, created_by, created_ms, "
      "expires_ms, ended_ms, ended_by, end_reason FROM sign_overrides WHERE 1";
  if (sign) sql += " AND sign_id = ?1";
  if (open_only) sql += " AND ended_ms IS NULL";
  sql += " ORDER BY id DESC LIMIT ?2";
  PG_ASSIGN_OR_RETURN(Statement st, db->Prepare(sql));
  if (sign) st.Bind(1, sign->str());
  st.Bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  std::vector<SignOverrideRecord> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    SignOverrideRecord r;
    r.id = st.Int(0);
    r.sign = model::SignId(st.Text(1));
    if (!st.IsNull(2)) r.line = static_cast<int>(st.Int(2));
    r.kind = st.Text(3);
    r.text = {st.Text(4), st.Text(5)};
    r.reason = st.Text(6);
    r.created_by = st.Text(7);
    r.created = FromUnixMillis(st.Int(8));
    r.expires = FromUnixMillis(st.Int(9));
    if (!st.IsNull(10)) r.ended = FromUnixMillis(st.Int(10));
    r.ended_by = st.Text(11);
    r.end_reason = st.Text(12);
    out.push_back(std::move(r));
  }
  return out;
}

constexpr const char* kApiKeyColumns =
    "id, name, role, facilities, key_hash, created_ms, expires_ms, revoked_ms";

ApiKeyRecord ApiKeyFromRow(const Statement& st) {
  ApiKeyRecord r;
  r.id = st.Int(0);
  r.name = st.Text(1);
  r.role = st.Text(2);
  auto facilities = nlohmann::json::parse(st.Text(3), nullptr, /*allow_exceptions=*/false);
  if (facilities.is_array()) {
    for (const auto& f : facilities) {
      if (f.is_string()) r.facilities.push_back(f.get<std::string>());
    }
  }
  r.key_hash = st.Text(4);
  r.created = FromUnixMillis(st.Int(5));
  if (!st.IsNull(6)) r.expires = FromUnixMillis(st.Int(6));
  if (!st.IsNull(7)) r.revoked = FromUnixMillis(st.Int(7));
  return r;
}

Result<std::vector<ApiKeyRecord>> SqliteStore::LoadApiKeys() {
  auto db = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(
      Statement st,
      db->Prepare(fmt::format("SELECT {} FROM api_keys ORDER BY name, id", kApiKeyColumns)));
  std::vector<ApiKeyRecord> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ApiKeyFromRow(st));
  }
  return out;
}

Result<std::optional<ApiKeyRecord>> SqliteStore::CurrentApiKey(const std::string& name) {
  PG_ASSIGN_OR_RETURN(Statement st, db_.Prepare(fmt::format(
                                        "SELECT {} FROM api_keys WHERE name = ?1 AND expires_ms "
                                        "IS NULL AND revoked_ms IS NULL ORDER BY id DESC LIMIT 1",
                                        kApiKeyColumns)));
  st.Bind(1, name);
  PG_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<ApiKeyRecord>();
  return std::optional<ApiKeyRecord>(ApiKeyFromRow(st));
}

Result<ApiKeyRecord> SqliteStore::InsertApiKey(ApiKeyRecord record) {
  PG_ASSIGN_OR_RETURN(Statement st,
                      db_.Prepare("INSERT INTO api_keys(name, role, facilities, key_hash, "
                                  "created_ms) VALUES(?1, ?2, ?3, ?4, ?5)"));
  st.Bind(1, record.name)
      .Bind(2, record.role)
      .Bind(3, nlohmann::json(record.facilities).dump())
      .Bind(4, record.key_hash)
      .Bind(5, ToUnixMillis(record.created));
  PG_RETURN_IF_ERROR(st.Run());
  PG_ASSIGN_OR_RETURN(record.id, db_.QueryInt("SELECT last_insert_rowid()"));
  record.expires.reset();
  record.revoked.reset();
  return record;
}

Result<ApiKeyRecord> SqliteStore::AddApiKey(const ApiKeyRecord& record) {
  std::lock_guard lock(mutex_);
  ApiKeyRecord added;
  Status s = InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(auto current, CurrentApiKey(record.name));
    if (current) {
      return AlreadyExists(
          fmt::format("key '{}' exists (role {}): rotate or revoke it", record.name, current->role),
          "name");
    }
    PG_ASSIGN_OR_RETURN(added, InsertApiKey(record));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return added;
}

Result<ApiKeyRecord> SqliteStore::RotateApiKey(const std::string& name,
                                               const std::string& new_key_hash, Timestamp now,
                                               Timestamp old_valid_until) {
  std::lock_guard lock(mutex_);
  ApiKeyRecord added;
  Status s = InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(auto current, CurrentApiKey(name));
    if (!current) return NotFound(fmt::format("no current key '{}'", name), "name");
    // Every generation still valid ends by then: a second rotation (a leaked key) cuts the
    // overlap of the first.
    PG_ASSIGN_OR_RETURN(
        Statement end,
        db_.Prepare("UPDATE api_keys SET expires_ms = ?2 WHERE name = ?1 AND revoked_ms IS NULL "
                    "AND (expires_ms IS NULL OR expires_ms > ?2)"));
    end.Bind(1, name).Bind(2, ToUnixMillis(old_valid_until));
    PG_RETURN_IF_ERROR(end.Run());
    ApiKeyRecord next = *current;
    next.key_hash = new_key_hash;
    next.created = now;
    PG_ASSIGN_OR_RETURN(added, InsertApiKey(std::move(next)));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return added;
}

Result<int> SqliteStore::RevokeApiKey(const std::string& name, Timestamp when) {
  std::lock_guard lock(mutex_);
  int revoked = 0;
  Status s = InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(Statement st,
                        db_.Prepare("UPDATE api_keys SET revoked_ms = ?2, key_hash = '' WHERE "
                                    "name = ?1 AND revoked_ms IS NULL"));
    st.Bind(1, name).Bind(2, ToUnixMillis(when));
    PG_RETURN_IF_ERROR(st.Run());
    PG_ASSIGN_OR_RETURN(int64_t changed, db_.QueryInt("SELECT changes()"));
    if (changed == 0) return NotFound(fmt::format("no key '{}' to revoke", name), "name");
    revoked = static_cast<int>(changed);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return revoked;
}

Status SqliteStore::AppendAudit(std::span<const AuditEntry> entries) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    PG_ASSIGN_OR_RETURN(
        Statement st,
        db_.Prepare("INSERT INTO audit_log(t_ms, actor, role, remote, action, target, request, "
                    "before, after, outcome) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    for (const AuditEntry& e : entries) {
      st.Bind(1, ToUnixMillis(e.time))
          .Bind(2, e.actor)
          .Bind(3, e.role)
          .Bind(4, e.remote)
          .Bind(5, e.action)
          .Bind(6, e.target)
          .Bind(7, StoredText(e.request))
          .Bind(8, StoredText(e.before))
          .Bind(9, StoredText(e.after))
          .Bind(10, StoredText(e.outcome));
      PG_RETURN_IF_ERROR(st.Run());
      st.Reset();
    }
    return Status::Ok();
  });
}

Result<std::vector<AuditEntry>> SqliteStore::LoadAudit(const AuditQuery& query) {
  auto db = readers_.Acquire();
  std::string sql =
      "SELECT id, t_ms, actor, role, remote, action, target, request, before, after, outcome "
      "FROM audit_log WHERE t_ms >= ?1";
  if (!query.actor.empty()) sql += " AND actor = ?2";
  sql += " ORDER BY id DESC LIMIT ?3";
  PG_ASSIGN_OR_RETURN(Statement st, db->Prepare(sql));
  st.Bind(1, query.since ? ToUnixMillis(*query.since) : INT64_MIN);
  if (!query.actor.empty()) st.Bind(2, query.actor);
  st.Bind(3, static_cast<int64_t>(std::max(query.limit, 0)));
  std::vector<AuditEntry> out;
  while (true) {
    PG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.Int(0), FromUnixMillis(st.Int(1)), st.Text(2), st.Text(3), st.Text(4),
                   st.Text(5), st.Text(6), st.Text(7), st.Text(8), st.Text(9), st.Text(10)});
  }
  return out;
}
}  // namespace

int SqliteSchemaVersion() { return kSchemaVersion; }

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteStoreOptions& options) {
  sqlite::OpenOptions write;
  write.vfs = options.vfs;
  write.busy_timeout = options.busy_timeout;
  PG_ASSIGN_OR_RETURN(Database db, Database::Open(path, write));
  auto store = std::make_unique<SqliteStore>(std::move(db), path, options);
  PG_RETURN_IF_ERROR(store->Migrate());
  PG_RETURN_IF_ERROR(store->Start());
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::unique_ptr<Store>> OpenSqliteStoreReadOnly(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return NotFound(fmt::format("{}: no such database", path));
  }
  sqlite::OpenOptions read;
  read.read_only = true;
  PG_ASSIGN_OR_RETURN(Database db, Database::Open(path, read));
  SqliteStoreOptions options;
  options.read_connections = 1;
  options.probe = false;  // it never writes, so it has no fault to heal
  auto store = std::make_unique<SqliteStore>(std::move(db), path, options);
  PG_RETURN_IF_ERROR(store->CheckReadable());
  PG_RETURN_IF_ERROR(store->Start());
  return std::unique_ptr<Store>(std::move(store));
}

Status BackupSqliteStore(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(from, ec)) {
    return NotFound(fmt::format("{}: no such database", from));
  }
  if (std::filesystem::exists(to, ec)) return AlreadyExists(fmt::format("{} exists", to));
  sqlite::OpenOptions read;
  read.read_only = true;
  PG_ASSIGN_OR_RETURN(Database db, Database::Open(from, read));
  return db.BackupTo(to);
}

}  // namespace pg::store
