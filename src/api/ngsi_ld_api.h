// A read-only NGSI-LD API (ETSI GS CIM 009) over the city's Smart Data Models entities
// (interchange/ngsi_ld_entities.h), the subset FIWARE tools read:
//
//   GET /ngsi-ld/v1/entities?type=OffStreetParking[,…]&id=…&idPattern=^urn:…&q=…
//       &limit=20&offset=0&count=true&options=keyValues|format=normalized|keyValues|simplified
//   GET /ngsi-ld/v1/entities/{entityId}
//
// Accept: application/json (the @context in a Link header) or application/ld+json (@context in
// each entity); anything else 406. Errors are NGSI-LD ProblemDetails (…/errors/BadRequestData,
// ResourceNotFound). `q` takes terms joined by ';' (AND): attr==value, !=, >, >=, <, <= on
// top-level attributes, strings in double quotes; `idPattern` takes a literal prefix '^…' with
// an optional '.*' (no general regular expressions: a request must not be able to stall a
// thread). docs/interchange.md "NGSI-LD".
#pragma once

#include "api/http/server.h"
#include "core/clock.h"
#include "state/live_state.h"

namespace pg::api {

struct NgsiLdApiContext {
  const state::LiveState* live = nullptr;  // required
  const Clock* clock = nullptr;            // required
};

// REQUIRES: the pointers are set and outlive `server`.
void RegisterNgsiLdApi(http::Server& server, const NgsiLdApiContext& context);

}  // namespace pg::api
