// KeysApi: the role keys over HTTP, for admins (docs/api/roles.md; the CLI: `parkguide key`).
//
//   GET    /api/v1/keys               admin: every generation of every key (never a key or hash)
//   POST   /api/v1/keys               admin: {"name", "role", "facilities": [...]} → 201 with
//                                     the key, shown this once
//   POST   /api/v1/keys/{name}/rotate admin, or the key's own holder: {"overlap": "24h"} → 200
//                                     with the new key; the old one works until the overlap ends
//   DELETE /api/v1/keys/{name}        admin: revokes every generation at once
//   GET    /api/v1/session            any role: who the request's key is — {"name", "role",
//                                     "facilities", "replaced"}; 401 without a valid key
//
// Every write is audited (api/access.h) with the key's generations before and after — never a
// key. A running server takes the change at once (the handlers reload the keys).
//
// Thread-safety: handlers run concurrently; everything they use is thread-safe.
#pragma once

#include <functional>

#include "api/access.h"
#include "api/http/server.h"
#include "core/clock.h"
#include "state/live_state.h"
#include "store/api_keys.h"

namespace pg::api {

struct KeysApiContext {
  store::ApiKeyStore* store = nullptr;     // required
  const state::LiveState* live = nullptr;  // required: which facilities exist, the time zone
  const Clock* clock = nullptr;            // required
  Access* access = nullptr;                // required
  std::function<void()> reload;            // reloads the server's keys after a change; may be empty
};

// REQUIRES: the pointers are set and outlive `server`.
void RegisterKeysApi(http::Server& server, const KeysApiContext& context);

}  // namespace pg::api
