// Source keys: issuing, storing (as a salted hash only) and verifying them, and the in-memory
// KeyRing that authenticates a request and answers scope questions for it.
//
// Key: "pgk_<id>_<secret>" — <id> 12 hex digits (48 random bits) that find the source without a
// scan, <secret> 43 base64url characters (256 random bits). Stored: "b2s1$<id>$<salt>$<hash>",
// the hash being BLAKE2b-256 of the secret keyed with a per-key random 16-byte salt (libsodium
// crypto_generichash). Why not argon2id: a password hash makes guessing a low-entropy secret
// slow; these secrets have 256 bits, so guessing is hopeless at any speed, while argon2id's
// ~50 ms and 64 MiB per verification would be paid on every request and would let anyone with
// bad keys burn the server's CPU. Comparison is constant-time (sodium_memcmp).
//
//   IssuedKey k = IssueKey();                 // print k.key once; store k.stored
//   KeyRing ring; ring.Load(records, index);  // after every change of the sources table
//   PG_ASSIGN_OR_RETURN(auto principal, ring.Authenticate(bearer));
//   if (!principal->MayWrite(resolved)) → 403
//
// Thread-safety: IssueKey/VerifyKey are reentrant. KeyRing: Load and Authenticate may be called
// from any thread; a Principal is immutable and shared.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "model/city_model.h"
#include "state/live_state.h"
#include "store/source_store.h"

namespace pg::ingest {

struct IssuedKey {
  std::string key;     // shown once, never stored
  std::string stored;  // what the store keeps
};

// A new random key. Aborts only if libsodium cannot initialise (no entropy source).
IssuedKey IssueKey();
// Whether `key` matches `stored`, in constant time for keys of the right shape.
bool VerifyKey(std::string_view key, std::string_view stored);
// The <id> part of a key or a stored hash; "" when malformed.
std::string KeyIdOf(std::string_view key_or_stored);

// An authenticated source and what it may write, resolved against one StateIndex.
class Principal {
 public:
  Principal(model::Source source, const state::StateIndex& index);
  const model::Source& source() const { return source_; }
  // Whether the source may write the target of `o` (resolved against the same index).
  bool MayWrite(const state::ResolvedObservation& o, const state::StateIndex& index) const;
  // Whether the source may write charger `charger` (any of its connectors); false when `index`
  // does not know it. What a charger's own connection (OCPP) is checked against.
  bool MayWriteCharger(std::string_view charger, const state::StateIndex& index) const;

 private:
  model::Source source_;
  std::vector<bool> facilities_;  // by facility index
  std::vector<bool> bays_;        // by bay index
  std::vector<bool> chargers_;    // by charger index
};

class KeyRing {
 public:
  // Replaces the keys with those of `records` (revoked sources and sources without a key are
  // left out), resolving scopes against `index`. REQUIRES: `index` outlives the ring's use.
  void Load(const std::vector<store::SourceRecord>& records,
            const std::shared_ptr<const state::StateIndex>& index);

  // The principal for an "Authorization" header value ("Bearer <key>") or a bare key.
  // Errors: kUnauthenticated (missing, malformed, unknown, revoked or wrong key) — the message
  // never says which, so it cannot be used to probe for ids.
  Result<std::shared_ptr<const Principal>> Authenticate(std::string_view credentials) const;

  // The principal of an active (not revoked) source, with or without a key; nullptr when
  // there is none. For channels whose transport authenticated the source already.
  std::shared_ptr<const Principal> BySource(std::string_view source_id) const;

  // Whether the id of this key (bare or "Bearer <key>") is loaded: when it is, reloading the
  // keys cannot help a failed authentication.
  bool Knows(std::string_view credentials) const;

  size_t size() const;

 private:
  struct Entry {
    std::string stored;
    std::shared_ptr<const Principal> principal;
  };
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> by_id_;                                 // guarded by mu_
  std::unordered_map<std::string, std::shared_ptr<const Principal>> by_source_;  // guarded by mu_
};

}  // namespace pg::ingest
