// The reference sign controller of docs/api/signs.md, and an in-process transport for it.
//
// ReferenceController is the protocol without a transport: it takes a content message, checks
// it, "shows" it (keeps it) and answers with the acknowledgement; it builds heartbeats. The
// `parkguide sign-controller` command drives it over MQTT (mqtt_sign_link.h); the demo and the
// scenario tests drive it in process through LoopbackPublisher, which hands every published
// content straight to the controller and its acknowledgement straight back to the SignService.
//
//   LoopbackPublisher loop(service);
//   loop.AddController("VMS-01");
//   service.AddPublisher(loop);
//   loop.Heartbeat(clock.Now());   // every heartbeat interval
//   loop.Silence("VMS-01", true);  // the controller stops answering (tests: going offline)
//
// Thread-safety: ReferenceController is not thread-safe (one transport thread drives it);
// LoopbackPublisher is safe to call from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "signs/content.h"
#include "signs/sign_service.h"

namespace pg::signs {

class ReferenceController {
 public:
  explicit ReferenceController(std::string controller_id);

  const std::string& id() const { return id_; }

  struct Shown {
    int64_t seq = 0;
    SignContent content;
    Timestamp since;
  };

  // A content message for `sign`: shown, and its acknowledgement payload returned
  // ({"seq": n, "controller": "...", "time": "..."}). Always the newest on its topic, so it is
  // shown even when its seq is lower than the one shown (after the server's store was restored).
  // Errors: kInvalidArgument when the payload is not a content message for `sign` (the sign
  // keeps what it shows).
  Result<std::optional<std::string>> OnContent(std::string_view sign, std::string_view payload,
                                               Timestamp now);

  // {"controller": "...", "time": "...", "signs": [...], "faults": [...]}
  std::string HeartbeatPayload(Timestamp now) const;

  // Faults to report in heartbeats (a dead LED module, a door open).
  void SetFaults(std::vector<std::string> faults) { faults_ = std::move(faults); }

  // What a sign shows; nullopt before its first content.
  std::optional<Shown> Showing(std::string_view sign) const;
  std::vector<std::string> signs() const;

 private:
  std::string id_;
  std::map<std::string, Shown, std::less<>> shown_;
  std::vector<std::string> faults_;
};

// A SignPublisher that delivers to in-process reference controllers.
class LoopbackPublisher final : public SignPublisher {
 public:
  // `service` receives the acknowledgements and heartbeats; it must outlive this publisher.
  explicit LoopbackPublisher(SignService& service);

  // Adds a controller. Messages for controllers not added are dropped (as if nothing listened).
  void AddController(const std::string& controller_id);
  // A silenced controller neither takes contents nor sends heartbeats (a cut cable); unsilenced,
  // it catches up with the newest content of each of its signs, as a reconnecting MQTT client
  // gets the retained messages.
  void Silence(const std::string& controller_id, bool silent);
  void SetFaults(const std::string& controller_id, std::vector<std::string> faults);

  // Sends a heartbeat from every controller that is not silenced.
  void Heartbeat(Timestamp now);
  // Sends a heartbeat from one controller unless it is silenced.
  void HeartbeatFrom(const std::string& controller_id, Timestamp now);

  // What the controller shows on a sign; nullopt when nothing (or no such controller).
  std::optional<ReferenceController::Shown> Showing(const std::string& controller_id,
                                                    std::string_view sign) const;

  Status Publish(const SignMessage& message) override;

  void set_clock(const Clock* clock) { clock_ = clock; }

 private:
  struct Entry {
    std::unique_ptr<ReferenceController> controller;
    bool silent = false;
    std::map<std::string, SignMessage> retained;  // newest message per sign
  };
  void Deliver(Entry& entry, const SignMessage& message);
  void HeartbeatOf(const std::string* only, Timestamp now);

  SignService& service_;
  const Clock* clock_ = &SystemClock::Instance();
  mutable std::mutex mutex_;
  std::map<std::string, Entry> controllers_;  // guarded by mutex_
};

}  // namespace pg::signs
