#include "api/http/message.h"

#include <cstdint>

#include "api/http/event_stream.h"
#include "core/status.h"

namespace pg::api::http {
namespace {

// The length of the well-formed UTF-8 sequence at the start of `s`, or 0 when it is malformed
// (overlong forms, surrogates and code points above U+10FFFF included).
size_t Utf8SequenceLength(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const auto continuation = [&](size_t i) { return i < s.size() && (byte(i) & 0xC0) == 0x80; };
  uint8_t b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return continuation(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (b0 == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (b0 == 0xED && byte(1) >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (b0 == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// Appends `text` as a JSON string literal.
void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  while (!text.empty()) {
    char c = text.front();
    auto u = static_cast<uint8_t>(c);
    if (u >= 0x80) {
      size_t n = Utf8SequenceLength(text);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
        n = 1;
      } else {
        out.append(text.substr(0, n));
      }
      text.remove_prefix(n);
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7F) {
          out += "\\u00";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xF]);
        } else {
          out.push_back(c);
        }
    }
    text.remove_prefix(1);
  }
  out.push_back('"');
}

}  // namespace

std::optional<std::string_view> Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::string Request::Header(std::string_view lowercase_name) const {
  for (const auto& [key, value] : headers) {
    if (key == lowercase_name) return value;
  }
  return {};
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Problem(int status, std::string_view title, std::string_view detail,
                           std::string_view field, std::string_view type) {
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  std::string& out = r.body;
  out.reserve(96 + title.size() + 2 * detail.size() + field.size());
  out += "{\"type\":";
  AppendJsonString(out, type);
  out += ",\"title\":";
  AppendJsonString(out, title);
  out += ",\"status\":";
  out += std::to_string(status);
  out += ",\"detail\":";
  AppendJsonString(out, detail);
  if (!field.empty()) {
    std::string_view reason = detail;
    if (reason.size() > field.size() + 2 && reason.substr(0, field.size()) == field &&
        reason.substr(field.size(), 2) == ": ") {
      reason.remove_prefix(field.size() + 2);
    }
    out += ",\"invalid_params\":[{\"name\":";
    AppendJsonString(out, field);
    out += ",\"reason\":";
    AppendJsonString(out, reason);
    out += "}]";
  }
  out += "}";
  return r;
}

Response Response::Stream(std::shared_ptr<EventStream> stream) {
  PG_ASSERT(stream != nullptr);
  Response r;
  r.content_type = "text/event-stream";
  r.stream = std::move(stream);
  return r;
}

std::string_view StatusReason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

void PendingResponse::Respond(Response response) {
  std::function<void(Response)> deliver;
  {
    std::lock_guard lock(mu_);
    if (responded_) return;
    responded_ = true;
    if (!deliver_) {
      ready_ = std::make_unique<Response>(std::move(response));
      return;
    }
    deliver = std::move(deliver_);
  }
  deliver(std::move(response));
}

void PendingResponse::OnReady(std::function<void(Response)> deliver) {
  std::unique_ptr<Response> ready;
  {
    std::lock_guard lock(mu_);
    if (!ready_) {
      deliver_ = std::move(deliver);
      return;
    }
    ready = std::move(ready_);
  }
  deliver(std::move(*ready));
}

Response Response::Later(std::shared_ptr<PendingResponse> pending) {
  Response r;
  r.pending = std::move(pending);
  return r;
}

}  // namespace pg::api::http
