#include "signs/controller_messages.h"

#include <fmt/format.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "model/model_json.h"
#include "signs/sign_service.h"

namespace pg::signs {

using nlohmann::json;

Result<SignAck> ParseSignAck(std::string_view text) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::optional<int64_t> seq;
  if (body.is_object() && body.contains("seq")) {
    seq = model::WholeNumberIn(body["seq"], 1, std::numeric_limits<int64_t>::max());
  }
  if (!seq) {
    return InvalidArgument("the seq of the content shown is required, a whole number from 1",
                           "seq");
  }
  SignAck ack;
  ack.seq = *seq;
  if (body.contains("controller") && body["controller"].is_string()) {
    ack.controller = body["controller"].get<std::string>();
  }
  return ack;
}

Result<ControllerHeartbeat> ParseControllerHeartbeat(std::string_view text) {
  json body = json::parse(text.empty() ? "{}" : text, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return InvalidArgument("must be a JSON object", "body");
  ControllerHeartbeat heartbeat;
  auto it = body.find("faults");
  if (it == body.end() || it->is_null()) return heartbeat;
  if (!it->is_array()) return InvalidArgument("must be an array of texts", "faults");
  if (it->size() > kMaxControllerFaults) {
    return InvalidArgument(
        fmt::format("at most {} faults (it has {})", kMaxControllerFaults, it->size()), "faults");
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& f = (*it)[i];
    if (!f.is_string()) return InvalidArgument("must be a text", fmt::format("faults[{}]", i));
    heartbeat.faults.push_back(f.get<std::string>());
  }
  PG_RETURN_IF_ERROR(CheckControllerFaults(heartbeat.faults));
  return heartbeat;
}

std::vector<std::string> FaultsKeptCut(std::string_view text) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> faults;
  if (!body.is_object() || !body.contains("faults") || !body["faults"].is_array()) return faults;
  for (const auto& f : body["faults"]) {
    if (faults.size() == kMaxControllerFaults) break;
    if (f.is_string()) faults.push_back(f.get<std::string>());
  }
  return BoundControllerFaults(std::move(faults));
}

}  // namespace pg::signs
