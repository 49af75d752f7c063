// The registry's roles: the facilities, entrances, chargers, signs, sources and the city as one
// document set (model::RegistryData), read whole at start-up and written by the imports (OSM,
// the survey files, the real-data replays).
//
//   PG_ASSIGN_OR_RETURN(model::RegistryData registry, reader.LoadRegistry());
//   PG_ASSIGN_OR_RETURN(auto summary, writer.WriteRegistry(data, RegistryWriteMode::kUpsert));
//
// Contract (every implementation): a write is one transaction, applied whole or not at all.
// Storage faults fail a call with kUnavailable and a retry hint (store.h).
//
// Thread-safety: implementations are safe to call from several threads.
#pragma once

#include "core/status.h"
#include "model/city_model.h"

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

// Reads the registry (the server at start-up, read-only tools).
class RegistryReader {
 public:
  virtual ~RegistryReader() = default;

  // The whole registry. Errors: kDataLoss when a stored document cannot be read back.
  virtual Result<model::RegistryData> LoadRegistry() = 0;
};

// Writes the registry (the imports).
class RegistryWriter {
 public:
  virtual ~RegistryWriter() = default;

  // Writes `data` in one transaction (the city, when present, replaces the stored one). A
  // source's revocation and key are not part of the registry: writing a source never changes
  // them.
  // REQUIRES: `data` has been validated (model::ValidateRegistry). Sources are checked again all
  // the same — one that cannot be read back would make LoadRegistry fail for the whole city:
  // kInvalidArgument naming the field, and nothing is written.
  virtual Result<RegistryWriteSummary> WriteRegistry(const model::RegistryData& data,
                                                     RegistryWriteMode mode) = 0;
};

// Both: what an import that merges into the stored registry needs.
class RegistryStore : public RegistryReader, public RegistryWriter {};

}  // namespace pg::store
