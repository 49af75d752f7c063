#include "api/problem_responses.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/strings.h"
#include "core/text_bounds.h"
#include "model/model_json.h"
#include "model/validation.h"

namespace pg::api {

namespace {

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence, then "…".
std::string CutString(const std::string& text, size_t max) {
  size_t end = max;
  // Back over continuation bytes (10xxxxxx) to the start of the character that crosses `max`.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "…";
}

void CutLongStrings(nlohmann::json& j) {
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    if (s.size() > kMaxJsonStringBytes) s = CutString(s, kMaxJsonStringBytes);
  } else if (j.is_structured()) {
    for (auto& child : j) CutLongStrings(child);
  }
}

}  // namespace

http::Response JsonResponse(int status, nlohmann::json body) {
  CutLongStrings(body);
  return http::Response::Json(status,
                              body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

namespace {

int HttpStatusOf(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

}  // namespace

http::Response ProblemFromStatus(const Status& s) { return ProblemFromStatus(s, ProblemShape{}); }

http::Response ProblemFromStatus(const Status& s, const ProblemShape& shape) {
  const int code = shape.status != 0 ? shape.status : HttpStatusOf(s.code());
  const std::string title =
      shape.title.empty() ? std::string(http::StatusReason(code)) : shape.title;
  http::Response r;
  if (shape.invalid_params.empty()) {
    std::string detail =
        s.field().empty() ? s.message() : fmt::format("{}: {}", s.field(), s.message());
    r = http::Response::Problem(code, title, detail, s.field(), shape.type);
  } else {
    nlohmann::json params = nlohmann::json::array();
    for (const auto& p : shape.invalid_params) {
      params.push_back({{"name", p.name}, {"reason", p.reason}});
    }
    r = JsonResponse(code, {{"type", shape.type},
                            {"title", title},
                            {"status", code},
                            {"detail", s.message()},
                            {"invalid_params", std::move(params)}});
    r.content_type = "application/problem+json";
  }
  if (code == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"parkguide\"");
  if (code == 429 && s.retry_after().count() > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(s.retry_after().count()));
  }
  if (code == 503) {
    r.headers.emplace_back("Retry-After",
                           std::to_string(std::max<int64_t>(1, s.retry_after().count())));
  }
  return r;
}

http::Response BadParam(std::string_view name, std::string_view reason) {
  return http::Response::Problem(400, "Bad Request", fmt::format("{}: {}", name, reason),
                                 std::string(name));
}

Result<int> WholeNumber(std::string_view text, std::string_view name, int low, int high,
                        std::string_view unit) {
  auto v = ParseInt(text);
  if (!v || *v < low || *v > high) {
    const std::string of = unit.empty() ? "" : fmt::format(" of {}", unit);
    return InvalidArgument(
        fmt::format("'{}' is not a whole number{} in {}–{}", text, of, low, high),
        std::string(name));
  }
  return static_cast<int>(*v);
}

Result<double> RealNumber(std::string_view text, std::string_view name, double low, double high,
                          std::string_view unit) {
  auto d = ParseDouble(text);
  if (!d || !std::isfinite(*d) || *d < low || *d > high) {
    return InvalidArgument(
        fmt::format("'{}' is not a number of {} in {:g}–{:g}", text, unit, low, high),
        std::string(name));
  }
  return *d;
}

Result<bool> Flag(std::optional<std::string_view> text, std::string_view name) {
  if (!text) return false;
  if (*text == "1" || *text == "true" || text->empty()) return true;
  if (*text == "0" || *text == "false") return false;
  return InvalidArgument(fmt::format("'{}' is not 1, 0, true or false", *text), std::string(name));
}

Result<Timestamp> ArrivalTime(std::string_view text, std::string_view name, Timestamp now) {
  auto t = ParseRfc3339(text);
  if (!t.ok()) return InvalidArgument(t.status().message(), std::string(name));
  if (*t < now - Minutes(1)) return InvalidArgument("must not be in the past", std::string(name));
  if (*t > now + std::chrono::hours(24)) {
    return InvalidArgument("at most 24 hours ahead", std::string(name));
  }
  return *t;
}

Result<int> IntParam(const http::Request& req, std::string_view name, int fallback, int min,
                     int max) {
  auto text = req.Query(name);
  if (!text) return fallback;
  return WholeNumber(*text, name, min, max);
}

Result<Crs> CrsParam(const http::Request& req) {
  return ParseCrs(req.Query("crs").value_or(""), "crs");
}

Result<std::optional<std::string_view>> TextParam(const http::Request& req, std::string_view name,
                                                  size_t max_chars) {
  auto text = req.Query(name);
  if (text) PG_RETURN_IF_ERROR(CheckPlainText(*text, name, max_chars));
  return text;
}

Result<std::optional<std::vector<std::string_view>>> IdListParam(const http::Request& req,
                                                                 std::string_view name,
                                                                 size_t max_ids) {
  auto text = req.Query(name);
  if (!text) return std::optional<std::vector<std::string_view>>();
  std::vector<std::string_view> ids;
  for (std::string_view part : SplitString(*text, ',')) {
    part = TrimSpace(part);
    if (part.empty()) continue;
    if (ids.size() == max_ids) {
      return InvalidArgument(fmt::format("at most {} ids", max_ids), std::string(name));
    }
    PG_RETURN_IF_ERROR(model::ValidateId(part, name));
    ids.push_back(part);
  }
  return std::optional<std::vector<std::string_view>>(std::move(ids));
}

Result<std::optional<int64_t>> WholeNumberMember(const nlohmann::json& body, std::string_view key,
                                                 int64_t low, int64_t high) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<int64_t>();
  auto v = model::WholeNumberIn(*it, low, high);
  if (!v) {
    return InvalidArgument(fmt::format("must be a whole number in {}–{}", low, high),
                           std::string(key));
  }
  return std::optional<int64_t>(*v);
}

Result<std::optional<std::string>> TextMember(const nlohmann::json& body, std::string_view key,
                                              size_t max_chars) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return InvalidArgument("must be a string", std::string(key));
  const auto& text = it->get_ref<const std::string&>();
  PG_RETURN_IF_ERROR(CheckPlainText(text, key, max_chars));
  return std::optional<std::string>(text);
}

Result<std::optional<bool>> FlagMember(const nlohmann::json& body, std::string_view key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return InvalidArgument("must be true or false", std::string(key));
  return std::optional<bool>(it->get<bool>());
}

Result<std::optional<Timestamp>> TimeParam(const http::Request& req, std::string_view name) {
  auto text = req.Query(name);
  if (!text) return std::optional<Timestamp>();
  auto t = ParseRfc3339(*text);
  if (!t.ok()) return InvalidArgument(t.status().message(), std::string(name));
  return std::optional<Timestamp>(*t);
}

Result<std::pair<Timestamp, Timestamp>> TimeRangeParams(const http::Request& req,
                                                        Timestamp default_to, Milliseconds span) {
  PG_ASSIGN_OR_RETURN(auto from, TimeParam(req, "from"));
  PG_ASSIGN_OR_RETURN(auto to, TimeParam(req, "to"));
  const Timestamp t = to.value_or(default_to);
  const Timestamp f = from.value_or(t - span);
  if (t <= f) return InvalidArgument("must be after from", "to");
  if (t - f > std::chrono::hours(24 * 92)) {
    return InvalidArgument("at most 92 days per request", "to");
  }
  return std::pair{f, t};
}

namespace {
// Percent-encodes everything but RFC 3986 unreserved characters and ',' (kept for bbox).
std::string QueryEscape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}
}  // namespace

std::string PageLink(const http::Request& req, size_t offset) {
  std::string link = req.path + "?";
  for (const auto& [k, v] : req.query) {
    if (k == "offset") continue;
    link += QueryEscape(k) + "=" + QueryEscape(v) + "&";
  }
  return link + fmt::format("offset={}", offset);
}

}  // namespace pg::api
