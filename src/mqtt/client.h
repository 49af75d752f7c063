// mqtt::Client: parkguide's one wrapper over libmosquitto — connect in the background, reconnect
// by itself, subscribe again after every reconnect, publish from any thread. The sign links
// (signs/mqtt_sign_link.h), the reference controller and the observation ingest
// (ingest/mqtt/mqtt_subscriber.h) all speak MQTT through it, so a broker setting or a fix of
// libmosquitto's behaviour is made once.
//
//   mqtt::Options o{.host = "127.0.0.1", .port = 1883, .client_id = "parkguide-signs"};
//   auto client = mqtt::Client::Start(o, {.on_message = [](std::string_view topic,
//                                                          std::string_view payload,
//                                                          bool retained) { … }});
//   (*client)->Subscribe("parkguide/demo/signs/+/ack", 1);
//   (*client)->Publish("parkguide/demo/signs/S1", payload, 1, /*retain=*/true);
//
// Two kinds of session (Options::persistent_session):
//   - clean (default): MQTT 3.1.1, the broker forgets us when we go; connecting is asynchronous,
//     so Start never waits for the broker.
//   - persistent: MQTT 5 with a session that never expires and a Receive Maximum of 65,535. The
//     broker keeps our subscriptions and queues QoS 1 messages while we are away, and a burst
//     travels to us instead of piling up in the broker behind 3.1.1's 20 in-flight messages
//     (whose overflow a default broker drops after acknowledging it to the publisher).
//     libmosquitto 2.0 has no asynchronous MQTT 5 connect: Start blocks for the first TCP
//     connect (a refused connection returns at once; a host that does not answer holds Start up
//     to the TCP connect timeout). A persistent session needs a fixed client_id.
//
// Handlers run on libmosquitto's network thread: keep them short, never wait there for other
// work, never call the destructor from them.
//
// Thread-safety: Publish, Subscribe, connected() and WaitConnected() may be called from any
// thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

struct mosquitto;
struct mosquitto_message;

namespace pg::mqtt {

struct Options {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id;  // empty: the broker assigns one (clean sessions only)
  int keepalive_s = 30;   // the broker declares the client gone after 1.5× this of silence
  std::string username;   // empty: anonymous
  std::string password;
  struct Will {
    std::string topic;
    std::string payload;
    bool retain = true;
  };
  std::optional<Will> will;         // published by the broker when the client vanishes
  bool persistent_session = false;  // see the file comment
};

// "host:port", "host" (port 1883) or either after "mqtt://". Errors: kInvalidArgument naming
// `field` (the flag or setting the text came from).
Result<std::pair<std::string, int>> ParseBrokerAddress(std::string_view text,
                                                       std::string_view field = "broker");

struct Handlers {
  // A message on a subscribed topic; `retained`: the broker kept it from before.
  std::function<void(std::string_view topic, std::string_view payload, bool retained)> on_message;
  // Called with true after every (re)connection, false after every loss of it.
  std::function<void(bool connected)> on_connection;
  // The broker's answer to a subscription (sent again after every reconnect): false when it
  // refused the pattern (an ACL, a bad filter).
  std::function<void(const std::string& pattern, bool granted)> on_subscribed;
};

class Client {
 public:
  // Starts connecting; a broker that is down or refuses is retried in the background (logged),
  // not an error. Errors: kInvalidArgument for bad options (no host, a persistent session
  // without a client id, a bad will); kInternal when libmosquitto cannot start its thread.
  static Result<std::unique_ptr<Client>> Start(Options options, Handlers handlers);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  // Disconnects cleanly (the will is not sent) and stops the network thread: no handler runs
  // after it returns.
  ~Client();

  // Subscribes now (when connected) and again after every reconnect. Errors: kInvalidArgument
  // for a bad pattern (field "topic").
  Status Subscribe(std::string pattern, int qos);
  // Queues a message. Errors: kUnavailable while disconnected (QoS 0) or when the queue is
  // refused; kInvalidArgument for a bad topic.
  Status Publish(std::string_view topic, std::string_view payload, int qos, bool retain);

  bool connected() const;
  const Options& options() const { return options_; }
  // Blocks until connected or `timeout`; returns connected().
  bool WaitConnected(std::chrono::milliseconds timeout) const;

  // Cuts the connection without a DISCONNECT, as a crash would: the broker sends the will.
  // For tests of what others do when a client vanishes; the client reconnects afterwards.
  void DropConnectionForTest();

 private:
  Client(Options options, Handlers handlers);
  Status Configure();
  // Starts the first connection attempt; a libmosquitto error code.
  int Connect();
  void SendSubscription(const std::string& pattern, int qos);
  static void OnConnect(mosquitto* m, void* self, int rc);
  static void OnDisconnect(mosquitto* m, void* self, int rc);
  static void OnMessage(mosquitto* m, void* self, const mosquitto_message* message);
  static void OnSubscribe(mosquitto* m, void* self, int mid, int qos_count, const int* granted);

  const Options options_;
  const Handlers handlers_;
  mosquitto* mosq_ = nullptr;
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  bool connected_ = false;                                  // guarded by mutex_
  std::vector<std::pair<std::string, int>> subscriptions_;  // guarded by mutex_
  std::map<int, std::string> pending_subscriptions_;        // guarded by mutex_: mid → pattern
};

}  // namespace pg::mqtt
