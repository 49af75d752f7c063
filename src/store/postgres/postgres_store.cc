// The PostgreSQL store: connections and faults, the registry and its sources, settings, role
// keys, the audit log and dead letters (postgres_store_impl.h).
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/redact.h"
#include "model/model_json.h"
#include "model/vocabulary.h"
#include "store/postgres/postgres_schema.h"
#include "store/postgres/postgres_store_impl.h"
#include "store/write_rules.h"

namespace pg::store {
namespace postgres {
namespace {

std::string SessionSetup(const PostgresStoreOptions& options) {
  // UTC: times cross the edge as ms since 1970 anyway, but an operator's psql shows them alike.
  return fmt::format("SET lock_timeout = {}; SET statement_timeout = {}; SET TIME ZONE 'UTC'",
                     options.lock_timeout.count(), options.statement_timeout.count());
}

// How often the upkeep makes the partitions ahead (they are made months ahead: any day works).
constexpr std::chrono::hours kPartitionUpkeep{6};

}  // namespace

PostgresStore::PostgresStore(std::string uri, PostgresStoreOptions options)
    : pool_(std::move(uri), options.connections, SessionSetup(options)),
      options_(options),
      clock_(options_.clock ? *options_.clock : SystemClock::Instance()),
      health_(clock_) {}

PostgresStore::~PostgresStore() {
  {
    std::lock_guard lock(upkeep_mutex_);
    upkeep_stop_ = true;
  }
  upkeep_cv_.notify_all();
  if (upkeep_.joinable()) upkeep_.join();
}

Status PostgresStore::Open() {
  PG_ASSIGN_OR_RETURN(auto lease, pool_.Acquire());
  try {
    if (options_.read_only) {
      const int found = FoundSchemaVersion(*lease);
      if (found != SchemaVersion()) {
        return FailedPrecondition(fmt::format(
            "the PostgreSQL store at '{}' has schema version {} and this build reads version {}; "
            "a read-only open does not {} it",
            pool_.shown_uri(), found, SchemaVersion(),
            found < SchemaVersion() ? "create or upgrade" : "downgrade"));
      }
    } else {
      PG_RETURN_IF_ERROR(Migrate(*lease));
      pqxx::work tx{*lease};
      EnsurePartitions(tx, clock_.Now());
      tx.commit();
    }
  } catch (const std::exception& e) {
    lease.Discard();
    return FailureOf(e).status.WithContext(fmt::format("opening '{}'", pool_.shown_uri()));
  }
  if (options_.upkeep && !options_.read_only) upkeep_ = std::thread([this] { UpkeepLoop(); });
  return Status::Ok();
}

Status PostgresStore::Refused(const Failure& failure) {
  if (failure.fault == StorageFault::kNone) return failure.status;
  const bool began = !health_.faulted();
  const std::chrono::seconds wait = health_.Failed(failure.fault, failure.status.message());
  if (began) {
    PG_LOG_WARNING("store: {} cannot be written ({}: {}); retrying by itself", pool_.shown_uri(),
                   Name(failure.fault), failure.status.message());
    upkeep_cv_.notify_all();
  }
  return failure.status.WithRetryAfter(wait);
}

Status PostgresStore::RefusedWrite() const {
  return Internal(fmt::format("the store at '{}' was opened read-only", pool_.shown_uri()));
}

void PostgresStore::UpkeepLoop() {
  Timestamp next_partitions = clock_.Now() + kPartitionUpkeep;
  std::unique_lock lock(upkeep_mutex_);
  while (!upkeep_stop_) {
    const auto wait = health_.faulted()
                          ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::max(health_.Health().retry_after, std::chrono::seconds(1)))
                          : std::chrono::milliseconds(std::chrono::minutes(1));
    if (upkeep_cv_.wait_for(lock, wait, [this] { return upkeep_stop_; })) break;
    lock.unlock();
    if (health_.faulted()) {
      // A write of nothing: it commits once the server takes writes again, ending the fault.
      Run(Access::kWrite, [](pqxx::transaction_base& tx) {
        tx.exec("SELECT 1");
        return Status::Ok();
      }).IgnoreError();
    } else if (clock_.Now() >= next_partitions) {
      Run(Access::kWrite, [this](pqxx::dbtransaction& tx) {
        EnsurePartitions(tx, clock_.Now());
        return Status::Ok();
      }).IgnoreError();
      next_partitions = clock_.Now() + kPartitionUpkeep;
    }
    lock.lock();
  }
}

// ---- registry and sources

template <typename T, typename FromJson>
Status PostgresStore::LoadDocs(pqxx::transaction_base& tx, const char* table, FromJson from_json,
                               std::vector<T>& out) {
  for (const pqxx::row& row :
       tx.exec(fmt::format("SELECT id, doc::text FROM {} ORDER BY id COLLATE \"C\"", table))) {
    auto entry =
        from_json(nlohmann::json::parse(row[1].c_str(), nullptr, /*allow_exceptions=*/false));
    if (!entry.ok()) {
      return DataLoss(fmt::format("{} '{}' in '{}' cannot be read back: {}", table, row[0].c_str(),
                                  pool_.shown_uri(), entry.status().ToString()));
    }
    out.push_back(std::move(*entry));
  }
  return Status::Ok();
}

Result<model::RegistryData> PostgresStore::LoadRegistry() {
  model::RegistryData data;
  Status loaded = Run(Access::kSnapshot, [&](pqxx::transaction_base& tx) -> Status {
    data = {};
    pqxx::result city = tx.exec("SELECT doc::text FROM city");
    if (!city.empty()) {
      auto parsed = model::CityFromJson(
          nlohmann::json::parse(city[0][0].c_str(), nullptr, /*allow_exceptions=*/false));
      if (!parsed.ok())
        return DataLoss("stored city cannot be read back: " + parsed.status().ToString());
      data.city = std::move(*parsed);
    }
    PG_RETURN_IF_ERROR(LoadDocs(tx, "facilities", model::FacilityFromJson, data.facilities));
    PG_RETURN_IF_ERROR(LoadDocs(tx, "bays", model::BayFromJson, data.bays));
    PG_RETURN_IF_ERROR(LoadDocs(tx, "chargers", model::ChargerFromJson, data.chargers));
    PG_RETURN_IF_ERROR(LoadDocs(tx, "signs", model::SignFromJson, data.signs));
    PG_RETURN_IF_ERROR(LoadDocs(tx, "sources", model::SourceFromJson, data.sources));
    std::unordered_map<std::string, Timestamp> revoked;
    for (const pqxx::row& row :
         tx.exec("SELECT id, ts_to_ms(revoked) FROM sources WHERE revoked IS NOT NULL")) {
      revoked.emplace(row[0].as<std::string>(), TimeOf(row[1]));
    }
    for (auto& source : data.sources) {
      source.revoked_at.reset();
      if (auto it = revoked.find(source.id.str()); it != revoked.end())
        source.revoked_at = it->second;
    }
    return Status::Ok();
  });
  if (!loaded.ok()) return loaded;
  return data;
}

template <typename T>
void PostgresStore::WriteDocs(pqxx::transaction_base& tx, const char* table,
                              const std::vector<T>& entries, RegistryWriteMode mode,
                              RegistryWriteSummary& summary) {
  std::unordered_map<std::string, std::string> existing;  // id → origin
  for (const pqxx::row& row : tx.exec(fmt::format("SELECT id, origin FROM {} FOR UPDATE", table))) {
    existing.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  }
  std::vector<std::string> ids, origins, docs, facilities;
  std::set<std::string> mentioned;
  for (const T* entry :
       LastPerKey(std::span<const T>(entries), [](const T& e) { return e.id.str(); })) {
    const std::string& id = entry->id.str();
    mentioned.insert(id);
    auto it = existing.find(id);
    if (it != existing.end() && it->second == "survey" && entry->origin == model::Origin::kOsm) {
      ++summary.kept_survey;
      continue;
    }
    ids.push_back(id);
    origins.emplace_back(model::Name(entry->origin));
    docs.push_back(model::ToJson(*entry).dump());
    if constexpr (std::is_same_v<T, model::Bay>) facilities.push_back(entry->facility.str());
    ++(it == existing.end() ? summary.inserted : summary.updated);
  }
  if (!ids.empty()) {
    if constexpr (std::is_same_v<T, model::Bay>) {
      tx.exec_params0(
          "INSERT INTO bays(id, origin, doc, facility_id) SELECT i, o, d::jsonb, f FROM "
          "unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(i, o, d, f) "
          "ON CONFLICT(id) DO UPDATE SET origin = excluded.origin, doc = excluded.doc, "
          "facility_id = excluded.facility_id",
          TextArray(ids), TextArray(origins), TextArray(docs), TextArray(facilities));
    } else {
      tx.exec_params0(fmt::format("INSERT INTO {}(id, origin, doc) SELECT i, o, d::jsonb FROM "
                                  "unnest($1::text[], $2::text[], $3::text[]) AS u(i, o, d) "
                                  "ON CONFLICT(id) DO UPDATE SET origin = excluded.origin, "
                                  "doc = excluded.doc",
                                  table),
                      TextArray(ids), TextArray(origins), TextArray(docs));
    }
  }
  if (mode != RegistryWriteMode::kReplaceOsm) return;
  std::vector<std::string> gone;
  for (const auto& [id, origin] : existing) {
    if (origin == "osm" && !mentioned.contains(id)) gone.push_back(id);
  }
  if (gone.empty()) return;
  tx.exec_params0(fmt::format("DELETE FROM {} WHERE id = ANY($1::text[])", table), TextArray(gone));
  summary.deleted += static_cast<int>(gone.size());
}

Result<RegistryWriteSummary> PostgresStore::WriteRegistry(const model::RegistryData& data,
                                                          RegistryWriteMode mode) {
  for (const auto& source : data.sources) PG_RETURN_IF_ERROR(ValidSource(source));
  RegistryWriteSummary summary;
  PG_RETURN_IF_ERROR(Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    summary = {};
    if (data.city) {
      tx.exec_params0(
          "INSERT INTO city(singleton, doc) VALUES(1, $1::jsonb) "
          "ON CONFLICT(singleton) DO UPDATE SET doc = excluded.doc",
          model::ToJson(*data.city).dump());
    }
    WriteDocs(tx, "facilities", data.facilities, mode, summary);
    WriteDocs(tx, "bays", data.bays, mode, summary);
    WriteDocs(tx, "chargers", data.chargers, mode, summary);
    WriteDocs(tx, "signs", data.signs, mode, summary);
    // Sources declared in the survey keep any key already issued for them.
    for (const auto& source : data.sources) {
      tx.exec_params0(
          "INSERT INTO sources(id, doc, key_hash, created) VALUES($1, $2::jsonb, '', "
          "ms_to_ts(0)) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
          source.id.str(), model::ToJson(source).dump());
    }
    return Status::Ok();
  }));
  return summary;
}

Status PostgresStore::AddSource(const SourceRecord& record) {
  PG_RETURN_IF_ERROR(ValidSource(record.source));
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    // One statement: of two nodes adding the same source at once, one finds the other's key.
    pqxx::result r = tx.exec_params(
        "INSERT INTO sources(id, doc, key_hash, created, revoked) "
        "VALUES($1, $2::jsonb, $3, ms_to_ts($4), NULL) ON CONFLICT(id) DO UPDATE SET "
        "doc = excluded.doc, key_hash = excluded.key_hash, created = excluded.created, "
        "revoked = NULL WHERE sources.key_hash = ''",
        record.source.id.str(), model::ToJson(record.source).dump(), record.key_hash,
        SqlMillis(record.created));
    if (r.affected_rows() == 0) {
      return AlreadyExists(
          fmt::format("source '{}' already has a key; revoke it first", record.source.id.str()),
          "id");
    }
    return Status::Ok();
  });
}

Result<std::vector<SourceRecord>> PostgresStore::LoadSources() {
  std::vector<SourceRecord> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row :
         tx.exec("SELECT id, doc::text, key_hash, ts_to_ms(created), "
                 "ts_to_ms(revoked) FROM sources ORDER BY id COLLATE \"C\"")) {
      auto source = model::SourceFromJson(
          nlohmann::json::parse(row[1].c_str(), nullptr, /*allow_exceptions=*/false));
      if (!source.ok()) {
        return DataLoss(fmt::format("source '{}' cannot be read back: {}", row[0].c_str(),
                                    source.status().ToString()));
      }
      source->revoked_at = OptionalTimeOf(row[4]);
      out.push_back({std::move(*source), row[2].as<std::string>(), TimeOf(row[3])});
    }
    return Status::Ok();
  }));
  return out;
}

Status PostgresStore::RevokeSource(const model::SourceId& id, Timestamp when) {
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    pqxx::result r =
        tx.exec_params("UPDATE sources SET revoked = ms_to_ts($2), key_hash = '' WHERE id = $1",
                       id.str(), SqlMillis(when));
    if (r.affected_rows() == 0) return NotFound(fmt::format("no source '{}'", id.str()), "id");
    return Status::Ok();
  });
}

// ---- settings

Result<std::optional<std::string>> PostgresStore::GetSetting(const std::string& key) {
  std::optional<std::string> value;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    pqxx::result r = tx.exec_params("SELECT value FROM settings WHERE key = $1", key);
    value.reset();
    if (!r.empty()) value = r[0][0].as<std::string>();
    return Status::Ok();
  }));
  return value;
}

Status PostgresStore::PutSetting(const std::string& key, const std::string& value) {
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    tx.exec_params0(
        "INSERT INTO settings(key, value) VALUES($1, $2) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        key, value);
    return Status::Ok();
  });
}

// ---- dead letters

Status PostgresStore::AppendDeadLetter(const DeadLetter& d) {
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    tx.exec_params0(
        "INSERT INTO ingest_errors(t, channel, topic, source, reason, payload) VALUES("
        "ms_to_ts($1), $2, decode($3, 'hex'), $4, decode($5, 'hex'), decode($6, 'hex'))",
        SqlMillis(d.received), d.channel, HexOf(RedactSecrets(d.topic)), d.source,
        HexOf(RedactSecrets(d.reason)), HexOf(StoredText(d.payload)));
    tx.exec_params0(
        "DELETE FROM ingest_errors WHERE id <= (SELECT max(id) FROM ingest_errors) - $1",
        kDeadLettersKept);
    return Status::Ok();
  });
}

Result<std::vector<DeadLetter>> PostgresStore::LoadDeadLetters(int limit) {
  std::vector<DeadLetter> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row : tx.exec_params(
             "SELECT id, ts_to_ms(t), channel, encode(topic, 'hex'), source, encode(reason, "
             "'hex'), encode(payload, 'hex') FROM ingest_errors ORDER BY id DESC LIMIT $1",
             std::max(limit, 0))) {
      out.push_back({row[0].as<int64_t>(), TimeOf(row[1]), row[2].as<std::string>(),
                     BytesOfHex(row[3].c_str()), row[4].as<std::string>(),
                     BytesOfHex(row[5].c_str()), BytesOfHex(row[6].c_str())});
    }
    return Status::Ok();
  }));
  return out;
}

// ---- role keys

namespace {

constexpr const char* kApiKeyColumns =
    "id, name, role, facilities::text, key_hash, ts_to_ms(created), ts_to_ms(expires), "
    "ts_to_ms(revoked)";

ApiKeyRecord ApiKeyFromRow(const pqxx::row& row) {
  ApiKeyRecord r;
  r.id = row[0].as<int64_t>();
  r.name = row[1].as<std::string>();
  r.role = row[2].as<std::string>();
  auto facilities = nlohmann::json::parse(row[3].c_str(), nullptr, /*allow_exceptions=*/false);
  if (facilities.is_array()) {
    for (const auto& f : facilities) {
      if (f.is_string()) r.facilities.push_back(f.get<std::string>());
    }
  }
  r.key_hash = row[4].as<std::string>();
  r.created = TimeOf(row[5]);
  r.expires = OptionalTimeOf(row[6]);
  r.revoked = OptionalTimeOf(row[7]);
  return r;
}

// Inserts a current generation of `record.name` unless one exists; returns it with its id, or
// nullopt when the name has a current generation already.
std::optional<ApiKeyRecord> InsertCurrentApiKey(pqxx::transaction_base& tx, ApiKeyRecord record) {
  pqxx::result r = tx.exec_params(
      "INSERT INTO api_keys(name, role, facilities, key_hash, created) "
      "VALUES($1, $2, $3::jsonb, $4, ms_to_ts($5)) "
      "ON CONFLICT (name) WHERE expires IS NULL AND revoked IS NULL DO NOTHING RETURNING id",
      record.name, record.role, nlohmann::json(record.facilities).dump(), record.key_hash,
      SqlMillis(record.created));
  if (r.empty()) return std::nullopt;
  record.id = r[0][0].as<int64_t>();
  record.expires.reset();
  record.revoked.reset();
  return record;
}

std::optional<ApiKeyRecord> CurrentApiKey(pqxx::transaction_base& tx, const std::string& name,
                                          bool lock) {
  pqxx::result r = tx.exec_params(
      fmt::format("SELECT {} FROM api_keys WHERE name = $1 AND expires IS NULL AND revoked IS "
                  "NULL ORDER BY id DESC LIMIT 1{}",
                  kApiKeyColumns, lock ? " FOR UPDATE" : ""),
      name);
  if (r.empty()) return std::nullopt;
  return ApiKeyFromRow(r[0]);
}

}  // namespace

Result<std::vector<ApiKeyRecord>> PostgresStore::LoadApiKeys() {
  std::vector<ApiKeyRecord> out;
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row : tx.exec(fmt::format(
             "SELECT {} FROM api_keys ORDER BY name COLLATE \"C\", id", kApiKeyColumns))) {
      out.push_back(ApiKeyFromRow(row));
    }
    return Status::Ok();
  }));
  return out;
}

Result<ApiKeyRecord> PostgresStore::AddApiKey(const ApiKeyRecord& record) {
  ApiKeyRecord added;
  PG_RETURN_IF_ERROR(Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    if (auto inserted = InsertCurrentApiKey(tx, record)) {
      added = std::move(*inserted);
      return Status::Ok();
    }
    auto current = CurrentApiKey(tx, record.name, /*lock=*/false);
    return AlreadyExists(fmt::format("key '{}' exists (role {}): rotate or revoke it", record.name,
                                     current ? current->role : "?"),
                         "name");
  }));
  return added;
}

Result<ApiKeyRecord> PostgresStore::RotateApiKey(const std::string& name,
                                                 const std::string& new_key_hash, Timestamp now,
                                                 Timestamp old_valid_until) {
  ApiKeyRecord added;
  PG_RETURN_IF_ERROR(Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    // Locked: a second node rotating the same key waits, then finds this rotation's key current.
    auto current = CurrentApiKey(tx, name, /*lock=*/true);
    if (!current) return NotFound(fmt::format("no current key '{}'", name), "name");
    // Every generation still valid ends by then: a second rotation (a leaked key) cuts the
    // overlap of the first.
    tx.exec_params0(
        "UPDATE api_keys SET expires = ms_to_ts($2) WHERE name = $1 AND revoked IS NULL "
        "AND (expires IS NULL OR expires > ms_to_ts($2))",
        name, SqlMillis(old_valid_until));
    ApiKeyRecord next = *current;
    next.key_hash = new_key_hash;
    next.created = now;
    auto inserted = InsertCurrentApiKey(tx, std::move(next));
    if (!inserted) return Internal(fmt::format("key '{}' still has a current generation", name));
    added = std::move(*inserted);
    return Status::Ok();
  }));
  return added;
}

Result<int> PostgresStore::RevokeApiKey(const std::string& name, Timestamp when) {
  int revoked = 0;
  PG_RETURN_IF_ERROR(Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    pqxx::result r = tx.exec_params(
        "UPDATE api_keys SET revoked = ms_to_ts($2), key_hash = '' WHERE name = $1 AND revoked "
        "IS NULL",
        name, SqlMillis(when));
    if (r.affected_rows() == 0) return NotFound(fmt::format("no key '{}' to revoke", name), "name");
    revoked = static_cast<int>(r.affected_rows());
    return Status::Ok();
  }));
  return revoked;
}

// ---- audit log

Status PostgresStore::AppendAudit(std::span<const AuditEntry> entries) {
  return Run(Access::kWrite, [&](pqxx::transaction_base& tx) -> Status {
    for (const AuditEntry& e : entries) {
      tx.exec_params0(
          "INSERT INTO audit_log(t, actor, role, remote, action, target, request, before, "
          "after, outcome) VALUES(ms_to_ts($1), $2, $3, $4, $5, $6, $7, $8, $9, $10)",
          SqlMillis(e.time), e.actor, e.role, e.remote, e.action, e.target, StoredText(e.request),
          StoredText(e.before), StoredText(e.after), StoredText(e.outcome));
    }
    return Status::Ok();
  });
}

Result<std::vector<AuditEntry>> PostgresStore::LoadAudit(const AuditQuery& query) {
  std::vector<AuditEntry> out;
  const std::optional<std::string> actor =
      query.actor.empty() ? std::nullopt : std::optional(query.actor);
  PG_RETURN_IF_ERROR(Run(Access::kRead, [&](pqxx::transaction_base& tx) -> Status {
    out.clear();
    for (const pqxx::row& row : tx.exec_params(
             "SELECT id, ts_to_ms(t), actor, role, remote, action, target, request, before, "
             "after, outcome FROM audit_log WHERE ($1::bigint IS NULL OR t >= ms_to_ts($1)) "
             "AND ($2::text IS NULL OR actor = $2) ORDER BY id DESC LIMIT $3",
             SqlMillis(query.since), actor, std::max(query.limit, 0))) {
      out.push_back({row[0].as<int64_t>(), TimeOf(row[1]), row[2].as<std::string>(),
                     row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                     row[6].as<std::string>(), row[7].as<std::string>(), row[8].as<std::string>(),
                     row[9].as<std::string>(), row[10].as<std::string>()});
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace postgres

int PostgresSchemaVersion() { return postgres::SchemaVersion(); }

bool IsPostgresUri(std::string_view spec) {
  return spec.starts_with("postgres://") || spec.starts_with("postgresql://");
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri,
                                                 const PostgresStoreOptions& options) {
  auto store = std::make_unique<postgres::PostgresStore>(uri, options);
  PG_RETURN_IF_ERROR(store->Open());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace pg::store
