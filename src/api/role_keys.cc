#include "api/role_keys.h"

#include <fmt/format.h>

#include <set>

#include "core/strings.h"
#include "ingest/core/keys.h"
#include "model/validation.h"

namespace pg::api {
namespace {

constexpr std::string_view kStoredKeyPrefix = "pgk_";

Status CheckRequest(const RoleKeyRequest& request,
                    const std::function<bool(std::string_view)>& facility_exists) {
  PG_RETURN_IF_ERROR(model::ValidateId(request.name, "name"));
  if (request.role != Role::kOperator) {
    if (!request.facilities.empty()) {
      return InvalidArgument(
          fmt::format("only an operator's key names facilities; a {} key acts on every one",
                      Name(request.role)),
          "facilities");
    }
    return Status::Ok();
  }
  if (request.facilities.empty()) {
    return InvalidArgument("an operator's key names the facilities it may write", "facilities");
  }
  if (request.facilities.size() > kMaxKeyFacilities) {
    return InvalidArgument(fmt::format("names {} facilities; a key names at most {}",
                                       request.facilities.size(), kMaxKeyFacilities),
                           "facilities");
  }
  std::set<std::string_view> seen;
  for (const auto& f : request.facilities) {
    PG_RETURN_IF_ERROR(model::ValidateId(f, "facilities"));
    if (!seen.insert(f).second) {
      return InvalidArgument(fmt::format("names facility '{}' twice", f), "facilities");
    }
    if (!facility_exists(f))
      return InvalidArgument(fmt::format("no facility '{}'", f), "facilities");
  }
  return Status::Ok();
}

}  // namespace

Result<IssuedRoleKey> AddRoleKey(store::ApiKeyWriter& store, const RoleKeyRequest& request,
                                 const std::function<bool(std::string_view)>& facility_exists,
                                 Timestamp now) {
  PG_RETURN_IF_ERROR(CheckRequest(request, facility_exists));
  ingest::IssuedKey key = ingest::IssueKey();
  store::ApiKeyRecord record;
  record.name = request.name;
  record.role = std::string(Name(request.role));
  record.facilities = request.facilities;
  record.key_hash = key.stored;
  record.created = now;
  PG_ASSIGN_OR_RETURN(record, store.AddApiKey(record));
  return IssuedRoleKey{std::move(record), std::move(key.key)};
}

Result<std::chrono::seconds> ParseOverlap(std::string_view text) {
  const auto bad = [&] {
    return InvalidArgument(
        fmt::format("'{}' is not a duration like 90s, 30m, 24h, 7d (at most {} days)", text,
                    kMaxKeyOverlap.count() / 24),
        "overlap");
  };
  if (text.empty()) return bad();
  int64_t unit_s = 1;
  switch (text.back()) {
    case 's':
      text.remove_suffix(1);
      break;
    case 'm':
      unit_s = 60;
      text.remove_suffix(1);
      break;
    case 'h':
      unit_s = 3600;
      text.remove_suffix(1);
      break;
    case 'd':
      unit_s = 86400;
      text.remove_suffix(1);
      break;
    default:
      break;
  }
  auto n = ParseInt(text);
  if (!n || *n < 0 || *n > kMaxKeyOverlap.count() * 3600 / unit_s) return bad();
  return std::chrono::seconds(*n * unit_s);
}

Result<IssuedRoleKey> RotateRoleKey(store::ApiKeyWriter& store, const std::string& name,
                                    Timestamp now, std::chrono::seconds overlap) {
  if (overlap.count() < 0 || overlap > kMaxKeyOverlap) {
    return InvalidArgument(fmt::format("must be 0 s to {} days", kMaxKeyOverlap.count() / 24),
                           "overlap");
  }
  ingest::IssuedKey key = ingest::IssueKey();
  PG_ASSIGN_OR_RETURN(store::ApiKeyRecord record,
                      store.RotateApiKey(name, key.stored, now, now + overlap));
  return IssuedRoleKey{std::move(record), std::move(key.key)};
}

Result<nlohmann::json> KeyGenerationsJson(store::ApiKeyReader& store, const std::string& name,
                                          const date::time_zone& zone, Timestamp now) {
  using nlohmann::json;
  PG_ASSIGN_OR_RETURN(auto records, store.LoadApiKeys());
  auto time = [&](const std::optional<Timestamp>& t) {
    return t ? json(FormatRfc3339(*t, zone)) : json(nullptr);
  };
  json items = json::array();
  for (const auto& k : records) {
    if (!name.empty() && k.name != name) continue;
    const char* state = k.revoked        ? "revoked"
                        : !k.expires     ? "current"
                        : k.ValidAt(now) ? "overlap"
                                         : "ended";
    items.push_back({{"id", k.id},
                     {"name", k.name},
                     {"role", k.role},
                     {"facilities", k.facilities},
                     {"created", FormatRfc3339(k.created, zone)},
                     {"valid_until", time(k.expires)},
                     {"revoked", time(k.revoked)},
                     {"state", state}});
  }
  return items;
}

RoleKeyRing::RoleKeyRing(const Clock& clock, std::unique_ptr<Authorizer> file_keys)
    : clock_(clock), file_keys_(std::move(file_keys)) {}

void RoleKeyRing::Load(const std::vector<store::ApiKeyRecord>& records) {
  std::unordered_map<std::string, Entry> by_id;
  for (const auto& r : records) {
    if (r.revoked || r.key_hash.empty()) continue;
    auto role = ParseRole(r.role);
    std::string id = ingest::KeyIdOf(r.key_hash);
    if (!role || id.empty()) continue;  // a newer build's role: not ours to grant
    by_id[id] = {r.key_hash, Principal{r.name, *role, r.facilities, id, r.expires.has_value()},
                 r.expires};
  }
  std::lock_guard lock(mu_);
  by_id_ = std::move(by_id);
}

void RoleKeyRing::SetReloader(std::function<void()> reload) {
  std::lock_guard lock(mu_);
  reload_ = std::move(reload);
}

void RoleKeyRing::SetOtherKeys(std::function<bool(std::string_view)> is_other_key) {
  std::lock_guard lock(mu_);
  other_keys_ = std::move(is_other_key);
}

size_t RoleKeyRing::size() const {
  std::lock_guard lock(mu_);
  return by_id_.size();
}

std::optional<RoleKeyRing::Entry> RoleKeyRing::Find(const std::string& key_id) const {
  std::function<void()> reload;
  {
    std::lock_guard lock(mu_);
    if (auto it = by_id_.find(key_id); it != by_id_.end()) return it->second;
    const Timestamp now = clock_.Now();
    if (!reload_ || now - last_reload_ < std::chrono::seconds(1)) return std::nullopt;
    last_reload_ = now;
    reload = reload_;
  }
  reload();
  std::lock_guard lock(mu_);
  if (auto it = by_id_.find(key_id); it != by_id_.end()) return it->second;
  return std::nullopt;
}

Result<Principal> RoleKeyRing::AuthorizeStored(std::string_view key) const {
  const auto unknown = [] { return Unauthenticated("the key is not known"); };
  std::string id = ingest::KeyIdOf(key);
  if (id.empty()) return unknown();
  std::optional<Entry> entry = Find(id);
  if (!entry) {
    std::function<bool(std::string_view)> other;
    {
      std::lock_guard lock(mu_);
      other = other_keys_;
    }
    if (other && other(key)) {
      return PermissionDenied(
          "this is a source key: it may only send observations (POST /api/v1/observations)");
    }
    return unknown();
  }
  if (!ingest::VerifyKey(key, entry->stored)) return unknown();
  if (entry->expires && clock_.Now() >= *entry->expires) {
    // The secret was right, so saying why helps the holder and tells an attacker nothing.
    return Unauthenticated(fmt::format(
        "key '{}' was replaced by a rotation and its overlap ended at {}: use the new key",
        entry->principal.id, FormatRfc3339Utc(*entry->expires)));
  }
  return entry->principal;
}

Result<Principal> RoleKeyRing::Authorize(std::string_view authorization, RoleSet allowed) const {
  auto key = BearerKey(authorization);
  if (!key) return Unauthenticated("this needs an Authorization: Bearer <key> header");
  if (!key->starts_with(kStoredKeyPrefix)) {
    if (!file_keys_) return Unauthenticated("the key is not known");
    return file_keys_->Authorize(authorization, allowed);
  }
  PG_ASSIGN_OR_RETURN(Principal who, AuthorizeStored(*key));
  return CheckRole(std::move(who), allowed);
}

}  // namespace pg::api
