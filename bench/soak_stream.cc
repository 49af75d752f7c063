#include "soak_stream.h"

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "core/time.h"

namespace pg::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxBufferedBytes = size_t{1} << 20;  // one event, or a header, at most
constexpr auto kReconnectDelay = std::chrono::seconds(1);
constexpr auto kAnswerTimeout = std::chrono::seconds(10);  // connect + response header
constexpr auto kTimerPeriod = std::chrono::milliseconds(50);

enum class Phase { kWaiting, kConnecting, kHeader, kBody };
enum class Chunk { kSize, kData, kDataEnd };

struct Conn {
  StreamSpec spec;
  int fd = -1;
  Phase phase = Phase::kWaiting;
  Clock::time_point due{};  // kWaiting: when to open; kConnecting/kHeader: the answer's deadline
  bool opened_before = false;
  bool chunked = false;
  Chunk chunk = Chunk::kSize;
  size_t chunk_left = 0;
  std::string raw;   // received bytes not yet decoded: the header, chunk framing
  std::string text;  // decoded event text after the last complete event
  std::string last_id;
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The newest `"updated":"<RFC 3339>"` in an event's data, in ms since the epoch; 0 when none.
int64_t NewestUpdatedMs(std::string_view data) {
  constexpr std::string_view kKey = R"("updated":")";
  int64_t newest = 0;
  for (size_t pos = data.find(kKey); pos != std::string_view::npos; pos = data.find(kKey, pos)) {
    pos += kKey.size();
    size_t end = data.find('"', pos);
    if (end == std::string_view::npos) break;
    auto t = ParseRfc3339(data.substr(pos, end - pos));
    if (t.ok()) newest = std::max(newest, ToUnixMillis(*t));
    pos = end;
  }
  return newest;
}

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct StreamFleet::Worker {
  uint16_t port;
  StreamStats& stats;
  std::atomic<bool>& stop;
  std::vector<Conn> conns;
  int epoll_fd = -1;
  std::string buffer = std::string(size_t{1} << 16, '\0');

  Worker(uint16_t p, StreamStats& s, std::atomic<bool>& st) : port(p), stats(s), stop(st) {}

  void Run() {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    // Staggered: a thousand snapshots at once would be a start-up burst, not the soak.
    const auto start = Clock::now();
    for (size_t i = 0; i < conns.size(); ++i)
      conns[i].due = start + std::chrono::milliseconds(2 * i);
    std::vector<epoll_event> ready(256);
    auto next_timer = start;
    while (!stop.load(std::memory_order_relaxed)) {
      int n = ::epoll_wait(epoll_fd, ready.data(), static_cast<int>(ready.size()), 50);
      for (int k = 0; k < n; ++k) Dispatch(conns[ready[static_cast<size_t>(k)].data.u64]);
      if (Clock::now() >= next_timer) {
        next_timer = Clock::now() + kTimerPeriod;
        Timers();
      }
    }
    for (auto& c : conns) Close(c, /*retry=*/false);
    ::close(epoll_fd);
  }

  void Dispatch(Conn& c) {
    if (c.phase == Phase::kConnecting) return OnConnected(c);
    if (c.phase == Phase::kHeader || c.phase == Phase::kBody) OnReadable(c);
  }

  // Opens streams that are due, and gives up on answers that do not come.
  void Timers() {
    const auto now = Clock::now();
    for (auto& c : conns) {
      if (c.phase == Phase::kWaiting && now >= c.due) {
        Open(c);
      } else if ((c.phase == Phase::kConnecting || c.phase == Phase::kHeader) && now >= c.due) {
        stats.connect_failures.fetch_add(1, std::memory_order_relaxed);
        Close(c, /*retry=*/true);
      }
    }
  }

  void Open(Conn& c) {
    if (c.opened_before) stats.reconnects.fetch_add(1, std::memory_order_relaxed);
    c.opened_before = true;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return Failed(c);
    if (c.spec.local_address != 0) {
      int one = 1;  // the port is chosen at connect, per destination: no ephemeral-port shortage
      ::setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sockaddr_in local{};
      local.sin_family = AF_INET;
      local.sin_addr.s_addr = c.spec.local_address;
      if (::bind(c.fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return Failed(c);
    }
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server.sin_port = htons(port);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0 &&
        errno != EINPROGRESS) {
      return Failed(c);
    }
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = static_cast<uint64_t>(&c - conns.data());
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c.fd, &ev);
    c.phase = Phase::kConnecting;
    c.due = Clock::now() + kAnswerTimeout;
  }

  void Failed(Conn& c) {
    stats.connect_failures.fetch_add(1, std::memory_order_relaxed);
    Close(c, /*retry=*/true);
  }

  void OnConnected(Conn& c) {
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) return Failed(c);
    std::string request =
        "GET " + c.spec.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    if (!c.last_id.empty()) request += "Last-Event-ID: " + c.last_id + "\r\n";
    request += "\r\n";
    // A few hundred bytes into a fresh socket's empty send buffer: sent whole or not at all.
    if (::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return Failed(c);
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = static_cast<uint64_t>(&c - conns.data());
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
    c.phase = Phase::kHeader;
  }

  void OnReadable(Conn& c) {
    while (c.fd >= 0) {
      ssize_t n = ::recv(c.fd, buffer.data(), buffer.size(), 0);
      if (n > 0) {
        Consume(c, std::string_view(buffer.data(), static_cast<size_t>(n)));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      return Lost(c);  // the server closed, or the connection broke
    }
  }

  // The stream ended or broke: a reader reconnects (with its last id) after a pause.
  void Lost(Conn& c) {
    if (c.phase == Phase::kBody) {
      stats.dropped.fetch_add(1, std::memory_order_relaxed);
    } else {
      stats.connect_failures.fetch_add(1, std::memory_order_relaxed);
    }
    Close(c, /*retry=*/true);
  }

  void Close(Conn& c, bool retry) {
    if (c.fd >= 0) {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
    }
    if (c.phase == Phase::kBody) stats.connected.fetch_sub(1, std::memory_order_relaxed);
    c.fd = -1;
    c.phase = Phase::kWaiting;
    c.due = Clock::now() + kReconnectDelay;
    if (!retry) c.due = Clock::time_point::max();
    std::string().swap(c.raw);  // a burst's buffer is not kept for the hour
    std::string().swap(c.text);
    c.chunk = Chunk::kSize;
  }

  void Consume(Conn& c, std::string_view bytes) {
    if (c.phase == Phase::kHeader) {
      c.raw.append(bytes);
      size_t end = c.raw.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (c.raw.size() > kMaxBufferedBytes) Framing(c);
        return;
      }
      if (!ReadHeader(c, std::string_view(c.raw).substr(0, end))) return;
      std::string body = c.raw.substr(end + 4);
      c.raw.clear();
      return Decode(c, body);
    }
    Decode(c, bytes);
  }

  // The status line and Transfer-Encoding; false (and the stream closed) unless 200.
  bool ReadHeader(Conn& c, std::string_view header) {
    int status = 0;
    if (StartsWith(header, "HTTP/1.") && header.size() >= 12) {
      status = std::atoi(std::string(header.substr(9, 3)).c_str());
    }
    if (status != 200) {
      stats.non_200.fetch_add(1, std::memory_order_relaxed);
      Close(c, /*retry=*/true);
      return false;
    }
    std::string lower(header);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    c.chunked = lower.find("transfer-encoding: chunked") != std::string::npos;
    c.phase = Phase::kBody;
    stats.connected.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  void Decode(Conn& c, std::string_view bytes) {
    if (!c.chunked) {
      c.text.append(bytes);
    } else if (!Dechunk(c, bytes)) {
      return;
    }
    ReadEvents(c);
  }

  // Chunked coding → c.text; false when the stream ended (last chunk) or was malformed.
  bool Dechunk(Conn& c, std::string_view bytes) {
    c.raw.append(bytes);
    size_t p = 0;
    while (p < c.raw.size()) {
      if (c.chunk == Chunk::kSize) {
        size_t eol = c.raw.find("\r\n", p);
        if (eol == std::string::npos) break;
        c.chunk_left = std::strtoul(c.raw.c_str() + p, nullptr, 16);
        p = eol + 2;
        if (c.chunk_left == 0) {
          Lost(c);  // the server ended the stream
          return false;
        }
        c.chunk = Chunk::kData;
      } else if (c.chunk == Chunk::kData) {
        size_t take = std::min(c.chunk_left, c.raw.size() - p);
        c.text.append(c.raw, p, take);
        p += take;
        c.chunk_left -= take;
        if (c.chunk_left == 0) c.chunk = Chunk::kDataEnd;
      } else {
        if (c.raw.size() - p < 2) break;
        p += 2;
        c.chunk = Chunk::kSize;
      }
    }
    c.raw.erase(0, p);
    if (c.raw.size() > kMaxBufferedBytes) return Framing(c), false;
    return true;
  }

  void ReadEvents(Conn& c) {
    const int64_t now_us = WallMicros();
    size_t start = 0;
    for (size_t end = c.text.find("\n\n"); end != std::string::npos;
         end = c.text.find("\n\n", start)) {
      OnEvent(c, std::string_view(c.text).substr(start, end - start), now_us);
      start = end + 2;
    }
    c.text.erase(0, start);
    if (c.text.size() > kMaxBufferedBytes) Framing(c);
  }

  void OnEvent(Conn& c, std::string_view block, int64_t now_us) {
    std::string_view id, type, data;
    while (!block.empty()) {
      size_t eol = block.find('\n');
      std::string_view line = block.substr(0, eol);
      block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 1);
      if (StartsWith(line, "id: ")) id = line.substr(4);
      if (StartsWith(line, "event: ")) type = line.substr(7);
      if (StartsWith(line, "data: ")) data = line.substr(6);
    }
    if (type.empty() && data.empty()) return;  // a comment (": ping")
    if (!id.empty()) c.last_id = std::string(id);
    if (type == "sync") return;
    if (id.empty()) {  // the snapshot (and `source` alerts, which are not resumable)
      stats.snapshot_events.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    stats.change_events.fetch_add(1, std::memory_order_relaxed);
    if (int64_t updated_ms = NewestUpdatedMs(data); updated_ms > 0) {
      stats.lag.Record(std::chrono::microseconds(std::max<int64_t>(0, now_us - updated_ms * 1000)));
    }
  }

  void Framing(Conn& c) {
    stats.framing_errors.fetch_add(1, std::memory_order_relaxed);
    if (c.phase == Phase::kBody) stats.dropped.fetch_add(1, std::memory_order_relaxed);
    Close(c, /*retry=*/true);
  }
};

StreamFleet::StreamFleet(uint16_t port, std::vector<StreamSpec> specs, int threads,
                         StreamStats& stats)
    : port_(port), thread_count_(std::max(1, threads)), specs_(std::move(specs)), stats_(stats) {}

StreamFleet::~StreamFleet() { Stop(); }

void StreamFleet::Start() {
  for (int t = 0; t < thread_count_; ++t) {
    workers_.push_back(std::make_unique<Worker>(port_, stats_, stop_));
  }
  for (size_t i = 0; i < specs_.size(); ++i) {
    Conn c;
    c.spec = specs_[i];
    workers_[i % workers_.size()]->conns.push_back(std::move(c));
  }
  for (auto& w : workers_) threads_.emplace_back([&w] { w->Run(); });
}

void StreamFleet::Stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace pg::bench
