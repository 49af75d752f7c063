// The PostgreSQL store (store.h: OpenPostgresStore): the class behind it, whose methods live in
// postgres_store.cc (connections, faults, registry, sources, settings, keys, audit, dead
// letters), postgres_history.cc (occupancy and the report's history, counters, forecast models)
// and postgres_sign_history.cc.
//
// Several nodes may write one database at once: every rule the SQLite store keeps by holding its
// one writer (a key added once, an override ended once) is a constraint or a conditional
// statement here, so it holds across nodes too. One call is one transaction, as in SQLite.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "store/postgres/pg_client.h"
#include "store/store.h"

namespace pg::store::postgres {

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::string uri, PostgresStoreOptions options);
  ~PostgresStore() override;

  // Migrates (unless read-only), makes the partitions ahead and starts the upkeep thread.
  Status Open();

  const StorageHealth* storage_health() const override { return &health_; }
  // A session advisory lock of the city's schema, held on a connection of its own
  // (postgres_writer_lease.cc).
  std::unique_ptr<WriterLease> AcquireWriterLease() override;

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
  Status AppendChargerSiteOccupancy(std::span<const model::ChargerSiteSample> samples) override;
  Result<std::vector<model::ChargerSiteSample>> LoadChargerSiteOccupancy(const std::string& site,
                                                                         Timestamp from,
                                                                         Timestamp to) override;
  Status AddToCounter(const std::string& name, Timestamp time, int64_t count) override;
  Result<std::optional<int64_t>> CounterSum(const std::string& name, Timestamp from,
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

  Status AppendDeadLetter(const DeadLetter& letter) override;
  Result<std::vector<DeadLetter>> LoadDeadLetters(int limit) override;

  Result<std::vector<ApiKeyRecord>> LoadApiKeys() override;
  Result<ApiKeyRecord> AddApiKey(const ApiKeyRecord& record) override;
  Result<ApiKeyRecord> RotateApiKey(const std::string& name, const std::string& new_key_hash,
                                    Timestamp now, Timestamp old_valid_until) override;
  Result<int> RevokeApiKey(const std::string& name, Timestamp when) override;

  Status AppendAudit(std::span<const AuditEntry> entries) override;
  Result<std::vector<AuditEntry>> LoadAudit(const AuditQuery& query) override;

 private:
  // What a call's transaction may do: kSnapshot reads every table as of one instant.
  enum class Access { kRead, kSnapshot, kWrite };

  // Runs `body(tx)` (returning Status) in one transaction on a pooled connection and commits it
  // when the body succeeds. libpqxx's exceptions become a Status; a storage fault is counted in
  // the health with a retry hint. A connection found broken before anything was sent on it (the
  // server restarted since it was last used) is replaced once.
  template <typename Body>
  Status Run(Access access, Body&& body);
  template <typename Tx, typename Body>
  Status RunIn(ConnectionPool::Lease& lease, Body& body);
  Status Refused(const Failure& failure);
  Status RefusedWrite() const;

  template <typename T, typename FromJson>
  Status LoadDocs(pqxx::transaction_base& tx, const char* table, FromJson from_json,
                  std::vector<T>& out);
  template <typename T>
  void WriteDocs(pqxx::transaction_base& tx, const char* table, const std::vector<T>& entries,
                 RegistryWriteMode mode, RegistryWriteSummary& summary);

  // The upkeep thread: a probe every retry hint while a fault lasts; the partitions ahead.
  void UpkeepLoop();

  ConnectionPool pool_;
  const PostgresStoreOptions options_;
  const Clock& clock_;
  StorageHealthTracker health_;

  std::mutex upkeep_mutex_;
  std::condition_variable upkeep_cv_;
  bool upkeep_stop_ = false;  // guarded by upkeep_mutex_
  std::thread upkeep_;
};

// The records of `items` that are the last with their key (a later one replaces an earlier one,
// as the store's "replace on key" writes want), in their order: one statement may not write a
// row twice.
template <typename T, typename KeyOf>
std::vector<const T*> LastPerKey(std::span<const T> items, KeyOf key_of) {
  std::set<decltype(key_of(items.front()))> seen;
  std::vector<const T*> out;
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    if (seen.insert(key_of(*it)).second) out.push_back(&*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

template <typename Tx, typename Body>
Status PostgresStore::RunIn(ConnectionPool::Lease& lease, Body& body) {
  Tx tx{*lease};
  Status s = body(static_cast<pqxx::dbtransaction&>(tx));
  if (s.ok()) tx.commit();
  return s;  // not committed: rolled back as `tx` ends
}

template <typename Body>
Status PostgresStore::Run(Access access, Body&& body) {
  if (access == Access::kWrite && options_.read_only) return RefusedWrite();
  for (int attempt = 0;; ++attempt) {
    auto lease = pool_.Acquire();
    if (!lease.ok()) return Refused({lease.status(), StorageFault::kIoError, true, false});
    try {
      Status s;
      switch (access) {
        case Access::kRead:
          s = RunIn<pqxx::read_transaction>(*lease, body);
          break;
        case Access::kSnapshot:
          s = RunIn<pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>>(*lease, body);
          break;
        case Access::kWrite:
          s = RunIn<pqxx::work>(*lease, body);
          if (s.ok() && health_.Succeeded())
            PG_LOG_INFO("store: {} is writable again", pool_.shown_uri());
          break;
      }
      return s;
    } catch (const std::exception& e) {
      const Failure failure = FailureOf(e);
      if (failure.connection_lost) lease->Discard();
      if (failure.may_retry && lease->reused() && attempt == 0) continue;
      return Refused(failure);
    }
  }
}

}  // namespace pg::store::postgres
