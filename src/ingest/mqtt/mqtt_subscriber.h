// MqttSubscriber: observations in over MQTT (SPEC §7) — topic parkguide/<city>/obs/<source>,
// QoS 1, the same objects as the HTTP batch (one per message or a batch), the same validation
// and scopes (IngestService). Messages that are refused go to the dead-letter store with the
// reason (GET /api/v1/ingest/errors).
//
// Authentication (docs/api/ingest.md, "MQTT"): by default the payload carries the source's key
// in a root "key" member and it must be the key of the topic's source. With
// `trust_topic_source`, the broker authenticates each publisher with per-source credentials and
// an ACL pattern (`pattern write parkguide/+/obs/%u`) makes the topic's source segment
// trustworthy; then no key is needed in the payload.
//
// Durability: the session is persistent (clean_session off, a fixed client id), so the broker
// keeps the subscription and queues QoS 1 messages while parkguide is away or reconnecting; with
// the broker's own persistence on, a broker restart loses none of them. libmosquitto 2.0
// acknowledges (PUBACK) a QoS 1 message as it hands it to us, before it is journaled: a crash
// of parkguide within that window — one group commit, milliseconds — can lose those messages.
// HTTP has no such window (200 only after fsync).
//
//   MqttSubscriber sub(options, service, store, clock);
//   PG_RETURN_IF_ERROR(sub.Start());   // connects in the background, reconnects forever
//
// Thread-safety: Start/Stop from one thread; stats() from any.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "ingest/core/ingest_service.h"
#include "store/store.h"

struct mosquitto;
struct mosquitto_message;

namespace pg::ingest {

struct MqttOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string city;       // the topic's <city>
  std::string client_id;  // "" → "parkguide-<city>"
  std::string username;   // optional broker credentials of parkguide itself
  std::string password;
  bool trust_topic_source = false;
  int keepalive_s = 30;
  // Messages handed to the pipeline but not yet durable; the network thread waits beyond it
  // (backpressure to the broker instead of unbounded memory).
  int max_in_flight = 1024;
};

struct MqttStats {
  uint64_t received = 0;
  uint64_t accepted = 0;      // messages made durable
  uint64_t dead_letters = 0;  // messages refused
  uint64_t connects = 0;
  bool connected = false;
  bool subscribed = false;  // the broker confirmed the subscription (SUBACK) on this connection
};

class MqttSubscriber {
 public:
  // REQUIRES: `service`, `store` and `clock` outlive the subscriber.
  MqttSubscriber(MqttOptions options, IngestService& service, store::Store& store,
                 const Clock& clock);
  ~MqttSubscriber();  // Stop()
  MqttSubscriber(const MqttSubscriber&) = delete;
  MqttSubscriber& operator=(const MqttSubscriber&) = delete;

  // Starts connecting (in the background; an unreachable broker is retried, not an error).
  // Errors: kInvalidArgument for bad options; kInternal when libmosquitto fails to start.
  Status Start();
  // Disconnects and waits for messages in flight to become durable. Idempotent.
  void Stop();

  MqttStats stats() const;
  const std::string& topic_filter() const { return topic_filter_; }

 private:
  static void OnConnect(mosquitto* mosq, void* self, int rc);
  static void OnDisconnect(mosquitto* mosq, void* self, int rc);
  static void OnMessage(mosquitto* mosq, void* self, const mosquitto_message* message);
  static void OnSubscribe(mosquitto* mosq, void* self, int mid, int qos_count,
                          const int* granted_qos);
  void Handle(const mosquitto_message& message);
  void DeadLetter(const std::string& topic, const std::string& source, const std::string& reason,
                  std::string_view payload);

  const MqttOptions options_;
  IngestService& service_;
  store::Store& store_;
  const Clock& clock_;
  std::string topic_prefix_;  // "parkguide/<city>/obs/"
  std::string topic_filter_;  // topic_prefix_ + "+"
  mosquitto* mosq_ = nullptr;
  bool started_ = false;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;  // guarded by mu_
  MqttStats stats_;    // guarded by mu_
};

}  // namespace pg::ingest
