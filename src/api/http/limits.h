// Internal to pg_http: what one client may take of the server — requests in flight and their
// rate, per address and per authenticated client, event streams per address — and the
// server-wide budget of request bodies being read. Kept apart from the socket code so the
// arithmetic is tested without a network.
//
//   ClientLimits limits(options.per_address, options.per_client, options.max_streams_per_address);
//   RequestSlot slot;
//   if (auto refused = limits.Acquire("203.0.113.7", "source:gate-3", slot)) → 429, Retry-After
//   ...                                         // the slot is given back when `slot` goes
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pg::api::http {

// A bound on one caller: requests at once, and a token bucket of requests per second.
// Zero means no bound of that kind.
struct RequestLimits {
  size_t max_concurrent = 0;
  double per_second = 0;
  double burst = 0;  // requests it may send at once; at least 1 when per_second is set
};

namespace internal {

class ClientLimits;

// A request's place under its caller's limits; gives it back when destroyed or reset.
class RequestSlot {
 public:
  RequestSlot() = default;
  RequestSlot(const RequestSlot&) = delete;
  RequestSlot& operator=(const RequestSlot&) = delete;
  RequestSlot(RequestSlot&& other) noexcept { *this = std::move(other); }
  RequestSlot& operator=(RequestSlot&& other) noexcept;
  ~RequestSlot() { Reset(); }

  void Reset();
  bool held() const { return limits_ != nullptr; }

 private:
  friend class ClientLimits;
  ClientLimits* limits_ = nullptr;
  std::string address_;
  std::string client_;
};

struct Refusal {
  std::string detail;  // says which limit, for the problem's detail
  int retry_after_s = 1;
};

class ClientLimits {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  ClientLimits(RequestLimits per_address, RequestLimits per_client, size_t streams_per_address);

  // Takes a request slot for `address` and, when not empty, `client` (an authenticated caller).
  // Returns the refusal, and takes nothing, when either is at its concurrency bound or out of
  // tokens.
  std::optional<Refusal> Acquire(const std::string& address, const std::string& client,
                                 RequestSlot& slot,
                                 TimePoint now = std::chrono::steady_clock::now());

  // One more event stream for `address`; false when it has its maximum open.
  bool AcquireStream(const std::string& address);
  void ReleaseStream(const std::string& address);

  // Callers known now (for tests and metrics): entries are forgotten once idle and refilled.
  size_t tracked() const;

 private:
  friend class RequestSlot;
  struct Usage {
    size_t in_flight = 0;
    size_t streams = 0;
    double tokens = 0;
    TimePoint refilled;
  };
  using Table = std::unordered_map<std::string, Usage>;

  // Refills `u` up to `now`; true when one request may start (and takes its token).
  static bool Admits(const RequestLimits& limits, Usage& u, TimePoint now, int& retry_after_s);
  static Usage& Find(Table& table, const std::string& key, const RequestLimits& limits,
                     TimePoint now);
  void Release(const std::string& address, const std::string& client);
  // Forgets idle, refilled entries once the tables have grown, so they stay bounded by the
  // callers active in the last few seconds.
  void Prune(TimePoint now);

  const RequestLimits per_address_;
  const RequestLimits per_client_;
  const size_t streams_per_address_;

  mutable std::mutex mu_;
  Table addresses_;         // guarded by mu_
  Table clients_;           // guarded by mu_
  size_t prune_at_ = 1024;  // guarded by mu_
};

// Bytes of request bodies held while they are read, for the whole server.
class BodyBudget {
 public:
  explicit BodyBudget(size_t limit) : limit_(limit) {}
  // Takes `bytes` if they fit; false (taking nothing) when they would pass the limit.
  bool TryTake(size_t bytes);
  void Give(size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

 private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

// A request body's share of the BodyBudget; given back when destroyed or released.
class BodyCharge {
 public:
  BodyCharge() = default;
  explicit BodyCharge(BodyBudget* budget) : budget_(budget) {}
  BodyCharge(const BodyCharge&) = delete;
  BodyCharge& operator=(const BodyCharge&) = delete;
  BodyCharge(BodyCharge&& other) noexcept { *this = std::move(other); }
  BodyCharge& operator=(BodyCharge&& other) noexcept;
  ~BodyCharge() { Release(); }

  // Grows the charge to `total` bytes; false when the budget cannot take the difference.
  bool GrowTo(size_t total);
  void Release();
  size_t bytes() const { return bytes_; }

 private:
  BodyBudget* budget_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace internal
}  // namespace pg::api::http
