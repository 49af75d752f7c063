// A plain QoS 1 MQTT publisher for tests (libmosquitto), counting the broker's PUBACKs: what
// the broker acknowledged is what parkguide must apply or dead-letter.
#pragma once

#include <mosquitto.h>

#include <chrono>
#include <string>

namespace pg::testing {

// Single-threaded on purpose: the caller's thread runs libmosquitto's loop. With
// mosquitto_loop_start and mosquitto_publish from another thread, libmosquitto 2.0.11 sometimes
// sends a queued message twice (same message id, no DUP flag: seen in the flood test's broker
// log), which would make exact counts wrong.
class MqttPublisher {
 public:
  explicit MqttPublisher(uint16_t port) {
    mosquitto_lib_init();
    mosq_ = mosquitto_new(nullptr, true, this);
    mosquitto_publish_callback_set(
        mosq_, [](mosquitto*, void* self, int) { ++static_cast<MqttPublisher*>(self)->acked_; });
    connected_ = mosquitto_connect(mosq_, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS;
  }
  ~MqttPublisher() {
    mosquitto_disconnect(mosq_);
    mosquitto_destroy(mosq_);
  }
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;

  bool connected() const { return connected_; }
  // Queues the message and moves the connection on without waiting.
  void Publish(const std::string& topic, const std::string& payload) {
    ++sent_;
    mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                      payload.data(), 1, false);
    mosquitto_loop(mosq_, 0, 1);
  }
  // Runs the connection until the broker acknowledged everything sent; false on timeout.
  bool AllAcked(std::chrono::seconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (acked_ < sent_ && std::chrono::steady_clock::now() < deadline) {
      mosquitto_loop(mosq_, 25, 1);
    }
    return acked_ == sent_;
  }
  int acked() const { return acked_; }

 private:
  mosquitto* mosq_ = nullptr;
  bool connected_ = false;
  int sent_ = 0;
  int acked_ = 0;
};

}  // namespace pg::testing
