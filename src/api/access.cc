#include "api/access.h"

#include <fmt/format.h>

#include "api/problem_responses.h"
#include "core/text_bounds.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// The parts of a request an audit entry needs after the handler returned (a deferred answer
// outlives the Request it was given): everything but the body and the headers.
std::shared_ptr<const Request> KeptForAudit(const Request& req) {
  auto kept = std::make_shared<Request>();
  kept->method = req.method;
  kept->path = req.path;
  kept->raw_query = req.raw_query;
  kept->query = req.query;
  kept->remote_address = req.remote_address;
  kept->path_params = req.path_params;
  return kept;
}

// The most bytes of a request, a before or an after kept in an entry: a larger one is kept as
// {"omitted_bytes": N}, so a 16 MiB body cannot fill the queue of a failing store.
constexpr size_t kMaxKeptJsonBytes = size_t{64} * 1024;

// {"query": "...", "body": <JSON, or the text when it is not JSON>}; "" when neither.
std::string RequestJson(const Request& req) {
  json j = json::object();
  if (!req.raw_query.empty()) j["query"] = req.raw_query;
  if (!req.body.empty()) {
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    j["body"] = body.is_discarded() ? json(req.body) : std::move(body);
  }
  return j.empty() ? std::string() : AuditJsonText(j);
}

// "201 Created", or "404 Not Found: id: no sign 'S9'" for a problem.
std::string Outcome(const Response& r) {
  std::string out = fmt::format("{} {}", r.status, http::StatusReason(r.status));
  if (r.status >= 400) {
    json problem = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (problem.is_object() && problem.contains("detail") && problem["detail"].is_string()) {
      out += ": " + problem["detail"].get<std::string>();
    }
  }
  return out;
}

}  // namespace

std::string AuditJsonText(const json& j) {
  if (j.is_null()) return std::string();
  std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() <= kMaxKeptJsonBytes) return text;
  return json{{"omitted_bytes", text.size()}}.dump();
}

std::function<std::string(const Request&)> Target(std::string kind, std::string param) {
  return [kind = std::move(kind), param = std::move(param)](const Request& req) {
    if (param.empty()) return kind;
    auto it = req.path_params.find(param);
    return it == req.path_params.end() ? kind : kind + ":" + it->second;
  };
}

std::function<std::string(const Request&)> TargetFromBody(std::string kind, std::string member) {
  return [kind = std::move(kind), member = std::move(member)](const Request& req) {
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains(member) || !body[member].is_string()) return kind;
    return kind + ":" + body[member].get<std::string>();
  };
}

Access::Access(const Authorizer& authorizer, AuditTrail* audit)
    : authorizer_(authorizer), audit_(audit) {}

void Access::Route(http::Server& server, const std::string& method, const std::string& pattern,
                   http::Handler handler, const WriteRule& rule) {
  {
    std::lock_guard lock(mu_);
    routes_.push_back({method, pattern, rule.roles, rule.audit.has_value(), rule.unaudited});
  }
  http::Handler installed = rule.audit && audit_
                                ? Audited(method, pattern, std::move(handler), rule)
                                : std::move(handler);
  server.Route(method, pattern, std::move(installed),
               http::RouteOptions::Admit(AdmitRole(authorizer_, rule.roles)));
}

std::vector<Access::RouteInfo> Access::routes() const {
  std::lock_guard lock(mu_);
  return routes_;
}

http::Handler Access::Audited(const std::string& method, const std::string& pattern,
                              http::Handler handler, const WriteRule& rule) const {
  return [this, action = method + " " + pattern, handler = std::move(handler), change = *rule.audit,
          roles = rule.roles](const Request& req) -> Response {
    if (!audit_->HasRoom()) {
      return ProblemFromStatus(
          Unavailable("the audit log cannot be written now; nothing was changed")
              .WithRetryAfter(std::chrono::seconds(1)));
    }
    auto entry = std::make_shared<store::AuditEntry>();
    if (auto who = authorizer_.Authorize(req.Header("authorization"), roles); who.ok()) {
      entry->actor = who->id;
      entry->role = std::string(Name(who->role));
    } else {
      entry->actor = "?";  // revoked between admission and now
    }
    entry->remote = req.remote_address;
    entry->action = action;
    // The target comes from the path: shown as plain text (a path parameter may hold anything).
    entry->target = change.target ? BoundedText(change.target(req), kMaxNameChars) : std::string();
    entry->request = RequestJson(req);
    if (change.state) entry->before = AuditJsonText(change.state(req));
    Response response = handler(req);
    // The answer is given once its entry is in the audit log: an acknowledged change is never
    // missing from it.
    auto outer = std::make_shared<http::PendingResponse>();
    auto finish = [this, entry, change, outer](const Request& kept, Response r) {
      if (change.state) entry->after = AuditJsonText(change.state(kept));
      entry->outcome = BoundedText(Outcome(r), kMaxReasonChars);
      audit_->Record(std::move(*entry), [outer, r = std::move(r)](bool written) mutable {
        if (written) return outer->Respond(std::move(r));
        outer->Respond(ProblemFromStatus(Unavailable(
            "the change was made, but the server stopped before its audit entry was written")));
      });
    };
    if (!response.pending) {
      finish(req, std::move(response));
    } else {
      // A deferred answer: recorded when it is given, on the thread that gives it.
      response.pending->OnReady(
          [finish, kept = KeptForAudit(req)](Response r) { finish(*kept, std::move(r)); });
    }
    return Response::Later(outer);
  };
}

}  // namespace pg::api
