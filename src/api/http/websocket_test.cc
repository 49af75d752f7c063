// WebSocket routes of the HTTP server: upgrade, subprotocol, refusal before the upgrade, 426 for
// a plain GET, messages both ways in order (also sent from other threads), the size limit, and
// the close on Stop() — driven by Beast's own client.
#include <gtest/gtest.h>

#include <utility>  // before Asio: GCC 12 in C++20 needs std::exchange declared for it

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <thread>

#include "api/http/client.h"
#include "api/http/server.h"
#include "api/http/testing/http_test_support.h"

namespace pg::api::http {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using namespace test_support;  // NOLINT(google-build-using-namespace): the tests' tools

class Client {
 public:
  explicit Client(uint16_t port) : ws_(ioc_) {
    tcp::resolver resolver(ioc_);
    net::connect(beast::get_lowest_layer(ws_), resolver.resolve("127.0.0.1", std::to_string(port)));
  }
  // Errors: the handshake's; `response` holds the server's answer either way.
  beast::error_code Handshake(const std::string& target, const std::string& protocol) {
    ws_.set_option(websocket::stream_base::decorator([protocol](websocket::request_type& r) {
      if (!protocol.empty()) r.set(beast::http::field::sec_websocket_protocol, protocol);
    }));
    beast::error_code ec;
    ws_.handshake(response, "127.0.0.1", target, ec);
    return ec;
  }
  void Send(const std::string& text) { ws_.write(net::buffer(text)); }
  // The next message, or "" with `ec` set when the connection ended.
  std::string Read(beast::error_code& ec) {
    beast::flat_buffer buffer;
    ws_.read(buffer, ec);
    return beast::buffers_to_string(buffer.data());
  }
  websocket::close_reason reason() const { return ws_.reason(); }

  websocket::response_type response;

 private:
  net::io_context ioc_;
  websocket::stream<tcp::socket> ws_;
};

// Echoes "<text>:<id>" and, for "twice", answers twice from another thread.
void AddEcho(Server& server, std::atomic<int>* closed = nullptr) {
  server.WebSocket("/ws/{id}",
                   [closed](const Request& req, const std::shared_ptr<WebSocketSender>& out) {
                     if (req.Header("authorization") == "no") {
                       return WebSocketAccept::Refuse(Response::Problem(401, "Unauthorized", "no"));
                     }
                     WebSocketSession s;
                     if (OffersSubprotocol(req.Header("sec-websocket-protocol"), "echo"))
                       s.subprotocol = "echo";
                     s.max_message_bytes = 1024;
                     const std::string id = req.path_params.at("id");
                     s.on_text = [out, id](std::string_view text) {
                       if (text == "flood") {  // far more than the peer's queue may hold
                         for (int i = 0; i < 4096; ++i) out->SendText(std::string(1024, 'f'));
                         return;
                       }
                       if (text == "twice") {
                         std::thread([out] {
                           out->SendText("one");
                           out->SendText("two");
                         }).detach();
                         return;
                       }
                       out->SendText(std::string(text) + ":" + id);
                     };
                     s.on_close = [closed] {
                       if (closed) closed->fetch_add(1);
                     };
                     return WebSocketAccept::Open(std::move(s));
                   });
}

TEST(WebSocket, UpgradesAndCarriesMessagesBothWaysInOrder) {
  Server server(LoopbackOptions());
  AddEcho(server);
  ASSERT_TRUE(server.Start().ok());
  Client c(server.port());
  ASSERT_FALSE(c.Handshake("/ws/a%20b", "other, echo"));
  EXPECT_EQ(c.response[beast::http::field::sec_websocket_protocol], "echo");
  beast::error_code ec;
  c.Send("hello");
  EXPECT_EQ(c.Read(ec), "hello:a b");
  c.Send("twice");
  EXPECT_EQ(c.Read(ec), "one");
  EXPECT_EQ(c.Read(ec), "two");
  EXPECT_FALSE(ec);
}

TEST(WebSocket, NoSubprotocolIsEchoedThatWasNotOffered) {
  Server server(LoopbackOptions());
  AddEcho(server);
  ASSERT_TRUE(server.Start().ok());
  Client c(server.port());
  ASSERT_FALSE(c.Handshake("/ws/a", ""));
  EXPECT_EQ(c.response.count(beast::http::field::sec_websocket_protocol), 0u);
}

TEST(WebSocket, RefusedBeforeTheUpgradeAndPlainGetsAre426) {
  Server server(LoopbackOptions());
  AddEcho(server);
  ASSERT_TRUE(server.Start().ok());
  auto plain = HttpGet("127.0.0.1", server.port(), "/ws/a");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->status, 426);
  EXPECT_EQ(plain->Header("upgrade"), "websocket");
  auto refused = HttpGet("127.0.0.1", server.port(), "/ws/a",
                         {{"Authorization", "no"},
                          {"Connection", "Upgrade"},
                          {"Upgrade", "websocket"},
                          {"Sec-WebSocket-Version", "13"},
                          {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);
}

TEST(WebSocket, AMessageOverTheLimitClosesWith1009) {
  std::atomic<int> closed{0};  // before the server: its connections' on_close writes it
  Server server(LoopbackOptions());
  AddEcho(server, &closed);
  ASSERT_TRUE(server.Start().ok());
  Client c(server.port());
  ASSERT_FALSE(c.Handshake("/ws/a", "echo"));
  c.Send(std::string(2000, 'x'));
  beast::error_code ec;
  c.Read(ec);
  // The connection ends (closed, or reset if the server's teardown beats the client's close
  // reply) after the close frame saying why.
  EXPECT_TRUE(ec);
  EXPECT_EQ(c.reason().code, websocket::close_code::too_big);
  for (int i = 0; i < 100 && closed.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(closed.load(), 1);
}

// A peer that does not read: its queue is bounded (stream_max_queued_bytes), then it is dropped
// and the server serves the others.
TEST(WebSocket, APeerThatDoesNotReadIsDroppedPastItsQueue) {
  ServerOptions options = LoopbackOptions();
  options.stream_max_queued_bytes = 256 << 10;
  std::atomic<int> closed{0};  // before the server: its connections' on_close writes it
  Server server(options);
  AddEcho(server, &closed);
  ASSERT_TRUE(server.Start().ok());
  Client c(server.port());
  ASSERT_FALSE(c.Handshake("/ws/a", "echo"));
  c.Send("flood");  // and read nothing until the server has given up
  for (int i = 0; i < 500 && closed.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(closed.load(), 1);
  EXPECT_EQ(server.stats().streams_dropped_slow, 1u);
  beast::error_code ec;
  for (int i = 0; i < 5000 && !ec; ++i) c.Read(ec);
  EXPECT_TRUE(ec) << "the connection was not ended";
  Client other(server.port());
  ASSERT_FALSE(other.Handshake("/ws/b", "echo"));
  other.Send("hi");
  EXPECT_EQ(other.Read(ec), "hi:b");
}

TEST(WebSocket, StopClosesOpenConnectionsWith1001AndLateSendsAreDropped) {
  std::atomic<int> closed{0};  // before the server: its connections' on_close writes it
  Server server(LoopbackOptions());
  std::shared_ptr<WebSocketSender> kept;
  std::mutex mu;
  server.WebSocket("/ws", [&](const Request&, std::shared_ptr<WebSocketSender> out) {
    std::lock_guard lock(mu);
    kept = std::move(out);
    WebSocketSession s;
    s.on_close = [&closed] { closed.fetch_add(1); };
    return WebSocketAccept::Open(std::move(s));
  });
  ASSERT_TRUE(server.Start().ok());
  Client c(server.port());
  ASSERT_FALSE(c.Handshake("/ws", ""));
  std::thread stopper([&] { server.Stop(); });
  beast::error_code ec;
  c.Read(ec);
  stopper.join();
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(c.reason().code, websocket::close_code::going_away);
  EXPECT_EQ(closed.load(), 1);
  std::lock_guard lock(mu);
  kept->SendText("after the end");  // dropped, not a crash
  kept->Close(1000, "");
}

}  // namespace
}  // namespace pg::api::http
