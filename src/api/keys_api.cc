#include "api/keys_api.h"

#include <fmt/format.h>

#include "api/problem_responses.h"
#include "api/role_keys.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

class Handlers {
 public:
  explicit Handlers(KeysApiContext c) : c_(std::move(c)) {}

  const date::time_zone& zone() const { return c_.live->registry()->time_zone(); }

  // The audit's before/after of a key: its generations (the name from the path or the body).
  json State(const Request& req) {
    std::string name;
    if (auto it = req.path_params.find("name"); it != req.path_params.end()) name = it->second;
    if (name.empty()) {
      json body = json::parse(req.body, nullptr, false);
      if (!body.is_object() || !body.contains("name") || !body["name"].is_string()) return nullptr;
      name = body["name"].get<std::string>();
    }
    auto items = KeyGenerationsJson(*c_.store, name, zone(), c_.clock->Now());
    return items.ok() ? *items : json(nullptr);
  }

  // Who the key of the request is: what the dashboard's sign-in shows and what it offers.
  Response Session(const Request& req) {
    auto who = c_.access->authorizer().Authorize(req.Header("authorization"), kEveryRole);
    if (!who.ok()) return ProblemFromStatus(who.status());
    json j{{"name", who->id},
           {"role", Name(who->role)},
           {"facilities", who->facilities},
           {"replaced", who->replaced}};
    Response r = JsonResponse(200, std::move(j));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }

  Response List(const Request&) {
    auto items = KeyGenerationsJson(*c_.store, "", zone(), c_.clock->Now());
    if (!items.ok()) return ProblemFromStatus(items.status());
    return JsonResponse(200, json{{"items", std::move(*items)}});
  }

  Response Add(const Request& req) {
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object())
      return ProblemFromStatus(InvalidArgument("must be a JSON object", "body"));
    RoleKeyRequest request;
    if (!body.contains("name") || !body["name"].is_string()) {
      return ProblemFromStatus(InvalidArgument("is required", "name"));
    }
    request.name = body["name"].get<std::string>();
    auto role = body.contains("role") && body["role"].is_string()
                    ? ParseRole(body["role"].get<std::string>())
                    : std::nullopt;
    if (!role) {
      return ProblemFromStatus(
          InvalidArgument("must be one of: operator, traffic_centre, admin, controller", "role"));
    }
    request.role = *role;
    if (body.contains("facilities")) {
      if (!body["facilities"].is_array()) {
        return ProblemFromStatus(InvalidArgument("must be an array of facility ids", "facilities"));
      }
      for (const auto& f : body["facilities"]) {
        if (!f.is_string()) {
          return ProblemFromStatus(
              InvalidArgument("must be an array of facility ids", "facilities"));
        }
        request.facilities.push_back(f.get<std::string>());
      }
    }
    auto registry = c_.live->registry();
    auto exists = [&](std::string_view id) {
      return registry->FindFacility(model::FacilityId(std::string(id))) != nullptr;
    };
    auto issued = AddRoleKey(*c_.store, request, exists, c_.clock->Now());
    if (!issued.ok()) return ProblemFromStatus(issued.status());
    Reload();
    Response r = JsonResponse(201, Issued(*issued, std::nullopt));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }

  Response Rotate(const Request& req) {
    const std::string& name = req.path_params.at("name");
    auto who = c_.access->authorizer().Authorize(req.Header("authorization"), kEveryRole);
    if (!who.ok()) return ProblemFromStatus(who.status());
    // A key rotates itself only with its current stored generation: a replaced key still in
    // its overlap (perhaps the leaked one) must not mint a successor, nor a --keys file key that
    // happens to share a stored key's name.
    const bool itself = who->id == name && !who->key_id.empty() && !who->replaced;
    if (who->role != Role::kAdmin && !itself) {
      return ProblemFromStatus(PermissionDenied(fmt::format(
          "key '{}' may rotate only itself, with its current key (not a replaced one, nor a "
          "--keys file key); rotating '{}' needs role admin",
          who->id, name)));
    }
    json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (!body.is_object())
      return ProblemFromStatus(InvalidArgument("must be a JSON object", "body"));
    std::chrono::seconds overlap = std::chrono::hours(24);
    if (body.contains("overlap")) {
      if (!body["overlap"].is_string()) {
        return ProblemFromStatus(InvalidArgument("must be a duration like \"24h\"", "overlap"));
      }
      auto parsed = ParseOverlap(body["overlap"].get<std::string>());
      if (!parsed.ok()) return ProblemFromStatus(parsed.status());
      overlap = *parsed;
    }
    const Timestamp now = c_.clock->Now();
    auto issued = RotateRoleKey(*c_.store, name, now, overlap);
    if (!issued.ok()) return ProblemFromStatus(issued.status());
    Reload();
    Response r = JsonResponse(200, Issued(*issued, now + overlap));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }

  Response Revoke(const Request& req) {
    auto n = c_.store->RevokeApiKey(req.path_params.at("name"), c_.clock->Now());
    if (!n.ok()) return ProblemFromStatus(n.status());
    Reload();
    return JsonResponse(200, json{{"name", req.path_params.at("name")}, {"revoked", *n}});
  }

 private:
  json Issued(const IssuedRoleKey& issued, std::optional<Timestamp> old_until) {
    json j{{"name", issued.record.name},
           {"role", issued.record.role},
           {"facilities", issued.record.facilities},
           {"created", FormatRfc3339(issued.record.created, zone())},
           {"key", issued.key}};
    if (old_until) j["old_key_valid_until"] = FormatRfc3339(*old_until, zone());
    return j;
  }
  void Reload() {
    if (c_.reload) c_.reload();
  }

  KeysApiContext c_;
};

}  // namespace

void RegisterKeysApi(http::Server& server, const KeysApiContext& context) {
  auto h = std::make_shared<Handlers>(context);
  auto bind = [h](Response (Handlers::*method)(const Request&)) {
    return [h, method](const Request& req) { return ((*h).*method)(req); };
  };
  auto state = [h](const Request& req) { return h->State(req); };
  http::RouteOptions list =
      http::RouteOptions::Admit(AdmitRole(context.access->authorizer(), Role::kAdmin));
  server.Route("GET", "/api/v1/keys", bind(&Handlers::List), std::move(list));
  server.Route("GET", "/api/v1/session", bind(&Handlers::Session));
  Access& access = *context.access;
  access.Route(server, "POST", "/api/v1/keys", bind(&Handlers::Add),
               {Role::kAdmin, AuditedChange{TargetFromBody("key", "name"), state}, {}});
  access.Route(server, "POST", "/api/v1/keys/{name}/rotate", bind(&Handlers::Rotate),
               {kEveryRole, AuditedChange{Target("key", "name"), state}, {}});
  access.Route(server, "DELETE", "/api/v1/keys/{name}", bind(&Handlers::Revoke),
               {Role::kAdmin, AuditedChange{Target("key", "name"), state}, {}});
}

}  // namespace pg::api
