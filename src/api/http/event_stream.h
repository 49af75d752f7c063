// EventStream: one Server-Sent Events client, fed from any thread.
//
// A handler creates the stream, hands it to whoever produces events (a subscription) and
// returns it in the Response; the server then sends the headers and every pushed event:
//
//   server.Route("GET", "/api/v1/stream", [&bus](const http::Request& req) {
//     auto stream = std::make_shared<http::EventStream>();
//     bus.Subscribe(stream, req.Header("last-event-id"));   // Push()es from the bus thread
//     return http::Response::Stream(stream);
//   });
//
// Backpressure: events wait in a per-client queue bounded by ServerOptions::
// stream_max_queued_bytes (bytes pushed but not yet accepted by the socket). A Push that would
// exceed it closes the stream and disconnects the client instead of letting memory grow; the
// client reconnects with Last-Event-ID and catches up from a snapshot. All of a server's streams
// together are bounded too (ServerOptions::streams_max_queued_bytes, a StreamBudget): while
// they hold more than that, a Push into a stream holding more than its equal share of it drops
// that stream — thousands of clients that stop reading cannot each fill a queue. Events pushed
// before the server takes the stream (inside the handler) are kept and bounded by the default.
//
// Lifetime: shared by the producer and the server's connection; either side may drop its
// reference first. Once closed — by Close(), by the client going away, by a slow client's
// overflow or by Server::Stop() — a stream stays closed; Push returns false so a producer knows
// to drop its subscription.
//
// Thread-safety: every member function may be called from any thread concurrently.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace pg::api::http {

namespace internal {
class Connection;
}

// The wire form of one event: "id: <id>\n" (when given), "event: <name>\n" (when not empty),
// one "data: <line>\n" per line of `data` (split at "\r\n", "\n" or "\r", so a client rebuilds
// the same text with "\n" between lines), then a blank line. CR and LF in `event_name` are
// dropped: a name cannot span lines.
std::string FormatEvent(std::string_view event_name, std::string_view data,
                        std::optional<uint64_t> id = {});

// The queued bytes of every stream of one server, and each stream's share of the budget.
// Thread-safety: any thread; the figures are read without a lock, so a check may see a total a
// moment old.
class StreamBudget {
 public:
  explicit StreamBudget(size_t budget_bytes) : budget_(budget_bytes) {}
  // Whether a stream holding `queued` bytes must go: the streams together are over budget and
  // this one holds more than budget / open streams.
  bool OverShare(size_t queued) const;
  size_t queued() const { return queued_.load(std::memory_order_relaxed); }
  size_t streams() const { return streams_.load(std::memory_order_relaxed); }

 private:
  friend class EventStream;
  const size_t budget_;
  std::atomic<size_t> queued_{0};
  std::atomic<size_t> streams_{0};
};

class EventStream {
 public:
  // Before the server takes a stream, its queue is bounded by this many bytes.
  static constexpr size_t kDefaultMaxQueuedBytes = size_t{1} << 20;
  // An idle stream keeps buffers up to this size for reuse and frees larger ones, so a burst
  // does not pin memory on each of thousands of clients.
  static constexpr size_t kRetainedBufferBytes = size_t{16} << 10;

  EventStream() = default;
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;
  ~EventStream() = default;

  // Queues one event for the client (see FormatEvent for the framing). Returns false, and
  // queues nothing, when the stream is closed — including when this event would have taken the
  // queue past its bound, which closes the stream and disconnects the client.
  bool Push(std::string_view event_name, std::string_view data, std::optional<uint64_t> id = {});

  // Queues bytes already framed by FormatEvent (one event or several back to back), so a
  // producer fanning one event out to thousands of clients formats it once. Returns as Push.
  // REQUIRES: `framed` is the output of FormatEvent calls, unchanged.
  bool PushFramed(std::string_view framed);

  // Ends the stream from the producer's side: events already pushed are still sent, then the
  // response ends. Idempotent.
  void Close();

  // True once the stream can carry no more events, for whatever reason.
  bool closed() const;

 private:
  friend class internal::Connection;

  enum class State {
    kOpen,
    kClosing,  // Close() was called: send what is queued, then end the response
    kDropped,  // the client is gone or fell behind: discard the queue, disconnect
  };

  // --- used by the server's connection, on its own strand ---
  // Sets the bound, the server's budget (may be null) and the callback that schedules a write.
  // `wake` is called, with the stream's lock held, from whichever thread pushes into an idle
  // queue, so it must only post work and never call back into this stream. `budget` must
  // outlive the stream's attachment (until Detach).
  void Attach(size_t max_queued_bytes, StreamBudget* budget, std::function<void()> wake);
  // Moves the queued bytes into `out` (replacing its contents) and counts them as in flight
  // until WriteDone(). Returns the state to act on.
  State Take(std::string& out);
  void WriteDone();
  bool dropped() const;
  // Queues an SSE comment (": <text>"), for heartbeats.
  bool PushComment(std::string_view text);
  // The connection is gone: the stream closes for good and releases the callback.
  void Detach();

  // Appends bytes built by `append` to the queue when open and within bound; see Push.
  template <typename AppendFn>
  bool Enqueue(AppendFn append);
  // Whether the bytes queued and in flight pass this stream's bound or its share of the budget.
  bool OverBound() const;
  // Discards the queue; the stream is dropped. REQUIRES: mu_ held.
  void DropQueue();
  // Brings what this stream counts against the budget up to date. REQUIRES: mu_ held.
  void Recharge();

  mutable std::mutex mu_;
  State state_ = State::kOpen;                        // guarded by mu_
  std::string queue_;                                 // guarded by mu_
  size_t in_flight_bytes_ = 0;                        // guarded by mu_
  size_t in_flight_capacity_ = 0;                     // guarded by mu_: the buffer's size
  size_t charged_ = 0;  // guarded by mu_: what the budget counts for this stream
  size_t max_queued_bytes_ = kDefaultMaxQueuedBytes;  // guarded by mu_
  StreamBudget* budget_ = nullptr;                    // guarded by mu_; set while attached
  bool wake_pending_ = false;   // a write is already scheduled; guarded by mu_
  std::function<void()> wake_;  // empty until attached and after detach; guarded by mu_
};

}  // namespace pg::api::http
