// The role keys' role: the keys of people and systems that act on the city through the API —
// car-park operators, the traffic centre, administrators, sign controllers (api/authorizer.h
// says what each may do). `parkguide key` and the admin API write them; a running server
// reloads them every few seconds.
//
// A key has a name (who holds it) and, over its life, several generations: a rotation adds a
// new generation and gives the current one an end (`expires`), so old and new are both valid
// during the overlap and nobody's system stops while it changes key. Revoking a name ends every
// generation at once.
//
// Contract (every implementation): each call is one transaction. The store never sees a key,
// only its encoded hash (ingest/core/keys.h), and forgets the hash when the key is revoked.
// Storage faults fail a call with kUnavailable and a retry hint (store.h).
//
// Thread-safety: implementations are safe to call from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace pg::store {

// One generation of a named key.
struct ApiKeyRecord {
  int64_t id = 0;    // assigned by the store, increasing
  std::string name;  // who holds it ("duty-officer", "acme-parking", a controller id)
  std::string role;  // "operator", "traffic_centre", "admin" or "controller"
  // An operator's: the facilities it may write (empty for the other roles).
  std::vector<std::string> facilities;
  std::string key_hash;  // the encoded hash; "" once revoked
  Timestamp created;
  // When a rotation replaced this generation: it stays valid until then. Unset: the current one.
  std::optional<Timestamp> expires;
  std::optional<Timestamp> revoked;

  // Whether this generation accepts requests at `now`: not revoked, not past its end.
  bool ValidAt(Timestamp now) const { return !revoked && (!expires || now < *expires); }
};

// Reads the keys (the server's authorizer, `parkguide key list`).
class ApiKeyReader {
 public:
  virtual ~ApiKeyReader() = default;

  // Every generation of every key, revoked and expired ones included, by name, then id.
  virtual Result<std::vector<ApiKeyRecord>> LoadApiKeys() = 0;
};

// Adds, rotates and revokes keys.
class ApiKeyWriter {
 public:
  virtual ~ApiKeyWriter() = default;

  // Adds the first generation of a key (`record.id`, `expires` and `revoked` are ignored).
  // Errors: kAlreadyExists (field "name") when `record.name` has a current generation — rotate
  // or revoke it instead; a revoked name may be added again.
  virtual Result<ApiKeyRecord> AddApiKey(const ApiKeyRecord& record) = 0;
  // Adds a new current generation of `name` with `new_key_hash`, created `now`, with the role
  // and facilities of the current one; every older generation still valid ends at
  // `old_valid_until` at the latest (the overlap: `now` ends them at once). Returns the new
  // generation. Errors: kNotFound (field "name") when `name` has no current generation.
  // REQUIRES: old_valid_until >= now.
  virtual Result<ApiKeyRecord> RotateApiKey(const std::string& name,
                                            const std::string& new_key_hash, Timestamp now,
                                            Timestamp old_valid_until) = 0;
  // Revokes every generation of `name` not yet revoked and forgets their hashes; returns how
  // many. Errors: kNotFound (field "name") when there is none.
  virtual Result<int> RevokeApiKey(const std::string& name, Timestamp when) = 0;
};

// Both.
class ApiKeyStore : public ApiKeyReader, public ApiKeyWriter {};

}  // namespace pg::store
