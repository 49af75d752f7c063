#include "signs/controller_sim.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace pg::signs {

using nlohmann::json;

ReferenceController::ReferenceController(std::string controller_id)
    : id_(std::move(controller_id)) {}

Result<std::optional<std::string>> ReferenceController::OnContent(std::string_view sign,
                                                                  std::string_view payload,
                                                                  Timestamp now) {
  json j = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return InvalidArgument("not a JSON object", "payload");
  if (!j.contains("sign") || !j["sign"].is_string() || j["sign"].get<std::string>() != sign) {
    return InvalidArgument(fmt::format("not a content for sign '{}'", sign), "sign");
  }
  if (!j.contains("seq") || !j["seq"].is_number_integer() || j["seq"].get<int64_t>() <= 0) {
    return InvalidArgument("needs a positive seq", "seq");
  }
  int64_t seq = j["seq"].get<int64_t>();
  PG_ASSIGN_OR_RETURN(SignContent content, SignContentFromJson(j));
  // Whatever arrives is the newest: MQTT keeps one publisher's messages on a topic in order and
  // a reconnect delivers the retained (last) one. A lower seq than shown means the server's
  // history was restored from a backup — the content is still the one to show.
  Shown& shown = shown_[std::string(sign)];
  if (shown.seq != seq) shown.since = now;
  shown.seq = seq;
  shown.content = std::move(content);
  json ack{{"seq", seq}, {"controller", id_}, {"time", FormatRfc3339Utc(now)}};
  return std::optional<std::string>(ack.dump());
}

std::string ReferenceController::HeartbeatPayload(Timestamp now) const {
  return json{
      {"controller", id_}, {"time", FormatRfc3339Utc(now)}, {"signs", signs()}, {"faults", faults_}}
      .dump();
}

std::optional<ReferenceController::Shown> ReferenceController::Showing(
    std::string_view sign) const {
  auto it = shown_.find(sign);
  if (it == shown_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ReferenceController::signs() const {
  std::vector<std::string> out;
  for (const auto& [sign, shown] : shown_) out.push_back(sign);
  return out;
}

LoopbackPublisher::LoopbackPublisher(SignService& service) : service_(service) {}

void LoopbackPublisher::AddController(const std::string& controller_id) {
  std::lock_guard lock(mutex_);
  auto& e = controllers_[controller_id];
  if (!e.controller) e.controller = std::make_unique<ReferenceController>(controller_id);
}

void LoopbackPublisher::Deliver(Entry& entry, const SignMessage& message) {
  auto ack = entry.controller->OnContent(message.sign.str(), message.payload, clock_->Now());
  if (ack.ok() && *ack) {
    // Acknowledged with the seq the controller now shows.
    service_.OnAck(message.sign, message.seq, clock_->Now());
  }
}

Status LoopbackPublisher::Publish(const SignMessage& message) {
  std::lock_guard lock(mutex_);
  auto it = controllers_.find(message.controller_id);
  if (it == controllers_.end()) return Status::Ok();
  Entry& e = it->second;
  e.retained[message.sign.str()] = message;
  if (!e.silent) Deliver(e, message);
  return Status::Ok();
}

void LoopbackPublisher::Silence(const std::string& controller_id, bool silent) {
  std::lock_guard lock(mutex_);
  auto it = controllers_.find(controller_id);
  if (it == controllers_.end()) return;
  Entry& e = it->second;
  bool was_silent = e.silent;
  e.silent = silent;
  if (was_silent && !silent) {
    for (const auto& [sign, message] : e.retained) Deliver(e, message);
  }
}

void LoopbackPublisher::SetFaults(const std::string& controller_id,
                                  std::vector<std::string> faults) {
  std::lock_guard lock(mutex_);
  auto it = controllers_.find(controller_id);
  if (it != controllers_.end()) it->second.controller->SetFaults(std::move(faults));
}

void LoopbackPublisher::Heartbeat(Timestamp now) { HeartbeatOf(nullptr, now); }

void LoopbackPublisher::HeartbeatFrom(const std::string& controller_id, Timestamp now) {
  HeartbeatOf(&controller_id, now);
}

void LoopbackPublisher::HeartbeatOf(const std::string* only, Timestamp now) {
  std::vector<std::pair<std::string, std::vector<std::string>>> beats;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, e] : controllers_) {
      if (e.silent || (only && id != *only)) continue;
      json hb = json::parse(e.controller->HeartbeatPayload(now));
      beats.emplace_back(id, hb["faults"].get<std::vector<std::string>>());
    }
  }
  for (auto& [id, faults] : beats) service_.OnHeartbeat(id, now, std::move(faults));
}

std::optional<ReferenceController::Shown> LoopbackPublisher::Showing(
    const std::string& controller_id, std::string_view sign) const {
  std::lock_guard lock(mutex_);
  auto it = controllers_.find(controller_id);
  if (it == controllers_.end()) return std::nullopt;
  return it->second.controller->Showing(sign);
}

}  // namespace pg::signs
