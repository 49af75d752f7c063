// SignsApi: the guidance signs over HTTP (docs/api/signs.md) — what each sign shows, its history,
// its controller's faults, the traffic centre's overrides, the display rules, and the controllers'
// side of the contract (long-poll, acknowledgement, heartbeat).
//
//   GET    /api/v1/signs                     definitions with current content and health
//   GET    /api/v1/signs/{id}                the same for one; ETag = content seq;
//                                            If-None-Match + wait=N (≤ 60 s) long-polls
//   GET    /api/v1/signs/{id}/history        ?from&to[&limit] contents with causes, or ?at=T
//   GET    /api/v1/signs/{id}/faults         ?from&to[&limit] the controller's failure log
//   GET    /api/v1/signs/{id}/overrides      the audit of overrides, newest first
//   POST   /api/v1/signs/{id}/override       traffic_centre key: fixed text or blank, expiry,
//   reason DELETE /api/v1/signs/{id}/override       traffic_centre key: ?line&reason POST
//   /api/v1/signs/{id}/ack            controller key: {"seq": n} POST
//   /api/v1/controllers/{id}/heartbeat  controller key: {"faults": [...]} GET    /api/v1/sign-rules
//   display rules and plans PUT    /api/v1/sign-rules                traffic_centre key: replace
//   them
//
// Handlers go parse → validate → call the SignService or the store → render; errors are
// problem+json naming the field (401 without a valid key, 403 for the wrong role or another
// controller's sign).
//
// Thread-safety: handlers run concurrently on the server's io threads; the service and store
// are thread-safe; long-poll waiters are completed from the service's worker.
#pragma once

#include "api/access.h"
#include "api/authorizer.h"
#include "api/http/server.h"
#include "core/clock.h"
#include "signs/sign_service.h"
#include "state/live_state.h"
#include "store/sign_history.h"

namespace pg::api {

struct SignsApiContext {
  const state::LiveState* live = nullptr;     // required: the current registry
  signs::SignService* signs = nullptr;        // required
  store::SignHistoryReader* store = nullptr;  // required: history, faults, audit
  const Clock* clock = nullptr;               // required
  const Authorizer* authorizer = nullptr;     // required for the writes
  // How the writes are admitted and audited (api/access.h), over `authorizer`; null: admitted
  // by `authorizer`, not audited (tests of this API alone).
  Access* access = nullptr;
};

// REQUIRES: every pointer in `context` is set and outlives `server`; Route() may still be
// called on `server` (before Start()).
void RegisterSignsApi(http::Server& server, const SignsApiContext& context);

}  // namespace pg::api
