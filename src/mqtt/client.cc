#include "mqtt/client.h"

#include <fmt/format.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/log.h"
#include "core/strings.h"

namespace pg::mqtt {
namespace {

void InitLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string ErrorText(int rc) {
  return rc == MOSQ_ERR_ERRNO ? std::string(std::strerror(errno))
                              : std::string(mosquitto_strerror(rc));
}

}  // namespace

Result<std::pair<std::string, int>> ParseBrokerAddress(std::string_view text,
                                                       std::string_view field) {
  text = TrimSpace(text);
  if (text.starts_with("mqtt://")) text.remove_prefix(7);
  return ParseHostPort(text, 1883, field);
}

Client::Client(Options options, Handlers handlers)
    : options_(std::move(options)), handlers_(std::move(handlers)) {}

Result<std::unique_ptr<Client>> Client::Start(Options options, Handlers handlers) {
  InitLibrary();
  if (options.host.empty()) return InvalidArgument("no broker host", "broker");
  if (options.persistent_session && options.client_id.empty()) {
    return InvalidArgument("a persistent session needs a fixed client id", "client_id");
  }
  std::unique_ptr<Client> c(new Client(std::move(options), std::move(handlers)));
  PG_RETURN_IF_ERROR(c->Configure());
  const Options& o = c->options_;
  // A broker that is not up yet is not an error: the network thread keeps trying.
  int rc = c->Connect();
  if (rc != MOSQ_ERR_SUCCESS && o.persistent_session && rc != MOSQ_ERR_ERRNO) {
    return InvalidArgument(
        fmt::format("cannot connect to MQTT broker {}:{}: {}", o.host, o.port, ErrorText(rc)),
        "broker");
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    PG_LOG_WARNING("mqtt: {}:{} not reachable yet ({}); retrying", o.host, o.port, ErrorText(rc));
  }
  rc = mosquitto_loop_start(c->mosq_);
  if (rc != MOSQ_ERR_SUCCESS) {
    return Internal(fmt::format("mosquitto_loop_start: {}", mosquitto_strerror(rc)));
  }
  return c;
}

Status Client::Configure() {
  const Options& o = options_;
  mosq_ = mosquitto_new(o.client_id.empty() ? nullptr : o.client_id.c_str(),
                        /*clean_session=*/!o.persistent_session, this);
  if (!mosq_) return Internal("mosquitto_new failed");
  mosquitto_connect_callback_set(mosq_, &Client::OnConnect);
  mosquitto_disconnect_callback_set(mosq_, &Client::OnDisconnect);
  mosquitto_message_callback_set(mosq_, &Client::OnMessage);
  mosquitto_subscribe_callback_set(mosq_, &Client::OnSubscribe);
  mosquitto_reconnect_delay_set(mosq_, 1, 10, /*exponential=*/true);
  if (!o.username.empty()) {
    mosquitto_username_pw_set(mosq_, o.username.c_str(),
                              o.password.empty() ? nullptr : o.password.c_str());
  }
  if (o.will) {
    int rc = mosquitto_will_set(mosq_, o.will->topic.c_str(),
                                static_cast<int>(o.will->payload.size()), o.will->payload.data(),
                                /*qos=*/1, o.will->retain);
    if (rc != MOSQ_ERR_SUCCESS) {
      return InvalidArgument(fmt::format("will: {}", mosquitto_strerror(rc)), "will");
    }
  }
  return Status::Ok();
}

int Client::Connect() {
  const Options& o = options_;
  if (!o.persistent_session) {
    return mosquitto_connect_async(mosq_, o.host.c_str(), o.port, o.keepalive_s);
  }
  // libmosquitto keeps these properties for its reconnections.
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_property* properties = nullptr;
  mosquitto_property_add_int16(&properties, MQTT_PROP_RECEIVE_MAXIMUM, 65535);
  mosquitto_property_add_int32(&properties, MQTT_PROP_SESSION_EXPIRY_INTERVAL, 0xFFFFFFFF);
  int rc =
      mosquitto_connect_bind_v5(mosq_, o.host.c_str(), o.port, o.keepalive_s, nullptr, properties);
  mosquitto_property_free_all(&properties);
  return rc;
}

Client::~Client() {
  if (!mosq_) return;
  bool was_connected = connected();
  mosquitto_disconnect(mosq_);
  // A client never connected may be sleeping between attempts; it is told to stop outright.
  mosquitto_loop_stop(mosq_, /*force=*/!was_connected);
  mosquitto_destroy(mosq_);
}

void Client::OnConnect(mosquitto*, void* self, int rc) {
  auto* c = static_cast<Client*>(self);
  if (rc != 0) {
    PG_LOG_WARNING("mqtt: {}:{} refused the connection: {}", c->options_.host, c->options_.port,
                   c->options_.persistent_session ? mosquitto_reason_string(rc)
                                                  : mosquitto_connack_string(rc));
    return;
  }
  {
    std::lock_guard lock(c->mutex_);
    c->connected_ = true;
    // Subscribing again on every connect is needed when the broker lost the session, and
    // harmless when it kept it.
    for (const auto& [pattern, qos] : c->subscriptions_) c->SendSubscription(pattern, qos);
  }
  c->cv_.notify_all();
  PG_LOG_INFO("mqtt: connected to {}:{}", c->options_.host, c->options_.port);
  if (c->handlers_.on_connection) c->handlers_.on_connection(true);
}

// REQUIRES: mutex_ held (the broker's answer is matched by message id in OnSubscribe).
void Client::SendSubscription(const std::string& pattern, int qos) {
  int mid = 0;
  int rc = mosquitto_subscribe(mosq_, &mid, pattern.c_str(), qos);
  if (rc == MOSQ_ERR_SUCCESS) {
    pending_subscriptions_[mid] = pattern;
  } else if (rc != MOSQ_ERR_NO_CONN) {
    PG_LOG_WARNING("mqtt: subscribe to {}: {}", pattern, mosquitto_strerror(rc));
  }
}

void Client::OnSubscribe(mosquitto*, void* self, int mid, int qos_count, const int* granted) {
  auto* c = static_cast<Client*>(self);
  std::string pattern;
  {
    std::lock_guard lock(c->mutex_);
    auto it = c->pending_subscriptions_.find(mid);
    if (it == c->pending_subscriptions_.end()) return;
    pattern = std::move(it->second);
    c->pending_subscriptions_.erase(it);
  }
  bool ok = qos_count > 0 && granted[0] <= 2;
  if (!ok) PG_LOG_WARNING("mqtt: the broker refused the subscription to {}", pattern);
  if (c->handlers_.on_subscribed) c->handlers_.on_subscribed(pattern, ok);
}

void Client::OnDisconnect(mosquitto*, void* self, int rc) {
  auto* c = static_cast<Client*>(self);
  {
    std::lock_guard lock(c->mutex_);
    c->connected_ = false;
    c->pending_subscriptions_.clear();
  }
  c->cv_.notify_all();
  if (rc != 0) {
    PG_LOG_WARNING("mqtt: lost {}:{} ({}); reconnecting", c->options_.host, c->options_.port,
                   mosquitto_strerror(rc));
  }
  if (c->handlers_.on_connection) c->handlers_.on_connection(false);
}

void Client::OnMessage(mosquitto*, void* self, const mosquitto_message* message) {
  auto* c = static_cast<Client*>(self);
  if (!c->handlers_.on_message || !message->topic) return;
  std::string_view payload(static_cast<const char*>(message->payload),
                           message->payload ? static_cast<size_t>(message->payloadlen) : 0);
  c->handlers_.on_message(message->topic, payload, message->retain);
}

Status Client::Subscribe(std::string pattern, int qos) {
  if (mosquitto_sub_topic_check(pattern.c_str()) != MOSQ_ERR_SUCCESS) {
    return InvalidArgument(fmt::format("'{}' is not a topic filter", pattern), "topic");
  }
  std::lock_guard lock(mutex_);
  subscriptions_.emplace_back(pattern, qos);
  if (connected_) SendSubscription(pattern, qos);
  return Status::Ok();
}

Status Client::Publish(std::string_view topic, std::string_view payload, int qos, bool retain) {
  std::string t(topic);
  int rc = mosquitto_publish(mosq_, nullptr, t.c_str(), static_cast<int>(payload.size()),
                             payload.data(), qos, retain);
  switch (rc) {
    case MOSQ_ERR_SUCCESS:
      return Status::Ok();
    case MOSQ_ERR_NO_CONN:
    case MOSQ_ERR_CONN_LOST:
    case MOSQ_ERR_OVERSIZE_PACKET:
    case MOSQ_ERR_NOMEM:
      return Unavailable(fmt::format("publish to '{}': {}", t, mosquitto_strerror(rc)));
    default:
      return InvalidArgument(fmt::format("publish to '{}': {}", t, mosquitto_strerror(rc)),
                             "topic");
  }
}

bool Client::connected() const {
  std::lock_guard lock(mutex_);
  return connected_;
}

bool Client::WaitConnected(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [this] { return connected_; });
}

void Client::DropConnectionForTest() {
  int fd = mosquitto_socket(mosq_);
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

}  // namespace pg::mqtt
