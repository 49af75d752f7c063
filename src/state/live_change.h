// The typed payloads of the live state's events (events::Event::payload): what changed, as the
// views readers believe (ViewFacility, ViewCharger), so a subscriber reads fields, never JSON.
//
//   bus.SubscribeFrom(std::nullopt, [](const events::EventPtr& e) {
//     if (const auto* f = std::any_cast<state::FacilityChange>(&e->payload)) Use(f->view.updated);
//     return true;
//   });
//
// The stream's JSON of these events is written by one renderer, api/live_json.h.
#pragma once

#include <memory>

#include "state/live_state.h"

namespace pg::state {

// A facility or zone (events "facility" and "zone") as ViewFacility sees it now.
struct FacilityChange {
  std::shared_ptr<const registry::Registry> registry;  // keeps `facility` alive
  const model::Facility* facility = nullptr;
  FacilityView view;
  Timestamp at;  // when the view was taken
};

// A charger (event "charger") as ViewCharger sees it now.
struct ChargerChange {
  std::shared_ptr<const registry::Registry> registry;  // keeps `charger` alive
  const model::Charger* charger = nullptr;
  ChargerView view;
  Timestamp at;  // when the view was taken
};

// A source that went silent or came back (event "source", not resumable).
struct SourceChange {
  std::shared_ptr<const registry::Registry> registry;  // the city's time zone
  SourceAlert alert;
};

}  // namespace pg::state
