// The server under hostile load: bodies of callers without a key, callers over their limits,
// expensive reads, slow stream readers and the open-file limit.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/http/client.h"
#include "api/http/event_stream.h"
#include "api/http/server.h"
#include "api/http/testing/http_test_support.h"

namespace pg::api::http {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): the tests' tools

// An admission check that wants "Authorization: Bearer good" and names the caller "good".
Admission NeedsGoodKey(const Request& head) {
  if (head.Header("authorization") != "Bearer good") {
    return Admission::Refuse(Response::Problem(401, "Unauthorized", "no valid key"));
  }
  return Admission::Admit("good");
}

// A gate the test opens: handlers wait at it.
class Gate {
 public:
  void Wait() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  bool AwaitWaiters(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kGenerous, [&] { return waiting_ >= n; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;
  bool open_ = false;
};

// ---------------------------------------------------------------- admission before the body

TEST(HttpServerAdmission, ACallerWithoutAKeyIsRefusedBeforeItsBodyIsRead) {
  Server server(LoopbackOptions());
  std::atomic<int> calls{0};
  server.Route(
      "POST", "/in",
      [&](const Request&) {
        ++calls;
        return Response::Json(200, "{}");
      },
      RouteOptions::Admit(NeedsGoodKey));
  ASSERT_TRUE(server.Start().ok());

  // 16 MiB declared and none of it sent: the answer cannot have waited for the body.
  RawClient c(server.port());
  ASSERT_TRUE(c.Send("POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 16777216\r\n\r\n"));
  auto reply = c.ReadReply();
  EXPECT_EQ(reply.status, 401);
  EXPECT_TRUE(HeadHas(reply, "Connection: close")) << reply.head;
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(server.stats().body_bytes_buffered, 0u);
}

TEST(HttpServerAdmission, ExpectContinueIsAnsweredOnlyAfterTheKeyIsChecked) {
  Server server(LoopbackOptions());
  server.Route(
      "POST", "/in", [](const Request& req) { return Response::Json(200, req.body); },
      RouteOptions::Admit(NeedsGoodKey));
  ASSERT_TRUE(server.Start().ok());

  RawClient refused(server.port());
  ASSERT_TRUE(refused.Send(
      "POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(refused.ReadReply().status, 401) << "no 100 Continue first";

  RawClient admitted(server.port());
  ASSERT_TRUE(
      admitted.Send("POST /in HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n"
                    "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(admitted.ReadReply().status, 100);
  ASSERT_TRUE(admitted.Send("hello"));
  auto reply = admitted.ReadReply();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "hello");
}

TEST(HttpServerAdmission, AThrowingCheckIs500AndTheServerGoesOn) {
  Server server(LoopbackOptions());
  server.Route(
      "POST", "/in", [](const Request&) { return Response::Json(200, "{}"); },
      RouteOptions::Admit(
          [](const Request&) -> Admission { throw std::runtime_error("keys gone"); }));
  server.Route("GET", "/ping", [](const Request&) { return Response::Json(200, "pong"); });
  ASSERT_TRUE(server.Start().ok());
  auto r = HttpRequest("POST", "127.0.0.1", server.port(), "/in", "{}", {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(HttpGet("127.0.0.1", server.port(), "/ping")->status, 200);
}

// ---------------------------------------------------------------- the body budget

TEST(HttpServerBodyBudget, ABodyThatWouldPassTheServersBudgetIs503BeforeItIsRead) {
  ServerOptions o = LoopbackOptions();
  o.max_buffered_body_bytes = 1000;
  Server server(o);
  server.Route("POST", "/in", [](const Request& req) { return Response::Json(200, req.body); });
  ASSERT_TRUE(server.Start().ok());

  // The first caller declares 600 bytes and sends them slowly: the server holds their room.
  RawClient slow(server.port());
  ASSERT_TRUE(slow.Send("POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 600\r\n\r\nabc"));
  ASSERT_TRUE(Eventually([&] { return server.stats().body_bytes_buffered >= 600; }));

  RawClient second(server.port());
  ASSERT_TRUE(second.Send("POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 600\r\n\r\n"));
  auto reply = second.ReadReply();
  EXPECT_EQ(reply.status, 503);
  EXPECT_TRUE(HeadHas(reply, "Retry-After: 1")) << reply.head;
  EXPECT_EQ(server.stats().bodies_over_budget, 1u);

  // The first finishes; its room comes back and the next body fits.
  ASSERT_TRUE(slow.Send(std::string(597, 'x')));
  EXPECT_EQ(slow.ReadReply().status, 200);
  EXPECT_TRUE(Eventually([&] { return server.stats().body_bytes_buffered == 0; }));
  auto r = HttpRequest("POST", "127.0.0.1", server.port(), "/in", std::string(600, 'y'), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServerBodyBudget, AChunkedBodyIs503AsItCrossesTheBudget) {
  ServerOptions o = LoopbackOptions();
  o.max_buffered_body_bytes = 4096;
  Server server(o);
  std::atomic<int> calls{0};
  server.Route("POST", "/in", [&](const Request&) {
    ++calls;
    return Response::Json(200, "{}");
  });
  ASSERT_TRUE(server.Start().ok());
  RawClient c(server.port());
  ASSERT_TRUE(c.Send("POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  // Within max_body_bytes, past the budget, and the message never ends.
  ASSERT_TRUE(c.Send("2000\r\n" + std::string(8192, 'y') + "\r\n"));
  auto reply = c.ReadReply();
  EXPECT_EQ(reply.status, 503);
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(calls.load(), 0);
  EXPECT_TRUE(Eventually([&] { return server.stats().body_bytes_buffered == 0; }));
}

// ---------------------------------------------------------------- per caller

TEST(HttpServerCallerLimits, AnAddressOverItsRateGets429WithRetryAfter) {
  ServerOptions o = LoopbackOptions();
  o.per_address = {.max_concurrent = 0, .per_second = 0.5, .burst = 3};
  Server server(o);
  server.Route("GET", "/ping", [](const Request&) { return Response::Json(200, "pong"); });
  ASSERT_TRUE(server.Start().ok());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(HttpGet("127.0.0.1", server.port(), "/ping")->status, 200);
  auto r = HttpGet("127.0.0.1", server.port(), "/ping");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->Header("retry-after"), "2");
  EXPECT_NE(r->body.find("127.0.0.1"), std::string::npos) << r->body;
  EXPECT_EQ(server.stats().requests_limited, 1u);
}

TEST(HttpServerCallerLimits, AKeyOverItsConcurrencyGets429WhileOthersAreServed) {
  ServerOptions o = LoopbackOptions();
  o.per_client = {.max_concurrent = 1, .per_second = 0, .burst = 0};
  Server server(o);
  Gate gate;
  server.Route(
      "GET", "/slow",
      [&](const Request&) {
        auto pending = std::make_shared<PendingResponse>();
        std::thread([&gate, pending] {
          gate.Wait();
          pending->Respond(Response::Json(200, "done"));
        }).detach();
        return Response::Later(pending);
      },
      RouteOptions::Admit(NeedsGoodKey));
  server.Route("GET", "/open", [](const Request&) { return Response::Json(200, "{}"); });
  ASSERT_TRUE(server.Start().ok());

  auto first = std::async(std::launch::async, [&] {
    return HttpGet("127.0.0.1", server.port(), "/slow", {{"Authorization", "Bearer good"}});
  });
  ASSERT_TRUE(gate.AwaitWaiters(1));
  auto second = HttpGet("127.0.0.1", server.port(), "/slow", {{"Authorization", "Bearer good"}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, 429);
  EXPECT_EQ(HttpGet("127.0.0.1", server.port(), "/open")->status, 200) << "no key, no key limit";
  gate.Open();
  EXPECT_EQ(first.get()->status, 200);
  auto third = HttpGet("127.0.0.1", server.port(), "/slow", {{"Authorization", "Bearer good"}});
  EXPECT_EQ(third->status, 200) << "the slot came back with the answer";
}

// ---------------------------------------------------------------- expensive reads

TEST(HttpServerWorkers, AWorkerRouteDoesNotHoldTheIoThread) {
  ServerOptions o = LoopbackOptions();
  o.io_threads = 1;
  o.worker_threads = 1;
  Server server(o);
  Gate gate;
  server.Route(
      "GET", "/report/{x}",
      [&](const Request& req) {
        gate.Wait();
        return Response::Json(200, "report " + req.path_params.at("x"));
      },
      RouteOptions::OnWorker());
  server.Route("GET", "/ping", [](const Request&) { return Response::Json(200, "pong"); });
  ASSERT_TRUE(server.Start().ok());

  auto report = std::async(std::launch::async,
                           [&] { return HttpGet("127.0.0.1", server.port(), "/report/7"); });
  ASSERT_TRUE(gate.AwaitWaiters(1));
  // The one io thread is free while the report computes.
  auto ping = HttpGet("127.0.0.1", server.port(), "/ping");
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ping->status, 200);
  gate.Open();
  auto r = report.get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "report 7");
}

TEST(HttpServerWorkers, PastTheQueueLimitIs503WithRetryAfter) {
  ServerOptions o = LoopbackOptions();
  o.worker_threads = 1;
  o.worker_queue = 1;
  Server server(o);
  Gate gate;
  server.Route(
      "GET", "/report",
      [&](const Request&) {
        gate.Wait();
        return Response::Json(200, "{}");
      },
      RouteOptions::OnWorker());
  ASSERT_TRUE(server.Start().ok());

  auto running = std::async(std::launch::async,
                            [&] { return HttpGet("127.0.0.1", server.port(), "/report"); });
  ASSERT_TRUE(gate.AwaitWaiters(1));
  auto queued = std::async(std::launch::async,
                           [&] { return HttpGet("127.0.0.1", server.port(), "/report"); });
  ASSERT_TRUE(Eventually([&] { return server.stats().worker_queued == 1; }));
  auto refused = HttpGet("127.0.0.1", server.port(), "/report");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->Header("retry-after"), "1");
  EXPECT_EQ(server.stats().worker_rejected, 1u);
  gate.Open();
  EXPECT_EQ(running.get()->status, 200);
  EXPECT_EQ(queued.get()->status, 200);
}

TEST(HttpServerWorkers, AThrowingWorkerRouteIs500) {
  ServerOptions o = LoopbackOptions();
  Server server(o);
  server.Route(
      "GET", "/report", [](const Request&) -> Response { throw std::runtime_error("no data"); },
      RouteOptions::OnWorker());
  ASSERT_TRUE(server.Start().ok());
  auto r = HttpGet("127.0.0.1", server.port(), "/report");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(server.stats().handler_exceptions, 1u);
}

// ---------------------------------------------------------------- event streams

TEST(HttpServerStreamLimits, AnAddressMayOpenOnlySoManyStreams) {
  ServerOptions o = LoopbackOptions();
  o.max_streams_per_address = 2;
  Server server(o);
  StreamCatcher catcher;
  server.Route("GET", "/s", catcher.MakeHandler());
  ASSERT_TRUE(server.Start().ok());
  auto a = SseClient::Connect("127.0.0.1", server.port(), "/s");
  auto b = SseClient::Connect("127.0.0.1", server.port(), "/s");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ((*a)->status(), 200);
  ASSERT_EQ((*b)->status(), 200);
  auto third = SseClient::Connect("127.0.0.1", server.port(), "/s");
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ((*third)->status(), 429);
  EXPECT_TRUE(catcher.Get(2)->closed()) << "the refused stream's producer is told";
  (*a)->Close();
  EXPECT_TRUE(Eventually([&] {
    auto c = SseClient::Connect("127.0.0.1", server.port(), "/s");
    return c.ok() && (*c)->status() == 200;
  }));
}

TEST(HttpServerStreamLimits, SlowReadersAreDroppedOnceTheyPassTheirShareOfTheBudget) {
  ServerOptions o = LoopbackOptions();
  o.stream_max_queued_bytes = size_t{64} << 20;  // each alone could take 64 MiB
  o.streams_max_queued_bytes = size_t{1} << 20;  // together they may hold 1 MiB
  Server server(o);
  StreamCatcher catcher;
  server.Route("GET", "/s", catcher.MakeHandler());
  ASSERT_TRUE(server.Start().ok());

  constexpr int kReaders = 8;
  std::vector<std::unique_ptr<RawClient>> readers;
  std::vector<std::shared_ptr<EventStream>> streams;
  for (int i = 0; i < kReaders; ++i) {
    readers.push_back(std::make_unique<RawClient>(server.port(), /*receive_buffer_bytes=*/4096));
    ASSERT_TRUE(readers.back()->Send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n"));
    streams.push_back(catcher.Get(i));
    ASSERT_NE(streams.back(), nullptr);
  }
  // Nobody reads. Once socket buffers are full the queues grow, until the budget is passed and
  // each stream over its share (1 MiB / 8) is let go.
  const std::string data(size_t{8} << 10, 'z');
  size_t peak = 0;
  for (int round = 0; round < 20000; ++round) {
    int open = 0;
    for (auto& s : streams) open += s->Push("bulk", data) ? 1 : 0;
    peak = std::max<size_t>(peak, server.stats().stream_bytes_queued);
    if (open == 0) break;
    if (round % 16 == 0) std::this_thread::sleep_for(milliseconds(1));
  }
  for (auto& s : streams) EXPECT_TRUE(s->closed());
  // Past the budget, each stream can overshoot by one growth of its buffer (doubling) before
  // its next push drops it.
  const size_t share = (size_t{1} << 20) / kReaders;
  EXPECT_LE(peak, (size_t{1} << 20) + size_t{kReaders} * 2 * (share + data.size()))
      << "the budget held";
  EXPECT_TRUE(Eventually([&] { return server.stats().streams_dropped_slow == kReaders; }));
  EXPECT_TRUE(Eventually([&] { return server.stats().stream_bytes_queued == 0; }))
      << "every byte was given back; still counted: " << server.stats().stream_bytes_queued;
}

// ---------------------------------------------------------------- file descriptors

TEST(HttpServerConnections, TheConnectionCapFitsTheOpenFileLimit) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = std::min<rlim_t>(saved.rlim_max, 512);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  ServerOptions o = LoopbackOptions();
  o.max_connections = 10'000;
  Server server(o);
  ::setrlimit(RLIMIT_NOFILE, &saved);
  // 512 descriptors: 64 kept for files, the rest for connections.
  EXPECT_EQ(server.stats().connection_cap, low.rlim_cur - 64);
  EXPECT_EQ(Server(LoopbackOptions()).stats().connection_cap,
            std::min<size_t>(10'000, saved.rlim_cur - std::max<size_t>(64, saved.rlim_cur / 8)));
}

}  // namespace
}  // namespace pg::api::http
