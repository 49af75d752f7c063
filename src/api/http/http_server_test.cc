#include "api/http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <future>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/http/client.h"
#include "api/http/event_stream.h"
#include "api/http/testing/http_test_support.h"
#include "core/clock.h"

namespace pg::api::http {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): the tests' tools

// ---------------------------------------------------------------- routing

TEST(HttpServer, RoutesByPatternAndDecodesPathParams) {
  Server server(LoopbackOptions());
  server.Route("GET", "/api/v1/facilities/{id}", [](const Request& req) {
    return Response::Json(200, "facility " + req.path_params.at("id") + " at " + req.path);
  });
  server.Route("GET", "/api/v1/facilities/{id}/history", [](const Request& req) {
    return Response::Json(200, "history " + req.path_params.at("id"));
  });
  server.Route("GET", "/api/v1/facilities/new",
               [](const Request&) { return Response::Json(200, "literal wins"); });
  ASSERT_TRUE(server.Start().ok());

  auto r = HttpGet("127.0.0.1", server.port(), "/api/v1/facilities/F%2012");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "facility F 12 at /api/v1/facilities/F 12");
  EXPECT_EQ(r->Header("content-type"), "application/json");

  r = HttpGet("127.0.0.1", server.port(), "/api/v1/facilities/a%2Fb/history");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "history a/b");  // an encoded '/' stays inside its segment

  r = HttpGet("127.0.0.1", server.port(), "/api/v1/facilities/new");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "literal wins");
}

TEST(HttpServer, EveryAnswerCarriesTheSecurityHeaders) {
  Server server(LoopbackOptions());
  server.Route("GET", "/ok", [](const Request&) { return Response::Json(200, "{}"); });
  ASSERT_TRUE(server.Start().ok());
  for (const char* path : {"/ok", "/no-such-path"}) {
    auto r = HttpGet("127.0.0.1", server.port(), path);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->Header("x-content-type-options"), "nosniff") << path;
    EXPECT_EQ(r->Header("referrer-policy"), "no-referrer") << path;
  }
}

TEST(HttpServer, DeferredResponsesAreSentWhenGivenFromAnotherThreadInOrder) {
  ServerOptions options = LoopbackOptions();
  options.io_threads = 1;  // a deferred answer must not hold the only io thread
  Server server(options);
  std::vector<std::thread> workers;
  std::mutex mu;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  server.Route("POST", "/later", [&](const Request& req) {
    auto pending = std::make_shared<PendingResponse>();
    std::lock_guard lock(mu);
    workers.emplace_back([pending, body = req.body, released] {
      released.wait();
      pending->Respond(Response::Json(202, "later " + body));
    });
    return Response::Later(pending);
  });
  server.Route("GET", "/now", [](const Request&) {
    auto pending = std::make_shared<PendingResponse>();
    pending->Respond(Response::Json(200, "at once"));  // before the handler returns
    return Response::Later(pending);
  });
  ASSERT_TRUE(server.Start().ok());
  std::thread slow([&] {
    auto r = HttpRequest("POST", "127.0.0.1", server.port(), "/later", "x");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 202);
    EXPECT_EQ(r->body, "later x");
  });
  // Wait until the slow request is being handled, then prove the only io thread is free.
  for (int i = 0; i < 500; ++i) {
    std::lock_guard lock(mu);
    if (!workers.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto r = HttpGet("127.0.0.1", server.port(), "/now", {}, std::chrono::seconds(5));
  ASSERT_TRUE(r.ok()) << "the waiting request blocked the io thread";
  EXPECT_EQ(r->body, "at once");
  release.set_value();
  slow.join();
  auto conn = HttpConnection::Open("127.0.0.1", server.port());
  ASSERT_TRUE(conn.ok());
  for (const char* body : {"a", "b"}) {
    auto k = (*conn)->Request("POST", "/later", body);
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(k->body, std::string("later ") + body);  // keep-alive goes on after a deferred one
  }
  server.Stop();
  for (auto& w : workers) w.join();
}

TEST(HttpServer, UnknownPathIs404ProblemJson) {
  Server server(LoopbackOptions());
  server.Route("GET", "/health", [](const Request&) { return Response::Json(200, "{}"); });
  ASSERT_TRUE(server.Start().ok());

  auto r = HttpGet("127.0.0.1", server.port(), "/nowhere");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->Header("content-type"), "application/problem+json");
  EXPECT_EQ(r->body, R"({"type":"about:blank","title":"Not Found","status":404,)"
                     R"("detail":"there is no resource at '/nowhere'"})");
  // A trailing slash is a different path.
  r = HttpGet("127.0.0.1", server.port(), "/health/");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
}

TEST(HttpServer, WrongMethodIs405WithAllow) {
  Server server(LoopbackOptions());
  server.Route("GET", "/api/v1/signs/{id}",
               [](const Request&) { return Response::Json(200, "{}"); });
  server.Route("PUT", "/api/v1/signs/{id}",
               [](const Request&) { return Response::Json(200, "{}"); });
  ASSERT_TRUE(server.Start().ok());

  auto r = HttpRequest("DELETE", "127.0.0.1", server.port(), "/api/v1/signs/S1", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "GET, HEAD, OPTIONS, PUT");
  EXPECT_EQ(r->Header("content-type"), "application/problem+json");
  EXPECT_EQ(
      r->body,
      R"({"type":"about:blank","title":"Method Not Allowed","status":405,)"
      R"("detail":"DELETE is not allowed on '/api/v1/signs/S1'; allowed: GET, HEAD, OPTIONS, PUT"})");
}

TEST(HttpServer, QueryIsPercentDecodedWithPlusAsSpaceAndRepeatsKept) {
  Server server(LoopbackOptions());
  server.Route("GET", "/echo", [](const Request& req) {
    std::string out = req.raw_query + "|";
    for (const auto& [name, value] : req.query)
      out.append("[").append(name).append("=").append(value).append("]");
    out += "|first kind=" + std::string(req.Query("kind").value_or("-"));
    out += "|missing=" + std::string(req.Query("nope").value_or("-"));
    return Response::Json(200, out);
  });
  ASSERT_TRUE(server.Start().ok());

  auto r = HttpGet("127.0.0.1", server.port(),
                   "/echo?q=S%C3%BCd+Parkhaus%2B1&kind=ev&kind=disabled&flag&&a%3Db=c%26d");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body,
            "q=S%C3%BCd+Parkhaus%2B1&kind=ev&kind=disabled&flag&&a%3Db=c%26d|"
            "[q=Süd Parkhaus+1][kind=ev][kind=disabled][flag=][a=b=c&d]"
            "|first kind=ev|missing=-");
}

TEST(HttpServer, BadPercentEncodingIs400AndCloses) {
  Server server(LoopbackOptions());
  bool called = false;
  server.Route("GET", "/echo", [&](const Request&) {
    called = true;
    return Response::Json(200, "{}");
  });
  ASSERT_TRUE(server.Start().ok());

  RawClient c(server.port());
  ASSERT_TRUE(c.Send("GET /echo?limit=%zz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto reply = c.ReadReply();
  EXPECT_EQ(reply.status, 400);
  EXPECT_TRUE(HeadHas(reply, "Content-Type: application/problem+json"));
  EXPECT_NE(reply.body.find(R"("invalid_params":[{"name":"limit")"), std::string::npos)
      << reply.body;
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_FALSE(called);
}

TEST(HttpServer, MalformedRequestIs400AndCloses) {
  Server server(LoopbackOptions());
  ASSERT_TRUE(server.Start().ok());
  RawClient c(server.port());
  ASSERT_TRUE(c.Send("THIS IS NOT HTTP\r\n\r\n"));
  auto reply = c.ReadReply();
  EXPECT_EQ(reply.status, 400);
  EXPECT_TRUE(HeadHas(reply, "Connection: close"));
  EXPECT_NE(reply.body.find(R"("status":400)"), std::string::npos);
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServer, OversizedHeadersAre431) {
  ServerOptions o = LoopbackOptions();
  o.max_header_bytes = 1024;
  Server server(o);
  ASSERT_TRUE(server.Start().ok());
  RawClient c(server.port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n"));
  EXPECT_EQ(c.ReadReply().status, 431);
  EXPECT_TRUE(c.WaitForClose());
}

// ---------------------------------------------------------------- bodies

TEST(HttpServer, BodyWithinLimitReachesHandler) {
  ServerOptions o = LoopbackOptions();
  o.max_body_bytes = 4096;
  Server server(o);
  server.Route("POST", "/api/v1/observations",
               [](const Request& req) { return Response::Json(201, req.body); });
  ASSERT_TRUE(server.Start().ok());
  std::string body(4096, 'x');
  auto r = HttpRequest("POST", "127.0.0.1", server.port(), "/api/v1/observations", body,
                       {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, body);
}

TEST(HttpServer, DeclaredBodyOverLimitIs413BeforeAnyOfItIsSent) {
  ServerOptions o = LoopbackOptions();
  o.max_body_bytes = 1024;
  Server server(o);
  std::atomic<int> calls{0};
  server.Route("POST", "/in", [&](const Request&) {
    ++calls;
    return Response::Json(200, "{}");
  });
  ASSERT_TRUE(server.Start().ok());

  // 100 MiB declared, none sent: the answer cannot depend on reading the body.
  RawClient c(server.port());
  ASSERT_TRUE(c.Send("POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n"));
  auto reply = c.ReadReply();
  EXPECT_EQ(reply.status, 413);
  EXPECT_TRUE(HeadHas(reply, "Content-Type: application/problem+json"));
  EXPECT_NE(reply.body.find("limit of 1024 bytes"), std::string::npos) << reply.body;
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServer, ChunkedBodyOverLimitIs413AsSoonAsItCrossesTheLimit) {
  ServerOptions o = LoopbackOptions();
  o.max_body_bytes = 1024;
  Server server(o);
  std::atomic<int> calls{0};
  server.Route("POST", "/in", [&](const Request&) {
    ++calls;
    return Response::Json(200, "{}");
  });
  ASSERT_TRUE(server.Start().ok());

  RawClient c(server.port());
  ASSERT_TRUE(c.Send("POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  // 2 KiB in one chunk, and the message never ends: the server must answer without waiting.
  ASSERT_TRUE(c.Send("800\r\n" + std::string(2048, 'y') + "\r\n"));
  auto reply = c.ReadReply();
  EXPECT_EQ(reply.status, 413);
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServer, ExpectContinueGets100ThenTheAnswer) {
  Server server(LoopbackOptions());
  server.Route("POST", "/in", [](const Request& req) { return Response::Json(200, req.body); });
  ASSERT_TRUE(server.Start().ok());
  RawClient c(server.port());
  ASSERT_TRUE(
      c.Send("POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(c.ReadReply().status, 100);
  ASSERT_TRUE(c.Send("hello"));
  auto reply = c.ReadReply();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "hello");
}

// ---------------------------------------------------------------- connections

TEST(HttpServer, KeepAliveServesSeveralRequestsOnOneConnection) {
  Server server(LoopbackOptions());
  std::atomic<int> n{0};
  server.Route("GET", "/count",
               [&](const Request&) { return Response::Json(200, std::to_string(++n)); });
  ASSERT_TRUE(server.Start().ok());

  auto conn = HttpConnection::Open("127.0.0.1", server.port());
  ASSERT_TRUE(conn.ok());
  for (int i = 1; i <= 5; ++i) {
    auto r = (*conn)->Request("GET", "/count");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->body, std::to_string(i));
    EXPECT_EQ(r->Header("connection"), "");  // HTTP/1.1 keeps the connection by default
  }
  EXPECT_TRUE((*conn)->open());
  EXPECT_EQ(server.stats().connections_accepted, 1u);
  EXPECT_EQ(server.stats().requests, 5u);
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  Server server(LoopbackOptions());
  server.Route("GET", "/item/{n}", [](const Request& req) {
    // A slower first answer must still come first.
    if (req.path_params.at("n") == "1") std::this_thread::sleep_for(milliseconds(50));
    return Response::Json(200, req.path_params.at("n"));
  });
  ASSERT_TRUE(server.Start().ok());

  RawClient c(server.port());
  ASSERT_TRUE(
      c.Send("GET /item/1 HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /item/2 HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /item/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(c.ReadReply().body, "1");
  EXPECT_EQ(c.ReadReply().body, "2");
  auto last = c.ReadReply();
  EXPECT_EQ(last.body, "3");
  EXPECT_TRUE(HeadHas(last, "Connection: close"));
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServer, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  ServerOptions o = LoopbackOptions();
  o.idle_timeout = milliseconds(100);
  Server server(o);
  server.Route("GET", "/x", [](const Request&) { return Response::Json(200, "{}"); });
  ASSERT_TRUE(server.Start().ok());
  RawClient c(server.port());
  ASSERT_TRUE(c.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(c.ReadReply().status, 200);
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServer, ConnectionThatNeverSendsAHeaderIsClosed) {
  ServerOptions o = LoopbackOptions();
  o.header_read_timeout = milliseconds(100);
  Server server(o);
  ASSERT_TRUE(server.Start().ok());
  RawClient c(server.port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\n"));  // and nothing more
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServer, Http10GetsItsAnswerAndTheConnectionCloses) {
  Server server(LoopbackOptions());
  server.Route("GET", "/x", [](const Request&) { return Response::Json(200, "{}"); });
  ASSERT_TRUE(server.Start().ok());
  RawClient c(server.port());
  ASSERT_TRUE(c.Send("GET /x HTTP/1.0\r\n\r\n"));
  auto reply = c.ReadReply();
  EXPECT_EQ(reply.head.substr(0, 12), "HTTP/1.0 200");
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServer, ThrowingHandlerGives500AndTheServerKeepsServing) {
  Server server(LoopbackOptions());
  server.Route("GET", "/boom", [](const Request&) -> Response {
    throw std::runtime_error("secret internal detail");
  });
  server.Route("GET", "/weird", [](const Request&) -> Response { throw 42; });
  server.Route("GET", "/ok", [](const Request&) { return Response::Json(200, "fine"); });
  ASSERT_TRUE(server.Start().ok());

  auto conn = HttpConnection::Open("127.0.0.1", server.port());
  ASSERT_TRUE(conn.ok());
  auto r = (*conn)->Request("GET", "/boom");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->Header("content-type"), "application/problem+json");
  EXPECT_EQ(r->body.find("secret"), std::string::npos);  // the log has it, the client not
  r = (*conn)->Request("GET", "/weird");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  r = (*conn)->Request("GET", "/ok");  // same connection still serves
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "fine");
  EXPECT_EQ(server.stats().handler_exceptions, 2u);
}

TEST(HttpServer, HeadIsServedByGetWithoutBody) {
  Server server(LoopbackOptions());
  server.Route("GET", "/doc", [](const Request&) { return Response::Json(200, "0123456789"); });
  ASSERT_TRUE(server.Start().ok());
  auto conn = HttpConnection::Open("127.0.0.1", server.port());
  ASSERT_TRUE(conn.ok());
  auto head = (*conn)->Request("HEAD", "/doc");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), "10");
  EXPECT_EQ(head->body, "");
  auto get = (*conn)->Request("GET", "/doc");  // the connection is still in step
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->body, "0123456789");
}

TEST(HttpServer, OptionsAndCorsHeaders) {
  ServerOptions o = LoopbackOptions();
  o.cors_allow_origin = "*";
  Server server(o);
  server.Route("GET", "/api/v1/city", [](const Request&) { return Response::Json(200, "{}"); });
  ASSERT_TRUE(server.Start().ok());

  auto pre = HttpRequest("OPTIONS", "127.0.0.1", server.port(), "/api/v1/city", "",
                         {{"Origin", "https://example.org"},
                          {"Access-Control-Request-Method", "GET"},
                          {"Access-Control-Request-Headers", "authorization"}});
  ASSERT_TRUE(pre.ok());
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->Header("allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(pre->Header("access-control-allow-origin"), "*");
  EXPECT_EQ(pre->Header("access-control-allow-methods"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(pre->Header("access-control-allow-headers"), "authorization");

  auto get = HttpGet("127.0.0.1", server.port(), "/api/v1/city");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->Header("access-control-allow-origin"), "*");
  auto missing = HttpGet("127.0.0.1", server.port(), "/nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->Header("access-control-allow-origin"), "*");
}

TEST(HttpServer, SendsDateAndServerHeadersAndHandlerHeaders) {
  FakeClock clock(FromUnixMillis(1795824000000));  // 2026-11-28T00:00:00Z, a Saturday
  ServerOptions o = LoopbackOptions();
  o.clock = &clock;
  Server server(o);
  server.Route("GET", "/x", [](const Request&) {
    Response r = Response::Json(200, "{}");
    r.headers.emplace_back("Cache-Control", "max-age=5");
    r.headers.emplace_back("Link", "</a>; rel=next");
    r.headers.emplace_back("Content-Length", "999");  // the server owns the framing
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  auto r = HttpGet("127.0.0.1", server.port(), "/x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Header("date"), "Sat, 28 Nov 2026 00:00:00 GMT");
  EXPECT_EQ(r->Header("server"), "parkguide");
  EXPECT_EQ(r->Header("cache-control"), "max-age=5");
  EXPECT_EQ(r->Header("link"), "</a>; rel=next");
  EXPECT_EQ(r->Header("content-length"), "2");
}

TEST(HttpServer, StartNamesAddressAndPortWhenThePortIsTaken) {
  Server first(LoopbackOptions());
  ASSERT_TRUE(first.Start().ok());
  ServerOptions o = LoopbackOptions();
  o.port = first.port();
  Server second(o);
  Status s = second.Start();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << s.message();
  EXPECT_EQ(second.port(), 0);
}

TEST(HttpServer, StartRejectsAnUnresolvableAddressAndASecondStart) {
  ServerOptions o = LoopbackOptions();
  o.bind_address = "no-such-host.invalid";
  Server bad(o);
  Status s = bad.Start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "bind_address");

  Server server(LoopbackOptions());
  ASSERT_TRUE(server.Start().ok());
  EXPECT_NE(server.port(), 0);
  EXPECT_EQ(server.Start().code(), StatusCode::kFailedPrecondition);
}

TEST(HttpServer, StopIsIdempotentAndFinishesInFlightRequests) {
  Server server(LoopbackOptions());
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  server.Route("GET", "/slow", [&](const Request&) {
    {
      std::lock_guard lock(mu);
      entered = true;
    }
    cv.notify_all();
    std::this_thread::sleep_for(milliseconds(200));
    return Response::Json(200, "done");
  });
  ASSERT_TRUE(server.Start().ok());

  RawClient idle(server.port());  // an idle keep-alive connection is simply closed
  RawClient busy(server.port());
  ASSERT_TRUE(busy.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kGenerous, [&] { return entered; }));
  }
  server.Stop();
  auto reply = busy.ReadReply();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "done");
  EXPECT_TRUE(HeadHas(reply, "Connection: close"));
  EXPECT_TRUE(busy.WaitForClose());
  EXPECT_TRUE(idle.WaitForClose());
  server.Stop();
  EXPECT_FALSE(HttpGet("127.0.0.1", server.port(), "/slow", {}, seconds(2)).ok());
}

Response NotModified() {
  Response r;
  r.status = 304;
  r.content_type.clear();
  r.headers.emplace_back("ETag", "\"old\"");
  return r;
}

TEST(HttpServerLongPoll, ACompletionFromAnotherThreadIsTheAnswer) {
  Server server(LoopbackOptions());
  std::mutex mu;
  std::shared_ptr<PendingResponse> waiting;
  server.Route("GET", "/wait", [&](const Request&) {
    auto p = std::make_shared<PendingResponse>(kGenerous, NotModified());
    std::lock_guard lock(mu);
    waiting = p;
    return Response::Later(p);
  });
  server.Route("GET", "/ping", [](const Request&) { return Response::Json(200, "\"pong\""); });
  ASSERT_TRUE(server.Start().ok());
  auto conn = HttpConnection::Open("127.0.0.1", server.port());
  ASSERT_TRUE(conn.ok());
  std::thread producer([&] {
    ASSERT_TRUE(Eventually([&] {
      std::lock_guard lock(mu);
      return waiting != nullptr;
    }));
    // Meanwhile the server answers others: the wait holds no io thread.
    for (int i = 0; i < 4; ++i) {
      auto r = HttpGet("127.0.0.1", server.port(), "/ping", {}, seconds(5));
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->status, 200);
    }
    std::lock_guard lock(mu);
    EXPECT_FALSE(waiting->responded());
    waiting->Respond(Response::Json(200, "\"new\""));
    waiting->Respond(Response::Json(200, "\"newer\""));  // only the first counts
  });
  auto r = (*conn)->Request("GET", "/wait");
  producer.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "\"new\"");
  // The connection stays usable.
  auto again = (*conn)->Request("GET", "/ping");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->body, "\"pong\"");
}

TEST(HttpServerLongPoll, NothingCompletesSoTheFallbackIsSentAfterTheTimeout) {
  Server server(LoopbackOptions());
  std::shared_ptr<PendingResponse> kept;
  server.Route("GET", "/wait", [&](const Request&) {
    kept = std::make_shared<PendingResponse>(milliseconds(300), NotModified());
    return Response::Later(kept);
  });
  ASSERT_TRUE(server.Start().ok());
  auto start = std::chrono::steady_clock::now();
  auto r = HttpGet("127.0.0.1", server.port(), "/wait");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(300));
  EXPECT_EQ(r->status, 304);
  EXPECT_EQ(r->Header("etag"), "\"old\"");
  EXPECT_TRUE(r->body.empty());
  EXPECT_TRUE(kept->responded());  // by the timeout's fallback
}

TEST(HttpServerLongPoll, CompletedInsideTheHandlerIsSentAtOnce) {
  Server server(LoopbackOptions());
  server.Route("GET", "/now", [](const Request&) {
    auto p = std::make_shared<PendingResponse>(kGenerous, NotModified());
    p->Respond(Response::Json(200, "1"));
    return Response::Later(p);
  });
  ASSERT_TRUE(server.Start().ok());
  auto r = HttpGet("127.0.0.1", server.port(), "/now", {}, seconds(5));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "1");
}

TEST(HttpServerLongPoll, StopAnswersWaitingClientsWithTheFallbackPromptly) {
  ServerOptions options = LoopbackOptions();
  options.shutdown_timeout = kGenerous;
  Server server(options);
  std::atomic<int> waiting{0};
  server.Route("GET", "/wait", [&](const Request&) {
    ++waiting;
    return Response::Later(std::make_shared<PendingResponse>(kGenerous, NotModified()));
  });
  ASSERT_TRUE(server.Start().ok());
  RawClient client(server.port());
  ASSERT_TRUE(client.Send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(Eventually([&] { return waiting.load() == 1; }));
  auto start = std::chrono::steady_clock::now();
  server.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
  auto reply = client.ReadReply();
  EXPECT_EQ(reply.status, 304);
  EXPECT_TRUE(HeadHas(reply, "Connection: close"));
}

TEST(HttpServer, AcceptsFiveHundredIdleKeepAliveConnections) {
  ServerOptions o = LoopbackOptions();
  // 500 requests at once from one address: over the default per-address bound, not the point.
  o.per_address = RequestLimits{};
  Server server(o);
  server.Route("GET", "/ping", [](const Request&) { return Response::Json(200, "pong"); });
  ASSERT_TRUE(server.Start().ok());

  constexpr int kClients = 500;
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<RawClient>(server.port()));
    ASSERT_TRUE(clients.back()->connected()) << i;
    ASSERT_TRUE(clients.back()->Send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  for (auto& c : clients) ASSERT_EQ(c->ReadReply().body, "pong");
  EXPECT_TRUE(Eventually([&] { return server.stats().connections_open == kClients; }));
  // All still open and usable after idling side by side.
  for (auto& c : clients) ASSERT_TRUE(c->Send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (auto& c : clients) ASSERT_EQ(c->ReadReply().body, "pong");
  EXPECT_EQ(server.stats().connections_accepted, static_cast<uint64_t>(kClients));
}

TEST(HttpServer, ConnectionsBeyondTheLimitGet503) {
  ServerOptions o = LoopbackOptions();
  o.max_connections = 2;
  Server server(o);
  server.Route("GET", "/ping", [](const Request&) { return Response::Json(200, "pong"); });
  ASSERT_TRUE(server.Start().ok());

  auto a = HttpConnection::Open("127.0.0.1", server.port());
  auto b = HttpConnection::Open("127.0.0.1", server.port());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ((*a)->Request("GET", "/ping")->status, 200);
  ASSERT_EQ((*b)->Request("GET", "/ping")->status, 200);

  auto third = HttpGet("127.0.0.1", server.port(), "/ping");
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->status, 503);
  EXPECT_EQ(third->Header("retry-after"), "1");
  EXPECT_EQ(third->Header("content-type"), "application/problem+json");
  EXPECT_EQ(server.stats().connections_rejected, 1u);

  a->reset();  // a slot frees up once the server has seen the close
  EXPECT_TRUE(Eventually([&] {
    auto r = HttpGet("127.0.0.1", server.port(), "/ping");
    return r.ok() && r->status == 200;
  }));
}

// ---------------------------------------------------------------- event streams

TEST(HttpServerEvents, EventsPushedFromAnotherThreadArriveInOrderAndFramed) {
  Server server(LoopbackOptions());
  StreamCatcher catcher;
  server.Route("GET", "/api/v1/stream", catcher.MakeHandler());
  ASSERT_TRUE(server.Start().ok());

  auto client =
      SseClient::Connect("127.0.0.1", server.port(), "/api/v1/stream", {{"Last-Event-ID", "41"}});
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ((*client)->status(), 200);
  EXPECT_EQ((*client)->Header("content-type"), "text/event-stream");
  EXPECT_EQ((*client)->Header("cache-control"), "no-cache");
  EXPECT_EQ((*client)->Header("x-accel-buffering"), "no");
  EXPECT_EQ((*client)->Header("content-length"), "");
  EXPECT_EQ((*client)->Header("transfer-encoding"), "chunked");

  auto stream = catcher.Get(0);
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(catcher.LastEventId(0), "41");
  constexpr int kEvents = 200;
  std::thread producer([&] {
    for (int i = 0; i < kEvents; ++i) {
      std::string data = "{\"n\":" + std::to_string(i) + "}";
      if (i % 10 == 0) data += "\nsecond line\r\nthird\rfourth";
      ASSERT_TRUE(stream->Push(i % 2 ? "facility" : "sign", data, uint64_t(42 + i)));
    }
  });
  for (int i = 0; i < kEvents; ++i) {
    auto e = (*client)->Next(kGenerous);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    ASSERT_TRUE(e->has_value()) << "event " << i;
    std::string want = "{\"n\":" + std::to_string(i) + "}";
    if (i % 10 == 0) want += "\nsecond line\nthird\nfourth";
    EXPECT_EQ((*e)->data, want);
    EXPECT_EQ((*e)->event, i % 2 ? "facility" : "sign");
    EXPECT_EQ((*e)->id, std::to_string(42 + i));
  }
  producer.join();
}

TEST(HttpServerEvents, EventsPushedInsideTheHandlerComeFirst) {
  Server server(LoopbackOptions());
  StreamCatcher catcher;
  std::vector<std::string> initial = {"snapshot-1", "snapshot-2"};
  server.Route("GET", "/s", catcher.MakeHandler(&initial));
  ASSERT_TRUE(server.Start().ok());
  auto capture = ReadEvents(
      "127.0.0.1", server.port(), "/s",
      [&](const std::vector<SseEvent>& events) {
        if (events.size() == 2) catcher.Get(0)->Push("live", "3");
        return events.size() >= 3;
      },
      kGenerous);
  ASSERT_TRUE(capture.ok());
  ASSERT_TRUE(capture->done);
  EXPECT_EQ(capture->events[0].data, "snapshot-1");
  EXPECT_EQ(capture->events[0].event, "hello");
  EXPECT_EQ(capture->events[1].data, "snapshot-2");
  EXPECT_EQ(capture->events[2].data, "3");
}

TEST(HttpServerEvents, PreFramedEventsArriveAsPushed) {
  Server server(LoopbackOptions());
  StreamCatcher catcher;
  server.Route("GET", "/s", catcher.MakeHandler());
  ASSERT_TRUE(server.Start().ok());
  auto client = SseClient::Connect("127.0.0.1", server.port(), "/s");
  ASSERT_TRUE(client.ok());
  // What a bus fanning out to many clients does: format once, push the bytes to each.
  const std::string framed = FormatEvent("sign", "FULL", 7) + FormatEvent("", "a\nb");
  ASSERT_TRUE(catcher.Get(0)->PushFramed(framed));
  auto first = (*client)->Next(kGenerous);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->event, "sign");
  EXPECT_EQ((*first)->data, "FULL");
  EXPECT_EQ((*first)->id, "7");
  auto second = (*client)->Next(kGenerous);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->event, "");
  EXPECT_EQ((*second)->data, "a\nb");
}

TEST(HttpServerEvents, ClientDisconnectClosesTheStream) {
  Server server(LoopbackOptions());
  StreamCatcher catcher;
  server.Route("GET", "/s", catcher.MakeHandler());
  ASSERT_TRUE(server.Start().ok());

  auto client = SseClient::Connect("127.0.0.1", server.port(), "/s");
  ASSERT_TRUE(client.ok());
  auto stream = catcher.Get(0);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Push("", "before"));
  auto e = (*client)->Next(kGenerous);
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ((*e)->data, "before");
  EXPECT_FALSE(stream->closed());
  EXPECT_EQ(server.stats().streams_open, 1u);

  (*client)->Close();
  // Noticed by the read the server keeps posted, with no push needed.
  EXPECT_TRUE(Eventually([&] { return stream->closed(); }));
  EXPECT_FALSE(stream->Push("", "after"));
  EXPECT_TRUE(Eventually([&] { return server.stats().streams_open == 0; }));
}

TEST(HttpServerEvents, ProducerCloseEndsTheResponseAfterQueuedEvents) {
  Server server(LoopbackOptions());
  StreamCatcher catcher;
  server.Route("GET", "/s", catcher.MakeHandler());
  ASSERT_TRUE(server.Start().ok());
  auto client = SseClient::Connect("127.0.0.1", server.port(), "/s");
  ASSERT_TRUE(client.ok());
  auto stream = catcher.Get(0);
  ASSERT_TRUE(stream->Push("", "last words"));
  stream->Close();
  EXPECT_TRUE(stream->closed());
  EXPECT_FALSE(stream->Push("", "too late"));
  auto e = (*client)->Next(kGenerous);
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ((*e)->data, "last words");
  auto end = (*client)->Next(kGenerous);
  EXPECT_FALSE(end.ok());
  EXPECT_TRUE((*client)->ended());
}

TEST(HttpServerEvents, SlowClientIsDisconnectedOnceItsQueueExceedsTheBound) {
  ServerOptions o = LoopbackOptions();
  o.stream_max_queued_bytes = size_t{64} << 10;
  Server server(o);
  StreamCatcher catcher;
  server.Route("GET", "/s", catcher.MakeHandler());
  ASSERT_TRUE(server.Start().ok());

  RawClient reader(server.port(), /*receive_buffer_bytes=*/4096);
  ASSERT_TRUE(reader.Send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto stream = catcher.Get(0);
  ASSERT_NE(stream, nullptr);
  // The client reads nothing. Socket buffers take a few MiB, then the queue fills and the
  // server lets the client go instead of buffering without end.
  const std::string data(size_t{16} << 10, 'z');
  size_t pushed = 0;
  constexpr size_t kCap = 100000;  // ~1.6 GB: never reached unless the bound is broken
  while (pushed < kCap && stream->Push("bulk", data)) {
    ++pushed;
    if (pushed % 64 == 0) std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_LT(pushed, kCap);
  EXPECT_TRUE(stream->closed());
  EXPECT_TRUE(Eventually([&] { return server.stats().streams_dropped_slow == 1; }));
  EXPECT_TRUE(Eventually([&] { return server.stats().connections_open == 0; }));
}

TEST(HttpServerEvents, HeartbeatCommentsAreSent) {
  ServerOptions o = LoopbackOptions();
  o.stream_heartbeat_interval = milliseconds(20);
  Server server(o);
  StreamCatcher catcher;
  server.Route("GET", "/s", catcher.MakeHandler());
  ASSERT_TRUE(server.Start().ok());
  auto client = SseClient::Connect("127.0.0.1", server.port(), "/s");
  ASSERT_TRUE(client.ok());
  auto deadline = std::chrono::steady_clock::now() + kGenerous;
  while ((*client)->comments() < 3 && std::chrono::steady_clock::now() < deadline) {
    auto e = (*client)->Next(milliseconds(50));
    ASSERT_TRUE(e.ok());
    EXPECT_FALSE(e->has_value());  // comments are not events
  }
  EXPECT_GE((*client)->comments(), 3u);
}

TEST(HttpServerEvents, StopWithOpenStreamsReturnsPromptlyAndClosesThem) {
  ServerOptions o = LoopbackOptions();
  o.shutdown_timeout = seconds(60);  // Stop must not need it
  auto server = std::make_unique<Server>(o);
  StreamCatcher catcher;
  server->Route("GET", "/s", catcher.MakeHandler());
  ASSERT_TRUE(server->Start().ok());

  constexpr int kClients = 20;
  std::vector<std::unique_ptr<SseClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    auto c = SseClient::Connect("127.0.0.1", server->port(), "/s");
    ASSERT_TRUE(c.ok());
    clients.push_back(std::move(*c));
  }
  // One more client that reads nothing, with events piling up towards it.
  RawClient stuck(server->port(), 4096);
  ASSERT_TRUE(stuck.Send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto stuck_stream = catcher.Get(kClients);
  ASSERT_NE(stuck_stream, nullptr);
  for (int i = 0; i < 32; ++i) stuck_stream->Push("", std::string(size_t{16} << 10, 'q'));

  auto started = std::chrono::steady_clock::now();
  server->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(15));
  for (int i = 0; i <= kClients; ++i) EXPECT_TRUE(catcher.Get(i)->closed()) << i;
  for (auto& c : clients) {
    auto e = c->Next(kGenerous);
    EXPECT_FALSE(e.ok());  // the stream ended
    EXPECT_TRUE(c->ended());
  }
  EXPECT_FALSE(catcher.Get(0)->Push("", "after stop"));
  server.reset();
}

TEST(HttpServerEvents, HeadOnAStreamRouteSendsHeadersOnly) {
  Server server(LoopbackOptions());
  StreamCatcher catcher;
  server.Route("GET", "/s", catcher.MakeHandler());
  ASSERT_TRUE(server.Start().ok());
  auto r = HttpRequest("HEAD", "127.0.0.1", server.port(), "/s", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type"), "text/event-stream");
  EXPECT_TRUE(catcher.Get(0)->closed());
}

// The client's bound on a response it does not trust to be small (a polled feed).
TEST(HttpClient, AResponseOverTheBodyLimitFailsTheCall) {
  Server server(LoopbackOptions());
  server.Route("GET", "/big", [](const Request&) {
    Response r;
    r.content_type = "text/plain";
    r.body = std::string(4096, 'x');
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  auto within = HttpGet("127.0.0.1", server.port(), "/big", {}, kDefaultClientTimeout, 4096);
  ASSERT_TRUE(within.ok()) << within.status().ToString();
  EXPECT_EQ(within->body.size(), 4096u);
  auto over = HttpGet("127.0.0.1", server.port(), "/big", {}, kDefaultClientTimeout, 1024);
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted) << over.status().ToString();
}

}  // namespace
}  // namespace pg::api::http
