#include "ingest/mqtt/mqtt_subscriber.h"

#include <fmt/format.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "core/log.h"

namespace pg::ingest {
namespace {

// What of a refused message is kept in its dead letter: a prefix of one that was not read
// (oversize, shed), as much as the store keeps of one that was (its reason names the items).
constexpr size_t kKeptOfRefused = size_t{1} << 10;
constexpr size_t kKeptOfRejected = size_t{64} << 10;
// Dead letters waiting for the worker; beyond, the network thread waits (see Take).
constexpr size_t kMaxQueuedLetterBytes = size_t{16} << 20;

void InitLibrary() {
  static const int rc = mosquitto_lib_init();
  (void)rc;
}

}  // namespace

size_t MqttSubscriber::LetterBytes(const Entry& e) {
  return e.topic.size() + e.payload.size() + e.source.size() + e.reason.size() + sizeof(Entry);
}

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
  if (options_.max_message_bytes == 0 || options_.max_queued_messages == 0 ||
      options_.max_queued_bytes < options_.max_message_bytes || options_.max_in_flight <= 0) {
    return InvalidArgument(
        "the MQTT queue must hold at least one message of the largest size allowed", "mqtt");
  }
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
  int rc = Connect();
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) {
    return InvalidArgument(fmt::format("cannot connect to MQTT broker {}:{}: {}", options_.host,
                                       options_.port, mosquitto_strerror(rc)),
                           "mqtt");
  }
  if (rc == MOSQ_ERR_ERRNO) {
    PG_LOG_WARNING("mqtt: broker {}:{} not reachable yet; retrying", options_.host, options_.port);
  }
  worker_ = std::thread([this] { RunWorker(); });
  rc = mosquitto_loop_start(mosq_);
  if (rc != MOSQ_ERR_SUCCESS) return Internal(fmt::format("mosquitto_loop_start: {}", rc));
  started_ = true;
  PG_LOG_INFO("mqtt: subscribing to {} on {}:{}", topic_filter_, options_.host, options_.port);
  return Status::Ok();
}

int MqttSubscriber::Connect() {
  // MQTT 5 for its Receive Maximum. Over 3.1.1 the broker has at most max_inflight_messages
  // (mosquitto: 20) messages on their way to us and queues the rest — 1,000 by default, beyond
  // which it drops what it acknowledged to the publishers. With a window of 65,535 a burst
  // travels to our own queue (which dead-letters what it cannot hold) instead of waiting in the
  // broker's. The session never expires: 3.1.1's clean_session=false. libmosquitto keeps these
  // properties for its reconnections. The connect itself blocks (there is no asynchronous v5
  // connect in libmosquitto 2.0): a refused connection returns at once; a host that does not
  // answer holds Start() up to the TCP connect timeout.
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_property* properties = nullptr;
  mosquitto_property_add_int16(&properties, MQTT_PROP_RECEIVE_MAXIMUM, 65535);
  mosquitto_property_add_int32(&properties, MQTT_PROP_SESSION_EXPIRY_INTERVAL, 0xFFFFFFFF);
  int rc = mosquitto_connect_bind_v5(mosq_, options_.host.c_str(), options_.port,
                                     options_.keepalive_s, nullptr, properties);
  mosquitto_property_free_all(&properties);
  return rc;
}

void MqttSubscriber::Stop() {
  if (!mosq_) return;
  if (started_) {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, /*force=*/false);
    started_ = false;
  }
  // The network thread is gone: the worker drains what it took, then ends.
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  mosquitto_destroy(mosq_);
  mosq_ = nullptr;
}

MqttStats MqttSubscriber::stats() const {
  std::lock_guard lock(mu_);
  MqttStats out = stats_;
  out.queued = queue_.size();
  return out;
}

void MqttSubscriber::OnConnect(mosquitto* mosq, void* self_ptr, int rc) {
  auto* self = static_cast<MqttSubscriber*>(self_ptr);
  if (rc != 0) {
    PG_LOG_WARNING("mqtt: connection refused: {}", mosquitto_reason_string(rc));
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
  std::string_view payload(static_cast<const char*>(message->payload),
                           static_cast<size_t>(std::max(0, message->payloadlen)));
  static_cast<MqttSubscriber*>(self_ptr)->Take(message->topic ? message->topic : "", payload);
}

void MqttSubscriber::Take(std::string topic, std::string_view payload) {
  Entry e;
  e.received = clock_.Now();
  e.topic = std::move(topic);
  bool topic_ok = e.topic.starts_with(topic_prefix_) && e.topic.size() > topic_prefix_.size() &&
                  e.topic.find('/', topic_prefix_.size()) == std::string::npos;
  if (topic_ok) e.source = e.topic.substr(topic_prefix_.size());
  bool oversize = payload.size() > options_.max_message_bytes;
  // Copied before the lock, so the worker and the committer never wait for a large copy.
  e.payload = std::string(oversize ? payload.substr(0, kKeptOfRefused) : payload);
  std::unique_lock lock(mu_);
  ++stats_.received;
  if (!topic_ok) {
    e.kind = Entry::Kind::kRejected;
    e.reason = fmt::format("topic is not {}<source>", topic_prefix_);
  } else if (oversize) {
    e.kind = Entry::Kind::kOversize;
    e.reason = fmt::format(
        "oversize: the message has {} bytes, over the limit of {}; it was not read (its first {} "
        "bytes are kept)",
        payload.size(), options_.max_message_bytes, e.payload.size());
  } else if (queued_messages_ < options_.max_queued_messages &&
             queued_bytes_ + payload.size() <= options_.max_queued_bytes) {
    ++queued_messages_;
    queued_bytes_ += e.payload.size();
    queue_.push_back(std::move(e));
    work_cv_.notify_one();
    return;
  } else {
    e.kind = Entry::Kind::kShed;
    e.reason = fmt::format(
        "shed: ingest queue full ({} messages, {} bytes waiting); the message was not applied",
        queued_messages_, queued_bytes_);
    WarnShedding(lock);
  }
  // A new string, not a resize: the letter must not hold the message's memory while queued.
  const size_t keep = e.kind == Entry::Kind::kRejected ? kKeptOfRejected : kKeptOfRefused;
  if (e.payload.size() > keep) e.payload = e.payload.substr(0, keep);
  // The last resort when even the dead letters cannot keep up (the store is stuck): wait
  // rather than drop. The broker's queue then takes the strain.
  if (queued_letter_bytes_ >= kMaxQueuedLetterBytes && !warned_letters_full_) {
    warned_letters_full_ = true;
    PG_LOG_WARNING("mqtt: dead letters cannot be written fast enough; holding the network loop");
  }
  space_cv_.wait(lock, [this] { return queued_letter_bytes_ < kMaxQueuedLetterBytes; });
  QueueLetterLocked(std::move(e));
}

void MqttSubscriber::WarnShedding(std::unique_lock<std::mutex>&) {
  auto now = std::chrono::steady_clock::now();
  if (now - last_shed_warning_ < std::chrono::seconds(10)) return;
  last_shed_warning_ = now;
  PG_LOG_WARNING(
      "mqtt: ingest queue full ({} messages, {} bytes); messages go to the dead letters "
      "(shed) until it drains",
      queued_messages_, queued_bytes_);
}

void MqttSubscriber::QueueLetterLocked(Entry letter) {
  queued_letter_bytes_ += LetterBytes(letter);
  queue_.push_back(std::move(letter));
  work_cv_.notify_one();
}

void MqttSubscriber::RunWorker() {
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [this] { return !queue_.empty() || (stopping_ && in_flight_ == 0); });
    if (queue_.empty()) break;  // stopping, and nothing in flight could add a dead letter
    Entry e = std::move(queue_.front());
    queue_.pop_front();
    if (e.kind == Entry::Kind::kMessage) {
      --queued_messages_;
      queued_bytes_ -= e.payload.size();
      space_cv_.wait(lock, [this] { return in_flight_ < options_.max_in_flight; });
      ++in_flight_;
      lock.unlock();
      Submit(std::move(e));
      lock.lock();
      continue;
    }
    queued_letter_bytes_ -= LetterBytes(e);
    space_cv_.notify_all();
    lock.unlock();
    WriteLetter(e);
    lock.lock();
    ++stats_.dead_letters;
    if (e.kind == Entry::Kind::kShed) ++stats_.shed;
    if (e.kind == Entry::Kind::kOversize) ++stats_.oversize;
  }
}

void MqttSubscriber::Submit(Entry message) {
  auto m = std::make_shared<Entry>(std::move(message));
  service_.SubmitMessage(
      m->source, m->payload, journal::Channel::kMqtt,
      [this, m](IngestResult r) {
        Entry letter;
        if (!r.status.ok()) {
          letter.received = m->received;
          letter.topic = m->topic;
          letter.source = m->source;
          letter.kind = Entry::Kind::kRejected;
          letter.reason = r.status.message();
          for (size_t i = 0; i < r.items.size() && i < 20; ++i) {
            letter.reason += fmt::format("; {}: {}", r.items[i].Name(), r.items[i].reason);
          }
          if (r.items.size() > 20) {
            letter.reason += fmt::format("; … {} more", r.items.size() - 20);
          }
          letter.payload = m->payload.substr(0, kKeptOfRejected);
        }
        std::lock_guard lock(mu_);
        if (r.status.ok()) {
          ++stats_.accepted;
        } else {
          // Written by the worker: this may run on the pipeline's committer thread.
          QueueLetterLocked(std::move(letter));
        }
        --in_flight_;
        space_cv_.notify_all();
        work_cv_.notify_all();
      },
      options_.trust_topic_source);
}

void MqttSubscriber::WriteLetter(const Entry& e) {
  store::DeadLetter d;
  d.received = e.received;
  d.channel = "mqtt";
  d.topic = e.topic;
  d.source = e.source;
  d.reason = e.reason;
  d.payload = e.payload;  // the store redacts credentials (core/redact.h)
  if (Status s = store_.AppendDeadLetter(d); !s.ok()) {
    PG_LOG_WARNING("mqtt: cannot keep a dead letter ({}): {}", e.reason, s.ToString());
  }
}

}  // namespace pg::ingest
