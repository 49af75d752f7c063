#include "ingest/mqtt/mqtt_subscriber.h"

#include <fmt/format.h>

#include "core/log.h"
#include "core/text_bounds.h"
#include "model/validation.h"

namespace pg::ingest {
namespace {

// What of a refused message is kept in its dead letter: a prefix of one that was not read
// (oversize, shed), as much as the store keeps of one that was (its reason names the items).
constexpr size_t kKeptOfRefused = size_t{1} << 10;
constexpr size_t kKeptOfRejected = size_t{64} << 10;
// Dead letters waiting for the worker; beyond, the network thread waits (see Take).
constexpr size_t kMaxQueuedLetterBytes = size_t{16} << 20;

}  // namespace

std::optional<std::string_view> TopicSource(std::string_view topic, std::string_view prefix) {
  if (!topic.starts_with(prefix)) return std::nullopt;
  // The last segment names the source: an id (model::ValidateId) or nothing parkguide knows.
  std::string_view source = topic.substr(prefix.size());
  if (!model::ValidateId(source, "").ok()) return std::nullopt;
  return source;
}

size_t MqttSubscriber::LetterBytes(const Entry& e) {
  return e.topic.size() + e.payload.size() + e.source.size() + e.reason.size() + sizeof(Entry);
}

MqttSubscriber::MqttSubscriber(MqttOptions options, IngestService& service,
                               store::DeadLetterWriter& store, const Clock& clock)
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
  mqtt::Options broker;
  broker.host = options_.host;
  broker.port = options_.port;
  broker.client_id = options_.client_id.empty() ? "parkguide-" + options_.city : options_.client_id;
  broker.keepalive_s = options_.keepalive_s;
  broker.username = options_.username;
  broker.password = options_.password;
  // The broker keeps our subscription and queues QoS 1 messages while we are away, and sends a
  // burst on to our own queue (mqtt/client.h, "persistent").
  broker.persistent_session = true;
  worker_ = std::thread([this] { RunWorker(); });
  auto client = mqtt::Client::Start(std::move(broker), Handlers());
  if (!client.ok()) {
    StopWorker();
    const Status& s = client.status();
    return Status(s.code(), s.message(), "mqtt");
  }
  client_ = std::move(*client);
  PG_RETURN_IF_ERROR(client_->Subscribe(topic_filter_, 1));
  PG_LOG_INFO("mqtt: subscribing to {} on {}:{}", topic_filter_, options_.host, options_.port);
  return Status::Ok();
}

mqtt::Handlers MqttSubscriber::Handlers() {
  mqtt::Handlers h;
  h.on_message = [this](std::string_view topic, std::string_view payload, bool) {
    Take(std::string(topic), payload);
  };
  h.on_connection = [this](bool connected) {
    std::lock_guard lock(mu_);
    if (connected) ++stats_.connects;
    stats_.connected = connected;
    if (!connected) stats_.subscribed = false;
  };
  h.on_subscribed = [this](const std::string&, bool granted) {
    std::lock_guard lock(mu_);
    stats_.subscribed = granted;
  };
  return h;
}

void MqttSubscriber::Stop() {
  // Ending the client ends the network thread: the worker drains what it took, then ends.
  client_.reset();
  StopWorker();
}

void MqttSubscriber::StopWorker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

MqttStats MqttSubscriber::stats() const {
  std::lock_guard lock(mu_);
  MqttStats out = stats_;
  out.queued = queue_.size();
  return out;
}

void MqttSubscriber::Take(std::string topic, std::string_view payload) {
  Entry e;
  e.received = clock_.Now();
  e.topic = std::move(topic);
  std::optional<std::string_view> source = TopicSource(e.topic, topic_prefix_);
  const bool topic_ok = source.has_value();
  if (topic_ok) {
    e.source = std::string(*source);
  } else {
    e.topic = BoundedText(e.topic, kMaxNameChars);  // a topic may be 64 KB: the letter keeps less
  }
  bool oversize = payload.size() > options_.max_message_bytes;
  // Copied before the lock, so the worker and the committer never wait for a large copy.
  e.payload = std::string(oversize ? payload.substr(0, kKeptOfRefused) : payload);
  std::unique_lock lock(mu_);
  ++stats_.received;
  if (!topic_ok) {
    e.kind = Entry::Kind::kRejected;
    e.reason = fmt::format("topic is not {}<source> (a source id: 1–{} of A-Z a-z 0-9 _ - . :)",
                           topic_prefix_, kMaxIdChars);
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

void AppendMqttIngestMetrics(const MqttStats& m, PrometheusText& out) {
  // Shed and oversize messages are dead letters too; the rest of the dead letters were rejected.
  const uint64_t rejected = m.dead_letters - m.shed - m.oversize;
  for (auto [outcome, n] : {std::pair<const char*, uint64_t>{"accepted", m.accepted},
                            {"rejected", rejected},
                            {"shed", m.shed},
                            {"oversize", m.oversize}}) {
    out.Counter("parkguide_mqtt_messages_total", "MQTT observation messages by outcome", n,
                {{"outcome", outcome}});
  }
  out.Gauge("parkguide_mqtt_queue_messages",
            "MQTT messages taken from the broker, waiting for the ingest worker", m.queued);
  out.Gauge("parkguide_mqtt_connected", "1 while subscribed to the broker",
            m.connected && m.subscribed ? 1 : 0);
}

}  // namespace pg::ingest
