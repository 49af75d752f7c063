// FacilityWritesApi: what people do to a car park's live state by hand — a car-park operator
// closing, reopening or marking full its own facilities and correcting their counts; the traffic
// centre closing any car park for an incident (docs/api/roles.md).
//
//   POST /api/v1/facilities/{id}/status  {"status": "closed|open|full"}   operator (its own
//                                        facilities) or traffic_centre; 200 once durable
//   POST /api/v1/facilities/{id}/count   {"free": n} or {"occupied": n}, optional "class"
//                                        operator (its own facilities); 200 once durable
//
// Each is an observation like any other (SPEC §3: a facility_status, an authoritative
// facility_count), journaled before it is acknowledged, so a replay rebuilds it; its source is
// the key: "operator/<key name>" or "traffic_centre/<key name>", shown in the source health
// with its corrections. The answer is {"facility", "accepted", "live"} (the SPEC §9 live object
// after the change), or problem+json: 400 naming the field, 401/403 (the key; a facility outside
// an operator's key), 404 (no such facility), 503 (the journal cannot be written now).
//
// Thread-safety: handlers run concurrently on the io threads; everything they use is
// thread-safe.
#pragma once

#include "api/access.h"
#include "api/authorizer.h"
#include "api/http/server.h"
#include "core/clock.h"
#include "ingest/core/ingest_service.h"
#include "state/live_state.h"

namespace pg::api {

struct FacilityWritesContext {
  ingest::IngestService* ingest = nullptr;  // required
  state::LiveState* live = nullptr;         // required
  const Clock* clock = nullptr;             // required
  const Authorizer* authorizer = nullptr;   // required
  // How the writes are admitted and audited (api/access.h), over `authorizer`; null: admitted
  // by `authorizer`, not audited (tests of this API alone).
  Access* access = nullptr;
};

// Who may change a facility's status, and its counts.
inline constexpr RoleSet kFacilityStatusWriters{Role::kOperator, Role::kTrafficCentre};
inline constexpr RoleSet kFacilityCountWriters{Role::kOperator};

// The source id of a person's manual writes: "<role>/<key name>" ('/' is never in a registry
// source id, so it cannot be mistaken for one).
std::string ManualSourceId(const Principal& who);

// REQUIRES: every pointer is set and outlives `server`.
void RegisterFacilityWritesApi(http::Server& server, const FacilityWritesContext& context);

}  // namespace pg::api
