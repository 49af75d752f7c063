// SourcesApi: the sources of live data and their keys over HTTP, for admins (docs/api/roles.md;
// the CLI: `parkguide source`). The dashboard's Keys page uses it.
//
//   GET    /api/v1/sources           admin: every source, its scope and whether its key works
//                                    (never a key or a hash)
//   POST   /api/v1/sources           admin: {"id", "kind", "scope": "facility:F1,bay:B2" | "all",
//                                    "interval_s", "description"} → 201 with the key, shown once
//   DELETE /api/v1/sources/{id}/key  admin: revokes the source's key at once
//
// Every write is audited (api/access.h) with the source before and after — never a key. A running
// server takes the change at once (`reload` reloads the source keys).
//
// Thread-safety: handlers run concurrently; everything they use is thread-safe.
#pragma once

#include <functional>

#include "api/access.h"
#include "api/http/server.h"
#include "core/clock.h"
#include "state/live_state.h"
#include "store/source_store.h"

namespace pg::api {

struct SourcesApiContext {
  store::SourceStore* store = nullptr;     // required
  const state::LiveState* live = nullptr;  // required: what exists, the time zone
  const Clock* clock = nullptr;            // required
  Access* access = nullptr;                // required
  std::function<void()> reload;            // reloads the server's source keys; may be empty
};

// REQUIRES: the pointers are set and outlive `server`.
void RegisterSourcesApi(http::Server& server, const SourcesApiContext& context);

}  // namespace pg::api
