// AuditApi: the audit log over HTTP (docs/api/roles.md, "Audit log").
//
//   GET /api/v1/audit?since=T&actor=NAME&limit=N   traffic_centre or admin key; the newest
//                                                  entries first (limit 1–1000, default 100)
//
// The answer is {"items": [AuditEntryJson…]}; every write answered before the request is in it
// (a write is answered once its entry is stored: api/audit_trail.h). Runs on the worker pool: it
// reads the store.
//
// Thread-safety: handlers run concurrently; everything they use is thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "api/authorizer.h"
#include "api/http/server.h"
#include "core/time.h"
#include "state/live_state.h"
#include "store/audit_log.h"

namespace pg::api {

// Who may read the audit log.
inline constexpr RoleSet kAuditReaders{Role::kTrafficCentre, Role::kAdmin};

struct AuditApiContext {
  store::AuditReader* store = nullptr;     // required
  const state::LiveState* live = nullptr;  // required: the city's time zone
  const Authorizer* authorizer = nullptr;  // required
};

// {"id","time","actor","role","remote","action","target","request","before","after","outcome"}:
// request, before and after as JSON (null when not recorded), the time in `zone`. The one author
// of the entry's JSON: the API and `parkguide audit --json`.
nlohmann::json AuditEntryJson(const store::AuditEntry& entry, const date::time_zone& zone);

// REQUIRES: the pointers that are required are set and outlive `server`.
void RegisterAuditApi(http::Server& server, const AuditApiContext& context);

}  // namespace pg::api
