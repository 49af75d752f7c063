#include "store/postgres/pg_client.h"

#include <fmt/format.h>

#include <poll.h>

#include <regex>

namespace pg::store::postgres {

ConnectionPool::ConnectionPool(std::string uri, int max_connections, std::string session_setup)
    : uri_(std::move(uri)),
      shown_uri_(WithoutPassword(uri_)),
      max_connections_(std::max(max_connections, 1)),
      session_setup_(std::move(session_setup)) {}

ConnectionPool::Lease::Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> connection,
                             bool reused)
    : pool_(pool), connection_(std::move(connection)), reused_(reused) {}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_ != nullptr) pool_->Return(std::move(connection_), discard_);
}

bool ClosedWhileIdle(const pqxx::connection& connection) {
  pollfd p{connection.sock(), POLLIN, 0};
  return p.fd < 0 || ::poll(&p, 1, 0) != 0;
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    std::unique_lock lock(mu_);
    returned_.wait(lock, [&] { return !idle_.empty() || lent_ < max_connections_; });
    ++lent_;
    while (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      if (!ClosedWhileIdle(*connection)) return Lease(this, std::move(connection), /*reused=*/true);
    }
  }
  try {
    auto connection = std::make_unique<pqxx::connection>(uri_);
    if (!session_setup_.empty()) pqxx::nontransaction(*connection).exec0(session_setup_);
    return Lease(this, std::move(connection), /*reused=*/false);
  } catch (const std::exception& e) {
    {
      std::lock_guard lock(mu_);
      --lent_;
    }
    returned_.notify_one();
    return Unavailable(fmt::format("cannot connect to PostgreSQL at '{}': {}", shown_uri_,
                                   WithoutPassword(e.what())));
  }
}

void ConnectionPool::Return(std::unique_ptr<pqxx::connection> connection, bool discard) {
  {
    std::lock_guard lock(mu_);
    --lent_;
    if (!discard && connection->is_open()) idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

std::string WithoutPassword(std::string_view uri) {
  static const std::regex user_info(R"(((?:postgres|postgresql)://[^:/@?]*):[^@/?]*@)");
  static const std::regex key_value(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+))",
                                    std::regex::icase);
  std::string shown = std::regex_replace(std::string(uri), user_info, "$1:***@");
  shown = std::regex_replace(shown, key_value, "$1***");
  static const std::regex query_password(R"(([?&]password=)[^&]*)", std::regex::icase);
  return std::regex_replace(shown, query_password, "$1***");
}

namespace {

// SQLSTATE classes and codes (PostgreSQL's Appendix A) that are storage faults: the write may
// succeed when retried later.
StorageFault FaultOfSqlState(std::string_view state) {
  if (state.starts_with("08")) return StorageFault::kIoError;  // connection exception
  if (state == "53100") return StorageFault::kFull;            // disk_full
  if (state.starts_with("53")) return StorageFault::kBusy;     // insufficient resources
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014") {
    return StorageFault::kBusy;  // serialization, deadlock, lock not available, cancelled
  }
  if (state == "57P01" || state == "57P02" || state == "57P03") {
    return StorageFault::kIoError;  // the server is shutting down or starting
  }
  if (state == "25006") return StorageFault::kIoError;  // read-only (a standby): not writable
  if (state.starts_with("58")) return StorageFault::kIoError;  // system error (I/O)
  return StorageFault::kNone;
}

}  // namespace

Failure FailureOf(const std::exception& e) {
  const std::string message = WithoutPassword(e.what());
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return {Unavailable("PostgreSQL connection lost: " + message), StorageFault::kIoError, true,
            true};
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return {Unavailable("PostgreSQL connection lost while committing; the write may or may not "
                        "have been applied: " +
                        message),
            StorageFault::kIoError, true, false};
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string state = sql->sqlstate();
    if (state == "23505") return {AlreadyExists(message)};
    const StorageFault fault = FaultOfSqlState(state);
    if (fault != StorageFault::kNone) {
      return {Unavailable(fmt::format("PostgreSQL: {} (SQLSTATE {})", message, state)), fault,
              state.starts_with("08") || state.starts_with("57P"), false};
    }
    return {Internal(fmt::format("PostgreSQL: {} (SQLSTATE {})", message, state))};
  }
  return {Internal("PostgreSQL: " + message)};
}

int64_t SqlMillis(Timestamp t) {
  // timestamptz's range, a day inside each end: 4713-11-25 BC … 294276-12-30 AD.
  constexpr int64_t kMinMs = -210'866'803'200'000 + 86'400'000;
  constexpr int64_t kMaxMs = 9'224'318'016'000'000 - 86'400'000;
  return std::clamp(ToUnixMillis(t), kMinMs, kMaxMs);
}

std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string NumberArray(const std::vector<int64_t>& values) {
  return fmt::format("{{{}}}", fmt::join(values, ","));
}

std::string NumberArray(const std::vector<double>& values) {
  return fmt::format("{{{}}}", fmt::join(values, ","));
}

std::string HexOf(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

std::string BytesOfHex(std::string_view hex) {
  const auto value = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(value(hex[i]) << 4 | value(hex[i + 1]));
  }
  return out;
}

}  // namespace pg::store::postgres
