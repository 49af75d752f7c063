// The MQTT side of the sign controller contract (docs/api/signs.md): topics, the server's link
// (MqttSignLink: publishes contents, hears acknowledgements, heartbeats and last wills) and the
// reference controller driven over MQTT (MqttReferenceController, used by
// `parkguide sign-controller` and the tests).
//
// Topics, under parkguide/<city>/:
//   signs/<sign>                      content, retained, QoS 1           server → controller
//   signs/<sign>/ack                  {"seq": n, ...}, QoS 1             controller → server
//   controllers/<controller>/heartbeat {"faults": [...], ...}, QoS 0    controller → server
//   controllers/<controller>/status   "online" / "offline", retained;    controller (will) → server
//                                     the controller's last will says "offline"
//
// Thread-safety: both classes are safe to call from any thread; their MQTT handlers run on
// libmosquitto's network thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "mqtt/client.h"
#include "signs/controller_sim.h"
#include "signs/sign_service.h"

namespace pg::signs {

std::string SignTopic(std::string_view city, std::string_view sign);
std::string AckTopic(std::string_view city, std::string_view sign);
std::string HeartbeatTopic(std::string_view city, std::string_view controller);
std::string StatusTopic(std::string_view city, std::string_view controller);

class MqttSignLink final : public SignPublisher {
 public:
  // Connects in the background and subscribes to acknowledgements, heartbeats and controller
  // status of `city`; every (re)connection makes `service` send all contents again. `service`
  // and `clock` must outlive the link. Errors: those of mqtt::Client::Start.
  static Result<std::unique_ptr<MqttSignLink>> Start(mqtt::Options options, std::string city,
                                                     SignService& service, const Clock& clock);

  // Publishes retained with QoS 1 on parkguide/<city>/signs/<sign>.
  Status Publish(const SignMessage& message) override;

  mqtt::Client& client() { return *client_; }

 private:
  MqttSignLink(std::string city, SignService& service, const Clock& clock);
  void OnMessage(std::string_view topic, std::string_view payload);

  const std::string city_;
  SignService& service_;
  const Clock& clock_;
  std::unique_ptr<mqtt::Client> client_;
};

// A reference controller for some signs over MQTT: takes each sign's retained content,
// acknowledges it, heart-beats, and leaves "offline" as its last will.
class MqttReferenceController {
 public:
  struct Options {
    mqtt::Options mqtt;
    std::string city;
    std::string controller_id;
    std::vector<std::string> signs;
    std::chrono::milliseconds heartbeat{30'000};
  };
  // Called on the network thread with each content shown.
  using ShowHandler =
      std::function<void(const std::string& sign, const ReferenceController::Shown& shown)>;

  static Result<std::unique_ptr<MqttReferenceController>> Start(Options options,
                                                                ShowHandler on_show = nullptr);
  ~MqttReferenceController();

  // While paused the controller neither acknowledges nor heart-beats (a hung controller that
  // keeps its connection); on resume it shows and acknowledges the newest content.
  void Pause(bool paused);
  void SetFaults(std::vector<std::string> faults);
  std::optional<ReferenceController::Shown> Showing(const std::string& sign) const;
  mqtt::Client& client() { return *client_; }

 private:
  explicit MqttReferenceController(Options options, ShowHandler on_show);
  void OnMessage(std::string_view topic, std::string_view payload);
  void Show(const std::string& sign, const std::string& payload);
  void SendHeartbeat();

  const Options options_;
  ShowHandler on_show_;
  std::unique_ptr<mqtt::Client> client_;
  // client_ as the network thread may see it: null until Start() has it (a connection can come
  // up before mqtt::Client::Start returns).
  std::atomic<mqtt::Client*> ready_{nullptr};
  mutable std::mutex mutex_;
  ReferenceController controller_;             // guarded by mutex_
  std::map<std::string, std::string> latest_;  // newest payload per sign; guarded
  bool paused_ = false;                        // guarded by mutex_
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;  // guarded by stop_mutex_
  std::thread heartbeat_;
};

}  // namespace pg::signs
