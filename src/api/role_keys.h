// Role keys stored in the city database (store/api_keys.h): issuing, rotating and checking them.
//
// A role key has the source keys' form and hashing ("pgk_<id>_<secret>", a salted BLAKE2b hash
// stored: ingest/core/keys.h), so there is one key format and one verifier; what it may do
// comes from its role (api/authorizer.h), not from a source's scope.
//
//   auto issued = AddRoleKey(store, {"acme", Role::kOperator, {"F1", "F2"}}, exists, now);
//   print issued->key once;
//   RoleKeyRing ring(clock, file_keys);
//   ring.Load(*store.LoadApiKeys());            // again after every change (the server: every
//                                               // few seconds, and when a key is not known)
//   auto who = ring.Authorize(req.Header("authorization"), Role::kTrafficCentre);
//
// Rotation without downtime: RotateRoleKey issues a new key for the same name, role and
// facilities; the old one stays valid until the overlap ends (default 24 h), so a system can
// switch keys in its own time; an overlap of 0 ends the old key at once (a leak).
//
// Thread-safety: the functions are reentrant; RoleKeyRing's members may be called from any
// thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/authorizer.h"
#include "core/clock.h"
#include "store/api_keys.h"

namespace pg::api {

// What `parkguide key add` and POST /api/v1/keys ask for.
struct RoleKeyRequest {
  std::string name;
  Role role = Role::kTrafficCentre;
  std::vector<std::string> facilities;  // an operator's, at least one; none for other roles
};

struct IssuedRoleKey {
  store::ApiKeyRecord record;  // as stored (its hash, never the key)
  std::string key;             // shown once, never stored
};

// The most facilities one operator's key may name.
inline constexpr size_t kMaxKeyFacilities = 1'000;

// The longest rotation overlap: a key that outlives its replacement for longer is forgotten.
inline constexpr std::chrono::hours kMaxKeyOverlap{24 * 30};

// Issues and stores the first key of `request.name`.
// Errors: kInvalidArgument naming "name" (not an id: letters, digits, _ - . :), "facilities"
// (an operator without facilities, with more than kMaxKeyFacilities, one twice, or one
// `facility_exists` does not know; another role with facilities); kAlreadyExists when the name has
// a current key; those of the store.
Result<IssuedRoleKey> AddRoleKey(store::ApiKeyWriter& store, const RoleKeyRequest& request,
                                 const std::function<bool(std::string_view)>& facility_exists,
                                 Timestamp now);

// A rotation overlap written "90s", "30m", "24h", "7d" or a number of seconds ("0": none).
// Errors: kInvalidArgument naming "overlap" (not of that form, or longer than kMaxKeyOverlap).
Result<std::chrono::seconds> ParseOverlap(std::string_view text);

// Issues a new key for `name`; the old one stays valid for `overlap` (0 ≤ overlap ≤
// kMaxKeyOverlap). Errors: kInvalidArgument naming "overlap"; kNotFound when `name` has no
// current key; those of the store.
Result<IssuedRoleKey> RotateRoleKey(store::ApiKeyWriter& store, const std::string& name,
                                    Timestamp now, std::chrono::seconds overlap);

// Every generation of the key `name` (of every key when `name` is empty) as JSON, never its hash:
// [{"id","name","role","facilities","created","valid_until","revoked","state"}], state one of
// current, overlap (replaced, still valid at `now`), ended, revoked; times in `zone`. The one
// author of a key's JSON: GET /api/v1/keys, the audit log's before and after (API and CLI).
Result<nlohmann::json> KeyGenerationsJson(store::ApiKeyReader& store, const std::string& name,
                                          const date::time_zone& zone, Timestamp now);

class RoleKeyRing final : public Authorizer {
 public:
  // `file_keys` answers for keys that are not of the stored form (the --keys file's 64 hex
  // digits, the demo's key); may be null. REQUIRES: `clock` outlives the ring.
  RoleKeyRing(const Clock& clock, std::unique_ptr<Authorizer> file_keys);

  // Replaces the stored keys with the generations of `records` (revoked ones and those without
  // a hash are left out; ended ones stay, to say so when one is presented).
  void Load(const std::vector<store::ApiKeyRecord>& records);
  // Called, at most once a second, when a key of the stored form is not known: reloads (a key
  // added since the last load). Not called with a lock held.
  void SetReloader(std::function<void()> reload);
  // Tells whether a bare key is another kind the server knows (a source key): such a key is
  // refused with 403 ("it may only send observations") rather than 401.
  void SetOtherKeys(std::function<bool(std::string_view key)> is_other_key);

  // Errors: kUnauthenticated — no key, not known, revoked, or past the end of its rotation
  // overlap (said as such: the secret was right); kPermissionDenied — a valid key of another
  // role, or another kind of key (SetOtherKeys).
  Result<Principal> Authorize(std::string_view authorization, RoleSet allowed) const override;

  size_t size() const;  // stored generations loaded

 private:
  struct Entry {
    std::string stored;  // the encoded hash
    Principal principal;
    std::optional<Timestamp> expires;
  };
  // The principal of a stored-form key, or the refusal.
  Result<Principal> AuthorizeStored(std::string_view key) const;
  // The entry of `key_id`, reloading once when it is not known. nullopt: unknown.
  std::optional<Entry> Find(const std::string& key_id) const;

  const Clock& clock_;
  const std::unique_ptr<Authorizer> file_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> by_id_;      // guarded by mu_; by the key's <id>
  std::function<void()> reload_;                      // guarded by mu_
  std::function<bool(std::string_view)> other_keys_;  // guarded by mu_
  mutable Timestamp last_reload_;                     // guarded by mu_
};

}  // namespace pg::api
