// Exports of the live city in the field's interchange formats (docs/interchange.md):
//
//   GET /api/v1/export/geojson?layer=facilities|zones|bays|chargers|signs   RFC 7946
//   GET /api/v1/export/ocpi/locations[/{site}]           OCPI 2.2.1 Locations, EVSEs, Connectors
//   GET /api/v1/export/datex2/parking-table.xml          DATEX II v3 ParkingTablePublication
//   GET /api/v1/export/datex2/parking-status.xml         DATEX II v3 ParkingStatusPublication
//
// Public reads like the rest of the read API; each answer is rendered from one registry and one
// live snapshot (interchange/export_input.h) by interchange/, which owns the mappings.
#pragma once

#include "api/http/server.h"
#include "core/clock.h"
#include "interchange/datex2_publications.h"
#include "interchange/ocpi_locations.h"
#include "signs/sign_service.h"
#include "state/live_state.h"
#include "store/occupancy_history.h"

namespace pg::api {

struct ExportApiContext {
  const state::LiveState* live = nullptr;     // required
  const Clock* clock = nullptr;               // required
  const signs::SignService* signs = nullptr;  // optional: the signs layer's board texts
  // optional: the recorded occupancy the DATEX II trend compares with (none: trend unknown)
  store::OccupancyHistoryReader* history = nullptr;
  interchange::OcpiParty ocpi_party;
  interchange::Datex2Publisher datex2_publisher;
};

// REQUIRES: the required pointers are set and outlive `server`.
void RegisterExportApi(http::Server& server, const ExportApiContext& context);

}  // namespace pg::api
