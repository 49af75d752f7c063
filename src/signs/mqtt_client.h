// MqttClient: a small RAII wrapper over libmosquitto for the sign link and the reference
// controller — connect in the background, reconnect by itself, re-subscribe after every
// reconnect, publish from any thread.
//
// Kept apart from the observation ingest's MQTT adapter (issue 4) on purpose while both are being
// written; nothing here is specific to signs, so the two can merge into one wrapper.
//
//   MqttOptions o{.host = "127.0.0.1", .port = 1883, .client_id = "parkguide-signs"};
//   auto client = MqttClient::Start(o, [](std::string_view topic, std::string_view payload,
//                                         bool retained) { … }, nullptr);
//   (*client)->Subscribe("parkguide/demo/signs/+/ack", 1);
//   (*client)->Publish("parkguide/demo/signs/S1", payload, 1, /*retain=*/true);
//
// Handlers run on libmosquitto's network thread: keep them short, never call Stop() or the
// destructor from them.
//
// Thread-safety: Publish, Subscribe, connected() and WaitConnected() may be called from any
// thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

struct mosquitto;
struct mosquitto_message;

namespace pg::signs {

struct MqttOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id;  // empty: the broker assigns one
  int keepalive_s = 30;   // the broker declares the client gone after 1.5× this of silence
  std::string username;   // empty: anonymous
  std::string password;
  struct Will {
    std::string topic;
    std::string payload;
    bool retain = true;
  };
  std::optional<Will> will;  // published by the broker when the client vanishes
};

// "host:port" or "host" (port 1883). Errors: kInvalidArgument (field "broker").
Result<std::pair<std::string, int>> ParseBrokerAddress(std::string_view text);

class MqttClient {
 public:
  using MessageHandler =
      std::function<void(std::string_view topic, std::string_view payload, bool retained)>;
  // Called with true after every (re)connection, false after every loss of it.
  using ConnectionHandler = std::function<void(bool connected)>;

  // Starts connecting in the background; returns before the connection is up (see
  // WaitConnected). Errors: kInvalidArgument for bad options; kInternal when libmosquitto cannot
  // start its thread.
  static Result<std::unique_ptr<MqttClient>> Start(MqttOptions options, MessageHandler on_message,
                                                   ConnectionHandler on_connection);
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;
  // Disconnects cleanly (the will is not sent) and stops the network thread.
  ~MqttClient();

  // Subscribes now (when connected) and again after every reconnect.
  Status Subscribe(std::string pattern, int qos);
  // Queues a message. Errors: kUnavailable while disconnected (QoS 0) or when the queue is
  // refused; kInvalidArgument for a bad topic.
  Status Publish(std::string_view topic, std::string_view payload, int qos, bool retain);

  bool connected() const;
  const MqttOptions& options() const { return options_; }
  // Blocks until connected or `timeout`; returns connected().
  bool WaitConnected(std::chrono::milliseconds timeout) const;

  // Cuts the connection without a DISCONNECT, as a crash would: the broker sends the will.
  // For tests of what others do when a client vanishes; the client reconnects afterwards.
  void DropConnectionForTest();

 private:
  explicit MqttClient(MqttOptions options);
  static void OnConnect(mosquitto* m, void* self, int rc);
  static void OnDisconnect(mosquitto* m, void* self, int rc);
  static void OnMessage(mosquitto* m, void* self, const mosquitto_message* message);

  const MqttOptions options_;
  MessageHandler on_message_;
  ConnectionHandler on_connection_;
  mosquitto* mosq_ = nullptr;
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  bool connected_ = false;                                  // guarded by mutex_
  std::vector<std::pair<std::string, int>> subscriptions_;  // guarded by mutex_
};

}  // namespace pg::signs
