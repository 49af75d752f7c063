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
// The network thread never waits (docs/api/ingest.md, "MQTT: broker settings and loss"):
// OnMessage checks the topic and the size, copies the message into a queue bounded by count and
// bytes and returns; a worker thread takes it from there (key check, parse, IngestService,
// dead letters). A broker with default settings queues at most 1,000 messages for a subscriber
// that does not read and drops the rest after it acknowledged them to their publisher, so a
// network thread that waits loses data silently; this one never waits, connects with MQTT 5 and
// a Receive Maximum of 65,535 (so a burst travels to its queue instead of piling up in the
// broker's behind 3.1.1's 20 in-flight messages), and dead-letters, with a reason, what it
// cannot take:
//   - a message over `max_message_bytes`: "oversize: …", unread (only a prefix is kept);
//   - a message that does not fit in the queue: "shed: ingest queue full …".
// Every message received is therefore counted once as accepted, rejected (invalid, bad key,
// wrong topic: dead-lettered with the reason), shed or oversize (MqttStats, /metrics).
//
// Durability: the session is persistent (clean_session off, a fixed client id), so the broker
// keeps the subscription and queues QoS 1 messages while parkguide is away or reconnecting; with
// the broker's own persistence on, a broker restart loses none of them. libmosquitto 2.0
// acknowledges (PUBACK) a QoS 1 message as it hands it to us, before it is journaled: a crash
// of parkguide loses the messages still in its queue (at most `max_queued_messages`) and those
// in the group commit under way. A clean Stop() drains the queue first. HTTP has no such window
// (200 only after fsync).
//
//   MqttSubscriber sub(options, service, store, clock);
//   PG_RETURN_IF_ERROR(sub.Start());   // connects, then reconnects forever in the background
//
// Thread-safety: Start/Stop from one thread; stats() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/clock.h"
#include "core/prometheus_text.h"
#include "core/status.h"
#include "ingest/core/ingest_service.h"
#include "mqtt/client.h"
#include "store/dead_letters.h"

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
  // A larger message is dead-lettered without being parsed. The HTTP body cap
  // (api/http/server.h max_body_bytes): what one channel accepts, the other does too.
  size_t max_message_bytes = size_t{16} << 20;
  // The queue between the network thread and the worker; a message beyond either bound is
  // dead-lettered ("shed") instead of waited for.
  size_t max_queued_messages = 10'000;
  size_t max_queued_bytes = size_t{64} << 20;
  // Messages submitted to the ingest pipeline and not yet durable; the worker (never the
  // network thread) waits beyond it.
  int max_in_flight = 1024;
};

struct MqttStats {
  uint64_t received = 0;
  uint64_t accepted = 0;      // messages made durable
  uint64_t dead_letters = 0;  // messages refused, for any reason: rejected + shed + oversize
  uint64_t shed = 0;          // of which: the queue was full
  uint64_t oversize = 0;      // of which: over max_message_bytes
  uint64_t queued = 0;        // waiting for the worker now
  uint64_t connects = 0;
  bool connected = false;
  bool subscribed = false;  // the broker confirmed the subscription (SUBACK) on this connection
};

// The <source> of an observation topic: what follows `prefix` ("parkguide/<city>/obs/") in
// `topic` when that is one non-empty segment; nullopt for any other topic. The view points into
// `topic`.
std::optional<std::string_view> TopicSource(std::string_view topic, std::string_view prefix);

// The MQTT ingest as Prometheus metrics (GET /metrics): messages by disjoint outcome (every message
// received ends in exactly one), the queue, the connection.
void AppendMqttIngestMetrics(const MqttStats& stats, PrometheusText& out);

class MqttSubscriber {
 public:
  // REQUIRES: `service`, `store` and `clock` outlive the subscriber.
  MqttSubscriber(MqttOptions options, IngestService& service, store::DeadLetterWriter& store,
                 const Clock& clock);
  ~MqttSubscriber();  // Stop()
  MqttSubscriber(const MqttSubscriber&) = delete;
  MqttSubscriber& operator=(const MqttSubscriber&) = delete;

  // Connects, then keeps the connection in the background (a broker that refuses or is down is
  // retried, not an error; the first TCP connect blocks — libmosquitto 2.0 has no asynchronous
  // MQTT 5 connect — so a host that does not answer holds Start up to the TCP connect timeout).
  // Errors: kInvalidArgument for bad options; kInternal when libmosquitto fails to start.
  Status Start();
  // Disconnects and waits for messages in flight to become durable. Idempotent.
  void Stop();

  MqttStats stats() const;
  const std::string& topic_filter() const { return topic_filter_; }

 private:
  // A message taken from the network thread, or a dead letter to write.
  struct Entry {
    Timestamp received;
    std::string topic;
    std::string payload;  // the message; for a dead letter, what of it is kept
    std::string source;
    std::string reason;  // set: a dead letter
    enum class Kind { kMessage, kRejected, kShed, kOversize } kind = Kind::kMessage;
  };

  // What the MQTT client calls on its network thread.
  mqtt::Handlers Handlers();
  // Ends the worker after it drained the queue. Idempotent.
  void StopWorker();
  // On the network thread: quick, never waits for the worker.
  void Take(std::string topic, std::string_view payload);
  // Queues a dead letter (any thread). REQUIRES: mu_ held.
  void QueueLetterLocked(Entry letter);
  // Logs that messages are being shed, at most every 10 s. REQUIRES: `lock` holds mu_.
  void WarnShedding(std::unique_lock<std::mutex>& lock);
  // What a queued dead letter costs in memory, roughly.
  static size_t LetterBytes(const Entry& e);
  void RunWorker();
  void Submit(Entry message);
  void WriteLetter(const Entry& letter);

  const MqttOptions options_;
  IngestService& service_;
  store::DeadLetterWriter& store_;
  const Clock& clock_;
  std::string topic_prefix_;  // "parkguide/<city>/obs/"
  std::string topic_filter_;  // topic_prefix_ + "+"
  std::unique_ptr<mqtt::Client> client_;
  std::thread worker_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // the worker: entries queued, or stopping
  std::condition_variable space_cv_;  // in-flight or letter room freed
  std::deque<Entry> queue_;           // guarded by mu_
  size_t queued_messages_ = 0;        // guarded by mu_: kMessage entries in queue_
  size_t queued_bytes_ = 0;           // guarded by mu_: their payload bytes
  size_t queued_letter_bytes_ = 0;    // guarded by mu_: the other entries' payload bytes
  int in_flight_ = 0;                 // guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  bool warned_letters_full_ = false;  // guarded by mu_
  std::chrono::steady_clock::time_point last_shed_warning_;  // guarded by mu_
  MqttStats stats_;                                          // guarded by mu_
};

}  // namespace pg::ingest
