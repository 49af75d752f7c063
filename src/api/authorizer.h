// Authorizer: who may change what through the API, from the `Authorization: Bearer <key>`
// header (docs/api/roles.md has the matrix, route by route). The roles:
//   operator        a car-park operator: closures, reopenings and count corrections of its own
//                   facilities (the key lists them), nothing else
//   traffic_centre  the traffic centre: sign overrides, sign rules and plans, the rejected
//                   input; closes any car park for an incident
//   admin           keys and sources (the registry is imported with the CLI)
//   controller      a sign controller: acknowledgements and heartbeats, only for its own signs
//                   (the key is named after the controller)
// The public needs no key: every read but the rejected input and the audit log is public.
//
// The interface is what handlers use; the implementations: StaticKeyAuthorizer reads keys from
// a small file of SHA-256 hashes (`--keys`, docs/api/signs.md "Keys"); RoleKeyRing
// (api/role_keys.h) holds the keys stored in the city database (`parkguide key`), with the
// file's keys beside them.
//
//   PG_ASSIGN_OR_RETURN(auto auth, StaticKeyAuthorizer::FromFile("keys.txt"));
//   auto who = auth->Authorize(req.Header("authorization"), Role::kTrafficCentre);
//   if (!who.ok()) return Problem(who.status());   // 401 or 403
//
// Thread-safety: implementations must be safe to call concurrently (handlers run on several io
// threads); StaticKeyAuthorizer is immutable.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/message.h"
#include "core/status.h"

namespace pg::api {

enum class Role { kOperator, kTrafficCentre, kAdmin, kController };
// "operator", "traffic_centre", "admin", "controller".
std::string_view Name(Role role);
std::optional<Role> ParseRole(std::string_view text);

// The roles a route admits. Implicit from one Role, so `Authorize(h, Role::kAdmin)` reads well.
class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(Role role) : bits_(Bit(role)) {}  // NOLINT(google-explicit-constructor)
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= Bit(r);
  }
  constexpr bool Contains(Role role) const { return (bits_ & Bit(role)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  // "traffic_centre or admin".
  std::string ToString() const;
  friend constexpr bool operator==(RoleSet, RoleSet) = default;

 private:
  static constexpr uint8_t Bit(Role role) {
    return static_cast<uint8_t>(1u << static_cast<int>(role));
  }
  uint8_t bits_ = 0;
};

inline constexpr RoleSet kEveryRole{Role::kOperator, Role::kTrafficCentre, Role::kAdmin,
                                    Role::kController};

struct Principal {
  std::string id;  // the key's name: a person's, an operator's, or the controller id
  Role role = Role::kTrafficCentre;
  // A car-park operator's (kOperator): the facilities it may write. Empty for other roles.
  std::vector<std::string> facilities;
  // A key stored in the database (api/role_keys.h): its generation's id; empty for a key of the
  // --keys file. `replaced`: a generation a rotation replaced, valid only for its overlap.
  std::string key_id;
  bool replaced = false;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // `authorization` is the Authorization header's value ("Bearer <key>"). Errors:
  // kUnauthenticated when it is missing, malformed or names no valid key; kPermissionDenied
  // when the key is valid but its role is not among `allowed`.
  virtual Result<Principal> Authorize(std::string_view authorization, RoleSet allowed) const = 0;
};

// The admission check of a route that needs one of `roles`: the key is checked from the
// request's head, so a caller without one is refused (401/403) before its body is read; the
// key's name is the client the per-client limits count. REQUIRES: `authorizer` outlives the
// server.
http::AdmissionCheck AdmitRole(const Authorizer& authorizer, RoleSet roles);

// `who`, when its role is among `allowed`; else kPermissionDenied naming the key, its role and
// the roles allowed. What every Authorizer answers once it knows the key.
Result<Principal> CheckRole(Principal who, RoleSet allowed);

// The key of an Authorization header value "Bearer <key>" (the scheme in any case), without
// surrounding spaces; nullopt when the value is not of that form or the key is empty.
std::optional<std::string_view> BearerKey(std::string_view authorization);

// Keys held as SHA-256 hashes; a presented key is hashed and compared with every known hash in
// constant time. A key is random (NewKey: 32 bytes, hex), so one round of SHA-256 is enough —
// unlike a password, it cannot be guessed from a dictionary.
class StaticKeyAuthorizer final : public Authorizer {
 public:
  struct Key {
    std::string id;
    Role role = Role::kTrafficCentre;
    std::array<uint8_t, 32> sha256{};
  };

  explicit StaticKeyAuthorizer(std::vector<Key> keys);

  // Reads a key file: one key per line, "ID ROLE SHA256-HEX", '#' starts a comment. ROLE is
  // traffic_centre, admin or controller (a car-park operator's key names its facilities, so it
  // lives in the database: `parkguide key add`). The old role name "operator" — what the
  // traffic centre's keys were called before car-park operators had keys — is read as
  // traffic_centre, with a warning in the log naming the line.
  // Errors: kUnavailable when the file cannot be read; kInvalidArgument naming the line.
  static Result<std::unique_ptr<StaticKeyAuthorizer>> FromFile(const std::string& path);

  // A new random key (64 hex digits) and the Key entry that accepts it.
  static std::string NewKey();
  static Key KeyFor(std::string id, Role role, std::string_view secret);
  // The key file line for a key: "ID ROLE SHA256-HEX".
  static std::string FileLine(const Key& key);

  Result<Principal> Authorize(std::string_view authorization, RoleSet allowed) const override;

  size_t size() const { return keys_.size(); }

 private:
  std::vector<Key> keys_;
};

}  // namespace pg::api
