// Store: the one persistence interface of parkguide (registry, source keys, occupancy history,
// sign display history, faults and overrides).
//
// The default implementation is an embedded SQLite file per city (store/sqlite); a PostgreSQL
// implementation for scale-out sits behind the same interface. Every multi-row write is one
// transaction: it is applied whole or not at all.
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
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "model/city_model.h"
#include "model/history.h"
#include "store/storage_health.h"

namespace pg::store {

// How a registry write treats what is already stored.
enum class RegistryWriteMode {
  // Insert or update the given entries by id. Entries that came from the survey are never
  // overwritten by entries from OSM.
  kUpsert,
  // As kUpsert, then delete OSM-origin entries of each kind that the write did not mention:
  // a fresh OSM import replaces the previous one.
  kReplaceOsm,
};

// What a registry write did, per kind of entry.
struct RegistryWriteSummary {
  int inserted = 0;
  int updated = 0;
  int kept_survey = 0;  // OSM entries not applied because the survey describes the same id
  int deleted = 0;
};

// A source as stored, with its key material (never the key itself).
struct SourceRecord {
  model::Source source;
  std::string key_hash;  // an encoded password hash (argon2id), verified by ingest/auth
  Timestamp created;
};

// A message an ingestion channel refused, kept with the reason (GET /api/v1/ingest/errors).
// The store never keeps a credential: topic, reason and payload go through RedactSecrets
// (core/redact.h) on the way in, and schema v6 scrubbed the rows stored before.
struct DeadLetter {
  int64_t id = 0;  // assigned by the store
  Timestamp received;
  std::string channel;  // "mqtt"
  std::string topic;
  std::string source;  // when known
  std::string reason;
  std::string payload;  // truncated to 64 KiB, then redacted
};

// One content a sign was told to show, from `time` until the next record of the same sign
// (signs/, docs/api/signs.md). The store keeps the documents as given; it does not read them.
struct SignDisplayRecord {
  model::SignId sign;
  int64_t seq = 0;  // per sign, increasing with every new content
  Timestamp time;   // when it was published to the controller
  std::string content_json;
  std::string cause_json;  // what made the content change: observation, plan, override, clock
  std::optional<Timestamp> acknowledged;  // when the controller first confirmed showing it
};

// A controller's confirmation that it shows content `seq` of `sign`.
struct SignAck {
  model::SignId sign;
  int64_t seq = 0;
  Timestamp when;
};

// An event in the life of a sign's controller: offline, online, a reported fault.
struct SignFaultRecord {
  model::SignId sign;
  Timestamp time;
  std::string kind;    // "offline", "online", "controller_fault", "publish_failed"
  std::string detail;  // human-readable: why
};

// An operator's override of a sign, kept for audit after it ends.
struct SignOverrideRecord {
  int64_t id = 0;  // assigned by AddSignOverride
  model::SignId sign;
  std::optional<int> line;  // 0-based line; absent: every line
  std::string kind;         // "text" or "blank"
  model::LocalizedName text;
  std::string reason;
  std::string created_by;  // the key that set it
  Timestamp created;
  Timestamp expires;
  std::optional<Timestamp> ended;  // cleared by an operator, replaced, or expired
  std::string ended_by;
  std::string end_reason;
};

// A trained forecast model as stored: which series, when and on what window it was trained, its
// backtest score and the model document (forecast/model.h). Opaque to the store.
struct ForecastModelRecord {
  std::string series;  // "facility/<id>" or "charger_site/<site>"
  Timestamp trained_at;
  Timestamp window_from;
  Timestamp window_to;
  std::string score_json;  // held-out errors per horizon, model and baselines
  std::string model_json;
  friend bool operator==(const ForecastModelRecord&, const ForecastModelRecord&) = default;
};

class Store {
 public:
  virtual ~Store() = default;

  // Whether writes reach the disk now, and the faults so far; nullptr when the implementation
  // does not track it. Lives as long as the store.
  virtual const StorageHealth* storage_health() const { return nullptr; }

  // The whole registry. Errors: kDataLoss when a stored document cannot be read back.
  virtual Result<model::RegistryData> LoadRegistry() = 0;
  // Writes `data` in one transaction (the city, when present, replaces the stored one). A
  // source's revocation and key are not part of the registry: writing a source never changes
  // them.
  // REQUIRES: `data` has been validated (model::ValidateRegistry).
  virtual Result<RegistryWriteSummary> WriteRegistry(const model::RegistryData& data,
                                                     RegistryWriteMode mode) = 0;

  // Errors: kAlreadyExists when the id is taken.
  virtual Status AddSource(const SourceRecord& record) = 0;
  virtual Result<std::vector<SourceRecord>> LoadSources() = 0;
  // Errors: kNotFound for an unknown id.
  virtual Status RevokeSource(const model::SourceId& id, Timestamp when) = 0;

  // Appends samples; a sample for an existing (facility, time) replaces it.
  virtual Status AppendOccupancy(std::span<const model::OccupancySample> samples) = 0;
  // Samples of one facility with from <= time < to, oldest first.
  virtual Result<std::vector<model::OccupancySample>> LoadOccupancy(const model::FacilityId& id,
                                                                    Timestamp from,
                                                                    Timestamp to) = 0;
  // The newest sample time of any facility; nullopt when there is no history.
  virtual Result<std::optional<Timestamp>> LatestOccupancyTime() = 0;

  // Keeps a refused message; only the newest 10,000 are kept.
  virtual Status AppendDeadLetter(const DeadLetter& letter) = 0;
  // The newest `limit` dead letters, newest first.
  virtual Result<std::vector<DeadLetter>> LoadDeadLetters(int limit) = 0;

  // Appends rollups; one for an existing (kind, id, step, start) replaces it.
  virtual Status AppendRollups(std::span<const model::OccupancyRollup> rollups) = 0;
  // Rollups of one facility or charger site with from <= start < to, oldest first.
  virtual Result<std::vector<model::OccupancyRollup>> LoadRollups(model::OccupancyRollup::Kind kind,
                                                                  const std::string& id,
                                                                  std::chrono::seconds step,
                                                                  Timestamp from, Timestamp to) = 0;

  // Rollups of every id of `kind` with from <= start < to, ordered by id then start (reports
  // read a whole week of the city at once).
  virtual Result<std::vector<model::OccupancyRollup>> LoadAllRollups(
      model::OccupancyRollup::Kind kind, std::chrono::seconds step, Timestamp from,
      Timestamp to) = 0;

  // Bay sensor state changes; an event for an existing (bay, time) replaces it.
  virtual Status AppendBayEvents(std::span<const model::BayEvent> events) = 0;
  // Events of every bay with from <= time < to, ordered by bay then time.
  virtual Result<std::vector<model::BayEvent>> LoadBayEvents(Timestamp from, Timestamp to) = 0;

  // Charger connector status changes; one for an existing (charger, connector, time) replaces it.
  virtual Status AppendChargerStatus(std::span<const model::ChargerStatusEvent> events) = 0;
  // Events of every connector with from <= time < to, ordered by charger, connector, time.
  virtual Result<std::vector<model::ChargerStatusEvent>> LoadChargerStatus(Timestamp from,
                                                                           Timestamp to) = 0;

  // Named event counters in hourly buckets (e.g. "guidance.queries"): adds `count` to the bucket
  // holding `time`.
  virtual Status AddToCounter(const std::string& name, Timestamp time, int64_t count) = 0;
  // The sum of a counter over buckets starting in [from, to); nullopt when no bucket of that
  // counter exists in the range (never recorded, as opposed to zero).
  virtual Result<std::optional<int64_t>> CounterSum(const std::string& name, Timestamp from,
                                                    Timestamp to) = 0;

  // Charging-site occupancy history, as AppendOccupancy/LoadOccupancy for facilities.
  virtual Status AppendChargerSiteOccupancy(std::span<const model::ChargerSiteSample> samples) = 0;
  virtual Result<std::vector<model::ChargerSiteSample>> LoadChargerSiteOccupancy(
      const std::string& site, Timestamp from, Timestamp to) = 0;

  // Forecast models: a record for an existing series replaces it. All records in one
  // transaction.
  virtual Status PutForecastModels(std::span<const ForecastModelRecord> records) = 0;
  virtual Result<std::vector<ForecastModelRecord>> LoadForecastModels() = 0;

  // Small named settings (graph fingerprint, demo seed…). Empty optional when unset.
  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  virtual Status PutSetting(const std::string& key, const std::string& value) = 0;

  // --- Sign display history (signs/) ---

  // Appends records in one transaction. Errors: kAlreadyExists when a (sign, seq) is stored
  // already (nothing of the batch is written).
  virtual Status AppendSignDisplays(std::span<const SignDisplayRecord> records) = 0;
  // Records the first acknowledgement of each (sign, seq), in one transaction; later ones leave
  // it unchanged. An unknown (sign, seq) is not an error: an acknowledgement may outrun
  // nothing it could confirm.
  virtual Status MarkSignsAcknowledged(std::span<const SignAck> acks) = 0;
  // Records of one sign with from <= time < to, oldest first, at most `limit`.
  virtual Result<std::vector<SignDisplayRecord>> LoadSignDisplays(const model::SignId& sign,
                                                                  Timestamp from, Timestamp to,
                                                                  size_t limit) = 0;
  // What the sign was told to show at `at`: its newest record with time <= at; nullopt when
  // there is none.
  virtual Result<std::optional<SignDisplayRecord>> SignDisplayAt(const model::SignId& sign,
                                                                 Timestamp at) = 0;
  // The newest record of every sign that has one, in sign id order (to resume after a restart).
  virtual Result<std::vector<SignDisplayRecord>> LatestSignDisplays() = 0;

  virtual Status AppendSignFault(const SignFaultRecord& record) = 0;
  // Events of one sign with from <= time < to, oldest first, at most `limit`.
  virtual Result<std::vector<SignFaultRecord>> LoadSignFaults(const model::SignId& sign,
                                                              Timestamp from, Timestamp to,
                                                              size_t limit) = 0;
  // The newest event of one sign with time <= at.
  virtual Result<std::optional<SignFaultRecord>> SignFaultAt(const model::SignId& sign,
                                                             Timestamp at) = 0;

  // Stores a new override and returns its id (`record.id` is ignored).
  virtual Result<int64_t> AddSignOverride(const SignOverrideRecord& record) = 0;
  // Marks an override ended. Errors: kNotFound for an unknown id; kFailedPrecondition when it
  // has ended already.
  virtual Status EndSignOverride(int64_t id, Timestamp when, const std::string& by,
                                 const std::string& reason) = 0;
  // Overrides of one sign (all signs when `sign` is null), newest first, at most `limit`;
  // only those not yet ended when `open_only`.
  virtual Result<std::vector<SignOverrideRecord>> LoadSignOverrides(const model::SignId* sign,
                                                                    bool open_only,
                                                                    size_t limit) = 0;
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

// The schema version this build writes.
int SqliteSchemaVersion();

}  // namespace pg::store
