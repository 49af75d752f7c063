// Access: how every write route of the API is registered — admitted by role from the request's
// head, and recorded in the audit log — in one place, so no write can forget either.
//
//   access.Route(server, "PUT", "/api/v1/sign-rules", handler,
//                {.roles = Role::kTrafficCentre,
//                 .audit = AuditedChange{Target("sign-rules"), [&](const http::Request&) {
//                   return signs::ToJson(*service.config());
//                 }}});
//
// What a call records (store/audit_log.h): the key's name and role, the caller's address, the
// method and route pattern, the target, the request (its query and JSON body), the state the
// route changes before the handler runs and after it answers (for a deferred answer, when it is
// given), and the outcome ("201 Created", "404 Not Found: id: no sign 'S9'"). Calls refused at
// admission (no key, wrong role: 401/403 before the body is read) are not recorded — they
// change nothing, and recording them would let anyone without a key fill the log; the HTTP
// metrics count them. A route that is not audited says why (`unaudited`): the machines' telemetry
// (observations, sign acknowledgements and heartbeats) is kept in the journal and the sign
// history instead.
//
// routes() lists every route registered here, with its roles: the matrix of docs/api/roles.md,
// which api/roles_test.cc checks call by call.
//
// Thread-safety: Route before the server starts; the handlers it installs run concurrently.
#pragma once

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/audit_trail.h"
#include "api/authorizer.h"
#include "api/http/server.h"
#include "core/clock.h"

namespace pg::api {

// What an audited write changes.
struct AuditedChange {
  // The target of a call ("sign:S1"); see Target().
  std::function<std::string(const http::Request&)> target;
  // The state the route changes, as JSON (the sign's open overrides, the rules, a facility's live
  // object); null when there is nothing to show. Called on the handler's thread before it runs,
  // and on whichever thread answers after; must be quick. May be empty.
  std::function<nlohmann::json(const http::Request&)> state;
};

// How an entry's request, before and after are stored (API and CLI alike): compact JSON, invalid
// UTF-8 replaced; "" for null; {"omitted_bytes": N} when over 64 KiB.
std::string AuditJsonText(const nlohmann::json& j);

// A target "<kind>:<path parameter>" ("sign:S1" from Target("sign", "id")), or the fixed `kind`
// when `param` is empty.
std::function<std::string(const http::Request&)> Target(std::string kind, std::string param = {});
// A target "<kind>:<string member of the JSON body>" ("key:acme" from TargetFromBody("key",
// "name") for a body {"name": "acme"}), or the fixed `kind` when the body has no such member.
std::function<std::string(const http::Request&)> TargetFromBody(std::string kind,
                                                                std::string member);

struct WriteRule {
  RoleSet roles;  // who may call it (admitted from the head)
  // How a call is audited; nullopt: not audited, and `unaudited` says where it is kept instead.
  std::optional<AuditedChange> audit;
  std::string unaudited;
};

class Access {
 public:
  // `audit` may be null (tests of one API alone): nothing is recorded, and the routes do not
  // refer to this Access once Route returns (a registration may use a local one). REQUIRES:
  // the arguments, and with an `audit` this Access, outlive every server it registers routes
  // on and every deferred answer of theirs.
  Access(const Authorizer& authorizer, AuditTrail* audit);

  const Authorizer& authorizer() const { return authorizer_; }
  AuditTrail* audit() const { return audit_; }

  // Registers a write route (see above). When the audit log has no room (a storage fault's
  // backlog) an audited route answers 503 with Retry-After and its handler does not run.
  void Route(http::Server& server, const std::string& method, const std::string& pattern,
             http::Handler handler, const WriteRule& rule);

  struct RouteInfo {
    std::string method;
    std::string pattern;
    RoleSet roles;
    bool audited = false;
    std::string unaudited;
  };
  std::vector<RouteInfo> routes() const;

 private:
  http::Handler Audited(const std::string& method, const std::string& pattern,
                        http::Handler handler, const WriteRule& rule) const;

  const Authorizer& authorizer_;
  AuditTrail* const audit_;
  mutable std::mutex mu_;
  std::vector<RouteInfo> routes_;  // guarded by mu_
};

}  // namespace pg::api
