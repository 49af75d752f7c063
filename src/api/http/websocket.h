// WebSocket routes (RFC 6455) on the HTTP server, for protocols that keep a connection open both
// ways (OCPP-J for chargers):
//
//   server.WebSocket("/ocpp/1.6/{id}", [](const http::Request& req,
//                                         std::shared_ptr<http::WebSocketSender> sender) {
//     if (!Authorised(req)) return http::WebSocketAccept::Refuse(Unauthorized());
//     http::WebSocketSession session;
//     session.subprotocol = "ocpp1.6";
//     session.on_text = [sender](std::string_view text) { sender->SendText(Answer(text)); };
//     return http::WebSocketAccept::Open(std::move(session));
//   });
//
// The upgrade request goes through routing, admission and the caller's limits like any request;
// a GET that is not an upgrade is answered 426. Once open, the connection counts against
// max_connections until it ends; the server pings an idle peer and closes one that stops
// answering, closes a message over max_message_bytes (1009), and closes every connection with
// 1001 on Stop().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/http/message.h"

namespace pg::api::http {

// The server's side of an open WebSocket, for the handler to send through.
// Thread-safety: any thread; what is sent after the connection ended is dropped.
class WebSocketSender {
 public:
  virtual ~WebSocketSender() = default;
  // Queues one text message; messages go out in the order queued.
  virtual void SendText(std::string text) = 0;
  // Sends a close frame with `code` (RFC 6455 §7.4) after what is queued, then ends.
  virtual void Close(uint16_t code, std::string reason) = 0;
};

struct WebSocketSession {
  // Echoed in Sec-WebSocket-Protocol: the handler picks it from what the client offered
  // (RFC 6455 §4.2.2: never one the client did not offer). Empty: none.
  std::string subprotocol;
  // Each text message in order, on the connection's io thread; must not block.
  std::function<void(std::string_view text)> on_text;
  // Once, when the connection has ended (either side, or Stop()).
  std::function<void()> on_close;
  size_t max_message_bytes = size_t{64} << 10;
};

struct WebSocketAccept {
  std::optional<Response> refusal;  // set: answered as HTTP, no upgrade
  WebSocketSession session;

  static WebSocketAccept Refuse(Response response);
  static WebSocketAccept Open(WebSocketSession session);
};

using WebSocketHandler =
    std::function<WebSocketAccept(const Request& upgrade, std::shared_ptr<WebSocketSender> sender)>;

// The route's WebSocket side (RouteOptions::websocket).
struct WebSocketRoute {
  WebSocketHandler handler;
};

// Whether `offered` (a Sec-WebSocket-Protocol header value: "a, b") names `protocol`.
bool OffersSubprotocol(std::string_view offered, std::string_view protocol);

}  // namespace pg::api::http
