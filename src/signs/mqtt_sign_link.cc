#include "signs/mqtt_sign_link.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/log.h"
#include "core/strings.h"
#include "core/text_bounds.h"
#include "model/validation.h"
#include "signs/controller_messages.h"

namespace pg::signs {
namespace {

using nlohmann::json;

std::string Prefix(std::string_view city) { return fmt::format("parkguide/{}/", city); }

}  // namespace

std::string SignTopic(std::string_view city, std::string_view sign) {
  return fmt::format("parkguide/{}/signs/{}", city, sign);
}
std::string AckTopic(std::string_view city, std::string_view sign) {
  return fmt::format("parkguide/{}/signs/{}/ack", city, sign);
}
std::string HeartbeatTopic(std::string_view city, std::string_view controller) {
  return fmt::format("parkguide/{}/controllers/{}/heartbeat", city, controller);
}
std::string StatusTopic(std::string_view city, std::string_view controller) {
  return fmt::format("parkguide/{}/controllers/{}/status", city, controller);
}

// --- MqttSignLink ---

MqttSignLink::MqttSignLink(std::string city, SignService& service, const Clock& clock)
    : city_(std::move(city)), service_(service), clock_(clock) {}

Result<std::unique_ptr<MqttSignLink>> MqttSignLink::Start(mqtt::Options options, std::string city,
                                                          SignService& service,
                                                          const Clock& clock) {
  std::unique_ptr<MqttSignLink> link(new MqttSignLink(std::move(city), service, clock));
  MqttSignLink* self = link.get();
  if (options.client_id.empty()) options.client_id = "parkguide-signs-" + self->city_;
  mqtt::Handlers handlers;
  handlers.on_message = [self](std::string_view topic, std::string_view payload, bool) {
    self->OnMessage(topic, payload);
  };
  // Contents published while the broker was away, or lost with a broker restarted without
  // persistence, go out again.
  handlers.on_connection = [self](bool connected) {
    if (connected) self->service_.RepublishAll();
  };
  PG_ASSIGN_OR_RETURN(link->client_, mqtt::Client::Start(std::move(options), std::move(handlers)));
  std::string prefix = Prefix(self->city_);
  PG_RETURN_IF_ERROR(link->client_->Subscribe(prefix + "signs/+/ack", 1));
  PG_RETURN_IF_ERROR(link->client_->Subscribe(prefix + "controllers/+/heartbeat", 0));
  PG_RETURN_IF_ERROR(link->client_->Subscribe(prefix + "controllers/+/status", 1));
  return link;
}

Status MqttSignLink::Publish(const SignMessage& message) {
  return client_->Publish(SignTopic(city_, message.sign.str()), message.payload, /*qos=*/1,
                          /*retain=*/true);
}

void MqttSignLink::OnMessage(std::string_view topic, std::string_view payload) {
  std::string prefix = Prefix(city_);
  if (!topic.starts_with(prefix)) return;
  auto parts = SplitString(topic.substr(prefix.size()), '/');
  if (parts.size() != 3) return;
  // A sign's or controller's id: any other segment names nothing parkguide knows.
  if (!model::ValidateId(parts[1], "topic").ok()) {
    PG_LOG_WARNING("signs: ignoring a message on a topic whose id is not an id: {}",
                   BoundedText(topic, 200));
    return;
  }
  Timestamp now = clock_.Now();
  if (parts[0] == "signs" && parts[2] == "ack") {
    auto ack = ParseSignAck(payload);
    if (!ack.ok()) {
      PG_LOG_WARNING("signs: ignoring a malformed acknowledgement on {}", topic);
      return;
    }
    model::SignId sign(parts[1]);
    // Only the sign's own controller speaks for it (the broker's ACLs should already ensure it).
    if (ack->controller) {
      auto current = service_.Current(sign);
      if (current && current->controller_id != *ack->controller) {
        PG_LOG_WARNING(
            "signs: ignoring an acknowledgement of {} from controller '{}', not its "
            "controller '{}'",
            sign.str(), *ack->controller, current->controller_id);
        return;
      }
    }
    service_.OnAck(sign, ack->seq, now);
  } else if (parts[0] == "controllers" && parts[2] == "heartbeat") {
    // MQTT cannot refuse: a heartbeat beyond the bounds still says the controller is alive, and
    // its faults are kept cut so the sign still shows as faulty.
    auto heartbeat = ParseControllerHeartbeat(payload);
    std::vector<std::string> faults;
    if (heartbeat.ok()) {
      faults = std::move(heartbeat->faults);
    } else {
      PG_LOG_WARNING(
          "signs: controller '{}' sent a heartbeat beyond the limits ({}); its faults "
          "are kept cut",
          parts[1], heartbeat.status().ToString());
      faults = FaultsKeptCut(payload);
    }
    service_.OnHeartbeat(std::string(parts[1]), now, std::move(faults));
  } else if (parts[0] == "controllers" && parts[2] == "status") {
    if (payload == "offline") {
      service_.OnControllerGone(std::string(parts[1]), now,
                                "its MQTT connection ended without a goodbye (last will)");
    } else if (payload == "online") {
      service_.OnHeartbeat(std::string(parts[1]), now);
    }
  }
}

// --- MqttReferenceController ---

MqttReferenceController::MqttReferenceController(Options options, ShowHandler on_show)
    : options_(std::move(options)),
      on_show_(std::move(on_show)),
      controller_(options_.controller_id) {}

Result<std::unique_ptr<MqttReferenceController>> MqttReferenceController::Start(
    Options options, ShowHandler on_show) {
  if (options.controller_id.empty()) return InvalidArgument("is required", "controller");
  if (options.signs.empty()) return InvalidArgument("name at least one sign", "sign");
  mqtt::Options broker = options.mqtt;
  if (broker.client_id.empty()) broker.client_id = "parkguide-controller-" + options.controller_id;
  broker.will =
      mqtt::Options::Will{StatusTopic(options.city, options.controller_id), "offline", true};
  std::unique_ptr<MqttReferenceController> c(
      new MqttReferenceController(std::move(options), std::move(on_show)));
  MqttReferenceController* self = c.get();
  mqtt::Handlers handlers;
  handlers.on_message = [self](std::string_view topic, std::string_view payload, bool) {
    self->OnMessage(topic, payload);
  };
  handlers.on_connection = [self](bool connected) {
    mqtt::Client* client = self->ready_.load();
    if (!connected || !client) return;
    client
        ->Publish(StatusTopic(self->options_.city, self->options_.controller_id), "online", 1, true)
        .IgnoreError();
    self->SendHeartbeat();
  };
  PG_ASSIGN_OR_RETURN(c->client_, mqtt::Client::Start(std::move(broker), std::move(handlers)));
  c->ready_ = c->client_.get();
  for (const auto& sign : self->options_.signs) {
    PG_RETURN_IF_ERROR(c->client_->Subscribe(SignTopic(self->options_.city, sign), 1));
  }
  if (c->client_->connected()) {
    c->client_
        ->Publish(StatusTopic(self->options_.city, self->options_.controller_id), "online", 1, true)
        .IgnoreError();
  }
  c->heartbeat_ = std::thread([self] {
    std::unique_lock lock(self->stop_mutex_);
    while (
        !self->stop_cv_.wait_for(lock, self->options_.heartbeat, [self] { return self->stop_; })) {
      lock.unlock();
      self->SendHeartbeat();
      lock.lock();
    }
  });
  return c;
}

MqttReferenceController::~MqttReferenceController() {
  {
    std::lock_guard lock(stop_mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  if (client_ && client_->connected()) {
    client_->Publish(StatusTopic(options_.city, options_.controller_id), "offline", 1, true)
        .IgnoreError();
  }
  ready_ = nullptr;
  client_.reset();
}

void MqttReferenceController::SendHeartbeat() {
  std::string payload;
  {
    std::lock_guard lock(mutex_);
    if (paused_) return;
    payload = controller_.HeartbeatPayload(SystemClock::Instance().Now());
  }
  if (mqtt::Client* client = ready_.load()) {
    client->Publish(HeartbeatTopic(options_.city, options_.controller_id), payload, 0, false)
        .IgnoreError();
  }
}

void MqttReferenceController::OnMessage(std::string_view topic, std::string_view payload) {
  std::string prefix = Prefix(options_.city) + "signs/";
  if (!topic.starts_with(prefix)) return;
  std::string sign(topic.substr(prefix.size()));
  if (sign.find('/') != std::string::npos) return;
  Show(sign, std::string(payload));
}

void MqttReferenceController::Show(const std::string& sign, const std::string& payload) {
  std::optional<std::string> ack;
  std::optional<ReferenceController::Shown> shown;
  {
    std::lock_guard lock(mutex_);
    latest_[sign] = payload;
    if (paused_) return;
    auto r = controller_.OnContent(sign, payload, SystemClock::Instance().Now());
    if (!r.ok()) {
      PG_LOG_WARNING("controller {}: refused a content for {}: {}", options_.controller_id, sign,
                     r.status().ToString());
      return;
    }
    ack = *r;
    shown = controller_.Showing(sign);
  }
  if (mqtt::Client* client = ready_.load(); ack && client) {
    client->Publish(AckTopic(options_.city, sign), *ack, 1, false).IgnoreError();
  }
  if (ack && shown && on_show_) on_show_(sign, *shown);
}

void MqttReferenceController::Pause(bool paused) {
  std::map<std::string, std::string> latest;
  {
    std::lock_guard lock(mutex_);
    bool resumed = paused_ && !paused;
    paused_ = paused;
    if (resumed) latest = latest_;
  }
  for (const auto& [sign, payload] : latest) Show(sign, payload);
  if (!paused) SendHeartbeat();
}

void MqttReferenceController::SetFaults(std::vector<std::string> faults) {
  std::lock_guard lock(mutex_);
  controller_.SetFaults(std::move(faults));
}

std::optional<ReferenceController::Shown> MqttReferenceController::Showing(
    const std::string& sign) const {
  std::lock_guard lock(mutex_);
  return controller_.Showing(sign);
}

}  // namespace pg::signs
