#include "ingest/mqtt/mqtt_subscriber.h"

#include <fmt/format.h>
#include <mosquitto.h>

#include "core/log.h"

namespace pg::ingest {
namespace {

void InitLibrary() {
  static const int rc = mosquitto_lib_init();
  (void)rc;
}

}  // namespace

MqttSubscriber::MqttSubscriber(MqttOptions options, IngestService& service, store::Store& store,
                               const Clock& clock)
    : options_(std::move(options)),
      service_(service),
      store_(store),
      clock_(clock),
      topic_prefix_(fmt::format("parkguide/{}/obs/", options_.city)),
      topic_filter_(topic_prefix_ + "+") {}

MqttSubscriber::~MqttSubscriber() { Stop(); }

Status MqttSubscriber::Start() {
  if (options_.city.empty()) return InvalidArgument("the city id is required", "city");
  InitLibrary();
  std::string client_id =
      options_.client_id.empty() ? "parkguide-" + options_.city : options_.client_id;
  // A persistent session: the broker keeps our subscription and queues QoS 1 messages.
  mosq_ = mosquitto_new(client_id.c_str(), /*clean_session=*/false, this);
  if (!mosq_) return Internal("mosquitto_new failed");
  if (!options_.username.empty()) {
    mosquitto_username_pw_set(mosq_, options_.username.c_str(),
                              options_.password.empty() ? nullptr : options_.password.c_str());
  }
  mosquitto_connect_callback_set(mosq_, &MqttSubscriber::OnConnect);
  mosquitto_disconnect_callback_set(mosq_, &MqttSubscriber::OnDisconnect);
  mosquitto_message_callback_set(mosq_, &MqttSubscriber::OnMessage);
  mosquitto_subscribe_callback_set(mosq_, &MqttSubscriber::OnSubscribe);
  mosquitto_reconnect_delay_set(mosq_, 1, 10, true);
  int rc =
      mosquitto_connect_async(mosq_, options_.host.c_str(), options_.port, options_.keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) {
    return InvalidArgument(fmt::format("cannot connect to MQTT broker {}:{}: {}", options_.host,
                                       options_.port, mosquitto_strerror(rc)),
                           "mqtt");
  }
  if (rc == MOSQ_ERR_ERRNO) {
    PG_LOG_WARNING("mqtt: broker {}:{} not reachable yet; retrying", options_.host, options_.port);
  }
  rc = mosquitto_loop_start(mosq_);
  if (rc != MOSQ_ERR_SUCCESS) return Internal(fmt::format("mosquitto_loop_start: {}", rc));
  started_ = true;
  PG_LOG_INFO("mqtt: subscribing to {} on {}:{}", topic_filter_, options_.host, options_.port);
  return Status::Ok();
}

void MqttSubscriber::Stop() {
  if (!mosq_) return;
  if (started_) {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, /*force=*/false);
    started_ = false;
  }
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return in_flight_ == 0; });
  }
  mosquitto_destroy(mosq_);
  mosq_ = nullptr;
}

MqttStats MqttSubscriber::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void MqttSubscriber::OnConnect(mosquitto* mosq, void* self_ptr, int rc) {
  auto* self = static_cast<MqttSubscriber*>(self_ptr);
  if (rc != 0) {
    PG_LOG_WARNING("mqtt: connection refused: {}", mosquitto_connack_string(rc));
    return;
  }
  {
    std::lock_guard lock(self->mu_);
    ++self->stats_.connects;
    self->stats_.connected = true;
  }
  // Subscribing again on every connect is harmless with a persistent session and needed
  // when the broker lost it.
  int sub = mosquitto_subscribe(mosq, nullptr, self->topic_filter_.c_str(), 1);
  if (sub != MOSQ_ERR_SUCCESS) PG_LOG_WARNING("mqtt: subscribe: {}", mosquitto_strerror(sub));
  PG_LOG_INFO("mqtt: connected");
}

void MqttSubscriber::OnSubscribe(mosquitto*, void* self_ptr, int, int qos_count,
                                 const int* granted_qos) {
  auto* self = static_cast<MqttSubscriber*>(self_ptr);
  bool ok = qos_count > 0 && granted_qos[0] <= 2;
  if (!ok) PG_LOG_WARNING("mqtt: the broker refused the subscription to {}", self->topic_filter_);
  std::lock_guard lock(self->mu_);
  self->stats_.subscribed = ok;
}

void MqttSubscriber::OnDisconnect(mosquitto*, void* self_ptr, int rc) {
  auto* self = static_cast<MqttSubscriber*>(self_ptr);
  {
    std::lock_guard lock(self->mu_);
    self->stats_.connected = false;
    self->stats_.subscribed = false;
  }
  if (rc != 0) PG_LOG_WARNING("mqtt: disconnected ({}); reconnecting", mosquitto_strerror(rc));
}

void MqttSubscriber::OnMessage(mosquitto*, void* self_ptr, const mosquitto_message* message) {
  static_cast<MqttSubscriber*>(self_ptr)->Handle(*message);
}

void MqttSubscriber::DeadLetter(const std::string& topic, const std::string& source,
                                const std::string& reason, std::string_view payload) {
  store::DeadLetter d;
  d.received = clock_.Now();
  d.channel = "mqtt";
  d.topic = topic;
  d.source = source;
  d.reason = reason;
  d.payload = std::string(payload);
  if (Status s = store_.AppendDeadLetter(d); !s.ok()) {
    PG_LOG_WARNING("mqtt: cannot keep a dead letter: {}", s.ToString());
  }
  std::lock_guard lock(mu_);
  ++stats_.dead_letters;
}

void MqttSubscriber::Handle(const mosquitto_message& message) {
  std::string topic = message.topic ? message.topic : "";
  std::string_view payload(static_cast<const char*>(message.payload),
                           static_cast<size_t>(std::max(0, message.payloadlen)));
  {
    std::lock_guard lock(mu_);
    ++stats_.received;
  }
  if (!topic.starts_with(topic_prefix_) || topic.size() == topic_prefix_.size() ||
      topic.find('/', topic_prefix_.size()) != std::string::npos) {
    return DeadLetter(topic, "", fmt::format("topic is not {}<source>", topic_prefix_), payload);
  }
  std::string source = topic.substr(topic_prefix_.size());
  {
    // Backpressure: the network thread waits rather than queue without bound.
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return in_flight_ < options_.max_in_flight; });
    ++in_flight_;
  }
  service_.SubmitMessage(
      source, payload, journal::Channel::kMqtt,
      [this, topic, source, payload = std::string(payload)](IngestResult r) {
        if (!r.status.ok()) {
          std::string reason = r.status.message();
          for (size_t i = 0; i < r.items.size() && i < 20; ++i) {
            reason += fmt::format("; {}: {}", r.items[i].Name(), r.items[i].reason);
          }
          if (r.items.size() > 20) reason += fmt::format("; … {} more", r.items.size() - 20);
          DeadLetter(topic, source, reason, payload);
        }
        std::lock_guard lock(mu_);
        if (r.status.ok()) ++stats_.accepted;
        --in_flight_;
        cv_.notify_all();
      },
      options_.trust_topic_source);
}

}  // namespace pg::ingest
