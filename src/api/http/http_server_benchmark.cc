// Requests per second of a trivial GET over keep-alive connections, client and server on the
// same machine (so the client's cost is in the figure: read it as a lower bound).
//
//   cmake --preset bench -B build/bench && cmake --build build/bench --target http_server_benchmark
//   build/bench/src/api/http/http_server_benchmark
//
// BM_HttpServer_KeepAliveGet: each benchmark thread is one client connection doing request →
// response → request. BM_HttpServer_PipelinedGet: one connection sending `depth` requests
// before reading the answers, which takes most of the client's per-request cost out.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "api/http/server.h"
#include "core/log.h"

namespace pg::api::http {
namespace {

constexpr std::string_view kRequest = "GET /ping HTTP/1.1\r\nHost: bench\r\n\r\n";

// One server for the whole run, with the default io thread count.
uint16_t ServerPort() {
  static Server* server = [] {
    SetLogLevel(LogLevel::kWarning);
    ServerOptions o;
    o.bind_address = "127.0.0.1";
    auto* s = new Server(o);  // lives for the process, like the server it stands for
    s->Route("GET", "/ping", [](const Request&) { return Response::Json(200, "{\"ok\":true}"); });
    if (!s->Start().ok()) std::abort();
    return s;
  }();
  return server->port();
}

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) std::abort();
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) std::abort();
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads one response framed by Content-Length; returns its status.
  int ReadResponse() {
    size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) Fill();
    int status = std::atoi(pending_.c_str() + 9);
    size_t length = 0;
    if (auto pos = pending_.find("Content-Length: "); pos != std::string::npos && pos < end) {
      length = std::strtoul(pending_.c_str() + pos + 16, nullptr, 10);
    }
    while (pending_.size() < end + 4 + length) Fill();
    pending_.erase(0, end + 4 + length);
    return status;
  }

 private:
  void Fill() {
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) std::abort();
    pending_.append(buf, static_cast<size_t>(n));
  }

  int fd_ = -1;
  std::string pending_;
};

void BM_HttpServer_KeepAliveGet(benchmark::State& state) {
  Client client(ServerPort());
  for (auto _ : state) {
    client.Send(kRequest);
    if (client.ReadResponse() != 200) state.SkipWithError("not 200");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HttpServer_KeepAliveGet)->ThreadRange(1, 16)->UseRealTime();

void BM_HttpServer_PipelinedGet(benchmark::State& state) {
  Client client(ServerPort());
  const auto depth = static_cast<int>(state.range(0));
  std::string batch;
  for (int i = 0; i < depth; ++i) batch += kRequest;
  for (auto _ : state) {
    client.Send(batch);
    for (int i = 0; i < depth; ++i) {
      if (client.ReadResponse() != 200) state.SkipWithError("not 200");
    }
  }
  state.SetItemsProcessed(state.iterations() * depth);
}
BENCHMARK(BM_HttpServer_PipelinedGet)->Arg(16)->ThreadRange(1, 4)->UseRealTime();

}  // namespace
}  // namespace pg::api::http

BENCHMARK_MAIN();
