// parkguide's HTTP/1.1 client (Boost.Beast), synchronous: one-shot requests, a keep-alive
// connection, and a Server-Sent Events reader. It decodes chunked bodies and honours a timeout on
// every call, so a caller fails instead of hanging. It serves parkguide's own calls on a trusted
// network — the demo city's feed to its own server (demo/demo_feed.h), the load tools of bench/,
// the tests — and speaks plain HTTP only: no TLS, no redirects, no proxy (reach a remote server
// through a local TLS-terminating proxy).
//
//   PG_ASSIGN_OR_RETURN(auto r, http::HttpGet("127.0.0.1", server.port(), "/health"));
//   EXPECT_EQ(r.status, 200);
//
//   auto capture = http::ReadEvents("127.0.0.1", port, "/api/v1/stream",
//       [](const auto& events) { return events.size() >= 3; }, std::chrono::seconds(10));
//
// Thread-safety: the free functions may be called concurrently; an HttpConnection or SseClient
// is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/message.h"
#include "core/status.h"

namespace pg::api::http {

inline constexpr std::chrono::milliseconds kDefaultClientTimeout{30'000};

struct ClientResponse {
  int status = 0;
  HeaderList headers;  // names lower-cased, in the order received
  std::string body;    // decoded from chunked coding when the server used it

  // The first value of the header, or "" when absent. REQUIRES: `lowercase_name` is lower case.
  std::string Header(std::string_view lowercase_name) const;
};

// One request on a fresh connection, closed afterwards. `headers` are sent as given, after Host
// (and Content-Length when there is a body). Errors: kUnavailable when the host does not resolve,
// the connection fails or is cut, or `timeout` passes before the whole response has arrived;
// kInvalidArgument when the response cannot be parsed. Any HTTP status is a success.
// A body over `max_body_bytes` fails the call with kResourceExhausted once that much has come
// (for servers that are not trusted to be small: a polled feed).
Result<ClientResponse> HttpGet(std::string_view host, uint16_t port, std::string_view target,
                               const HeaderList& headers = {},
                               std::chrono::milliseconds timeout = kDefaultClientTimeout,
                               uint64_t max_body_bytes = UINT64_MAX);
Result<ClientResponse> HttpRequest(std::string_view method, std::string_view host, uint16_t port,
                                   std::string_view target, std::string_view body,
                                   const HeaderList& headers = {},
                                   std::chrono::milliseconds timeout = kDefaultClientTimeout,
                                   uint64_t max_body_bytes = UINT64_MAX);

// A keep-alive connection: requests go one after another on the same socket.
class HttpConnection {
 public:
  // Errors: kUnavailable (resolve, connect or timeout).
  static Result<std::unique_ptr<HttpConnection>> Open(
      std::string_view host, uint16_t port,
      std::chrono::milliseconds timeout = kDefaultClientTimeout);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Errors as HttpRequest. After an error, or a response saying Connection: close, the
  // connection is unusable and further calls fail with kFailedPrecondition.
  Result<ClientResponse> Request(std::string_view method, std::string_view target,
                                 std::string_view body = {}, const HeaderList& headers = {});

  // True while the server has not closed (as far as this side knows).
  bool open() const;

  struct Impl;

 private:
  explicit HttpConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct SseEvent {
  std::string event;              // the "event:" field; "" when absent (the SSE default "message")
  std::string data;               // the "data:" lines joined with "\n"
  std::optional<std::string> id;  // the "id:" field when present
};

// A Server-Sent Events reader on its own connection.
class SseClient {
 public:
  // Sends GET `target` with Accept: text/event-stream and `headers` (e.g. Last-Event-ID), and
  // reads the response header. A non-2xx answer is not an error: check status(); its body is in
  // body(). Errors: kUnavailable (resolve, connect, timeout), kInvalidArgument (unparsable).
  static Result<std::unique_ptr<SseClient>> Connect(
      std::string_view host, uint16_t port, std::string_view target, const HeaderList& headers = {},
      std::chrono::milliseconds timeout = kDefaultClientTimeout);
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  int status() const;
  const HeaderList& headers() const;
  std::string Header(std::string_view lowercase_name) const;
  const std::string& body() const;  // for a response that is not an event stream

  // The next event, waiting up to `timeout`; nullopt when none arrived in time (the connection
  // stays usable). Errors: kUnavailable when the server ended the stream or the connection
  // failed — ended() then tells the two apart; kInvalidArgument on a framing error.
  Result<std::optional<SseEvent>> Next(std::chrono::milliseconds timeout);

  // True once the server has ended the response cleanly (the final chunk arrived).
  bool ended() const;
  // Comment lines (": ping") received so far.
  size_t comments() const;

  // Closes the connection, as a client that goes away.
  void Close();

  struct Impl;

 private:
  explicit SseClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct SseCapture {
  int status = 0;
  HeaderList headers;
  std::string body;  // when the response was not an event stream
  std::vector<SseEvent> events;
  bool done = false;   // `done` returned true
  bool ended = false;  // the server ended the stream
};

// Connects like SseClient::Connect, then collects events until `done(events)` returns true, the
// stream ends, or `timeout` has passed since the call; none of these is an error. The connection
// is closed on return. Errors: as SseClient::Connect, or kUnavailable when the connection fails
// mid-stream.
Result<SseCapture> ReadEvents(std::string_view host, uint16_t port, std::string_view target,
                              const std::function<bool(const std::vector<SseEvent>&)>& done,
                              std::chrono::milliseconds timeout, const HeaderList& headers = {});

}  // namespace pg::api::http
