#include "api/audit_api.h"

#include "api/problem_responses.h"
#include "core/text_bounds.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

json ParsedOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(text) : j;
}

Response List(const AuditApiContext& c, const Request& req) {
  auto who = c.authorizer->Authorize(req.Header("authorization"), kAuditReaders);
  if (!who.ok()) return ProblemFromStatus(who.status());
  store::AuditQuery query;
  auto limit = IntParam(req, "limit", 100, 1, 1000);
  if (!limit.ok()) return ProblemFromStatus(limit.status());
  query.limit = *limit;
  auto since = TimeParam(req, "since");
  if (!since.ok()) return ProblemFromStatus(since.status());
  query.since = *since;
  auto actor = TextParam(req, "actor", kMaxIdChars);
  if (!actor.ok()) return ProblemFromStatus(actor.status());
  query.actor = std::string(actor->value_or(""));
  auto entries = c.store->LoadAudit(query);
  if (!entries.ok()) return ProblemFromStatus(entries.status());
  const date::time_zone& zone = c.live->registry()->time_zone();
  json items = json::array();
  for (const auto& e : *entries) items.push_back(AuditEntryJson(e, zone));
  return JsonResponse(200, json{{"items", std::move(items)}});
}

}  // namespace

json AuditEntryJson(const store::AuditEntry& e, const date::time_zone& zone) {
  return {{"id", e.id},
          {"time", FormatRfc3339(e.time, zone)},
          {"actor", e.actor},
          {"role", e.role},
          {"remote", e.remote},
          {"action", e.action},
          {"target", e.target},
          {"request", ParsedOrNull(e.request)},
          {"before", ParsedOrNull(e.before)},
          {"after", ParsedOrNull(e.after)},
          {"outcome", e.outcome}};
}

void RegisterAuditApi(http::Server& server, const AuditApiContext& context) {
  http::RouteOptions options =
      http::RouteOptions::Admit(AdmitRole(*context.authorizer, kAuditReaders));
  options.on_worker = true;
  server.Route(
      "GET", "/api/v1/audit", [context](const Request& req) { return List(context, req); },
      std::move(options));
}

}  // namespace pg::api
