#include "signs/mqtt_client.h"

#include <fmt/format.h>
#include <mosquitto.h>
#include <sys/socket.h>

#include "core/log.h"
#include "core/strings.h"

namespace pg::signs {
namespace {

void InitLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

}  // namespace

Result<std::pair<std::string, int>> ParseBrokerAddress(std::string_view text) {
  text = TrimSpace(text);
  if (text.starts_with("mqtt://")) text.remove_prefix(7);
  size_t colon = text.rfind(':');
  std::string host(text.substr(0, colon));
  int port = 1883;
  if (colon != std::string_view::npos) {
    auto p = ParseInt(text.substr(colon + 1));
    if (!p || *p < 1 || *p > 65535) {
      return InvalidArgument(fmt::format("'{}' is not HOST[:PORT]", text), "broker");
    }
    port = static_cast<int>(*p);
  }
  if (host.empty()) return InvalidArgument(fmt::format("'{}' names no host", text), "broker");
  return std::pair{host, port};
}

MqttClient::MqttClient(MqttOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<MqttClient>> MqttClient::Start(MqttOptions options,
                                                      MessageHandler on_message,
                                                      ConnectionHandler on_connection) {
  InitLibrary();
  if (options.host.empty()) return InvalidArgument("no broker host", "broker");
  std::unique_ptr<MqttClient> c(new MqttClient(std::move(options)));
  c->on_message_ = std::move(on_message);
  c->on_connection_ = std::move(on_connection);
  const MqttOptions& o = c->options_;
  c->mosq_ = mosquitto_new(o.client_id.empty() ? nullptr : o.client_id.c_str(),
                           /*clean_session=*/true, c.get());
  if (!c->mosq_) return Internal("mosquitto_new failed");
  mosquitto_connect_callback_set(c->mosq_, &MqttClient::OnConnect);
  mosquitto_disconnect_callback_set(c->mosq_, &MqttClient::OnDisconnect);
  mosquitto_message_callback_set(c->mosq_, &MqttClient::OnMessage);
  mosquitto_reconnect_delay_set(c->mosq_, 1, 10, /*exponential=*/true);
  if (!o.username.empty()) {
    mosquitto_username_pw_set(c->mosq_, o.username.c_str(),
                              o.password.empty() ? nullptr : o.password.c_str());
  }
  if (o.will) {
    int rc = mosquitto_will_set(c->mosq_, o.will->topic.c_str(),
                                static_cast<int>(o.will->payload.size()), o.will->payload.data(),
                                /*qos=*/1, o.will->retain);
    if (rc != MOSQ_ERR_SUCCESS) {
      return InvalidArgument(fmt::format("will: {}", mosquitto_strerror(rc)), "will");
    }
  }
  // A broker that is not up yet is not an error: the network thread keeps trying.
  int rc = mosquitto_connect_async(c->mosq_, o.host.c_str(), o.port, o.keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS) {
    PG_LOG_WARNING(
        "mqtt: {}:{} not reachable yet ({}); retrying", o.host, o.port,
        rc == MOSQ_ERR_ERRNO ? std::string(strerror(errno)) : std::string(mosquitto_strerror(rc)));
  }
  rc = mosquitto_loop_start(c->mosq_);
  if (rc != MOSQ_ERR_SUCCESS) {
    return Internal(fmt::format("mosquitto_loop_start: {}", mosquitto_strerror(rc)));
  }
  return c;
}

MqttClient::~MqttClient() {
  if (!mosq_) return;
  bool was_connected = connected();
  mosquitto_disconnect(mosq_);
  // A client never connected may be sleeping between attempts; it is told to stop outright.
  mosquitto_loop_stop(mosq_, /*force=*/!was_connected);
  mosquitto_destroy(mosq_);
}

void MqttClient::OnConnect(mosquitto* m, void* self, int rc) {
  auto* c = static_cast<MqttClient*>(self);
  if (rc != 0) {
    PG_LOG_WARNING("mqtt: {}:{} refused the connection: {}", c->options_.host, c->options_.port,
                   mosquitto_connack_string(rc));
    return;
  }
  std::vector<std::pair<std::string, int>> subscriptions;
  {
    std::lock_guard lock(c->mutex_);
    c->connected_ = true;
    subscriptions = c->subscriptions_;
  }
  for (const auto& [pattern, qos] : subscriptions) {
    mosquitto_subscribe(m, nullptr, pattern.c_str(), qos);
  }
  c->cv_.notify_all();
  PG_LOG_INFO("mqtt: connected to {}:{}", c->options_.host, c->options_.port);
  if (c->on_connection_) c->on_connection_(true);
}

void MqttClient::OnDisconnect(mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttClient*>(self);
  {
    std::lock_guard lock(c->mutex_);
    c->connected_ = false;
  }
  c->cv_.notify_all();
  if (rc != 0) {
    PG_LOG_WARNING("mqtt: lost {}:{}; reconnecting", c->options_.host, c->options_.port);
  }
  if (c->on_connection_) c->on_connection_(false);
}

void MqttClient::OnMessage(mosquitto*, void* self, const mosquitto_message* message) {
  auto* c = static_cast<MqttClient*>(self);
  if (!c->on_message_ || !message->topic) return;
  std::string_view payload(static_cast<const char*>(message->payload),
                           message->payload ? static_cast<size_t>(message->payloadlen) : 0);
  c->on_message_(message->topic, payload, message->retain);
}

Status MqttClient::Subscribe(std::string pattern, int qos) {
  bool now = false;
  {
    std::lock_guard lock(mutex_);
    subscriptions_.emplace_back(pattern, qos);
    now = connected_;
  }
  if (now) {
    int rc = mosquitto_subscribe(mosq_, nullptr, pattern.c_str(), qos);
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
      return InvalidArgument(fmt::format("subscribe '{}': {}", pattern, mosquitto_strerror(rc)),
                             "topic");
    }
  }
  return Status::Ok();
}

Status MqttClient::Publish(std::string_view topic, std::string_view payload, int qos, bool retain) {
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

bool MqttClient::connected() const {
  std::lock_guard lock(mutex_);
  return connected_;
}

bool MqttClient::WaitConnected(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [this] { return connected_; });
}

void MqttClient::DropConnectionForTest() {
  int fd = mosquitto_socket(mosq_);
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

}  // namespace pg::signs
