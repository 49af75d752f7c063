// A plain QoS 1 MQTT publisher for tests (libmosquitto), counting the broker's PUBACKs: what
// the broker acknowledged is what parkguide must apply or dead-letter.
#pragma once

#include <mosquitto.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace pg::testing {

class MqttPublisher {
 public:
  explicit MqttPublisher(uint16_t port) {
    mosquitto_lib_init();
    mosq_ = mosquitto_new(nullptr, true, this);
    mosquitto_publish_callback_set(
        mosq_, [](mosquitto*, void* self, int) { ++static_cast<MqttPublisher*>(self)->acked_; });
    connected_ = mosquitto_connect(mosq_, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS;
    mosquitto_loop_start(mosq_);
  }
  ~MqttPublisher() {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;

  bool connected() const { return connected_; }
  void Publish(const std::string& topic, const std::string& payload) {
    ++sent_;
    mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                      payload.data(), 1, false);
  }
  // Waits until the broker acknowledged everything sent; false on timeout.
  bool AllAcked(std::chrono::seconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (acked_ < sent_ && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return acked_ == sent_;
  }
  int acked() const { return acked_; }

 private:
  mosquitto* mosq_ = nullptr;
  bool connected_ = false;
  std::atomic<int> sent_{0};
  std::atomic<int> acked_{0};
};

}  // namespace pg::testing
