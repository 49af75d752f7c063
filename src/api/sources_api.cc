#include "api/sources_api.h"

#include <fmt/format.h>

#include "api/problem_responses.h"
#include "core/text_bounds.h"
#include "ingest/core/source_keys.h"
#include "model/model_json.h"
#include "model/vocabulary.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// The source as an admin sees it: never its key or hash.
json SourceJson(const store::SourceRecord& r, const date::time_zone& zone) {
  json j = model::ToJson(r.source);
  j["key"] = r.source.revoked_at ? "revoked" : r.key_hash.empty() ? "none" : "active";
  j["created"] = r.created == Timestamp{} ? json(nullptr) : json(FormatRfc3339(r.created, zone));
  return j;
}

// A new source from the body of POST /api/v1/sources. Errors name the member.
Result<model::Source> SourceFromBody(const std::string& text) {
  json body = json::parse(text, nullptr, false);
  if (!body.is_object()) return InvalidArgument("must be a JSON object", "body");
  model::Source source;
  PG_ASSIGN_OR_RETURN(auto id, TextMember(body, "id", kMaxIdChars));
  if (!id || id->empty()) return InvalidArgument("is required", "id");
  source.id = model::SourceId(*id);
  PG_ASSIGN_OR_RETURN(auto kind, TextMember(body, "kind", kMaxIdChars));
  source.kind = model::SourceKind::kOperatorSystem;
  if (kind) {
    auto parsed = model::Parse<model::SourceKind>(*kind);
    if (!parsed) {
      return InvalidArgument(
          fmt::format("'{}' is not one of: {}", *kind, model::AllowedNames<model::SourceKind>()),
          "kind");
    }
    source.kind = *parsed;
  }
  PG_ASSIGN_OR_RETURN(auto scope, TextMember(body, "scope", kMaxReasonChars));
  if (!scope) return InvalidArgument("is required: \"all\" or \"facility:F1,bay:B2,…\"", "scope");
  auto parsed_scope = model::ParseScope(*scope);
  if (!parsed_scope.ok()) return InvalidArgument(parsed_scope.status().message(), "scope");
  source.scope = std::move(*parsed_scope);
  PG_ASSIGN_OR_RETURN(auto interval,
                      WholeNumberMember(body, "interval_s", 1, int64_t{7} * 24 * 3600));
  source.expected_interval = std::chrono::seconds(interval.value_or(300));
  PG_ASSIGN_OR_RETURN(auto description, TextMember(body, "description", kMaxReasonChars));
  source.description = description.value_or("");
  return source;
}

class Handlers {
 public:
  explicit Handlers(SourcesApiContext c) : c_(std::move(c)) {}

  const date::time_zone& zone() const { return c_.live->registry()->time_zone(); }

  // The audit's before/after of a source (the id from the path or the body).
  json State(const Request& req) {
    std::string id;
    if (auto it = req.path_params.find("id"); it != req.path_params.end()) id = it->second;
    if (id.empty()) {
      json body = json::parse(req.body, nullptr, false);
      if (!body.is_object() || !body.contains("id") || !body["id"].is_string()) return nullptr;
      id = body["id"].get<std::string>();
    }
    auto records = c_.store->LoadSources();
    if (!records.ok()) return nullptr;
    for (const auto& r : *records) {
      if (r.source.id.str() == id) return SourceJson(r, zone());
    }
    return nullptr;
  }

  Response List(const Request&) {
    auto records = c_.store->LoadSources();
    if (!records.ok()) return ProblemFromStatus(records.status());
    json items = json::array();
    for (const auto& r : *records) items.push_back(SourceJson(r, zone()));
    return JsonResponse(200, json{{"items", std::move(items)}});
  }

  Response Add(const Request& req) {
    auto source = SourceFromBody(req.body);
    if (!source.ok()) return ProblemFromStatus(source.status());
    auto registry = c_.live->registry();
    const Timestamp now = c_.clock->Now();
    auto key = ingest::AddSourceWithKey(
        *source, {registry->facilities(), registry->bays(), registry->chargers()}, *c_.store, now);
    if (!key.ok()) return ProblemFromStatus(key.status());
    Reload();
    json j = model::ToJson(*source);
    j["created"] = FormatRfc3339(now, zone());
    j["key"] = key->key;
    Response r = JsonResponse(201, std::move(j));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }

  Response Revoke(const Request& req) {
    const std::string& id = req.path_params.at("id");
    const Timestamp now = c_.clock->Now();
    if (Status s = c_.store->RevokeSource(model::SourceId(id), now); !s.ok()) {
      return ProblemFromStatus(s);
    }
    Reload();
    return JsonResponse(200, json{{"source", id}, {"revoked", FormatRfc3339(now, zone())}});
  }

 private:
  void Reload() {
    if (c_.reload) c_.reload();
  }

  SourcesApiContext c_;
};

}  // namespace

void RegisterSourcesApi(http::Server& server, const SourcesApiContext& context) {
  auto h = std::make_shared<Handlers>(context);
  auto bind = [h](Response (Handlers::*method)(const Request&)) {
    return [h, method](const Request& req) { return ((*h).*method)(req); };
  };
  auto state = [h](const Request& req) { return h->State(req); };
  server.Route("GET", "/api/v1/sources", bind(&Handlers::List),
               http::RouteOptions::Admit(AdmitRole(context.access->authorizer(), Role::kAdmin)));
  Access& access = *context.access;
  access.Route(server, "POST", "/api/v1/sources", bind(&Handlers::Add),
               {Role::kAdmin, AuditedChange{TargetFromBody("source", "id"), state}, {}});
  access.Route(server, "DELETE", "/api/v1/sources/{id}/key", bind(&Handlers::Revoke),
               {Role::kAdmin, AuditedChange{Target("source", "id"), state}, {}});
}

}  // namespace pg::api
