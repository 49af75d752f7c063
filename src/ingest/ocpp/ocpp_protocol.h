// OCPP 1.6-J, the central system's side of one charge point's connection: frames in, answers
// and observations out. No transport here: api/ocpp_api.cc carries the frames over WebSocket.
//
//   ocpp::ChargePointSession session(charger, clock, {.heartbeat_interval = 300s});
//   auto frame = ocpp::ParseFrame(text);                      // a Call, or a CallError to send
//   ocpp::Outcome out = session.Handle(std::get<ocpp::Call>(frame));
//   // Reply: send CallResultFrame(call.unique_id, reply.payload) now;
//   // Observe: submit the observations, answer {} once they are durable (or InternalError);
//   // CallError: send CallErrorFrame(error).
//
// Actions: BootNotification (always Accepted: the connection's credentials already name the
// charger), Heartbeat, StatusNotification (per connector, 0 = the whole charger, becomes a
// "charger" observation), MeterValues (checked and acknowledged; parkguide keeps no energy
// readings). OCPP chargers report a status only when it changes, so a Heartbeat re-affirms, at
// its time, the statuses this connection has reported: a quiet, connected charger stays fresh,
// and one that stops sending goes stale like any source (state::ViewCharger). Unknown fields
// are ignored; missing or mistyped ones are refused with the code OCPP-J gives them. Every other
// action of OCPP 1.6 is NotSupported, anything else NotImplemented. Error codes keep OCPP-J 1.6's
// spellings (FormationViolation, OccurenceConstraintViolation).
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "model/city_model.h"
#include "model/observation.h"

namespace pg::ingest::ocpp {

enum class ErrorCode {
  kNotImplemented,
  kNotSupported,
  kInternalError,
  kProtocolError,
  kSecurityError,
  kFormationViolation,
  kPropertyConstraintViolation,
  kOccurenceConstraintViolation,
  kTypeConstraintViolation,
  kGenericError,
};
std::string_view Name(ErrorCode code);

// A CALL from the charge point: [2, "<unique id>", "<action>", {payload}].
struct Call {
  std::string unique_id;
  std::string action;
  nlohmann::json payload;
};

// A CALLERROR to send: [4, "<unique id>", "<code>", "<description>", {}]. unique_id "-1" when
// the frame had none that could be read.
struct CallError {
  std::string unique_id;
  ErrorCode code = ErrorCode::kGenericError;
  std::string description;
};

// A CALLRESULT or CALLERROR from the charge point: an answer to a call of ours (parkguide sends
// none), dropped.
struct Ignored {};

std::variant<Call, CallError, Ignored> ParseFrame(std::string_view text);

std::string CallResultFrame(std::string_view unique_id, const nlohmann::json& payload);
std::string CallErrorFrame(const CallError& error);

struct Reply {
  nlohmann::json payload;  // the .conf object, sent now
};
struct Observe {
  std::vector<model::Observation> observations;  // to submit
  nlohmann::json payload;                        // the .conf object, sent once they are durable
};
using Outcome = std::variant<Reply, Observe, CallError>;

struct SessionOptions {
  // BootNotification.conf's interval: how often the charger sends Heartbeat.
  std::chrono::seconds heartbeat_interval{300};
  // The source the observations are written as (the connection's credentials).
  model::SourceId source;
};

class ChargePointSession {
 public:
  // REQUIRES: `charger` and `clock` outlive the session.
  ChargePointSession(const model::Charger& charger, const Clock& clock, SessionOptions options);

  Outcome Handle(const Call& call);

  bool booted() const { return booted_; }
  // What the last BootNotification said (vendor, model, serial, firmware), for the log.
  const nlohmann::json& boot_info() const { return boot_info_; }

 private:
  Outcome Boot(const Call& call);
  Outcome Status(const Call& call);
  Outcome Meter(const Call& call);
  Outcome Heartbeat();

  const model::Charger& charger_;
  const Clock& clock_;
  SessionOptions options_;
  bool booted_ = false;
  nlohmann::json boot_info_ = nlohmann::json::object();
  std::map<int, model::ChargerStatus> reported_;  // by connector, on this connection
};

// UTC with a Z, milliseconds when not zero: the only form OCPP's schemas and strict clients take.
std::string OcppTime(Timestamp t);

}  // namespace pg::ingest::ocpp
