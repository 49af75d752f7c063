// IngestApi: the live side of /api/v1 — observations in, the change stream out, source health.
//
//   POST /api/v1/observations    SPEC §9 batch, Authorization: Bearer <key>; 200 with counts
//                                only once durable; 400/401/403/413/429/503 as problem+json
//                                listing every bad item in invalid_params (docs/api/ingest.md)
//   GET  /api/v1/stream          Server-Sent Events: facility, zone, charger (and source alert)
//                                changes; ?facility=ID,ID &bbox=w,s,e,n &types=facility,zone,…;
//                                resumable with Last-Event-ID (header or ?last_event_id=)
//   GET  /api/v1/sources/health  per source: last seen, rates, anomalies, corrections, silence
//   GET  /api/v1/ingest/errors   the dead letters (MQTT messages refused, with the reason);
//                                traffic_centre or admin key (401/403 problem+json without
//                                one); credentials
//                                never appear in them (the store redacts, core/redact.h)
//
// Thread-safety: handlers run concurrently on the io threads; everything they use is
// thread-safe.
#pragma once

#include "api/authorizer.h"
#include "api/http/server.h"
#include "core/clock.h"
#include "events/event_bus.h"
#include "ingest/core/ingest_service.h"
#include "state/live_state.h"
#include "store/dead_letters.h"

namespace pg::api {

struct IngestApiContext {
  ingest::IngestService* service = nullptr;  // required
  state::LiveState* live = nullptr;          // required
  events::EventBus* bus = nullptr;           // required
  store::DeadLetterReader* store = nullptr;  // required (dead letters)
  const Clock* clock = nullptr;              // required
  // Required: the dead letters need a traffic_centre or admin key; a role key sending
  // observations is refused with 403 rather than 401.
  const Authorizer* authorizer = nullptr;
};

// REQUIRES: every pointer is set and outlives `server`.
void RegisterIngestApi(http::Server& server, const IngestApiContext& context);

// The HTTP form of an ingest outcome: 200 {"accepted","duplicate","out_of_order"} or a
// problem+json with one invalid_params entry per bad item. Shared with tests and MQTT's
// dead-letter reasons.
http::Response IngestResponse(const ingest::IngestResult& result);

}  // namespace pg::api
