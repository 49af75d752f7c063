#include "api/http/limits.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace pg::api::http::internal {

RequestSlot& RequestSlot::operator=(RequestSlot&& other) noexcept {
  if (this != &other) {
    Reset();
    limits_ = std::exchange(other.limits_, nullptr);
    address_ = std::move(other.address_);
    client_ = std::move(other.client_);
  }
  return *this;
}

void RequestSlot::Reset() {
  if (limits_ == nullptr) return;
  std::exchange(limits_, nullptr)->Release(address_, client_);
}

ClientLimits::ClientLimits(RequestLimits per_address, RequestLimits per_client,
                           size_t streams_per_address)
    : per_address_(per_address),
      per_client_(per_client),
      streams_per_address_(streams_per_address) {}

ClientLimits::Usage& ClientLimits::Find(Table& table, const std::string& key,
                                        const RequestLimits& limits, TimePoint now) {
  auto [it, added] = table.try_emplace(key);
  if (added) {
    it->second.tokens = std::max(1.0, limits.burst);
    it->second.refilled = now;
  }
  return it->second;
}

bool ClientLimits::Admits(const RequestLimits& limits, Usage& u, TimePoint now,
                          int& retry_after_s) {
  if (limits.max_concurrent > 0 && u.in_flight >= limits.max_concurrent) {
    retry_after_s = 1;
    return false;
  }
  if (limits.per_second <= 0) return true;
  const double burst = std::max(1.0, limits.burst);
  const double elapsed = std::chrono::duration<double>(now - u.refilled).count();
  u.tokens = std::min(burst, u.tokens + std::max(0.0, elapsed) * limits.per_second);
  u.refilled = now;
  if (u.tokens < 1.0) {
    retry_after_s = std::max(1, static_cast<int>(std::ceil((1.0 - u.tokens) / limits.per_second)));
    return false;
  }
  return true;
}

std::optional<Refusal> ClientLimits::Acquire(const std::string& address, const std::string& client,
                                             RequestSlot& slot, TimePoint now) {
  std::lock_guard lock(mu_);
  Prune(now);
  Usage& by_address = Find(addresses_, address, per_address_, now);
  int retry_after_s = 1;
  if (!Admits(per_address_, by_address, now, retry_after_s)) {
    return Refusal{fmt::format("too many requests from {}: at most {} at once and {}/s", address,
                               per_address_.max_concurrent, per_address_.per_second),
                   retry_after_s};
  }
  Usage* by_client = nullptr;
  if (!client.empty()) {
    by_client = &Find(clients_, client, per_client_, now);
    if (!Admits(per_client_, *by_client, now, retry_after_s)) {
      return Refusal{fmt::format("too many requests with the key of '{}': at most {} at once "
                                 "and {}/s",
                                 client, per_client_.max_concurrent, per_client_.per_second),
                     retry_after_s};
    }
  }
  // Tokens are taken only once both admit, so a refused request costs the other nothing.
  if (per_address_.per_second > 0) by_address.tokens -= 1;
  ++by_address.in_flight;
  if (by_client) {
    if (per_client_.per_second > 0) by_client->tokens -= 1;
    ++by_client->in_flight;
  }
  slot.Reset();
  slot.limits_ = this;
  slot.address_ = address;
  slot.client_ = client;
  return std::nullopt;
}

void ClientLimits::Release(const std::string& address, const std::string& client) {
  std::lock_guard lock(mu_);
  if (auto it = addresses_.find(address); it != addresses_.end() && it->second.in_flight > 0) {
    --it->second.in_flight;
  }
  if (client.empty()) return;
  if (auto it = clients_.find(client); it != clients_.end() && it->second.in_flight > 0) {
    --it->second.in_flight;
  }
}

bool ClientLimits::AcquireStream(const std::string& address) {
  std::lock_guard lock(mu_);
  Usage& u = Find(addresses_, address, per_address_, std::chrono::steady_clock::now());
  if (streams_per_address_ > 0 && u.streams >= streams_per_address_) return false;
  ++u.streams;
  return true;
}

void ClientLimits::ReleaseStream(const std::string& address) {
  std::lock_guard lock(mu_);
  if (auto it = addresses_.find(address); it != addresses_.end() && it->second.streams > 0) {
    --it->second.streams;
  }
}

size_t ClientLimits::tracked() const {
  std::lock_guard lock(mu_);
  return addresses_.size() + clients_.size();
}

void ClientLimits::Prune(TimePoint now) {
  if (addresses_.size() + clients_.size() < prune_at_) return;
  auto idle = [now](const RequestLimits& limits) {
    return [now, &limits](const Table::value_type& entry) {
      const Usage& u = entry.second;
      if (u.in_flight > 0 || u.streams > 0) return false;
      if (limits.per_second <= 0) return true;
      // Forgetting a caller hands it a full bucket: only once it would have refilled anyway.
      const double elapsed = std::chrono::duration<double>(now - u.refilled).count();
      return u.tokens + elapsed * limits.per_second >= std::max(1.0, limits.burst);
    };
  };
  std::erase_if(addresses_, idle(per_address_));
  std::erase_if(clients_, idle(per_client_));
  // Sweep again only after as many new callers as are left, so the cost stays amortised.
  prune_at_ = std::max<size_t>(1024, 2 * (addresses_.size() + clients_.size()));
}

bool BodyBudget::TryTake(size_t bytes) {
  size_t used = used_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_ || used > limit_ - bytes) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

BodyCharge& BodyCharge::operator=(BodyCharge&& other) noexcept {
  if (this != &other) {
    Release();
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

bool BodyCharge::GrowTo(size_t total) {
  if (total <= bytes_) return true;
  if (!budget_->TryTake(total - bytes_)) return false;
  bytes_ = total;
  return true;
}

void BodyCharge::Release() {
  if (budget_ != nullptr && bytes_ > 0) budget_->Give(bytes_);
  bytes_ = 0;
}

}  // namespace pg::api::http::internal
