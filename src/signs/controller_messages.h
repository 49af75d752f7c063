// What a sign controller sends (docs/api/signs.md), parsed once for both of its channels — HTTP
// (POST /api/v1/signs/{id}/ack, POST /api/v1/controllers/{id}/heartbeat) and MQTT
// (parkguide/<city>/signs/<sign>/ack, parkguide/<city>/controllers/<controller>/heartbeat):
//
//   PG_ASSIGN_OR_RETURN(SignAck ack, ParseSignAck(body));   // {"seq": 17, "controller": "C1"}
//   service.OnAck(sign, ack.seq, now);
//
// Unknown members are ignored (forward compatibility). Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace pg::signs {

// An acknowledgement: the controller shows the content of `seq`.
struct SignAck {
  int64_t seq = 0;
  std::optional<std::string> controller;  // the "controller" member, when it is a string
};

// Errors: kInvalidArgument (field "seq") when `text` is not a JSON object whose "seq" is a whole
// number from 1.
Result<SignAck> ParseSignAck(std::string_view text);

// A heartbeat: the controller is alive, with the faults it reports.
struct ControllerHeartbeat {
  std::vector<std::string> faults;  // within CheckControllerFaults' bounds (sign_service.h)
};

// An empty text is an empty object (no faults). Errors: kInvalidArgument with field "body" when
// `text` is not a JSON object; "faults" when that member is not an array, has more than
// kMaxControllerFaults items or a fault beyond the limits; "faults[i]" for an item that is not
// a text.
Result<ControllerHeartbeat> ParseControllerHeartbeat(std::string_view text);

// For a channel that cannot refuse (MQTT), when ParseControllerHeartbeat refused `text`: its
// faults as SignService keeps them (BoundControllerFaults) — the first kMaxControllerFaults texts,
// each cut and cleaned — so a controller reporting too much still shows as faulty; empty when
// `text` is no object with an array "faults".
std::vector<std::string> FaultsKeptCut(std::string_view text);

}  // namespace pg::signs
