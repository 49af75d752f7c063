// Request and Response: the values a Server hands to and takes from a route handler.
//
// They know HTTP, not parkguide: a handler reads the decoded path, path parameters, query
// parameters, headers and body of a Request and returns a Response — a JSON body, an RFC 7807
// problem (docs/api/problems.md), or an EventStream for Server-Sent Events.
//
//   server.Route("GET", "/api/v1/facilities/{id}", [&](const http::Request& req) {
//     auto limit = req.Query("limit");            // first value, percent-decoded
//     const std::string& id = req.path_params.at("id");
//     if (id.empty()) return http::Response::Problem(400, "Bad Request", "id: empty", "id");
//     return http::Response::Json(200, Render(id));
//   });
//
// Thread-safety: plain values. A Request is only borrowed by the handler for the duration of
// the call; copy what must outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pg::api::http {

class EventStream;
struct Response;

// A response a handler gives later, from any thread — for work that waits on something else
// (a durable write) without holding an io thread:
//
//   server.Route("POST", "/api/v1/observations", [&](const http::Request& req) {
//     auto pending = std::make_shared<http::PendingResponse>();
//     pipeline.Submit(Parse(req.body), [pending](Counts c) { pending->Respond(Render(c)); });
//     return http::Response::Later(pending);
//   });
//
// A long-poll gives a timeout and a fallback: when nothing has responded `timeout` after the
// server took it, the server responds the fallback (a 304, say), and a server that stops
// responds it at once instead of holding Stop() up:
//
//   auto pending =
//       std::make_shared<http::PendingResponse>(std::chrono::seconds(30), NotModified());
//   waiters.Add(pending);  // later, maybe: pending->Respond(NewContent())
//   return http::Response::Later(pending);
//
// A client that goes away while waiting is noticed when the answer is written.
//
// Thread-safety: Respond may be called from any thread, before or after the handler returns.
class PendingResponse {
 public:
  PendingResponse();
  PendingResponse(std::chrono::milliseconds timeout, Response fallback);
  ~PendingResponse();
  PendingResponse(const PendingResponse&) = delete;
  PendingResponse& operator=(const PendingResponse&) = delete;

  // Delivers the response; only the first call (or the fallback) counts.
  void Respond(Response response);
  // True once a response was given, by Respond or by the fallback.
  bool responded() const;
  // The long-poll's timeout; nullopt for a plain deferred response.
  std::optional<std::chrono::milliseconds> timeout() const { return timeout_; }

  // Used by the server: `deliver` receives the response once it is given (at once when it
  // already was). Called at most once.
  void OnReady(std::function<void(Response)> deliver);
  // Used by the server: responds the fallback unless a response was given (a long-poll that
  // timed out, or a server that stops). No-op without a fallback.
  void Expire();

 private:
  mutable std::mutex mu_;
  std::unique_ptr<Response> ready_;        // guarded by mu_
  std::function<void(Response)> deliver_;  // guarded by mu_
  bool responded_ = false;                 // guarded by mu_
  const std::optional<std::chrono::milliseconds> timeout_;
  const std::unique_ptr<Response> fallback_;  // set with timeout_
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // as sent, case-sensitive ("GET"); a HEAD served by a GET route says "HEAD"
  std::string path;    // percent-decoded, without the query ("/api/v1/facilities/F 12")
  std::string raw_query;  // as sent, without the '?' ("q=a%20b&kind=ev")
  // Percent-decoded, '+' read as a space, in the order sent; a name may repeat and a name
  // without '=' has an empty value.
  std::vector<std::pair<std::string, std::string>> query;
  HeaderList headers;  // names lower-cased, values as sent, in the order sent
  std::string body;
  std::string remote_address;  // the peer's IP address, without the port
  // The values of the route pattern's {name} segments, each percent-decoded on its own, so an
  // encoded '/' ("%2F") stays inside its segment.
  std::map<std::string, std::string> path_params;

  // The first value of query parameter `name`, or nullopt when it is absent. The view points
  // into `query` and lives as long as this Request.
  std::optional<std::string_view> Query(std::string_view name) const;
  // The first value of the header named `lowercase_name`, or "" when absent.
  // REQUIRES: `lowercase_name` is lower case ("last-event-id").
  std::string Header(std::string_view lowercase_name) const;
};

struct Response {
  int status = 200;
  // Sent as Content-Type; empty sends none. Ignored for 1xx, 204 and 304, which have no body.
  std::string content_type = "application/json";
  std::string body;
  // Extra headers, sent after the server's own (Date, Server, Content-Type, Content-Length);
  // a handler may add Cache-Control, Location, ETag and the like. Must not set Content-Length
  // or Transfer-Encoding: the server owns the framing.
  HeaderList headers;
  // When set, the response is an open Server-Sent Events stream: the server sends the status and
  // headers, then every event pushed into `stream` until either side closes it; `body` is
  // ignored. Create with Response::Stream.
  std::shared_ptr<EventStream> stream;
  // When set, the answer comes later through this object; everything else here is ignored.
  // Create with Response::Later.
  std::shared_ptr<PendingResponse> pending;

  // A JSON body with content type application/json. `body` must already be JSON.
  static Response Json(int status, std::string body);

  // An RFC 7807 problem, content type application/problem+json:
  //   {"type":"about:blank","title":"Bad Request","status":400,"detail":"limit: must be 1–1000",
  //    "invalid_params":[{"name":"limit","reason":"must be 1–1000"}]}
  // `invalid_params` appears only when `field` is not empty; its reason is `detail` without a
  // leading "<field>: ". `type` is "about:blank" (the title is then the status phrase) or a URN
  // naming a parkguide problem ("urn:parkguide:problem:stale-snapshot"). Text is escaped for
  // JSON; invalid UTF-8 is replaced by U+FFFD so the body is always valid JSON.
  static Response Problem(int status, std::string_view title, std::string_view detail,
                          std::string_view field = {}, std::string_view type = "about:blank");

  // A 200 text/event-stream response carrying `stream`.
  // REQUIRES: `stream` is not null.
  static Response Stream(std::shared_ptr<EventStream> stream);

  // A response given later through `pending` (see PendingResponse).
  // REQUIRES: `pending` is not null.
  static Response Later(std::shared_ptr<PendingResponse> pending);
};

// A route handler. It runs on one of the server's io threads, so it must not block for long
// (no waiting on locks held across I/O, no sleeping); an exception it throws becomes a 500
// problem and is logged. A route that computes for long runs on the worker pool instead
// (RouteOptions::on_worker).
using Handler = std::function<Response(const Request&)>;

// What a route decides from a request's head — method, path, query, headers, address; the body
// is still empty — before the server reads the body or answers "100 Continue": a refusal (401,
// 403) is sent at once and the body is never read, so a caller without a key cannot make the
// server hold its megabytes.
struct Admission {
  std::optional<Response> refusal;
  // Who is calling (a key's name), when known: the per-client limits count this name across
  // addresses. Empty: only the caller's address is counted.
  std::string client;

  static Admission Admit(std::string client = {});
  static Admission Refuse(Response refusal);
};
using AdmissionCheck = std::function<Admission(const Request& head)>;

struct WebSocketRoute;  // websocket.h

struct RouteOptions {
  // Called on an io thread with the request's head; must be quick (a key lookup).
  AdmissionCheck admit;
  // Runs the handler on the server's bounded worker pool rather than an io thread, for reads
  // that compute for long (analytics, history, forecasts, reports): they then cannot hold up
  // ingest or guidance. Past the pool's queue limit the answer is 503 with Retry-After. The
  // handler must answer directly (not with a stream or a deferred response).
  bool on_worker = false;
  // Set by Server::WebSocket: the route upgrades to a WebSocket (websocket.h).
  std::shared_ptr<const WebSocketRoute> websocket;

  // (GCC 12 warns of designated initializers that leave a member out, hence these.)
  static RouteOptions Admit(AdmissionCheck check);
  static RouteOptions OnWorker();
};

// Whether an Accept-Encoding header value takes `coding` (lower case: "gzip"): named, or "*",
// with a q-value above zero.
bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding);

// The reason phrase of a status code ("Not Found"); "Unknown" for codes HTTP does not name.
std::string_view StatusReason(int status);

}  // namespace pg::api::http
