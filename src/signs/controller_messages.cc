#include "signs/controller_messages.h"

#include <nlohmann/json.hpp>

namespace pg::signs {

using nlohmann::json;

Result<SignAck> ParseSignAck(std::string_view text) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("seq") || !body["seq"].is_number_integer()) {
    return InvalidArgument("the seq of the content shown is required", "seq");
  }
  SignAck ack;
  ack.seq = body["seq"].get<int64_t>();
  if (body.contains("controller") && body["controller"].is_string()) {
    ack.controller = body["controller"].get<std::string>();
  }
  return ack;
}

Result<ControllerHeartbeat> ParseControllerHeartbeat(std::string_view text) {
  json body = json::parse(text.empty() ? "{}" : text, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return InvalidArgument("must be a JSON object", "body");
  ControllerHeartbeat heartbeat;
  if (body.contains("faults")) {
    if (!body["faults"].is_array()) return InvalidArgument("must be an array of texts", "faults");
    for (const auto& f : body["faults"]) {
      if (f.is_string()) heartbeat.faults.push_back(f.get<std::string>());
    }
  }
  return heartbeat;
}

}  // namespace pg::signs
