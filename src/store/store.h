// Store: parkguide's persistence, as role interfaces (one header each) and their aggregate.
//
//   registry_store.h       RegistryReader / RegistryWriter            (RegistryStore: both)
//   source_store.h         SourceReader / SourceWriter                (SourceStore)
//   occupancy_history.h    OccupancyHistoryReader / ...Writer         (OccupancyHistory)
//   counters.h             CounterReader / CounterWriter              (CounterStore)
//   forecast_model_store.h ForecastModelStore
//   settings_store.h       SettingsReader / SettingsWriter            (SettingsStore)
//   sign_history.h         SignHistoryReader / SignHistoryWriter      (SignHistory)
//   dead_letters.h         DeadLetterReader / DeadLetterWriter        (DeadLetterStore)
//   api_keys.h             ApiKeyReader / ApiKeyWriter                (ApiKeyStore)
//   audit_log.h            AuditReader / AuditWriter                  (AuditLog)
//
// A module takes the narrowest roles it uses; Store, below, implements every role, and the
// composition root passes it where a role is wanted. The default implementation is an embedded
// SQLite file per city (store/sqlite); a PostgreSQL implementation for scale-out implements the
// same roles. store/testing holds one conformance suite per role that every implementation runs.
// Every multi-row write is one transaction: it is applied whole or not at all.
//
//   PG_ASSIGN_OR_RETURN(auto store, pg::store::OpenSqliteStore("city.db"));
//   PG_ASSIGN_OR_RETURN(pg::model::RegistryData registry, store->LoadRegistry());
//
// Storage faults (the file locked by someone else, a full disk, an I/O error) fail a call with
// kUnavailable and a retry hint (Status::retry_after) and show in storage_health(); the store
// keeps trying and the first write that succeeds ends the fault (storage_health.h).
//
// Thread-safety: implementations are safe to call from several threads. Writes are serialised;
// reads of the SQLite store run beside them and never wait for a write (or another process's
// write lock).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "store/api_keys.h"
#include "store/audit_log.h"
#include "store/counters.h"
#include "store/dead_letters.h"
#include "store/forecast_model_store.h"
#include "store/occupancy_history.h"
#include "store/registry_store.h"
#include "store/settings_store.h"
#include "store/sign_history.h"
#include "store/source_store.h"
#include "store/storage_health.h"

namespace pg::store {

// Whether this process is the one node of a city that does what only one may do (publish the
// signs' contents and write their history, sample the occupancy history, write the weekly
// reports, notify subscribers): the holder of the city's writer lease. Lives as long as the
// store that made it; released when destroyed.
class WriterLease {
 public:
  virtual ~WriterLease() = default;
  // Now; may turn true (this node took over) or false (its hold on the store was lost).
  virtual bool held() const = 0;
};

// The aggregate of every role: one object the composition root (app/, cli/) opens and hands to
// each module as the roles that module uses. An implementation may implement the roles one at a
// time; the store it opens implements them all.
class Store : public RegistryStore,
              public SourceStore,
              public OccupancyHistory,
              public CounterStore,
              public ForecastModelStore,
              public SettingsStore,
              public SignHistory,
              public DeadLetterStore,
              public ApiKeyStore,
              public AuditLog {
 public:
  ~Store() override = default;

  // Whether writes reach the disk now, and the faults so far; nullptr when the implementation
  // does not track it. Lives as long as the store.
  virtual const StorageHealth* storage_health() const { return nullptr; }

  // The city's writer lease, asked for now and, while another node holds it, again every
  // second or so. The default is held at once: one process writes a SQLite city
  // (core/city_lock.h). Once per store.
  virtual std::unique_ptr<WriterLease> AcquireWriterLease();
};

// How the SQLite store opens its file (store/sqlite/sqlite_store.cc explains the choices).
struct SqliteStoreOptions {
  // The SQLite VFS ("": the default). Tests pass a fault-injecting one
  // (tests/support/fault_injection_sqlite_vfs.h).
  std::string vfs;
  // PRAGMA synchronous of the write connection. kFull: a commit is fsynced before it returns,
  // so what a write reported is on the disk if the power goes — sign history relies on it.
  // kNormal (WAL): durable against a crash of the process, not of the machine. kOff: only to
  // show, in tests, what kFull prevents.
  enum class Synchronous { kOff, kNormal, kFull };
  Synchronous synchronous = Synchronous::kFull;
  // How long a write waits for another connection's or process's lock before it fails with
  // kUnavailable: long enough for a short write of `parkguide source add` or a checkpoint,
  // short enough that an HTTP write answers 503 rather than hang.
  std::chrono::milliseconds busy_timeout{2'000};
  // While a storage fault lasts, writes wait only this long: they fail fast, with the retry
  // hint, instead of each holding the writer for busy_timeout.
  std::chrono::milliseconds busy_timeout_in_fault{250};
  int read_connections = 4;  // reads beyond these wait for one to be free (never for a write)
  // While a fault lasts the store probes with a write of its own, every retry hint, so that it
  // is seen to heal without waiting for the next caller. Off in tests that time writes.
  bool probe = true;
  const Clock* clock = nullptr;  // for the health's times; nullptr: the system clock
};

// Opens or creates the SQLite store at `path`, applying pending schema migrations.
// Errors: kFailedPrecondition when the file was written by a newer parkguide (its schema version
// is higher than this build knows); kDataLoss when the file is not a SQLite database;
// kUnavailable when it cannot be opened (or `options.vfs` is not registered).
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteStoreOptions& options = {});

// Opens the SQLite store at `path` for reading only: nothing is created, migrated or written
// (the write methods fail with kInternal), so a reader may run beside the process that writes the
// city (core/city_lock.h) and sees its committed writes. Errors: kNotFound when there is no file
// at `path`; kFailedPrecondition when the file's schema is older than this build's (OpenSqliteStore
// upgrades it) or newer, or the file is another application's SQLite database; kDataLoss when it
// is not a SQLite file; kUnavailable when it cannot be opened.
Result<std::unique_ptr<Store>> OpenSqliteStoreReadOnly(const std::string& path);

// Copies the SQLite store at `from` to the new file `to` (which must not exist) as one consistent
// snapshot — SQLite's online backup through a read-only connection — while another process may
// be writing `from`. Errors: kNotFound (no `from`), kAlreadyExists (`to` exists), kUnavailable,
// kDataLoss.
Status BackupSqliteStore(const std::string& from, const std::string& to);

// The schema version this build writes.
int SqliteSchemaVersion();

// How the PostgreSQL store connects (store/postgres/postgres_store_impl.h explains the choices).
struct PostgresStoreOptions {
  // Connections to the server, each used by one call at a time; calls beyond wait for one.
  int connections = 8;
  // How long a statement waits for a row lock held by another node before the call fails with
  // kUnavailable (and a retry hint): an HTTP write answers 503 rather than hang.
  std::chrono::milliseconds lock_timeout{2'000};
  // Longest a statement may run before it is cancelled (kUnavailable).
  std::chrono::milliseconds statement_timeout{60'000};
  // Nothing is created, migrated or written (the write methods fail with kInternal): for the
  // read-only tools, and read nodes that must not change the schema.
  bool read_only = false;
  // A probe while a fault lasts, and the monthly partitions made ahead, from a thread of the
  // store's. Off in tests that look at faults step by step.
  bool upkeep = true;
  const Clock* clock = nullptr;  // for the health's times and the partitions; nullptr: system
};

// Opens the PostgreSQL store at `uri` (a libpq connection URI, postgres://user@host:port/db, or
// key=value string; the schema is the connection's search_path, so `options=-csearch_path=city`
// keeps several cities in one database), applying pending migrations under an advisory lock.
// The database needs PostGIS (created here when this user may). Errors: kUnavailable when the
// server cannot be reached; kFailedPrecondition when the schema is newer than this build's or
// PostGIS is missing (the message says what to run); with read_only, kFailedPrecondition when
// the schema is older or absent.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri,
                                                 const PostgresStoreOptions& options = {});

// The PostgreSQL schema version this build writes.
int PostgresSchemaVersion();

// Whether `spec` names a PostgreSQL store (postgres:// or postgresql://) rather than a SQLite file.
bool IsPostgresUri(std::string_view spec);

}  // namespace pg::store
