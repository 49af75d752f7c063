#include "api/http/server.h"

#include <fmt/format.h>

#include <malloc.h>
#include <sys/resource.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/http/limits.h"
#include "api/http/router.h"
#include "api/http/worker_pool.h"
#include "core/log.h"
#include "core/strings.h"

namespace pg::api::http {
namespace internal {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// A new or idle connection reads at most this much while waiting for a request; small, because
// thousands of idle keep-alive connections each keep their buffer.
constexpr size_t kIdleReadBytes = 2048;
// After an error response that leaves request bytes unread (413, 400, 503), the server reads and
// discards for up to this long / this much before closing, so the client sees the response
// instead of a connection reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerMaxBytes = size_t{4} << 20;
// Stop() gives an event stream this long to flush what is queued and end cleanly.
constexpr auto kStreamShutdownFlush = std::chrono::milliseconds(1000);
// After Stop() cuts the connections still open at shutdown_timeout, how long it waits for them
// to be gone before stopping the io threads outright.
constexpr auto kForceCloseGrace = std::chrono::seconds(2);
// After an accept error (typically out of file descriptors), wait before accepting again rather
// than spin.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// A failed accept repeats every kAcceptRetryDelay while it lasts; the log says so once in this.
constexpr auto kAcceptLogInterval = std::chrono::seconds(10);
constexpr auto kHousekeepingInterval = std::chrono::seconds(5);

// Beast 1.74 speaks boost::string_view; parkguide speaks std::string_view.
std::string_view ToStd(beast::string_view s) { return {s.data(), s.size()}; }

bool EqualsIgnoreCase(beast::string_view a, beast::string_view b) { return beast::iequals(a, b); }

// RFC 9110 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string FormatHttpDate(Timestamp now) {
  using namespace std::chrono;  // NOLINT(google-build-using-namespace): calendar types
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto secs = floor<seconds>(now);
  auto day = floor<days>(secs);
  year_month_day ymd{day};
  weekday wd{day};
  hh_mm_ss hms{secs - day};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[wd.c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

// What max_connections can be within the process's open-file limit: every connection is a
// descriptor, and the journal, the database, the broker and the logs need some too.
size_t ConnectionCap(size_t max_connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return max_connections;
  }
  const auto files = static_cast<size_t>(limit.rlim_cur);
  const size_t headroom = std::max<size_t>(64, files / 8);
  return std::min(max_connections, files > headroom ? files - headroom : size_t{1});
}

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

}  // namespace

class Connection;

class ServerCore {
 public:
  explicit ServerCore(ServerOptions options);
  ~ServerCore();

  // REQUIRES: Start() has not been called: the router is read without a lock once it has.
  void AddRoute(std::string method, std::string pattern, Handler handler,
                RouteOptions route_options) {
    std::lock_guard lock(lifecycle_mu_);
    PG_ASSERT(!started_ && !stopped_ && "Route() after Start()");
    router.Add(std::move(method), std::move(pattern), std::move(handler), std::move(route_options));
  }
  Status Start();
  void Stop();
  uint16_t port() const { return port_.load(); }
  ServerStats stats() const;
  // True once Stop() has begun.
  bool stopping() const { return stopping_flag_.load(std::memory_order_acquire); }

  // Adds a connection to the set Stop() shuts down. Returns false when Stop() has begun: the
  // connection must then close without serving.
  bool Register(const std::shared_ptr<Connection>& connection);
  void Unregister(Connection* connection, bool admitted);

  // The Date header value; formatted at most once a second per io thread.
  const std::string& DateHeader() const;

  const ServerOptions options;
  Router router;

  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_rejected{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> handler_exceptions{0};
  std::atomic<uint64_t> streams_open{0};
  std::atomic<uint64_t> streams_dropped_slow{0};
  std::atomic<uint64_t> streams_closed{0};
  std::atomic<uint64_t> requests_limited{0};    // answered 429
  std::atomic<uint64_t> bodies_over_budget{0};  // answered 503: too many bodies being read
  std::atomic<uint64_t> worker_rejected{0};     // answered 503: the worker queue was full

  ClientLimits limits;
  BodyBudget body_budget;
  StreamBudget stream_budget;
  WorkerPool workers;

 private:
  void DoAccept();
  void OnAccept(const beast::error_code& ec, tcp::socket socket);
  // Waits up to `timeout` for every connection to be gone; true when they are.
  bool WaitForConnections(std::chrono::milliseconds timeout);
  std::vector<std::shared_ptr<Connection>> LiveConnections();

  // Every few seconds: gives memory freed by closed event streams back to the system.
  void Housekeep();
  // Logs a failed accept at most once per kAcceptLogInterval, with the count of the others.
  void LogAcceptFailure(const beast::error_code& ec);

  const Clock& clock_;
  const int thread_count_;
  const size_t connection_cap_;  // max_connections within the process's file descriptors
  // On the acceptor's strand.
  std::chrono::steady_clock::time_point accept_logged_{};
  uint64_t accept_failures_unlogged_ = 0;
  uint64_t streams_closed_at_trim_ = 0;

  std::mutex lifecycle_mu_;  // serialises Start() and Stop()
  bool started_ = false;     // guarded by lifecycle_mu_
  bool stopped_ = false;     // guarded by lifecycle_mu_
  std::atomic<uint16_t> port_{0};

  // Declared before io_context_: connections destroyed with the io_context's pending handlers
  // unregister themselves here.
  mutable std::mutex connections_mu_;
  std::condition_variable connections_cv_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;  // guarded
  bool stopping_ = false;                                                   // guarded
  std::atomic<bool> stopping_flag_{false};  // stopping_, readable without the lock
  std::atomic<size_t> connections_open_{0};
  std::atomic<size_t> admitted_open_{0};

  net::io_context io_context_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;  // on its own strand
  net::steady_timer accept_retry_;
  net::steady_timer housekeeping_;  // on the acceptor's strand
  std::vector<std::thread> threads_;
};

// One client connection: reads requests one at a time, answers each, and may turn into an
// event stream. Every member runs on the connection's strand except Start(), Shutdown() and
// ForceClose(), which only post to it.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, ServerCore& core, bool admitted)
      : core_(core),
        stream_(std::move(socket)),
        admitted_(admitted),
        heartbeat_(stream_.get_executor()) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = endpoint.address().to_string();
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  ~Connection() {
    if (event_stream_) event_stream_->Detach();
    core_.Unregister(this, admitted_);
  }

  void Start() {
    shutting_down_ = !core_.Register(shared_from_this());
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadRequest(); });
  }

  void Shutdown() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->OnShutdown(); });
  }

  void ForceClose() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

  // Only once every io thread has ended: no handler can run concurrently.
  void DetachStreamAfterStop() {
    if (event_stream_) event_stream_->Detach();
  }

 private:
  enum class Phase {
    kIdle,  // waiting for the first byte of a request
    kReadingHeader,
    kReadingBody,
    kHandling,
    kWriting,
    kStreaming,
    kLingering,  // answered an error; discarding input until the client closes
    kWebSocket,  // upgraded: messages both ways until either side closes
    kClosed,
  };

  void ReadRequest() {
    if (phase_ == Phase::kClosed) return;
    if (shutting_down_ && buffer_.size() == 0) return Close();
    request_.reset();
    route_ = nullptr;
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(std::min<size_t>(core_.options.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(core_.options.max_body_bytes);
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here

    phase_ = Phase::kIdle;
    if (buffer_.capacity() > 4 * kIdleReadBytes) buffer_.shrink_to_fit();
    stream_.expires_after(first_request_ ? core_.options.header_read_timeout
                                         : core_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kIdleReadBytes),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->buffer_.commit(n);
                              if (self->phase_ == Phase::kClosed) return;
                              // EOF, reset, idle timeout, or Shutdown() closing an idle socket.
                              if (ec) return self->Close();
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    phase_ = Phase::kReadingHeader;
    stream_.expires_after(core_.options.header_read_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (ec) return OnReadError(ec);
    const auto& header = parser_->get();
    version_ = header.version();
    if (!admitted_) {
      core_.connections_rejected.fetch_add(1, std::memory_order_relaxed);
      Response r = Response::Problem(503, "Service Unavailable",
                                     "the server has too many open connections; retry shortly");
      r.headers.emplace_back("Retry-After", "1");
      return SendResponse(std::move(r), /*keep_alive=*/false, /*head_only=*/false,
                          /*linger=*/true);
    }
    if (auto early = AdmitRequest()) {
      // The body, if any, was never read: the connection cannot carry another request.
      const bool body_unread = !parser_->is_done() || early->close;
      const bool keep_alive = !body_unread && header.keep_alive() && !shutting_down_;
      return SendResponse(std::move(early->response), keep_alive,
                          request_ && request_->method == "HEAD", body_unread);
    }
    if (parser_->is_done()) return Dispatch();
    body_deadline_ = std::chrono::steady_clock::now() + core_.options.body_read_timeout;
    if (version_ >= 11 && EqualsIgnoreCase(header[bhttp::field::expect], "100-continue")) {
      // The client waits for this before sending the body; a request refused above (no key,
      // over a limit, a Content-Length over the limit) never gets it, so never sends the body.
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      phase_ = Phase::kWriting;
      stream_.expires_after(core_.options.write_timeout);
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = shared_from_this()](beast::error_code write_ec, size_t) {
                         if (self->phase_ == Phase::kClosed) return;
                         if (write_ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  struct EarlyAnswer {
    Response response;
    bool close = false;  // the request cannot be framed: close after answering
  };

  // Everything decided from the head, before any of the body is read: the target, the route,
  // the route's admission check, the caller's limits and the server's body budget. nullopt
  // when the request may go on; its head is then in request_ and its route in route_.
  std::optional<EarlyAnswer> AdmitRequest() {
    core_.requests.fetch_add(1, std::memory_order_relaxed);
    const auto& header = parser_->get();
    auto target = ParseTarget(ToStd(header.target()));
    if (!target.ok()) {
      const Status& s = target.status();
      return EarlyAnswer{Response::Problem(400, "Bad Request", s.message(), s.field()), true};
    }
    Request& request = request_.emplace();
    request.method = std::string(ToStd(header.method_string()));
    request.path = std::move(target->path);
    request.raw_query = std::move(target->raw_query);
    request.query = std::move(target->query);
    request.headers.reserve(std::distance(header.begin(), header.end()));
    for (const auto& field : header) {
      request.headers.emplace_back(ToLowerAscii(ToStd(field.name_string())),
                                   std::string(ToStd(field.value())));
    }
    request.remote_address = remote_address_;

    Router::Match match = core_.router.Find(request.method, target->segments);
    if (match.outcome != Router::Outcome::kFound) return EarlyAnswer{RouteMiss(request, match)};
    request.path_params = std::move(match.params);
    route_ = match.route;

    Admission admission = route_->options.admit
                              ? RunGuarded(request, [&] { return route_->options.admit(request); })
                              : Admission::Admit();
    if (admission.refusal) return EarlyAnswer{std::move(*admission.refusal)};
    if (auto refused = core_.limits.Acquire(remote_address_, admission.client, slot_)) {
      core_.requests_limited.fetch_add(1, std::memory_order_relaxed);
      return EarlyAnswer{Busy(429, "Too Many Requests", refused->detail, refused->retry_after_s)};
    }
    body_charge_ = BodyCharge(&core_.body_budget);
    auto declared = parser_->content_length();
    if (!parser_->is_done() && declared && !body_charge_.GrowTo(*declared)) return OverBudget();
    return std::nullopt;
  }

  EarlyAnswer OverBudget() {
    core_.bodies_over_budget.fetch_add(1, std::memory_order_relaxed);
    return EarlyAnswer{Busy(503, "Service Unavailable",
                            "the server is receiving too many request bodies at once; retry "
                            "shortly",
                            1)};
  }

  static Response Busy(int status, std::string_view title, std::string_view detail,
                       int retry_after_s) {
    Response r = Response::Problem(status, title, detail);
    r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    return r;
  }

  // Reads the body piece by piece, charging what it holds to the server's budget (a chunked
  // body declares no length up front), within one deadline for the whole body.
  void ReadBody() {
    phase_ = Phase::kReadingBody;
    stream_.expires_at(body_deadline_);
    bhttp::async_read_some(
        stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
          if (self->phase_ == Phase::kClosed) return;
          if (ec) return self->OnReadError(ec);
          if (!self->body_charge_.GrowTo(self->parser_->get().body().capacity())) {
            EarlyAnswer over = self->OverBudget();
            return self->SendResponse(std::move(over.response), false, false, true);
          }
          if (self->parser_->is_done()) return self->Dispatch();
          self->ReadBody();
        });
  }

  void OnReadError(const beast::error_code& ec) {
    if (ec == bhttp::error::body_limit) {
      return SendResponse(
          Response::Problem(413, "Content Too Large",
                            fmt::format("the request body exceeds the limit of {} bytes",
                                        core_.options.max_body_bytes)),
          false, false, true);
    }
    if (ec == bhttp::error::header_limit) {
      return SendResponse(
          Response::Problem(431, "Request Header Fields Too Large",
                            fmt::format("the request line and headers exceed the limit of {} bytes",
                                        core_.options.max_header_bytes)),
          false, false, true);
    }
    // end_of_stream and partial_message mean the client went away; nobody is left to answer.
    if (IsHttpParseError(ec) && ec != bhttp::error::end_of_stream &&
        ec != bhttp::error::partial_message) {
      return SendResponse(
          Response::Problem(400, "Bad Request", fmt::format("malformed request: {}", ec.message())),
          false, false, true);
    }
    Close();
  }

  void Dispatch() {
    phase_ = Phase::kHandling;
    bhttp::request<bhttp::string_body> message = parser_->release();
    parser_.reset();
    const bool keep_alive = message.keep_alive() && !shutting_down_;
    Request request = std::move(*request_);
    request_.reset();
    if (route_->options.websocket) {
      const WebSocketRoute& ws_route = *route_->options.websocket;
      route_ = nullptr;
      return Upgrade(ws_route, message, std::move(request), keep_alive);
    }
    request.body = std::move(message.body());
    const bool head = request.method == "HEAD";
    const Router::Entry* route = route_;
    route_ = nullptr;
    if (route->options.on_worker) return Offload(route, std::move(request), keep_alive, head);
    Response response = RunGuarded(request, [&] { return route->handler(request); });
    body_charge_.Release();
    Respond(std::move(response), keep_alive, head);
  }

  // What a WebSocket handler sends through: posts to the connection's strand, where the
  // connection queues it; dropped once the connection is gone.
  class Sender final : public WebSocketSender {
   public:
    explicit Sender(std::weak_ptr<Connection> connection, beast::tcp_stream::executor_type ex)
        : connection_(std::move(connection)), executor_(std::move(ex)) {}
    void SendText(std::string text) override {
      net::post(executor_, [c = connection_, text = std::move(text)]() mutable {
        if (auto self = c.lock()) self->WsQueue(std::move(text));
      });
    }
    void Close(uint16_t code, std::string reason) override {
      net::post(executor_, [c = connection_, code, reason = std::move(reason)] {
        if (auto self = c.lock()) self->WsClose(code, reason);
      });
    }

   private:
    std::weak_ptr<Connection> connection_;
    beast::tcp_stream::executor_type executor_;
  };

  // A request on a WebSocket route: 426 unless it is an upgrade, else the handler accepts or
  // refuses it, and an accepted one becomes a WebSocket for the rest of the connection.
  void Upgrade(const WebSocketRoute& route, const bhttp::request<bhttp::string_body>& message,
               Request request, bool keep_alive) {
    body_charge_.Release();
    if (!websocket::is_upgrade(message)) {
      Response r = Response::Problem(426, "Upgrade Required",
                                     "this resource is a WebSocket: send an upgrade request");
      r.headers.emplace_back("Upgrade", "websocket");
      return SendResponse(std::move(r), keep_alive, false, /*linger=*/false);
    }
    auto sender = std::make_shared<Sender>(weak_from_this(), stream_.get_executor());
    WebSocketAccept accept = RunGuarded(request, [&] { return route.handler(request, sender); });
    if (accept.refusal || shutting_down_) {
      Response refusal =
          accept.refusal ? std::move(*accept.refusal)
                         : Response::Problem(503, "Service Unavailable", "the server is stopping");
      return SendResponse(std::move(refusal), /*keep_alive=*/false, false, /*linger=*/false);
    }
    ws_session_ = std::move(accept.session);
    slot_.Reset();  // an open WebSocket waits on its peer: not a request in flight
    phase_ = Phase::kWebSocket;
    stream_.expires_never();  // the WebSocket's own timeouts from here on
    ws_.emplace(stream_);
    ws_->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_->set_option(websocket::stream_base::decorator(
        [protocol = ws_session_.subprotocol](websocket::response_type& r) {
          r.set(bhttp::field::server, "parkguide");
          if (!protocol.empty()) r.set(bhttp::field::sec_websocket_protocol, protocol);
        }));
    ws_->read_message_max(ws_session_.max_message_bytes);
    ws_->text(true);
    ws_->async_accept(message, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Close();
      self->ws_accepted_ = true;
      self->WsRead();
      self->WsWriteNext();  // what was queued (or a close asked for) while accepting
    });
  }

  void WsRead() {
    ws_->async_read(ws_in_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (self->phase_ != Phase::kWebSocket) return;
      if (ec == websocket::error::message_too_big) {
        return self->WsClose(websocket::close_code::too_big, "message too big");
      }
      if (ec) {
        // Our close under way ended the read: its completion closes, once the frame is out.
        if (self->ws_close_ && self->ws_writing_) return;
        return self->Close();
      }
      if (!self->ws_->got_text()) {
        return self->WsClose(websocket::close_code::bad_payload, "text messages only");
      }
      std::string text = beast::buffers_to_string(self->ws_in_.data());
      self->ws_in_.consume(self->ws_in_.size());
      try {
        if (self->ws_session_.on_text) self->ws_session_.on_text(text);
      } catch (const std::exception& e) {
        self->core_.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
        PG_LOG_ERROR("http: websocket message handler failed: {}", e.what());
        return self->WsClose(websocket::close_code::internal_error, "");
      }
      self->WsRead();
    });
  }

  void WsQueue(std::string text) {
    if (phase_ != Phase::kWebSocket || ws_close_) return;
    // A peer that sends but does not read would make the queue grow without end: past the
    // bound of an event stream's queue it is dropped, as a slow event-stream reader is.
    ws_out_bytes_ += text.size();
    if (ws_out_bytes_ > core_.options.stream_max_queued_bytes) {
      core_.streams_dropped_slow.fetch_add(1, std::memory_order_relaxed);
      PG_LOG_WARNING("http: websocket peer {} dropped: it does not read what it is sent",
                     remote_address_);
      return Close();
    }
    ws_out_.push_back(std::move(text));
    if (!ws_writing_) WsWriteNext();
  }

  void WsClose(uint16_t code, std::string_view reason) {
    if (phase_ != Phase::kWebSocket || ws_close_) return;
    ws_close_ = websocket::close_reason(static_cast<websocket::close_code>(code),
                                        beast::string_view(reason.data(), reason.size()));
    if (!ws_writing_) WsWriteNext();
  }

  // Writes the queued messages one at a time, then the close frame when one was asked for; not
  // before the handshake is done (a close during it would interleave with its response).
  void WsWriteNext() {
    if (phase_ != Phase::kWebSocket || !ws_accepted_ || ws_writing_) return;
    if (ws_out_.empty()) {
      if (!ws_close_) return;
      ws_writing_ = true;
      // The peer's answer ends the pending read; a peer that never answers, the timeout.
      ws_->async_close(*ws_close_, [self = shared_from_this()](beast::error_code) {
        self->ws_writing_ = false;
        self->Close();
      });
      return;
    }
    ws_writing_ = true;
    ws_->async_write(net::buffer(ws_out_.front()),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->ws_writing_ = false;
                       if (ec) return self->Close();
                       self->ws_out_bytes_ -= self->ws_out_.front().size();
                       self->ws_out_.pop_front();
                       self->WsWriteNext();
                     });
  }

  // Runs the handler on the worker pool; the connection waits in kHandling as for any deferred
  // answer. The body's charge goes with the request and ends with the handler.
  void Offload(const Router::Entry* route, Request request, bool keep_alive, bool head) {
    struct Work {
      Request request;
      BodyCharge charge;
    };
    auto pending = std::make_shared<PendingResponse>();
    auto work = std::make_shared<Work>(Work{std::move(request), std::move(body_charge_)});
    auto job = [&core = core_, route, pending, work] {
      Response r = RunGuarded(core, work->request, [&] { return route->handler(work->request); });
      work->charge.Release();
      if (r.pending || r.stream) {
        r = Response::Problem(500, "Internal Server Error",
                              "a worker route must answer directly, not defer or stream");
      }
      pending->Respond(std::move(r));
    };
    if (!core_.workers.TryPost(std::move(job))) {
      core_.worker_rejected.fetch_add(1, std::memory_order_relaxed);
      return SendResponse(Busy(503, "Service Unavailable",
                               "the server has too many expensive reads queued; retry shortly", 1),
                          keep_alive, head, /*linger=*/false);
    }
    Respond(Response::Later(std::move(pending)), keep_alive, head);
  }

  void Respond(Response response, bool keep_alive, bool head) {
    if (response.pending) return AwaitPending(std::move(response.pending), keep_alive, head);
    if (response.stream && !head && response.status >= 200 && response.status < 300) {
      if (core_.limits.AcquireStream(remote_address_)) return StartStream(std::move(response));
      response.stream->Detach();
      core_.requests_limited.fetch_add(1, std::memory_order_relaxed);
      return SendResponse(Busy(429, "Too Many Requests",
                               fmt::format("too many event streams from {}: at most {} at once",
                                           remote_address_, core_.options.max_streams_per_address),
                               5),
                          keep_alive, head, /*linger=*/false);
    }
    if (response.stream) {
      // Nothing will read this stream; let its producer know.
      response.stream->Detach();
      response.stream.reset();
    }
    SendResponse(std::move(response), keep_alive, head, /*linger=*/false);
  }

  void AwaitPending(std::shared_ptr<PendingResponse> pending, bool keep_alive, bool head) {
    // Answered later from another thread; the connection waits in kHandling meanwhile.
    if (auto timeout = pending->timeout()) {
      // A long-poll: its fallback goes out when nothing comes in time (the heartbeat timer is
      // idle outside event streams), or at once when the server stops. It waits as long as the
      // client likes, so it does not count as a request in flight.
      slot_.Reset();
      pending_ = pending;
      heartbeat_.expires_after(*timeout);
      heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec && self->pending_) self->pending_->Expire();
      });
      if (shutting_down_) pending->Expire();
    }
    // The pending response owns the connection until it is answered: nothing else does while
    // no I/O is outstanding.
    pending->OnReady([self = shared_from_this(), keep_alive, head](Response later) {
      auto executor = self->stream_.get_executor();
      net::post(executor, [self, later = std::move(later), keep_alive, head]() mutable {
        if (self->pending_) {
          self->pending_.reset();
          self->heartbeat_.cancel();
        }
        if (self->phase_ != Phase::kHandling) return;
        if (later.pending || later.stream) {
          later = Response::Problem(500, "Internal Server Error",
                                    "a deferred response cannot be deferred again or stream");
        }
        self->SendResponse(std::move(later), keep_alive, head, /*linger=*/false);
      });
    });
  }

  // The answer when no route serves the request: 404, 405 with Allow, or OPTIONS' 204.
  Response RouteMiss(const Request& request, const Router::Match& match) const {
    if (match.outcome == Router::Outcome::kNotFound) {
      return Response::Problem(404, "Not Found",
                               fmt::format("there is no resource at '{}'", request.path));
    }
    std::string allow = fmt::format("{}", fmt::join(match.allowed, ", "));
    Response r;
    if (request.method == "OPTIONS") {
      r.status = 204;
      r.content_type.clear();
      if (!core_.options.cors_allow_origin.empty()) {
        r.headers.emplace_back("Access-Control-Allow-Methods", allow);
        std::string asked = request.Header("access-control-request-headers");
        r.headers.emplace_back(
            "Access-Control-Allow-Headers",
            asked.empty() ? "Authorization, Content-Type, Last-Event-ID" : asked);
        r.headers.emplace_back("Access-Control-Max-Age", "600");
      }
    } else {
      r = Response::Problem(405, "Method Not Allowed",
                            fmt::format("{} is not allowed on '{}'; allowed: {}", request.method,
                                        request.path, allow));
    }
    r.headers.emplace_back("Allow", std::move(allow));
    return r;
  }

  // Calls a route's code: an exception it throws is logged and answered 500.
  template <typename Call>
  static auto RunGuarded(ServerCore& core, const Request& request, Call call) -> decltype(call()) {
    try {
      return call();
    } catch (const std::exception& e) {
      core.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
      PG_LOG_ERROR("http: {} {} failed: {}", request.method, request.path, e.what());
    } catch (...) {
      core.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
      PG_LOG_ERROR("http: {} {} failed with a non-standard exception", request.method,
                   request.path);
    }
    // The exception's text stays in the log: it may describe internals.
    Response failed =
        Response::Problem(500, "Internal Server Error",
                          "the server failed to handle the request; it has been logged");
    if constexpr (std::is_same_v<decltype(call()), Admission>) {
      return Admission::Refuse(std::move(failed));
    } else if constexpr (std::is_same_v<decltype(call()), WebSocketAccept>) {
      return WebSocketAccept::Refuse(std::move(failed));
    } else {
      return failed;
    }
  }
  template <typename Call>
  auto RunGuarded(const Request& request, Call call) -> decltype(call()) {
    return RunGuarded(core_, request, std::move(call));
  }
  template <typename Fields>
  void SetCommonHeaders(Fields& fields) const {
    fields.set(bhttp::field::date, core_.DateHeader());
    fields.set(bhttp::field::server, "parkguide");
    // Every answer, the dashboard's included: a browser takes the declared content type as given
    // (a stored string never runs as script) and sends no address of ours on to other sites.
    fields.set("X-Content-Type-Options", "nosniff");
    fields.set("Referrer-Policy", "no-referrer");
    // Nothing an answer carries may load or run anything, nor be framed; a page that must (the
    // dashboard, a report) sets its own policy.
    fields.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    if (!core_.options.cors_allow_origin.empty()) {
      fields.set(bhttp::field::access_control_allow_origin, core_.options.cors_allow_origin);
    }
  }

  // Adds the handler's headers; names the server also sets are replaced, others appended so a
  // handler can repeat one (Link, Set-Cookie). The framing headers stay the server's.
  template <typename Fields>
  static void AddHandlerHeaders(Fields& fields, const HeaderList& headers) {
    for (const auto& [name, value] : headers) {
      if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding") ||
          EqualsIgnoreCase(name, "connection")) {
        continue;
      }
      if (EqualsIgnoreCase(name, "date") || EqualsIgnoreCase(name, "server") ||
          EqualsIgnoreCase(name, "content-type") || EqualsIgnoreCase(name, "cache-control") ||
          EqualsIgnoreCase(name, "access-control-allow-origin") ||
          EqualsIgnoreCase(name, "content-security-policy")) {
        fields.set(name, value);
      } else {
        fields.insert(name, value);
      }
    }
  }

  void SendResponse(Response r, bool keep_alive, bool head_only, bool linger) {
    phase_ = Phase::kWriting;
    if (linger) keep_alive = false;
    if (r.status < 100 || r.status > 999) {
      PG_LOG_ERROR("http: a handler returned status {}; sending 500", r.status);
      r = Response::Problem(500, "Internal Server Error", "the handler returned no valid status");
    }
    auto& res = response_.emplace();
    res.version(version_);
    res.result(static_cast<unsigned>(r.status));
    SetCommonHeaders(res);
    const bool no_body = r.status < 200 || r.status == 204 || r.status == 304;
    if (!no_body && !r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
    AddHandlerHeaders(res, r.headers);
    if (!no_body) {
      // For HEAD, the length the GET would have had, and no body.
      res.content_length(r.body.size());
      if (!head_only) res.body() = std::move(r.body);
    }
    // Stop() may have begun while the handler ran; its Shutdown() is queued behind this.
    if (core_.stopping()) keep_alive = false;
    res.keep_alive(keep_alive);
    stream_.expires_after(core_.options.write_timeout);
    bhttp::async_write(
        stream_, res,
        [self = shared_from_this(), keep_alive, linger](beast::error_code ec, size_t) {
          self->response_.reset();
          self->slot_.Reset();
          if (self->phase_ == Phase::kClosed) return;
          if (ec) return self->Close();
          if (linger) return self->LingeringClose();
          if (!keep_alive || self->shutting_down_) return self->Close();
          self->first_request_ = false;
          self->ReadRequest();
        });
  }

  // Sends the stream's headers, then events as they are pushed (DoStreamWrite), until either
  // side ends it. Meanwhile a read stays posted so a client that goes away is noticed at once,
  // not at the next write.
  // REQUIRES: the stream was counted against the address (ClientLimits::AcquireStream).
  void StartStream(Response r) {
    phase_ = Phase::kStreaming;
    stream_counted_ = true;
    slot_.Reset();
    core_.streams_open.fetch_add(1, std::memory_order_relaxed);
    event_stream_ = std::move(r.stream);
    // HTTP/1.0 has no chunked coding: the body then ends when the connection does.
    chunked_ = version_ >= 11;

    bhttp::response<bhttp::empty_body> head;
    head.version(version_);
    head.result(static_cast<unsigned>(r.status));
    SetCommonHeaders(head);
    head.set(bhttp::field::content_type,
             r.content_type.empty() ? std::string("text/event-stream") : r.content_type);
    head.set(bhttp::field::cache_control, "no-cache");
    head.set("X-Accel-Buffering", "no");  // nginx: pass events through unbuffered
    AddHandlerHeaders(head, r.headers);
    if (chunked_) {
      head.chunked(true);
    } else {
      head.keep_alive(false);
    }
    std::ostringstream os;
    os << head.base();
    stream_out_ = std::move(os).str();

    auto executor = stream_.get_executor();
    event_stream_->Attach(core_.options.stream_max_queued_bytes, &core_.stream_budget,
                          [executor, weak = weak_from_this()] {
                            net::post(executor, [weak] {
                              if (auto self = weak.lock()) self->DoStreamWrite();
                            });
                          });

    // Bytes a client sent after the request that opened the stream are not requests any more.
    buffer_.clear();
    buffer_.shrink_to_fit();

    stream_writing_ = true;
    stream_.expires_after(core_.options.write_timeout);
    net::async_write(stream_, net::buffer(stream_out_),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->stream_writing_ = false;
                       if (self->phase_ == Phase::kClosed) return;
                       if (ec) return self->Close();
                       self->ReadWhileStreaming();
                       // After Stop() began, the timer bounds the final flush instead.
                       if (!self->shutting_down_) self->ArmHeartbeat();
                       self->DoStreamWrite();
                     });
  }

  void DoStreamWrite() {
    if (phase_ != Phase::kStreaming) return;
    // Only an overflow drops a stream that this connection still serves. A write the client is
    // not taking may be in flight: closing cancels it rather than wait for its timeout.
    if (stream_writing_) {
      if (event_stream_->dropped()) DropSlowStream();
      return;
    }
    EventStream::State state = event_stream_->Take(stream_out_);
    if (state == EventStream::State::kDropped) return DropSlowStream();
    if (stream_out_.empty()) {
      if (state == EventStream::State::kClosing) EndStream();
      return;
    }
    stream_writing_ = true;
    // A read is pending, so this sets the write's deadline only.
    stream_.expires_after(shutting_down_ ? std::min<std::chrono::milliseconds>(
                                               core_.options.write_timeout, kStreamShutdownFlush)
                                         : core_.options.write_timeout);
    auto done = [self = shared_from_this()](beast::error_code ec, size_t) {
      self->stream_writing_ = false;
      self->event_stream_->WriteDone();
      if (self->stream_out_.capacity() > EventStream::kRetainedBufferBytes) {
        std::string().swap(self->stream_out_);
      }
      if (self->phase_ == Phase::kClosed) return;
      if (ec) return self->Close();
      self->DoStreamWrite();
    };
    if (chunked_) {
      net::async_write(stream_, bhttp::make_chunk(net::buffer(stream_out_)), std::move(done));
    } else {
      net::async_write(stream_, net::buffer(stream_out_), std::move(done));
    }
  }

  void DropSlowStream() {
    core_.streams_dropped_slow.fetch_add(1, std::memory_order_relaxed);
    PG_LOG_DEBUG("http: event stream to {} dropped: client too slow", remote_address_);
    Close();
  }

  void EndStream() {
    if (!chunked_) return Close();
    stream_writing_ = true;
    stream_.expires_after(
        std::min<std::chrono::milliseconds>(core_.options.write_timeout, kStreamShutdownFlush));
    net::async_write(stream_, bhttp::make_chunk_last(),
                     [self = shared_from_this()](beast::error_code, size_t) {
                       self->stream_writing_ = false;
                       self->Close();
                     });
  }

  void ReadWhileStreaming() {
    // Only the read's deadline changes here (a pending write keeps its own): a stream may be
    // quiet for as long as the client likes; the heartbeat's writes find dead peers.
    stream_.expires_never();
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (self->phase_ == Phase::kClosed) return;
                              if (ec) return self->Close();  // the client went away
                              self->ReadWhileStreaming();
                            });
  }

  void ArmHeartbeat() {
    heartbeat_.expires_after(core_.options.stream_heartbeat_interval);
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->phase_ != Phase::kStreaming) return;
      if (self->event_stream_->PushComment("ping")) self->ArmHeartbeat();
    });
  }

  void LingeringClose() {
    phase_ = Phase::kLingering;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    linger_deadline_ = std::chrono::steady_clock::now() + kLingerTime;
    linger_buffer_.resize(size_t{16} << 10);
    Linger();
  }

  void Linger() {
    stream_.expires_at(linger_deadline_);
    stream_.async_read_some(net::buffer(linger_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->lingered_bytes_ += n;
                              if (ec || self->lingered_bytes_ > kLingerMaxBytes) {
                                return self->Close();
                              }
                              self->Linger();
                            });
  }

  void OnShutdown() {
    shutting_down_ = true;
    switch (phase_) {
      case Phase::kIdle:
        Close();
        break;
      case Phase::kStreaming:
        // Flush what is queued and end the response cleanly, but within kStreamShutdownFlush:
        // a write the client is not taking would otherwise hold Stop() up to write_timeout.
        event_stream_->Close();
        heartbeat_.expires_after(kStreamShutdownFlush);
        heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
          if (!ec) self->Close();
        });
        DoStreamWrite();
        break;
      case Phase::kHandling:
        // A long-poll answers its fallback now rather than hold Stop() up.
        if (pending_) pending_->Expire();
        break;
      case Phase::kWebSocket:
        WsClose(websocket::close_code::going_away, "the server is stopping");
        break;
      case Phase::kReadingHeader:
      case Phase::kReadingBody:
      case Phase::kWriting:
        // Finishes this request, answering with Connection: close. A lingering or closed
        // connection is on its way out already.
      case Phase::kLingering:
      case Phase::kClosed:
        break;
    }
  }

  void Close() {
    if (phase_ == Phase::kClosed) return;
    const bool was_websocket = phase_ == Phase::kWebSocket;
    phase_ = Phase::kClosed;
    if (was_websocket && ws_session_.on_close) {
      auto on_close = std::move(ws_session_.on_close);
      try {
        on_close();
      } catch (const std::exception& e) {
        PG_LOG_ERROR("http: websocket close handler failed: {}", e.what());
      }
    }
    if (event_stream_) event_stream_->Detach();
    // A waiting long-poll is settled, so it lets go of this connection.
    if (auto pending = std::move(pending_)) pending->Expire();
    if (stream_counted_) {
      stream_counted_ = false;
      core_.streams_open.fetch_sub(1, std::memory_order_relaxed);
      core_.limits.ReleaseStream(remote_address_);
      core_.streams_closed.fetch_add(1, std::memory_order_relaxed);
    }
    slot_.Reset();
    body_charge_.Release();
    heartbeat_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  ServerCore& core_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> response_;  // while being written
  // The request being read: its head once admitted (AdmitRequest), the route serving it, its
  // place under the caller's limits and its body's share of the server's budget.
  std::optional<Request> request_;
  const Router::Entry* route_ = nullptr;
  RequestSlot slot_;
  BodyCharge body_charge_;
  std::chrono::steady_clock::time_point body_deadline_;
  const bool admitted_;  // false: over max_connections, answers 503 and closes
  std::string remote_address_;
  Phase phase_ = Phase::kIdle;
  bool shutting_down_ = false;
  bool first_request_ = true;
  unsigned version_ = 11;  // of the request being answered: 10 or 11

  std::shared_ptr<EventStream> event_stream_;
  bool stream_counted_ = false;
  bool chunked_ = true;
  bool stream_writing_ = false;
  std::string stream_out_;  // the bytes of the write in flight
  net::steady_timer heartbeat_;
  std::shared_ptr<PendingResponse> pending_;  // a long-poll waiting in kHandling

  // An upgraded connection (kWebSocket): the WebSocket over stream_, its handler's callbacks,
  // the messages queued to send (one write in flight) and the close asked for.
  std::optional<websocket::stream<beast::tcp_stream&>> ws_;
  WebSocketSession ws_session_;
  beast::flat_buffer ws_in_;
  std::deque<std::string> ws_out_;
  size_t ws_out_bytes_ = 0;   // of ws_out_
  bool ws_accepted_ = false;  // the handshake is done
  bool ws_writing_ = false;
  std::optional<websocket::close_reason> ws_close_;
  std::array<char, 256> discard_{};  // what a streaming client sends is read and dropped

  std::vector<char> linger_buffer_;
  size_t lingered_bytes_ = 0;
  std::chrono::steady_clock::time_point linger_deadline_;
};

ServerCore::ServerCore(ServerOptions opts)
    : options(std::move(opts)),
      limits(this->options.per_address, this->options.per_client,
             this->options.max_streams_per_address),
      body_budget(this->options.max_buffered_body_bytes),
      stream_budget(this->options.streams_max_queued_bytes),
      workers(this->options.worker_threads > 0
                  ? this->options.worker_threads
                  : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / 2),
              this->options.worker_queue),
      clock_(this->options.clock != nullptr ? *this->options.clock : SystemClock::Instance()),
      thread_count_(this->options.io_threads > 0
                        ? this->options.io_threads
                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))),
      connection_cap_(ConnectionCap(this->options.max_connections)),
      io_context_(thread_count_),
      acceptor_(net::make_strand(io_context_)),
      accept_retry_(acceptor_.get_executor()),
      housekeeping_(acceptor_.get_executor()) {}

ServerCore::~ServerCore() { Stop(); }

Status ServerCore::Start() {
  std::lock_guard lock(lifecycle_mu_);
  if (started_ || stopped_) return FailedPrecondition("the HTTP server was already started");

  beast::error_code ec;
  net::ip::address address = net::ip::make_address(options.bind_address, ec);
  if (ec) {
    tcp::resolver resolver(io_context_);
    auto results = resolver.resolve(options.bind_address, "", tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return InvalidArgument(fmt::format("cannot resolve bind address '{}': {}",
                                         options.bind_address, ec ? ec.message() : "no address"),
                             "bind_address");
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, options.port);
  const auto fail = [&](std::string_view step) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return Unavailable(fmt::format("cannot {} on {}:{}: {}", step, options.bind_address,
                                   options.port, ec.message()));
  };
  if (acceptor_.open(endpoint.protocol(), ec)) return fail("open a socket");
  if (acceptor_.set_option(net::socket_base::reuse_address(true), ec)) return fail("listen");
  if (address.is_v6() && address.is_unspecified()) {
    // "::" serves IPv4 too where the system allows; where it does not, IPv6 alone is fine.
    beast::error_code ignored;
    acceptor_.set_option(net::ip::v6_only(false), ignored);
  }
  if (acceptor_.bind(endpoint, ec)) return fail("bind");
  if (acceptor_.listen(net::socket_base::max_listen_connections, ec)) return fail("listen");
  port_ = acceptor_.local_endpoint(ec).port();

  started_ = true;
  work_.emplace(io_context_.get_executor());
  net::post(acceptor_.get_executor(), [this] {
    DoAccept();
    Housekeep();
  });
  threads_.reserve(thread_count_);
  for (int i = 0; i < thread_count_; ++i) {
    threads_.emplace_back([this] {
      while (true) {
        try {
          io_context_.run();
          return;
        } catch (const std::exception& e) {
          // Handlers' exceptions are caught where they run; this is a bug in the transport.
          PG_LOG_ERROR("http: io thread caught: {}", e.what());
        }
      }
    });
  }
  PG_LOG_INFO("http: listening on {}:{} with {} io threads, at most {} connections",
              options.bind_address, port_.load(), thread_count_, connection_cap_);
  return Status::Ok();
}

void ServerCore::DoAccept() {
  acceptor_.async_accept(
      net::make_strand(io_context_),
      [this](const beast::error_code& ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void ServerCore::OnAccept(const beast::error_code& ec, tcp::socket socket) {
  if (!acceptor_.is_open() || ec == net::error::operation_aborted) return;
  if (ec) {
    // Usually EMFILE/ENFILE: existing connections must close before new ones fit.
    LogAcceptFailure(ec);
    accept_retry_.expires_after(kAcceptRetryDelay);
    accept_retry_.async_wait([this](const beast::error_code& wait_ec) {
      if (!wait_ec && acceptor_.is_open()) DoAccept();
    });
    return;
  }
  connections_accepted.fetch_add(1, std::memory_order_relaxed);
  beast::error_code ignored;
  // Events and small responses go out at once instead of waiting on the peer's delayed ACK.
  socket.set_option(tcp::no_delay(true), ignored);
  bool admitted = admitted_open_.fetch_add(1) < connection_cap_;
  if (!admitted) admitted_open_.fetch_sub(1);
  std::make_shared<Connection>(std::move(socket), *this, admitted)->Start();
  DoAccept();
}

void ServerCore::LogAcceptFailure(const beast::error_code& ec) {
  auto now = std::chrono::steady_clock::now();
  if (now - accept_logged_ < kAcceptLogInterval) {
    ++accept_failures_unlogged_;
    return;
  }
  PG_LOG_WARNING("http: accept failed: {} ({} more failures since the last report)", ec.message(),
                 accept_failures_unlogged_);
  accept_logged_ = now;
  accept_failures_unlogged_ = 0;
}

void ServerCore::Housekeep() {
  housekeeping_.expires_after(kHousekeepingInterval);
  housekeeping_.async_wait([this](const beast::error_code& ec) {
    if (ec || !acceptor_.is_open()) return;
    // Queues of thousands of streams are freed in pieces glibc keeps for reuse; once streams
    // have gone, hand the free pages back so the resident size falls with the load.
    uint64_t closed = streams_closed.load(std::memory_order_relaxed);
    if (closed != streams_closed_at_trim_) {
      streams_closed_at_trim_ = closed;
      ::malloc_trim(0);
    }
    Housekeep();
  });
}

bool ServerCore::Register(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(connections_mu_);
  connections_.emplace(connection.get(), connection);
  connections_open_.fetch_add(1, std::memory_order_relaxed);
  return !stopping_;
}

void ServerCore::Unregister(Connection* connection, bool admitted) {
  if (admitted) admitted_open_.fetch_sub(1);
  std::lock_guard lock(connections_mu_);
  if (connections_.erase(connection) > 0) {
    connections_open_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (connections_.empty()) connections_cv_.notify_all();
}

std::vector<std::shared_ptr<Connection>> ServerCore::LiveConnections() {
  std::vector<std::shared_ptr<Connection>> live;
  std::lock_guard lock(connections_mu_);
  live.reserve(connections_.size());
  for (const auto& [ptr, weak] : connections_) {
    if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  return live;
}

bool ServerCore::WaitForConnections(std::chrono::milliseconds timeout) {
  std::unique_lock lock(connections_mu_);
  return connections_cv_.wait_for(lock, timeout, [&] { return connections_.empty(); });
}

void ServerCore::Stop() {
  std::lock_guard lock(lifecycle_mu_);
  if (!started_ || stopped_) {
    stopped_ = true;
    return;
  }
  stopped_ = true;
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
    housekeeping_.cancel();
  });
  {
    std::lock_guard connections_lock(connections_mu_);
    stopping_ = true;
    stopping_flag_.store(true, std::memory_order_release);
  }
  // Each list is dropped at once: holding the connections would keep them from closing.
  for (const auto& c : LiveConnections()) c->Shutdown();
  bool clean = WaitForConnections(options.shutdown_timeout);
  if (!clean) {
    PG_LOG_WARNING("http: connections still open after the shutdown timeout; closing them");
    for (const auto& c : LiveConnections()) c->ForceClose();
    clean = WaitForConnections(kForceCloseGrace);
  }
  // Queued reads still answer (their connections may be gone: the answers are then dropped).
  workers.Stop();
  work_.reset();
  // With every connection gone and the acceptor closed the threads run out of work and end on
  // their own; otherwise they are told to.
  if (!clean) io_context_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // Connections left in unrun handlers die with the io_context; their streams must not wake it
  // meanwhile.
  for (const auto& c : LiveConnections()) c->DetachStreamAfterStop();
  PG_LOG_INFO("http: stopped listening on {}:{}", options.bind_address, port_.load());
}

ServerStats ServerCore::stats() const {
  ServerStats s;
  s.connections_open = connections_open_.load(std::memory_order_relaxed);
  s.connections_accepted = connections_accepted.load(std::memory_order_relaxed);
  s.connections_rejected = connections_rejected.load(std::memory_order_relaxed);
  s.requests = requests.load(std::memory_order_relaxed);
  s.handler_exceptions = handler_exceptions.load(std::memory_order_relaxed);
  s.streams_open = streams_open.load(std::memory_order_relaxed);
  s.streams_dropped_slow = streams_dropped_slow.load(std::memory_order_relaxed);
  s.requests_limited = requests_limited.load(std::memory_order_relaxed);
  s.bodies_over_budget = bodies_over_budget.load(std::memory_order_relaxed);
  s.worker_rejected = worker_rejected.load(std::memory_order_relaxed);
  s.body_bytes_buffered = body_budget.used();
  s.stream_bytes_queued = stream_budget.queued();
  s.worker_queued = workers.queued();
  s.connection_cap = connection_cap_;
  return s;
}

const std::string& ServerCore::DateHeader() const {
  struct Cache {
    int64_t second = -1;
    std::string text;
  };
  thread_local Cache cache;
  Timestamp now = clock_.Now();
  int64_t second = std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count();
  if (second != cache.second) {
    cache.second = second;
    cache.text = FormatHttpDate(now);
  }
  return cache.text;
}

}  // namespace internal

Server::Server(ServerOptions options)
    : core_(std::make_unique<internal::ServerCore>(std::move(options))) {}

Server::~Server() { Stop(); }

void Server::Route(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  core_->AddRoute(std::move(method), std::move(pattern), std::move(handler), std::move(options));
}

void Server::WebSocket(std::string pattern, WebSocketHandler handler, RouteOptions options) {
  options.websocket = std::make_shared<WebSocketRoute>(WebSocketRoute{std::move(handler)});
  options.on_worker = false;
  // Reached only by a request that is not an upgrade (the connection answers those 426 first).
  core_->AddRoute(
      "GET", std::move(pattern),
      [](const Request&) { return Response::Problem(426, "Upgrade Required", ""); },
      std::move(options));
}

WebSocketAccept WebSocketAccept::Refuse(Response response) {
  WebSocketAccept a;
  a.refusal = std::move(response);
  return a;
}

WebSocketAccept WebSocketAccept::Open(WebSocketSession session) {
  WebSocketAccept a;
  a.session = std::move(session);
  return a;
}

bool OffersSubprotocol(std::string_view offered, std::string_view protocol) {
  for (std::string_view part : SplitString(offered, ',')) {
    if (TrimSpace(part) == protocol) return true;
  }
  return false;
}

Status Server::Start() { return core_->Start(); }

uint16_t Server::port() const { return core_->port(); }

void Server::Stop() { core_->Stop(); }

ServerStats Server::stats() const { return core_->stats(); }

void AppendHttpMetrics(const ServerStats& h, PrometheusText& out) {
  out.Counter("parkguide_http_requests_total", "HTTP requests that reached routing", h.requests);
  out.Gauge("parkguide_http_connections_open", "Open HTTP connections (streams included)",
            h.connections_open);
  out.Gauge("parkguide_sse_streams_open", "Open Server-Sent Events streams", h.streams_open);
  out.Counter("parkguide_sse_streams_dropped_slow_total", "Event streams closed for falling behind",
              h.streams_dropped_slow);
  out.Gauge("parkguide_sse_queued_bytes", "Bytes queued for event-stream clients, all together",
            h.stream_bytes_queued);
  out.Gauge("parkguide_http_connection_cap",
            "Connections the server takes before answering 503 (within the open-file limit)",
            h.connection_cap);
  out.Counter("parkguide_http_connections_rejected_total",
              "Connections answered 503: the connection cap was reached", h.connections_rejected);
  out.Counter("parkguide_http_requests_limited_total",
              "Requests answered 429: over a per-address or per-key limit", h.requests_limited);
  out.Gauge("parkguide_http_body_bytes_buffered", "Bytes of request bodies being read",
            h.body_bytes_buffered);
  out.Counter("parkguide_http_bodies_over_budget_total",
              "Requests answered 503: the server-wide budget of request bodies was full",
              h.bodies_over_budget);
  out.Gauge("parkguide_http_worker_queued", "Expensive reads waiting for a worker",
            h.worker_queued);
  out.Counter("parkguide_http_worker_rejected_total",
              "Expensive reads answered 503: the worker queue was full", h.worker_rejected);
}

}  // namespace pg::api::http
