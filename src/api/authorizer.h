// Authorizer: who may change what through the API, from the `Authorization: Bearer <key>`
// header. For now two roles: operators (override signs, change the sign rules) and sign
// controllers (acknowledge contents, send heartbeats; a controller key is named after its
// controller and speaks only for that controller's signs).
//
// The interface is what handlers use; the implementation is swappable. StaticKeyAuthorizer reads
// keys from a small file of SHA-256 hashes (docs/api/signs.md, "Keys"). When source keys with
// scopes land (issue 4) an implementation over the store's keys goes behind the same interface.
//
//   PG_ASSIGN_OR_RETURN(auto auth, StaticKeyAuthorizer::FromFile("keys.txt"));
//   auto who = auth->Authorize(req.Header("authorization"), Role::kOperator);
//   if (!who.ok()) return Problem(who.status());   // 401 or 403
//
// Thread-safety: implementations must be safe to call concurrently (handlers run on several io
// threads); StaticKeyAuthorizer is immutable.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/message.h"
#include "core/status.h"

namespace pg::api {

enum class Role { kOperator, kController };
std::string_view Name(Role role);
std::optional<Role> ParseRole(std::string_view text);

struct Principal {
  std::string id;  // the key's name: an operator's, or the controller id
  Role role = Role::kOperator;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // `authorization` is the Authorization header's value ("Bearer <key>"). Errors:
  // kUnauthenticated when it is missing, malformed or names no key; kPermissionDenied when the
  // key is valid but its role is not `needed`.
  virtual Result<Principal> Authorize(std::string_view authorization, Role needed) const = 0;
};

// The admission check of a route that needs `role`: the key is checked from the request's head,
// so a caller without one is refused (401/403) before its body is read; the key's name is the
// client the per-client limits count. REQUIRES: `authorizer` outlives the server.
http::AdmissionCheck AdmitRole(const Authorizer& authorizer, Role role);

// Keys held as SHA-256 hashes; a presented key is hashed and compared with every known hash in
// constant time. A key is random (NewKey: 32 bytes, hex), so one round of SHA-256 is enough —
// unlike a password, it cannot be guessed from a dictionary.
class StaticKeyAuthorizer final : public Authorizer {
 public:
  struct Key {
    std::string id;
    Role role = Role::kOperator;
    std::array<uint8_t, 32> sha256{};
  };

  explicit StaticKeyAuthorizer(std::vector<Key> keys);

  // Reads a key file: one key per line, "ID ROLE SHA256-HEX", '#' starts a comment.
  // Errors: kUnavailable when the file cannot be read; kInvalidArgument naming the line.
  static Result<std::unique_ptr<StaticKeyAuthorizer>> FromFile(const std::string& path);

  // A new random key (64 hex digits) and the Key entry that accepts it.
  static std::string NewKey();
  static Key KeyFor(std::string id, Role role, std::string_view secret);
  // The key file line for a key: "ID ROLE SHA256-HEX".
  static std::string FileLine(const Key& key);

  Result<Principal> Authorize(std::string_view authorization, Role needed) const override;

  size_t size() const { return keys_.size(); }

 private:
  std::vector<Key> keys_;
};

}  // namespace pg::api
