// PendingResponse: an answer a handler gives later, for long-polling (a sign controller waiting
// for its next content, `GET /api/v1/signs/{id}?wait=30`).
//
// A handler must not block an io thread. Instead it returns Response::Later(pending) and hands
// `pending` to whoever will produce the answer; the connection waits without a thread and sends
// whichever comes first: the Response given to Complete(), or the fallback once `timeout` has
// passed since the server took it (a 304, say). When the server stops, waiting connections get
// their fallback at once.
//
//   auto pending = std::make_shared<http::PendingResponse>(std::chrono::seconds(30),
//                                                          NotModified(etag));
//   waiters.Add(sign, pending);            // later, from any thread: pending->Complete(r)
//   return http::Response::Later(pending);
//
// A client that goes away while waiting is noticed when the answer is written (nothing is read
// from the connection meanwhile). A completed response may not itself be pending or a stream.
//
// Thread-safety: every member may be called from any thread concurrently; the first of
// Complete(), the timeout, a stop or the client's departure settles it and the rest are no-ops.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

#include "api/http/message.h"

namespace pg::api::http {

namespace internal {
class Connection;
}

class PendingResponse {
 public:
  // `fallback` is sent when nothing completes the response within `timeout`.
  PendingResponse(std::chrono::milliseconds timeout, Response fallback);
  PendingResponse(const PendingResponse&) = delete;
  PendingResponse& operator=(const PendingResponse&) = delete;

  // Settles with `response`. Returns false, and sends nothing, when already settled (timed out,
  // completed, the client gone or the server stopped): the producer may then drop it.
  // REQUIRES: `response` is neither a stream nor pending.
  bool Complete(Response response);

  // True once settled by anyone.
  bool done() const;

  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  friend class internal::Connection;

  // --- used by the server's connection ---
  // `wake` is called once when the response settles (at once when it already has), from the
  // settling thread, without the lock held; it must only post work.
  void Attach(std::function<void()> wake);
  // The settled response; nullopt when abandoned or not settled.
  std::optional<Response> Take();
  // Settles with the fallback (the timeout passed, or the server is stopping).
  void Expire();
  // Settles with nothing: nobody is left to answer.
  void Abandon();

  bool Settle(std::optional<Response> response);

  const std::chrono::milliseconds timeout_;
  mutable std::mutex mu_;
  bool settled_ = false;              // guarded by mu_
  std::optional<Response> response_;  // guarded by mu_
  Response fallback_;                 // guarded by mu_
  std::function<void()> wake_;        // guarded by mu_
};

}  // namespace pg::api::http
