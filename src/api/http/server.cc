#include "api/http/server.h"

#include <fmt/format.h>

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
#include <condition_variable>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/http/router.h"
#include "core/log.h"
#include "core/strings.h"

namespace pg::api::http {
namespace internal {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
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
  void AddRoute(std::string method, std::string pattern, Handler handler) {
    std::lock_guard lock(lifecycle_mu_);
    PG_ASSERT(!started_ && !stopped_ && "Route() after Start()");
    router.Add(std::move(method), std::move(pattern), std::move(handler));
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

 private:
  void DoAccept();
  void OnAccept(const beast::error_code& ec, tcp::socket socket);
  // Waits up to `timeout` for every connection to be gone; true when they are.
  bool WaitForConnections(std::chrono::milliseconds timeout);
  std::vector<std::shared_ptr<Connection>> LiveConnections();

  const Clock& clock_;
  const int thread_count_;

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
    kClosed,
  };

  void ReadRequest() {
    if (phase_ == Phase::kClosed) return;
    if (shutting_down_ && buffer_.size() == 0) return Close();
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
    if (parser_->is_done()) return Dispatch();
    if (version_ >= 11 && EqualsIgnoreCase(header[bhttp::field::expect], "100-continue")) {
      // The client waits for this before sending the body; a body over the limit never gets
      // here (the parser refused its Content-Length), so it is never sent at all.
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

  void ReadBody() {
    phase_ = Phase::kReadingBody;
    stream_.expires_after(core_.options.body_read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (self->phase_ == Phase::kClosed) return;
                        if (ec) return self->OnReadError(ec);
                        self->Dispatch();
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
    core_.requests.fetch_add(1, std::memory_order_relaxed);
    bhttp::request<bhttp::string_body> message = parser_->release();
    parser_.reset();
    const bool keep_alive = message.keep_alive() && !shutting_down_;

    auto target = ParseTarget(ToStd(message.target()));
    if (!target.ok()) {
      const Status& s = target.status();
      return SendResponse(Response::Problem(400, "Bad Request", s.message(), s.field()), false,
                          false, true);
    }
    Request request;
    request.method = std::string(ToStd(message.method_string()));
    request.path = std::move(target->path);
    request.raw_query = std::move(target->raw_query);
    request.query = std::move(target->query);
    request.headers.reserve(std::distance(message.begin(), message.end()));
    for (const auto& field : message) {
      request.headers.emplace_back(ToLowerAscii(ToStd(field.name_string())),
                                   std::string(ToStd(field.value())));
    }
    request.body = std::move(message.body());
    request.remote_address = remote_address_;

    const bool head = request.method == "HEAD";
    Response response = Route(request, target->segments);
    if (response.pending) {
      // Answered later from another thread; the connection waits in kHandling meanwhile.
      auto pending = std::move(response.pending);
      if (auto timeout = pending->timeout()) {
        // A long-poll: its fallback goes out when nothing comes in time (the heartbeat timer is
        // idle outside event streams), or at once when the server stops.
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
      return;
    }
    if (response.stream && !head && response.status >= 200 && response.status < 300) {
      return StartStream(std::move(response));
    }
    if (response.stream) {
      // Nothing will read this stream; let its producer know.
      response.stream->Detach();
      response.stream.reset();
    }
    SendResponse(std::move(response), keep_alive, head, /*linger=*/false);
  }

  Response Route(Request& request, const std::vector<std::string>& segments) {
    Router::Match match = core_.router.Find(request.method, segments);
    switch (match.outcome) {
      case Router::Outcome::kNotFound:
        return Response::Problem(404, "Not Found",
                                 fmt::format("there is no resource at '{}'", request.path));
      case Router::Outcome::kMethodNotAllowed: {
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
                                fmt::format("{} is not allowed on '{}'; allowed: {}",
                                            request.method, request.path, allow));
        }
        r.headers.emplace_back("Allow", std::move(allow));
        return r;
      }
      case Router::Outcome::kFound:
        break;
    }
    request.path_params = std::move(match.params);
    try {
      return (*match.handler)(request);
    } catch (const std::exception& e) {
      core_.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
      PG_LOG_ERROR("http: {} {} failed: {}", request.method, request.path, e.what());
    } catch (...) {
      core_.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
      PG_LOG_ERROR("http: {} {} failed with a non-standard exception", request.method,
                   request.path);
    }
    // The exception's text stays in the log: it may describe internals.
    return Response::Problem(500, "Internal Server Error",
                             "the server failed to handle the request; it has been logged");
  }

  template <typename Fields>
  void SetCommonHeaders(Fields& fields) const {
    fields.set(bhttp::field::date, core_.DateHeader());
    fields.set(bhttp::field::server, "parkguide");
    // Every answer, the dashboard's included: a browser takes the declared content type as given
    // (a stored string never runs as script) and sends no address of ours on to other sites.
    fields.set("X-Content-Type-Options", "nosniff");
    fields.set("Referrer-Policy", "no-referrer");
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
          EqualsIgnoreCase(name, "access-control-allow-origin")) {
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
  void StartStream(Response r) {
    phase_ = Phase::kStreaming;
    stream_counted_ = true;
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
    event_stream_->Attach(core_.options.stream_max_queued_bytes,
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
    if (phase_ != Phase::kStreaming || stream_writing_) return;
    EventStream::State state = event_stream_->Take(stream_out_);
    if (state == EventStream::State::kDropped) {
      // Only an overflow drops a stream that this connection still serves.
      core_.streams_dropped_slow.fetch_add(1, std::memory_order_relaxed);
      PG_LOG_DEBUG("http: event stream to {} dropped: client too slow", remote_address_);
      return Close();
    }
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
    phase_ = Phase::kClosed;
    if (event_stream_) event_stream_->Detach();
    // A waiting long-poll is settled, so it lets go of this connection.
    if (auto pending = std::move(pending_)) pending->Expire();
    if (stream_counted_) {
      stream_counted_ = false;
      core_.streams_open.fetch_sub(1, std::memory_order_relaxed);
    }
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
  std::array<char, 256> discard_{};           // what a streaming client sends is read and dropped

  std::vector<char> linger_buffer_;
  size_t lingered_bytes_ = 0;
  std::chrono::steady_clock::time_point linger_deadline_;
};

ServerCore::ServerCore(ServerOptions opts)
    : options(std::move(opts)),
      clock_(this->options.clock != nullptr ? *this->options.clock : SystemClock::Instance()),
      thread_count_(this->options.io_threads > 0
                        ? this->options.io_threads
                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))),
      io_context_(thread_count_),
      acceptor_(net::make_strand(io_context_)),
      accept_retry_(acceptor_.get_executor()) {}

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
  net::post(acceptor_.get_executor(), [this] { DoAccept(); });
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
  PG_LOG_INFO("http: listening on {}:{} with {} io threads", options.bind_address, port_.load(),
              thread_count_);
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
    PG_LOG_WARNING("http: accept failed: {}", ec.message());
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
  bool admitted = admitted_open_.fetch_add(1) < options.max_connections;
  if (!admitted) admitted_open_.fetch_sub(1);
  std::make_shared<Connection>(std::move(socket), *this, admitted)->Start();
  DoAccept();
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

void Server::Route(std::string method, std::string pattern, Handler handler) {
  core_->AddRoute(std::move(method), std::move(pattern), std::move(handler));
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
}

}  // namespace pg::api::http
