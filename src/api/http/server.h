// Server: parkguide's HTTP/1.1 transport — routing, limits, keep-alive and Server-Sent Events on
// a few io threads (Boost.Beast/Asio underneath; nothing of them shows here).
//
//   http::Server server({.port = 8080});
//   server.Route("GET", "/api/v1/facilities/{id}", FacilityHandler);
//   PG_RETURN_IF_ERROR(server.Start());
//   ...
//   server.Stop();   // or let the destructor do it
//
// What it does for every route, so handlers need not:
//   - 404 problem+json when no pattern matches; 405 with Allow when one matches but not the
//     method; HEAD served by the GET handler without the body; OPTIONS answered with Allow (and
//     the CORS preflight headers when `cors_allow_origin` is set).
//   - 400 problem+json, then close, for a request that cannot be parsed (bad framing, bad
//     percent-encoding); 431 for headers over `max_header_bytes`; 413 naming the limit for a body
//     over `max_body_bytes` — a declared Content-Length over it is refused before any of the body
//     is read, a chunked body as soon as it crosses it, so no more than the limit is buffered;
//     503 with Retry-After when `max_connections` connections are already open.
//   - Before any of a body is read, and before "100 Continue": the route's admission check
//     (RouteOptions::admit: the key, from the headers), the caller's limits (429 with
//     Retry-After, per address and per client) and the budget of bodies being read by the whole
//     server (503 with Retry-After) — so a caller without a key, or one of thousands, cannot
//     make the server hold its bytes.
//   - RouteOptions::on_worker handlers run on a bounded worker pool (503 past its queue), never
//     on the io threads that ingest and guidance need.
//   - 500 problem+json when a handler throws; the exception is logged, the server keeps serving.
//   - Date, Server: parkguide, Content-Length, Connection; requests on one connection are handled
//     one at a time in order, so pipelined requests get their responses in order.
//   - For an EventStream response: chunked text/event-stream with Cache-Control: no-cache and
//     X-Accel-Buffering: no, a ": ping" comment every `stream_heartbeat_interval`, and the
//     bounded queue described in event_stream.h.
//
// Not done: TLS (put a proxy in front), HTTP/2, compression, Expect values other than
// 100-continue (ignored), trailing-slash or catch-all routes.
//
// Thread-safety: Route() only before Start(). Start(), Stop(), port() and stats() may be called
// from any thread; handlers run concurrently on the io threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/http/event_stream.h"
#include "api/http/limits.h"
#include "api/http/message.h"
#include "api/http/websocket.h"
#include "core/clock.h"
#include "core/prometheus_text.h"
#include "core/status.h"

namespace pg::api::http {

struct ServerOptions {
  // A numeric IPv4/IPv6 address or a host name resolved at Start(); "::" listens on both families
  // where the system allows.
  std::string bind_address = "0.0.0.0";
  uint16_t port = 0;   // 0: an ephemeral port, see Server::port()
  int io_threads = 0;  // <= 0: std::thread::hardware_concurrency()
  size_t max_body_bytes = size_t{16} << 20;
  size_t max_header_bytes = size_t{32} << 10;  // request line and all header fields
  // Open connections, event streams included; lowered at Start() to fit the process's open-file
  // limit (RLIMIT_NOFILE) with room for the files the rest of the process needs. One more is
  // accepted only to be answered 503 and closed.
  size_t max_connections = 10'000;
  // The request bodies being read, all together: a request that would take the server past it
  // is answered 503 with Retry-After before its body is read (a chunked one as it crosses it).
  size_t max_buffered_body_bytes = size_t{256} << 20;
  // What one caller may have in flight and send per second: by its address, and by the client a
  // route's admission check names (a key) across addresses. Past either: 429 with Retry-After.
  // A long-poll or an event stream stops counting once it waits.
  RequestLimits per_address{.max_concurrent = 256, .per_second = 2000, .burst = 4000};
  RequestLimits per_client{.max_concurrent = 128, .per_second = 2000, .burst = 4000};
  size_t max_streams_per_address = 64;  // event streams open at once from one address
  // Threads and queue of the pool that runs RouteOptions::on_worker handlers; threads <= 0:
  // half the hardware threads, at least one. Past the queue: 503 with Retry-After.
  int worker_threads = 0;
  size_t worker_queue = 256;
  // A new connection must deliver its first request's header within this time, and any later
  // request's header within it once its first byte has arrived.
  std::chrono::milliseconds header_read_timeout{10'000};
  // How long a keep-alive connection may sit between requests.
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds body_read_timeout{60'000};
  // How long one write (a response, a batch of events) may wait for the client to read it.
  std::chrono::milliseconds write_timeout{30'000};
  // Bound of each event stream's queue, and of all of them together, see event_stream.h.
  size_t stream_max_queued_bytes = size_t{1} << 20;
  size_t streams_max_queued_bytes = size_t{128} << 20;
  std::chrono::milliseconds stream_heartbeat_interval{15'000};
  // How long Stop() lets in-flight requests finish before cutting connections.
  std::chrono::milliseconds shutdown_timeout{10'000};
  // When not empty, sent as Access-Control-Allow-Origin on every response ("*" or an origin).
  std::string cors_allow_origin;
  // For the Date header; nullptr means SystemClock::Instance(). Must outlive the server.
  const Clock* clock = nullptr;
};

// Counters since Start(), for /metrics. Read without a lock, so a snapshot may be torn between
// counters.
struct ServerStats {
  uint64_t connections_open = 0;  // event streams included
  uint64_t connections_accepted = 0;
  uint64_t connections_rejected = 0;  // answered 503: max_connections were open
  uint64_t requests = 0;              // requests that reached routing
  uint64_t handler_exceptions = 0;    // answered 500
  uint64_t streams_open = 0;
  uint64_t streams_dropped_slow = 0;  // disconnected for exceeding the queue bound or share
  uint64_t requests_limited = 0;      // answered 429: a per-address or per-client limit
  uint64_t bodies_over_budget = 0;    // answered 503: max_buffered_body_bytes were being read
  uint64_t worker_rejected = 0;       // answered 503: worker_queue reads were waiting
  uint64_t body_bytes_buffered = 0;   // now
  uint64_t stream_bytes_queued = 0;   // now, all event streams together
  uint64_t worker_queued = 0;         // now
  uint64_t connection_cap = 0;        // max_connections within the open-file limit
};

// The server's requests, connections and event streams as Prometheus metrics (GET /metrics).
void AppendHttpMetrics(const ServerStats& stats, PrometheusText& out);

namespace internal {
class ServerCore;
}

class Server {
 public:
  explicit Server(ServerOptions options);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // Calls Stop().
  ~Server();

  // Serves `method` (as sent, e.g. "GET", "POST") on `pattern` with `handler`; see router.h for
  // the pattern syntax and precedence. A later Route() of the same method and pattern replaces
  // the earlier one.
  // REQUIRES: Start() has not been called; `pattern` starts with '/' and "{name}" segments are
  // whole segments.
  void Route(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  // Serves WebSocket upgrades (GET) on `pattern` with `handler` (websocket.h); `options.admit`
  // runs first as for any route. REQUIRES: as Route().
  void WebSocket(std::string pattern, WebSocketHandler handler, RouteOptions options = {});

  // Binds, listens and starts the io threads. Errors: kInvalidArgument (field "bind_address")
  // when the address does not resolve; kUnavailable naming address and port when the socket
  // cannot be bound or listened on (port in use, no permission); kFailedPrecondition when called
  // a second time — a Server starts once.
  Status Start();

  // The port listened on (the ephemeral one when options.port was 0); 0 before Start().
  uint16_t port() const;

  // Graceful stop: stops accepting, closes idle keep-alive connections, lets in-flight requests
  // finish (their responses say Connection: close), ends event streams, then joins the io
  // threads. Connections still open after options.shutdown_timeout are cut. Returns when every
  // thread has ended. Idempotent; a no-op before Start().
  void Stop();

  ServerStats stats() const;

 private:
  std::unique_ptr<internal::ServerCore> core_;
};

}  // namespace pg::api::http
