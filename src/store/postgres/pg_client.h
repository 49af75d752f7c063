// The store's one adapter over libpqxx 6.4 (Debian 12's): a pool of connections, the
// translation of libpqxx's exceptions into Status and storage faults, and the few conversions
// every statement needs. Nothing outside store/postgres sees libpqxx; the rest of the
// PostgreSQL store uses only exec_params, as<T>(), is_null() and affected_rows(), which libpqxx
// 7 and 8 keep, so that a newer Debian's libpqxx needs changes here only.
//
// Thread-safety: ConnectionPool is safe to use from several threads; a Lease, and the
// connection it lends, belong to one thread at a time (libpq's rule).
#pragma once

#include <pqxx/pqxx>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "store/storage_health.h"

namespace pg::store::postgres {

// Up to `max_connections` connections to `uri` (a libpq URI or key=value string), made when
// needed and kept while they work: a connection that failed (the server restarted, the network
// dropped) is discarded, never reused — libpqxx 6 would otherwise reconnect it silently, with the
// session's state gone.
class ConnectionPool {
 public:
  // `session_setup` runs on every new connection (SET statements).
  ConnectionPool(std::string uri, int max_connections, std::string session_setup = {});
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // One connection, lent to one caller; back to the pool when the lease ends, unless Discard().
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> connection, bool reused);
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& operator*() { return *connection_; }
    // Whether the connection served an earlier lease (a fresh one failing says the server is
    // unreachable; a reused one may just have gone stale).
    bool reused() const { return reused_; }
    void Discard() { discard_ = true; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<pqxx::connection> connection_;
    bool reused_;
    bool discard_ = false;
  };

  // An idle connection, or a new one while fewer than max_connections are lent; else waits for
  // one to come back. Errors: kUnavailable when a new connection cannot be made (message from
  // libpq, without the password).
  Result<Lease> Acquire();

  const std::string& uri() const { return uri_; }
  // The URI as logs and errors may show it: without a password.
  const std::string& shown_uri() const { return shown_uri_; }

 private:
  void Return(std::unique_ptr<pqxx::connection> connection, bool discard);

  const std::string uri_;
  const std::string shown_uri_;
  const int max_connections_;
  const std::string session_setup_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // guarded by mu_
  int lent_ = 0;                                         // guarded by mu_
};

// Whether the server closed an idle connection (it restarted, or dropped us): its socket reads
// as ready with nothing asked. Found before use, it is replaced without a failed statement
// (libpqxx 6.4 also leaks a result when a statement finds its connection broken).
bool ClosedWhileIdle(const pqxx::connection& connection);

// `uri` with any password replaced by "***" (postgres://user:secret@host →
// postgres://user:***@host; password=secret in a key=value string likewise).
std::string WithoutPassword(std::string_view uri);

// What an exception thrown by libpqxx (or std) means for the store's caller: the Status, and the
// storage fault it is (kNone when it is not one: a constraint, a bug).
struct Failure {
  Status status;
  StorageFault fault = StorageFault::kNone;
  bool connection_lost = false;  // the connection cannot be used again
  // Nothing of the call can have been applied (the connection was found broken before its
  // commit), so running it again on a new connection is safe.
  bool may_retry = false;
};
Failure FailureOf(const std::exception& e);

// Milliseconds since 1970 as the ms_to_ts() SQL function takes them: clamped into the range
// timestamptz holds (4713 BC … 294276 AD), so Timestamp's extremes, used as open bounds of a
// query, do not fail the statement.
int64_t SqlMillis(Timestamp t);
inline Timestamp TimeOf(const pqxx::field& ms) { return FromUnixMillis(ms.as<int64_t>()); }
inline std::optional<Timestamp> OptionalTimeOf(const pqxx::field& ms) {
  if (ms.is_null()) return std::nullopt;
  return TimeOf(ms);
}
// A NULL or a time, as a statement parameter.
inline std::optional<int64_t> SqlMillis(const std::optional<Timestamp>& t) {
  if (!t) return std::nullopt;
  return SqlMillis(*t);
}

// A PostgreSQL array literal ('{"a","b"}') of `values`, each quoted, for `$n::text[]` with
// unnest(): one statement writes a whole batch in one round trip.
std::string TextArray(const std::vector<std::string>& values);
std::string NumberArray(const std::vector<int64_t>& values);
std::string NumberArray(const std::vector<double>& values);  // shortest text that reads back exact

// Bytes as hex text, for decode($n, 'hex') into a bytea column, and back from encode(…, 'hex'):
// bytes from outside (a dead letter's payload) are kept as they came, whatever their encoding —
// a text column would refuse a NUL or invalid UTF-8.
std::string HexOf(std::string_view bytes);
std::string BytesOfHex(std::string_view hex);

}  // namespace pg::store::postgres
