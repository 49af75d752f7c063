#include "api/authorizer.h"

#include <fmt/format.h>
#include <sodium.h>

#include <fstream>
#include <mutex>

#include "api/problem_responses.h"
#include "core/log.h"
#include "core/strings.h"

namespace pg::api {
namespace {

void InitSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) PG_ASSERT(false && "libsodium cannot initialise");
  });
}

std::array<uint8_t, 32> Sha256(std::string_view text) {
  InitSodium();
  std::array<uint8_t, 32> out{};
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return out;
}

std::string Hex(const uint8_t* bytes, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.pop_back();
  return out;
}

}  // namespace

std::string_view Name(Role role) {
  switch (role) {
    case Role::kOperator:
      return "operator";
    case Role::kTrafficCentre:
      return "traffic_centre";
    case Role::kAdmin:
      return "admin";
    case Role::kController:
      return "controller";
  }
  return "?";
}

std::optional<Role> ParseRole(std::string_view text) {
  for (Role r : {Role::kOperator, Role::kTrafficCentre, Role::kAdmin, Role::kController}) {
    if (text == Name(r)) return r;
  }
  return std::nullopt;
}

std::string RoleSet::ToString() const {
  std::string out;
  for (Role r : {Role::kOperator, Role::kTrafficCentre, Role::kAdmin, Role::kController}) {
    if (!Contains(r)) continue;
    if (!out.empty()) out += " or ";
    out += Name(r);
  }
  return out.empty() ? "none" : out;
}

Result<Principal> CheckRole(Principal who, RoleSet allowed) {
  if (allowed.Contains(who.role)) return who;
  return PermissionDenied(fmt::format("key '{}' has role '{}'; this needs role {}", who.id,
                                      Name(who.role), allowed.ToString()));
}

std::optional<std::string_view> BearerKey(std::string_view authorization) {
  std::string_view value = TrimSpace(authorization);
  constexpr std::string_view kBearer = "bearer ";
  if (value.size() <= kBearer.size() || ToLowerAscii(value.substr(0, kBearer.size())) != kBearer) {
    return std::nullopt;
  }
  std::string_view key = TrimSpace(value.substr(kBearer.size()));
  if (key.empty()) return std::nullopt;
  return key;
}

http::AdmissionCheck AdmitRole(const Authorizer& authorizer, RoleSet roles) {
  return [&authorizer, roles](const http::Request& head) {
    auto who = authorizer.Authorize(head.Header("authorization"), roles);
    if (!who.ok()) return http::Admission::Refuse(ProblemFromStatus(who.status()));
    return http::Admission::Admit(fmt::format("{}:{}", Name(who->role), who->id));
  };
}

StaticKeyAuthorizer::StaticKeyAuthorizer(std::vector<Key> keys) : keys_(std::move(keys)) {}

Result<std::unique_ptr<StaticKeyAuthorizer>> StaticKeyAuthorizer::FromFile(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return Unavailable(fmt::format("cannot read the key file '{}'", path));
  std::vector<Key> keys;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view text = line;
    if (size_t hash = text.find('#'); hash != std::string_view::npos) text = text.substr(0, hash);
    std::vector<std::string_view> parts;
    for (auto p : SplitString(TrimSpace(text), ' ')) {
      if (!TrimSpace(p).empty()) parts.push_back(TrimSpace(p));
    }
    if (parts.empty()) continue;
    auto bad = [&](std::string_view why) {
      return InvalidArgument(fmt::format("{}:{}: {}", path, number, why));
    };
    if (parts.size() != 3) return bad("expected ID ROLE SHA256-HEX");
    auto role = ParseRole(parts[1]);
    if (role == Role::kOperator) {
      // Before car-park operators had keys, "operator" named the traffic centre's role.
      PG_LOG_WARNING(
          "{}:{}: role 'operator' is read as 'traffic_centre' (renamed; 'operator' now means a "
          "car-park operator, whose keys are stored in the database): write traffic_centre",
          path, number);
      role = Role::kTrafficCentre;
    }
    if (!role) {
      return bad(
          fmt::format("role '{}' is not traffic_centre, admin or controller (car-park operators' "
                      "keys name their facilities: `parkguide key add`)",
                      parts[1]));
    }
    Key key;
    key.id = std::string(parts[0]);
    key.role = *role;
    size_t length = 0;
    if (parts[2].size() != 64 ||
        sodium_hex2bin(key.sha256.data(), key.sha256.size(), parts[2].data(), parts[2].size(),
                       nullptr, &length, nullptr) != 0 ||
        length != 32) {
      return bad("the hash must be 64 hex digits (SHA-256)");
    }
    keys.push_back(std::move(key));
  }
  return std::make_unique<StaticKeyAuthorizer>(std::move(keys));
}

std::string StaticKeyAuthorizer::NewKey() {
  InitSodium();
  std::array<uint8_t, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  return Hex(bytes.data(), bytes.size());
}

StaticKeyAuthorizer::Key StaticKeyAuthorizer::KeyFor(std::string id, Role role,
                                                     std::string_view secret) {
  return {std::move(id), role, Sha256(secret)};
}

std::string StaticKeyAuthorizer::FileLine(const Key& key) {
  return fmt::format("{} {} {}", key.id, Name(key.role), Hex(key.sha256.data(), key.sha256.size()));
}

Result<Principal> StaticKeyAuthorizer::Authorize(std::string_view authorization,
                                                 RoleSet allowed) const {
  auto bearer = BearerKey(authorization);
  if (!bearer) return Unauthenticated("this needs an Authorization: Bearer <key> header");
  auto presented = Sha256(*bearer);
  // Every key is compared, so the time taken says nothing about which one matched.
  const Key* match = nullptr;
  for (const auto& key : keys_) {
    if (sodium_memcmp(key.sha256.data(), presented.data(), presented.size()) == 0) match = &key;
  }
  if (!match) return Unauthenticated("the key is not known");
  return CheckRole(Principal{match->id, match->role, {}, {}, false}, allowed);
}

}  // namespace pg::api
