#include "ingest/core/keys.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>

namespace pg::ingest {
namespace {

constexpr std::string_view kKeyPrefix = "pgk_";
constexpr std::string_view kStoredPrefix = "b2s1$";
constexpr size_t kIdHexChars = 12;
constexpr size_t kSecretBytes = 32;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

void InitSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // no entropy source: keys cannot be issued safely
}

std::string Hex(const unsigned char* data, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

bool Unhex(std::string_view hex, unsigned char* out, size_t n) {
  size_t len = 0;
  return sodium_hex2bin(out, n, hex.data(), hex.size(), nullptr, &len, nullptr) == 0 && len == n;
}

void HashSecret(std::string_view secret, const unsigned char* salt, unsigned char* out) {
  crypto_generichash(out, kHashBytes, reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), salt, kSaltBytes);
}

// Splits "pgk_<id>_<secret>"; false when malformed.
bool SplitKey(std::string_view key, std::string_view* id, std::string_view* secret) {
  if (!key.starts_with(kKeyPrefix)) return false;
  key.remove_prefix(kKeyPrefix.size());
  if (key.size() < kIdHexChars + 2 || key[kIdHexChars] != '_') return false;
  *id = key.substr(0, kIdHexChars);
  *secret = key.substr(kIdHexChars + 1);
  return !secret->empty();
}

}  // namespace

IssuedKey IssueKey() {
  InitSodium();
  unsigned char id[kIdHexChars / 2];
  unsigned char secret[kSecretBytes];
  unsigned char salt[kSaltBytes];
  randombytes_buf(id, sizeof id);
  randombytes_buf(secret, sizeof secret);
  randombytes_buf(salt, sizeof salt);
  std::string secret_text(
      sodium_base64_ENCODED_LEN(kSecretBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(secret_text.data(), secret_text.size(), secret, sizeof secret,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  secret_text.resize(std::strlen(secret_text.c_str()));
  unsigned char hash[kHashBytes];
  HashSecret(secret_text, salt, hash);
  IssuedKey k;
  std::string id_hex = Hex(id, sizeof id);
  k.key = fmt::format("{}{}_{}", kKeyPrefix, id_hex, secret_text);
  k.stored = fmt::format("{}{}${}${}", kStoredPrefix, id_hex, Hex(salt, sizeof salt),
                         Hex(hash, sizeof hash));
  sodium_memzero(secret, sizeof secret);
  return k;
}

std::string KeyIdOf(std::string_view s) {
  std::string_view id;
  std::string_view secret;
  if (SplitKey(s, &id, &secret)) return std::string(id);
  if (s.starts_with(kStoredPrefix) && s.size() > kStoredPrefix.size() + kIdHexChars &&
      s[kStoredPrefix.size() + kIdHexChars] == '$') {
    return std::string(s.substr(kStoredPrefix.size(), kIdHexChars));
  }
  return {};
}

bool VerifyKey(std::string_view key, std::string_view stored) {
  InitSodium();
  std::string_view id;
  std::string_view secret;
  if (!SplitKey(key, &id, &secret) || !stored.starts_with(kStoredPrefix)) return false;
  std::string_view rest = stored.substr(kStoredPrefix.size());
  // <id>$<salt hex>$<hash hex>
  if (rest.size() != kIdHexChars + 1 + kSaltBytes * 2 + 1 + kHashBytes * 2) return false;
  if (rest.substr(0, kIdHexChars) != id) return false;
  unsigned char salt[kSaltBytes];
  unsigned char expected[kHashBytes];
  if (!Unhex(rest.substr(kIdHexChars + 1, kSaltBytes * 2), salt, sizeof salt) ||
      !Unhex(rest.substr(kIdHexChars + 2 + kSaltBytes * 2), expected, sizeof expected)) {
    return false;
  }
  unsigned char actual[kHashBytes];
  HashSecret(secret, salt, actual);
  return sodium_memcmp(actual, expected, kHashBytes) == 0;
}

Principal::Principal(model::Source source, const state::StateIndex& index)
    : source_(std::move(source)),
      facilities_(index.facility_count()),
      bays_(index.bay_count()),
      chargers_(index.charger_count()) {
  const auto& scope = source_.scope;
  const auto& reg = index.registry();
  auto facilities = reg.facilities();
  for (uint32_t i = 0; i < facilities.size(); ++i) {
    const auto& f = facilities[i];
    facilities_[i] =
        scope.all ||
        std::find(scope.facilities.begin(), scope.facilities.end(), f.id) !=
            scope.facilities.end() ||
        (!f.operator_name.empty() && std::find(scope.operators.begin(), scope.operators.end(),
                                               f.operator_name) != scope.operators.end());
  }
  auto bays = reg.bays();
  for (uint32_t i = 0; i < bays.size(); ++i) {
    uint32_t f = index.bay_facility(i);
    bays_[i] = scope.all || (f != state::kNoIndex && facilities_[f]) ||
               std::find(scope.bays.begin(), scope.bays.end(), bays[i].id) != scope.bays.end();
  }
  auto chargers = reg.chargers();
  for (uint32_t i = 0; i < chargers.size(); ++i) {
    const auto& c = chargers[i];
    uint32_t f = index.charger_facility(i);
    chargers_[i] =
        scope.all || (f != state::kNoIndex && facilities_[f]) ||
        std::find(scope.chargers.begin(), scope.chargers.end(), c.id) != scope.chargers.end() ||
        (!c.operator_name.empty() && std::find(scope.operators.begin(), scope.operators.end(),
                                               c.operator_name) != scope.operators.end());
  }
}

bool Principal::MayWriteCharger(std::string_view charger, const state::StateIndex& index) const {
  const uint32_t c = index.Charger(charger);
  return c != state::kNoIndex && c < chargers_.size() && chargers_[c];
}

bool Principal::MayWrite(const state::ResolvedObservation& o,
                         const state::StateIndex& index) const {
  switch (o.type) {
    case model::ObservationType::kFacilityCount:
    case model::ObservationType::kEntry:
    case model::ObservationType::kExit:
    case model::ObservationType::kFacilityStatus:
      return o.target < facilities_.size() && facilities_[o.target];
    case model::ObservationType::kBay:
      return o.target < bays_.size() && bays_[o.target];
    case model::ObservationType::kCharger: {
      // Find the charger owning the connector slot.
      uint32_t lo = 0;
      uint32_t hi = static_cast<uint32_t>(index.charger_count());
      if (hi == 0) return false;
      while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (index.connector_first(mid) <= o.target) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      return chargers_[lo];
    }
  }
  return false;
}

void KeyRing::Load(const std::vector<store::SourceRecord>& records,
                   const std::shared_ptr<const state::StateIndex>& index) {
  std::unordered_map<std::string, Entry> by_id;
  std::unordered_map<std::string, std::shared_ptr<const Principal>> by_source;
  for (const auto& r : records) {
    if (r.source.revoked_at) continue;
    auto principal = std::make_shared<const Principal>(r.source, *index);
    by_source[r.source.id.str()] = principal;
    std::string id = KeyIdOf(r.key_hash);
    if (id.empty()) continue;
    by_id[id] = {r.key_hash, std::move(principal)};
  }
  std::lock_guard lock(mu_);
  by_id_ = std::move(by_id);
  by_source_ = std::move(by_source);
}

namespace {

// The key of "Bearer <key>" (any case) or of a bare key, without surrounding spaces.
std::string_view BareKey(std::string_view credentials) {
  constexpr std::string_view kBearer = "Bearer ";
  std::string_view key = credentials;
  if (key.size() >= kBearer.size() &&
      std::equal(kBearer.begin(), kBearer.end(), key.begin(),
                 [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    key.remove_prefix(kBearer.size());
  }
  while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  return key;
}

}  // namespace

Result<std::shared_ptr<const Principal>> KeyRing::Authenticate(std::string_view credentials) const {
  std::string_view key = BareKey(credentials);
  const auto unauthenticated = [] {
    return Unauthenticated("a valid source key is required: Authorization: Bearer <key>");
  };
  if (key.empty()) return unauthenticated();
  std::string id = KeyIdOf(key);
  if (id.empty()) return unauthenticated();
  Entry entry;
  {
    std::lock_guard lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return unauthenticated();
    entry = it->second;
  }
  if (!VerifyKey(key, entry.stored)) return unauthenticated();
  return entry.principal;
}

std::shared_ptr<const Principal> KeyRing::BySource(std::string_view source_id) const {
  std::lock_guard lock(mu_);
  auto it = by_source_.find(std::string(source_id));
  return it == by_source_.end() ? nullptr : it->second;
}

bool KeyRing::Knows(std::string_view credentials) const {
  std::string id = KeyIdOf(BareKey(credentials));
  std::lock_guard lock(mu_);
  return by_id_.contains(id);
}

size_t KeyRing::size() const {
  std::lock_guard lock(mu_);
  return by_id_.size();
}

}  // namespace pg::ingest
