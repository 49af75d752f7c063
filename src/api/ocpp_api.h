// The OCPP 1.6-J central system endpoint (docs/interchange.md "OCPP"):
//
//   ws://HOST:PORT/ocpp/1.6/{chargePointId}     subprotocol ocpp1.6
//
// The charge point id is the charger's id in the registry; its credentials are HTTP Basic as
// OCPP 1.6's security profile 1 describes — username the charge point id, password the key of a
// source that may write that charger (`parkguide source add --kind charger --scope charger:ID`).
// A wrong or missing password, an unknown charger or a key of a source without it in scope: 401
// with nothing said of which. StatusNotification becomes a charger observation through the
// ingest service like any other source's (journaled, scoped) and is answered only once durable;
// a storage fault answers InternalError, so the charger retries. A second connection for the
// same charger replaces the first (a charger that lost its link without a close must get back
// in). The frames and actions are ingest/ocpp/ocpp_protocol.h's.
#pragma once

#include "api/http/server.h"
#include "core/clock.h"
#include "ingest/core/ingest_service.h"
#include "state/live_state.h"

namespace pg::api {

struct OcppApiContext {
  const state::LiveState* live = nullptr;   // required: the registry and its index
  ingest::IngestService* ingest = nullptr;  // required: keys and observations
  const Clock* clock = nullptr;             // required
};

// REQUIRES: the pointers are set and outlive `server`.
void RegisterOcppApi(http::Server& server, const OcppApiContext& context);

}  // namespace pg::api
