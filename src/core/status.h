// pg::Status and pg::Result<T>: the one error vocabulary of parkguide.
//
// A Status carries a canonical code, a human message and, optionally, the name of the field or
// parameter at fault, so that any error maps straight to an HTTP problem+json body or a CLI
// message naming file, line and field. Expected failures are values of these types; exceptions
// from libraries are caught in the adapter that calls them and never cross a module boundary.
//
//   pg::Result<int> ParsePort(std::string_view s);
//   PG_ASSIGN_OR_RETURN(int port, ParsePort(text));
//
// Thread-safety: plain values; safe to copy between threads.
#pragma once

#include <cassert>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace pg {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // the caller's input is malformed or out of range (HTTP 400)
  kUnauthenticated,     // no valid credentials (401)
  kPermissionDenied,    // valid credentials, not allowed for this target (403)
  kNotFound,            // (404)
  kAlreadyExists,       // (409)
  kFailedPrecondition,  // the system is not in a state for this (409/422)
  kResourceExhausted,   // rate or size limit (413/429)
  kUnavailable,         // transient; retry later (503)
  kDataLoss,            // corrupt or truncated stored data
  kInternal,            // a bug or an unexpected library failure (500)
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The field, parameter or column at fault; empty when the error is not about one.
  const std::string& field() const { return field_; }

  // For a transient failure (kUnavailable): how long the caller should wait before retrying
  // (HTTP's Retry-After); 0 when the failure gives no hint.
  std::chrono::seconds retry_after() const { return retry_after_; }
  // Returns a copy carrying the retry hint `wait`.
  Status WithRetryAfter(std::chrono::seconds wait) const {
    Status s = *this;
    s.retry_after_ = wait;
    return s;
  }

  // Returns a copy whose message is prefixed with `context` and ": " (for file/line context).
  Status WithContext(std::string_view context) const;
  // "INVALID_ARGUMENT: capacity: must be >= 0".
  std::string ToString() const;

  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
  std::chrono::seconds retry_after_{0};
};

inline Status InvalidArgument(std::string message, std::string field = {}) {
  return {StatusCode::kInvalidArgument, std::move(message), std::move(field)};
}
inline Status NotFound(std::string message, std::string field = {}) {
  return {StatusCode::kNotFound, std::move(message), std::move(field)};
}
inline Status FailedPrecondition(std::string message) {
  return {StatusCode::kFailedPrecondition, std::move(message)};
}
inline Status PermissionDenied(std::string message, std::string field = {}) {
  return {StatusCode::kPermissionDenied, std::move(message), std::move(field)};
}
inline Status Unauthenticated(std::string message) {
  return {StatusCode::kUnauthenticated, std::move(message)};
}
inline Status AlreadyExists(std::string message, std::string field = {}) {
  return {StatusCode::kAlreadyExists, std::move(message), std::move(field)};
}
inline Status ResourceExhausted(std::string message) {
  return {StatusCode::kResourceExhausted, std::move(message)};
}
inline Status Unavailable(std::string message) {
  return {StatusCode::kUnavailable, std::move(message)};
}
inline Status DataLoss(std::string message) { return {StatusCode::kDataLoss, std::move(message)}; }
inline Status Internal(std::string message) { return {StatusCode::kInternal, std::move(message)}; }

// A value or the Status saying why there is none; shaped like std::expected.
template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<T, Status>, "use Status directly");

 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(data_).ok() && "a Result error must not be OK");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(data_); }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> data_;
};

namespace internal {
inline Status AsStatus(Status s) { return s; }
template <typename T>
Status AsStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace pg

#define PG_CONCAT_INNER(a, b) a##b
#define PG_CONCAT(a, b) PG_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` (a Status) is not OK.
#define PG_RETURN_IF_ERROR(expr)                              \
  do {                                                        \
    ::pg::Status pg_status_ = ::pg::internal::AsStatus(expr); \
    if (!pg_status_.ok()) return pg_status_;                  \
  } while (false)

// Evaluates `rexpr` (a Result<T>); on error returns its Status, else moves the value into `lhs`.
#define PG_ASSIGN_OR_RETURN(lhs, rexpr) \
  PG_ASSIGN_OR_RETURN_IMPL(PG_CONCAT(pg_result_, __LINE__), lhs, rexpr)
#define PG_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                             \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

// Programmer errors only; data problems are Status values.
#define PG_ASSERT(cond) assert(cond)
