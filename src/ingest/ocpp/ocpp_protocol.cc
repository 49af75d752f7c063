#include "ingest/ocpp/ocpp_protocol.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/vocabulary.h"

namespace pg::ingest::ocpp {
namespace {

using nlohmann::json;

constexpr size_t kMaxUniqueIdChars = 36;

constexpr std::string_view kErrorCodes[] = {"ConnectorLockFailure",
                                            "EVCommunicationError",
                                            "GroundFailure",
                                            "HighTemperature",
                                            "InternalError",
                                            "LocalListConflict",
                                            "NoError",
                                            "OtherError",
                                            "OverCurrentFailure",
                                            "PowerMeterFailure",
                                            "PowerSwitchFailure",
                                            "ReaderFailure",
                                            "ResetFailure",
                                            "UnderVoltage",
                                            "OverVoltage",
                                            "WeakSignal"};

// OCPP 1.6 actions a charge point may send that parkguide does not take (transactions,
// authorisation, firmware): known, so NotSupported rather than NotImplemented.
constexpr std::string_view kUnsupported[] = {"Authorize",
                                             "DataTransfer",
                                             "DiagnosticsStatusNotification",
                                             "FirmwareStatusNotification",
                                             "StartTransaction",
                                             "StopTransaction"};

// A field check's failure, turned into the CallError of the call being handled.
struct FieldError {
  ErrorCode code;
  std::string description;
};

std::optional<FieldError> Missing(const json& payload, std::string_view field) {
  if (payload.contains(field)) return std::nullopt;
  return FieldError{ErrorCode::kOccurenceConstraintViolation, fmt::format("{} is required", field)};
}

// A required (or, with `optional`, possibly absent) string of at most `max_chars`.
std::optional<FieldError> CheckString(const json& payload, std::string_view field, size_t max_chars,
                                      bool optional = false) {
  if (!payload.contains(field)) return optional ? std::nullopt : Missing(payload, field);
  const json& v = payload[std::string(field)];
  if (!v.is_string()) {
    return FieldError{ErrorCode::kTypeConstraintViolation,
                      fmt::format("{} must be a string", field)};
  }
  if (v.get_ref<const std::string&>().size() > max_chars) {
    return FieldError{ErrorCode::kPropertyConstraintViolation,
                      fmt::format("{} is longer than {} characters", field, max_chars)};
  }
  return std::nullopt;
}

std::optional<FieldError> CheckInteger(const json& payload, std::string_view field, int64_t min,
                                       int64_t max) {
  if (auto missing = Missing(payload, field)) return missing;
  const json& v = payload[std::string(field)];
  if (!v.is_number_integer()) {
    return FieldError{ErrorCode::kTypeConstraintViolation,
                      fmt::format("{} must be an integer", field)};
  }
  const int64_t n = v.get<int64_t>();
  if (n < min || n > max) {
    return FieldError{ErrorCode::kPropertyConstraintViolation,
                      fmt::format("{} {} is not in {}..{}", field, n, min, max)};
  }
  return std::nullopt;
}

Result<Timestamp> CheckTime(const json& v, std::string_view field) {
  if (!v.is_string()) return InvalidArgument("must be a date-time string", std::string(field));
  return ParseRfc3339(v.get_ref<const std::string&>());
}

CallError ErrorOf(const Call& call, const FieldError& e) {
  return {call.unique_id, e.code, call.action + ": " + e.description};
}

int MaxConnector(const model::Charger& c) {
  int max = 0;
  for (const model::Connector& k : c.connectors) max = std::max(max, k.id);
  return max;
}

}  // namespace

std::string_view Name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotImplemented:
      return "NotImplemented";
    case ErrorCode::kNotSupported:
      return "NotSupported";
    case ErrorCode::kInternalError:
      return "InternalError";
    case ErrorCode::kProtocolError:
      return "ProtocolError";
    case ErrorCode::kSecurityError:
      return "SecurityError";
    case ErrorCode::kFormationViolation:
      return "FormationViolation";
    case ErrorCode::kPropertyConstraintViolation:
      return "PropertyConstraintViolation";
    case ErrorCode::kOccurenceConstraintViolation:
      return "OccurenceConstraintViolation";
    case ErrorCode::kTypeConstraintViolation:
      return "TypeConstraintViolation";
    case ErrorCode::kGenericError:
      return "GenericError";
  }
  return "GenericError";
}

std::string OcppTime(Timestamp t) { return FormatRfc3339Utc(t); }

std::variant<Call, CallError, Ignored> ParseFrame(std::string_view text) {
  const json frame = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!frame.is_array() || frame.empty() || !frame[0].is_number_integer()) {
    return CallError{"-1", ErrorCode::kFormationViolation,
                     "a frame is a JSON array starting with the message type"};
  }
  const int64_t type = frame[0].get<int64_t>();
  if (type == 3 || type == 4) return Ignored{};
  std::string id = "-1";
  if (frame.size() > 1 && frame[1].is_string() &&
      frame[1].get_ref<const std::string&>().size() <= kMaxUniqueIdChars &&
      !frame[1].get_ref<const std::string&>().empty()) {
    id = frame[1].get<std::string>();
  }
  if (type != 2) {
    return CallError{id, ErrorCode::kProtocolError, fmt::format("unknown message type {}", type)};
  }
  if (id == "-1") {
    return CallError{
        id, ErrorCode::kProtocolError,
        fmt::format("the unique id must be a string of 1 to {} characters", kMaxUniqueIdChars)};
  }
  if (frame.size() != 4 || !frame[2].is_string()) {
    return CallError{id, ErrorCode::kProtocolError, "a CALL is [2, id, action, payload]"};
  }
  if (!frame[3].is_object()) {
    return CallError{id, ErrorCode::kFormationViolation, "the payload must be a JSON object"};
  }
  return Call{std::move(id), frame[2].get<std::string>(), frame[3]};
}

std::string CallResultFrame(std::string_view unique_id, const json& payload) {
  return json::array({3, unique_id, payload}).dump();
}

std::string CallErrorFrame(const CallError& error) {
  return json::array({4, error.unique_id, Name(error.code), error.description, json::object()})
      .dump();
}

ChargePointSession::ChargePointSession(const model::Charger& charger, const Clock& clock,
                                       SessionOptions options)
    : charger_(charger), clock_(clock), options_(std::move(options)) {}

Outcome ChargePointSession::Handle(const Call& call) {
  if (call.action == "BootNotification") return Boot(call);
  if (call.action == "Heartbeat") return Heartbeat();
  if (call.action == "StatusNotification") return Status(call);
  if (call.action == "MeterValues") return Meter(call);
  if (std::find(std::begin(kUnsupported), std::end(kUnsupported), call.action) !=
      std::end(kUnsupported)) {
    return CallError{call.unique_id, ErrorCode::kNotSupported,
                     call.action + " is not supported by this central system"};
  }
  return CallError{call.unique_id, ErrorCode::kNotImplemented,
                   "unknown action '" + call.action.substr(0, 64) + "'"};
}

Outcome ChargePointSession::Boot(const Call& call) {
  for (auto [field, max] :
       {std::pair{"chargePointVendor", 20}, std::pair{"chargePointModel", 20}}) {
    if (auto e = CheckString(call.payload, field, max)) return ErrorOf(call, *e);
  }
  for (auto [field, max] :
       {std::pair{"chargePointSerialNumber", 25}, std::pair{"chargeBoxSerialNumber", 25},
        std::pair{"firmwareVersion", 50}, std::pair{"iccid", 20}, std::pair{"imsi", 20},
        std::pair{"meterType", 25}, std::pair{"meterSerialNumber", 25}}) {
    if (auto e = CheckString(call.payload, field, max, /*optional=*/true)) return ErrorOf(call, *e);
  }
  booted_ = true;
  boot_info_ = call.payload;
  return Reply{{{"status", "Accepted"},
                {"currentTime", OcppTime(clock_.Now())},
                {"interval", options_.heartbeat_interval.count()}}};
}

Outcome ChargePointSession::Heartbeat() {
  const Timestamp now = clock_.Now();
  Observe out{{}, {{"currentTime", OcppTime(now)}}};
  for (const auto& [connector, status] : reported_) {
    model::Observation o;
    o.type = model::ObservationType::kCharger;
    o.source = options_.source;
    o.time = now;
    o.target = charger_.id.str();
    o.connector = connector;
    o.charger_status = status;
    out.observations.push_back(std::move(o));
  }
  if (out.observations.empty()) return Reply{std::move(out.payload)};
  return out;
}

Outcome ChargePointSession::Status(const Call& call) {
  const json& p = call.payload;
  if (auto e = CheckInteger(p, "connectorId", 0, MaxConnector(charger_))) {
    if (e->code == ErrorCode::kPropertyConstraintViolation) {
      e->description += fmt::format(" (charger {} has connectors 1..{})", charger_.id.str(),
                                    MaxConnector(charger_));
    }
    return ErrorOf(call, *e);
  }
  for (const char* field : {"errorCode", "status"}) {
    if (auto e = CheckString(p, field, 50)) return ErrorOf(call, *e);
  }
  const std::string& error_code = p["errorCode"].get_ref<const std::string&>();
  if (std::find(std::begin(kErrorCodes), std::end(kErrorCodes), error_code) ==
      std::end(kErrorCodes)) {
    return ErrorOf(call, {ErrorCode::kPropertyConstraintViolation,
                          fmt::format("errorCode '{}' is not an OCPP 1.6 error code", error_code)});
  }
  auto status = model::Parse<model::ChargerStatus>(p["status"].get<std::string>());
  if (!status) {
    return ErrorOf(call, {ErrorCode::kPropertyConstraintViolation,
                          fmt::format("status is not one of: {}",
                                      model::AllowedNames<model::ChargerStatus>())});
  }
  for (auto [field, max] :
       {std::pair{"info", 50}, std::pair{"vendorId", 255}, std::pair{"vendorErrorCode", 50}}) {
    if (auto e = CheckString(p, field, max, /*optional=*/true)) return ErrorOf(call, *e);
  }
  Timestamp time = clock_.Now();
  if (p.contains("timestamp")) {
    auto t = CheckTime(p["timestamp"], "timestamp");
    if (!t.ok())
      return ErrorOf(call, {ErrorCode::kPropertyConstraintViolation, t.status().message()});
    time = *t;
  }
  model::Observation o;
  o.type = model::ObservationType::kCharger;
  o.source = options_.source;
  o.time = time;
  o.target = charger_.id.str();
  o.connector = p["connectorId"].get<int>();
  o.charger_status = *status;
  reported_[o.connector] = *status;
  return Observe{{std::move(o)}, json::object()};
}

Outcome ChargePointSession::Meter(const Call& call) {
  const json& p = call.payload;
  if (auto e = CheckInteger(p, "connectorId", 0, MaxConnector(charger_))) return ErrorOf(call, *e);
  if (auto e = Missing(p, "meterValue")) return ErrorOf(call, *e);
  if (!p["meterValue"].is_array()) {
    return ErrorOf(call, {ErrorCode::kTypeConstraintViolation, "meterValue must be an array"});
  }
  for (const json& value : p["meterValue"]) {
    if (!value.is_object() || !value.contains("timestamp") || !value.contains("sampledValue")) {
      return ErrorOf(call, {ErrorCode::kOccurenceConstraintViolation,
                            "each meterValue needs timestamp and sampledValue"});
    }
    if (auto t = CheckTime(value["timestamp"], "timestamp"); !t.ok()) {
      return ErrorOf(call, {ErrorCode::kPropertyConstraintViolation,
                            "meterValue.timestamp: " + std::string(t.status().message())});
    }
    if (!value["sampledValue"].is_array()) {
      return ErrorOf(call, {ErrorCode::kTypeConstraintViolation, "sampledValue must be an array"});
    }
    for (const json& sample : value["sampledValue"]) {
      if (!sample.is_object() || !sample.contains("value") || !sample["value"].is_string()) {
        return ErrorOf(
            call, {ErrorCode::kTypeConstraintViolation, "each sampledValue needs a string value"});
      }
    }
  }
  return Reply{json::object()};
}

}  // namespace pg::ingest::ocpp
