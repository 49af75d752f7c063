// The live JSON of facilities, zones, chargers and sources: the one author of the SPEC §9 "live"
// object, for GET (read_api) and the event stream alike, so the two never disagree.
//
//   events::EventBus bus(65536, api::RenderLiveEvent);  // the stream's JSON, once per event
//   j["live"] = api::FacilityLiveJson(registry, state::ViewFacility(...));
//
// Times are RFC 3339 in the city's time zone.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/clock.h"
#include "events/event_bus.h"
#include "registry/registry.h"
#include "state/live_state.h"

namespace pg::api {

std::string TimeText(const registry::Registry& registry, Timestamp t);

// {"free","occupied","capacity","state","updated"} plus "classes" where counted; `free` and
// `occupied` are null when the state is unknown (and per class when unknown or closed).
nlohmann::json FacilityLiveJson(const registry::Registry& registry,
                                const state::FacilityView& view);

// {"connectors": {"<n>": {"status","updated"}}, "available", "updated", "state"}: `available`
// null when stale or unknown, 0 when faulted (state::ViewCharger).
nlohmann::json ChargerLiveJson(const registry::Registry& registry, const state::ChargerView& view);

// The data line of a live event (state/live_change.h payloads):
//   facility, zone: {"facility": id, "live": FacilityLiveJson}
//   charger:        {"charger": id, "site": site, ...ChargerLiveJson}
//   source:         {"source": id, "status": "silent|ok", "last_received", "expected_interval_s"}
// An event of another payload renders as "{}".
std::string RenderLiveEvent(const events::Event& event);

}  // namespace pg::api
