// Adding a source of live data with its key, and revoking it: the one author for the command line
// (`parkguide source add|revoke`) and the admin API (`/api/v1/sources`). A source is checked
// (model::Validate), its scope's ids must exist in the registry (a typo would give a key that can
// write nothing), and only the key's salted hash is stored (ingest/core/keys.h).
//
//   PG_ASSIGN_OR_RETURN(IssuedKey key, AddSourceWithKey(source, registry, store, now));
//   print key.key once
//
// Thread-safety: as the store's.
#pragma once

#include <span>

#include "core/clock.h"
#include "core/status.h"
#include "ingest/core/keys.h"
#include "model/city_model.h"
#include "store/source_store.h"

namespace pg::ingest {

// What a scope may name: the city's entries (a RegistryData's or a registry::Registry's).
struct ScopeTargets {
  std::span<const model::Facility> facilities;
  std::span<const model::Bay> bays;
  std::span<const model::Charger> chargers;
};

// Errors: kInvalidArgument naming the field (`scope` for an id the city lacks); the store's
// (kAlreadyExists for a source id taken).
Result<IssuedKey> AddSourceWithKey(const model::Source& source, const ScopeTargets& city,
                                   store::SourceWriter& store, Timestamp now);

}  // namespace pg::ingest
