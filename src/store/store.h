// Store: the one persistence interface of parkguide (registry, source keys, history).
//
// The default implementation is an embedded SQLite file per city (store/sqlite); a PostgreSQL
// implementation for scale-out sits behind the same interface. Every multi-row write is one
// transaction: it is applied whole or not at all.
//
//   PG_ASSIGN_OR_RETURN(auto store, pg::store::OpenSqliteStore("city.db"));
//   PG_ASSIGN_OR_RETURN(pg::model::RegistryData registry, store->LoadRegistry());
//
// Thread-safety: implementations are safe to call from several threads; calls are serialised.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/city_model.h"
#include "model/history.h"

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
struct DeadLetter {
  int64_t id = 0;  // assigned by the store
  Timestamp received;
  std::string channel;  // "mqtt"
  std::string topic;
  std::string source;  // when known
  std::string reason;
  std::string payload;  // truncated to 64 KiB
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
};

// Opens or creates the SQLite store at `path`, applying pending schema migrations.
// Errors: kFailedPrecondition when the file was written by a newer parkguide (its schema version
// is higher than this build knows); kDataLoss when the file is not a SQLite database;
// kUnavailable when it cannot be opened.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

// The schema version this build writes.
int SqliteSchemaVersion();

}  // namespace pg::store
