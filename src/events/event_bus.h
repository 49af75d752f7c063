// EventBus: the in-process change bus. The live state publishes what changed; the SSE stream,
// signs, history and alerts subscribe — so state does not know who listens (SPEC §3: "every
// change is pushed to listeners as it happens").
//
//   EventBus bus(65536, api::RenderLiveEvent);  // starts its delivery thread
//   auto sub = bus.SubscribeFrom(last_id, [](const EventPtr& e) { return Send(*e); },
//                                &missed);   // resume: `missed` holds what came after last_id
//   bus.Publish({event});                   // producer: never blocks on subscribers
//
// An event carries what changed as its producer's typed value (`payload`); in-process subscribers
// read that. The stream's JSON line (`data`) is written once, at publication, by the renderer the
// bus was given, so the producer does not know the wire format and nobody parses it back.
//
// Events carry increasing ids that are stable across restarts (the live state derives them
// from the journal), so a client can resume with Last-Event-ID. The bus keeps the newest
// `history` events for that; a client asking for older ones is told it missed some (then it
// needs a fresh snapshot).
//
// Delivery: Publish only queues; one delivery thread calls each subscriber in id order. A
// callback must be quick (queue the bytes, never block); returning false ends its subscription.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <any>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/geo.h"

namespace pg::events {

struct Event {
  uint64_t id = 0;
  std::string type;                // "facility", "zone", "charger", "source"
  std::string subject;             // the id of what changed
  std::string facility;            // the facility it belongs to, for filters ("" when none)
  std::optional<LatLon> location;  // for bounding-box filters
  // What changed, typed by the producer (state/live_change.h: FacilityChange, ChargerChange,
  // SourceChange); read with std::any_cast.
  std::any payload;
  // The stream's JSON, one line: written by the bus's renderer at publication unless the producer
  // set it (events no renderer knows, such as the stream's own "sync").
  std::string data;
  // False for events outside the replayed id sequence (alerts): delivered live, without an id,
  // not kept for resumption; `id` is then the id of the newest resumable event before it.
  bool resumable = true;
  // The Server-Sent Events framing of this event ("id: …\nevent: …\ndata: …\n\n"), built once
  // at publication so fan-out to thousands of clients copies bytes only.
  std::string framed;
};
using EventPtr = std::shared_ptr<const Event>;

// The SSE framing used for Event::framed. REQUIRES: `data` has no line breaks.
std::string FrameEvent(const Event& event);

class EventBus {
 public:
  // Writes Event::data of an event (one line of JSON, no line breaks). Called once per event, on
  // the publishing thread, before the event is kept or delivered.
  using Renderer = std::function<std::string(const Event&)>;

  // `render` null: events are kept and delivered with the data their producer set.
  explicit EventBus(size_t history = 65536, Renderer render = nullptr);
  ~EventBus();  // stops the delivery thread; pending events are dropped
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Queues events for delivery. REQUIRES: ids increase across calls. Events with a gap before
  // them (ids not consecutive with the previous) restart the history: resuming across a gap is
  // impossible, so clients are told they missed events.
  void Publish(std::vector<Event> events);

  // True when someone subscribes; a producer may skip rendering events when nobody does.
  bool HasSubscribers() const;

  using Callback = std::function<bool(const EventPtr&)>;
  // Subscribes to every event published after this call. When `after_id` is set, also puts the
  // held events with ids > *after_id into *missed (in order), or sets *missed to nullopt when
  // some of them are no longer held; the callback then sees only later events, so nothing is
  // seen twice or skipped. Returns the subscription id.
  uint64_t SubscribeFrom(std::optional<uint64_t> after_id, Callback callback,
                         std::optional<std::vector<EventPtr>>* missed = nullptr);
  void Unsubscribe(uint64_t subscription);

  // The newest id published; 0 before any.
  uint64_t last_id() const;
  size_t subscribers() const;

 private:
  struct Subscriber {
    Callback callback;
    uint64_t delivered_up_to = 0;  // events with ids at or below were handed over already
  };
  void Run();

  const size_t history_limit_;
  const Renderer render_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<EventPtr> history_;    // guarded by mu_
  std::deque<EventPtr> pending_;    // guarded by mu_: published, not yet delivered
  uint64_t last_id_ = 0;            // guarded by mu_
  uint64_t next_subscription_ = 1;  // guarded by mu_
  std::unordered_map<uint64_t, std::shared_ptr<Subscriber>> subscribers_;  // guarded by mu_
  bool stop_ = false;                                                      // guarded by mu_
  std::thread thread_;
};

}  // namespace pg::events
