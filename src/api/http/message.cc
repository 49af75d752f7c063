#include "api/http/message.h"

#include <cstdint>

#include "api/http/event_stream.h"
#include "core/status.h"
#include "core/strings.h"

namespace pg::api::http {

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

PendingResponse::PendingResponse() = default;

PendingResponse::PendingResponse(std::chrono::milliseconds timeout, Response fallback)
    : timeout_(timeout), fallback_(std::make_unique<Response>(std::move(fallback))) {}

PendingResponse::~PendingResponse() = default;

bool PendingResponse::responded() const {
  std::lock_guard lock(mu_);
  return responded_;
}

void PendingResponse::Expire() {
  if (!fallback_) return;
  Respond(*fallback_);
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

bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding) {
  bool star = false;
  for (std::string_view item : SplitString(accept_encoding, ',')) {
    std::string_view name = TrimSpace(item.substr(0, item.find(';')));
    bool refused = false;
    if (size_t q = item.find(";"); q != std::string_view::npos) {
      std::string_view param = TrimSpace(item.substr(q + 1));
      if (param.starts_with("q=") || param.starts_with("Q=")) {
        auto value = ParseDouble(param.substr(2));
        refused = !value || *value <= 0;
      }
    }
    if (ToLowerAscii(name) == coding) return !refused;
    if (name == "*") star = !refused;
  }
  return star;
}

RouteOptions RouteOptions::Admit(AdmissionCheck check) {
  RouteOptions o;
  o.admit = std::move(check);
  return o;
}

RouteOptions RouteOptions::OnWorker() {
  RouteOptions o;
  o.on_worker = true;
  return o;
}

Admission Admission::Admit(std::string client) {
  Admission a;
  a.client = std::move(client);
  return a;
}

Admission Admission::Refuse(Response refusal) {
  Admission a;
  a.refusal = std::move(refusal);
  return a;
}

}  // namespace pg::api::http
