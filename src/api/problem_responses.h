// The HTTP side of errors and query parameters, shared by every /api/v1 module so that a Status
// maps to one HTTP code everywhere and a bad parameter reads the same on every endpoint
// (docs/api/problems.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http/message.h"
#include "core/crs.h"
#include "core/status.h"
#include "core/time.h"

namespace pg::api {

// The longest string value a JSON response carries; a longer one is cut (at a character
// boundary) and ends with "…".
inline constexpr size_t kMaxJsonStringBytes = size_t{64} << 10;

// The one way a /api/v1 handler answers JSON: whatever bytes the stored free text holds (names,
// override texts and reasons, fault details, dead letters), the answer is valid JSON, never a
// 500 — bytes that are not UTF-8 become U+FFFD and a string over kMaxJsonStringBytes is cut.
http::Response JsonResponse(int status, nlohmann::json body);

// problem+json for a failed Status: kInvalidArgument → 400, kUnauthenticated → 401 (with a
// Bearer challenge), kPermissionDenied → 403, kNotFound → 404, kAlreadyExists and
// kFailedPrecondition → 409, kResourceExhausted → 429, kUnavailable → 503 (with Retry-After:
// the Status's retry hint, at least 1 s), anything else → 500. The detail names the Status's
// field when it has one.
http::Response ProblemFromStatus(const Status& s);

// What an endpoint adds to the mapping above for its own problems (docs/api/problems.md).
struct ProblemShape {
  std::string type = "about:blank";  // the problem's type URI
  int status = 0;                    // replaces the code's HTTP status when set (413, 422)
  std::string title;                 // when empty, the HTTP status's reason phrase
  struct Param {
    std::string name;
    std::string reason;
  };
  // Every refused field (a batch's items); when empty, the Status's field, if any.
  std::vector<Param> invalid_params;
};
// As ProblemFromStatus(s), shaped by `shape`; 429 answers also carry the Status's retry hint.
http::Response ProblemFromStatus(const Status& s, const ProblemShape& shape);

// 400 naming the query parameter `name` and why it is refused.
http::Response BadParam(std::string_view name, std::string_view reason);

// Query parameter values, read the same way on every endpoint. Errors: kInvalidArgument naming
// `name` and saying what was expected.
// A whole number in [low, high]; `unit` (e.g. "minutes"), when given, says what it counts.
Result<int> WholeNumber(std::string_view text, std::string_view name, int low, int high,
                        std::string_view unit = {});
// A finite number in [low, high] of `unit`.
Result<double> RealNumber(std::string_view text, std::string_view name, double low, double high,
                          std::string_view unit);
// "1", "true" or present without a value: true; "0" or "false": false; absent: false.
Result<bool> Flag(std::optional<std::string_view> text, std::string_view name);
// An RFC 3339 time from a minute before `now` up to 24 hours after it (an arrival).
Result<Timestamp> ArrivalTime(std::string_view text, std::string_view name, Timestamp now);

// An integer query parameter in [min, max]; `fallback` when absent. Errors: kInvalidArgument
// naming the parameter.
// The request's path and query with `offset` set: the link to another page of a list.
std::string PageLink(const http::Request& req, size_t offset);

Result<int> IntParam(const http::Request& req, std::string_view name, int fallback, int min,
                     int max);

// `crs`: the coordinate system the request's coordinates are in and its answer's are shown in
// (core/crs.h), WGS-84 when absent. Errors: kInvalidArgument naming `crs`.
Result<Crs> CrsParam(const http::Request& req);

// A query parameter of free text: plain text (core/text_bounds.h) of at most `max_chars`
// characters; nullopt when absent. Errors: kInvalidArgument naming it.
Result<std::optional<std::string_view>> TextParam(const http::Request& req, std::string_view name,
                                                  size_t max_chars);
// A query parameter holding ids separated by commas (one id: a list of one), each
// model::ValidateId's, at most `max_ids` of them; empty items are skipped. nullopt when absent.
// Errors: kInvalidArgument naming it.
Result<std::optional<std::vector<std::string_view>>> IdListParam(const http::Request& req,
                                                                 std::string_view name,
                                                                 size_t max_ids);

// Members of a JSON request body, read as exactly what they must be: the value, nullopt when the
// member is absent or null. `body` must be an object. Errors: kInvalidArgument naming `key`.
// A whole number in [low, high] (model::WholeNumberIn: never narrowed, 2^40 is not line 0).
Result<std::optional<int64_t>> WholeNumberMember(const nlohmann::json& body, std::string_view key,
                                                 int64_t low, int64_t high);
// A string of plain text of at most `max_chars` characters.
Result<std::optional<std::string>> TextMember(const nlohmann::json& body, std::string_view key,
                                              size_t max_chars);
// true or false.
Result<std::optional<bool>> FlagMember(const nlohmann::json& body, std::string_view key);

// An RFC 3339 time query parameter; nullopt when absent. Errors: kInvalidArgument naming it.
Result<std::optional<Timestamp>> TimeParam(const http::Request& req, std::string_view name);

// [from, to) from the `from` and `to` query parameters: `to` defaults to `default_to`, `from` to
// `span` before `to`. Errors: kInvalidArgument naming the parameter — unparseable, `to` not after
// `from`, or more than 92 days.
Result<std::pair<Timestamp, Timestamp>> TimeRangeParams(const http::Request& req,
                                                        Timestamp default_to, Milliseconds span);

}  // namespace pg::api
