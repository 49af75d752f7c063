// Test support for the HTTP server's tests: a raw socket client for what a well-behaved client
// cannot do, a route that hands its event streams to the test, and polling with a deadline.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api/http/event_stream.h"
#include "api/http/message.h"
#include "api/http/server.h"

namespace pg::api::http::test_support {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kGenerous = seconds(20);  // a deadline only a hung server can miss

inline ServerOptions LoopbackOptions() {
  ServerOptions o;
  o.bind_address = "127.0.0.1";
  o.io_threads = 2;
  return o;
}

// Polls `condition` until it holds or `timeout` passes.
template <typename Condition>
inline bool Eventually(Condition condition, std::chrono::milliseconds timeout = kGenerous) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return condition();
}

// A bare blocking socket, for what a well-behaved client cannot do: pipelining, garbage,
// bodies that never come, not reading.
class RawClient {
 public:
  struct Reply {
    int status = 0;
    std::string head;  // status line and headers
    std::string body;
  };

  explicit RawClient(uint16_t port, int receive_buffer_bytes = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer_bytes > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof(receive_buffer_bytes));
    }
    timeval tv{static_cast<time_t>(kGenerous.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One response framed by Content-Length (or none: an interim or empty response). status 0 when
  // the connection ended or timed out first.
  Reply ReadReply() {
    Reply r;
    size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return r;
    }
    r.head = pending_.substr(0, end + 2);
    pending_.erase(0, end + 4);
    r.status = std::atoi(r.head.c_str() + 9);
    size_t length = 0;
    std::string lower = r.head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto pos = lower.find("\r\ncontent-length: "); pos != std::string::npos) {
      length = std::stoul(lower.substr(pos + 18));
    }
    while (pending_.size() < length) {
      if (!Fill()) return Reply{};
    }
    r.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return r;
  }

  // True when the server closes the connection (EOF or reset) before `timeout`.
  bool WaitForClose(std::chrono::seconds timeout = kGenerous) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n == 0) return true;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
    }
    return false;
  }

  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

 private:
  bool Fill() {
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

inline bool HeadHas(const RawClient::Reply& r, std::string_view line) {
  return r.head.find(line) != std::string::npos;
}

// A route that hands every new stream to the test.
class StreamCatcher {
 public:
  Handler MakeHandler(std::vector<std::string>* initial = nullptr) {
    return [this, initial](const Request& req) {
      auto stream = std::make_shared<EventStream>();
      if (initial != nullptr) {
        for (const auto& data : *initial) stream->Push("hello", data);
      }
      {
        std::lock_guard lock(mu_);
        streams_.push_back(stream);
        last_event_ids_.push_back(req.Header("last-event-id"));
      }
      cv_.notify_all();
      return Response::Stream(stream);
    };
  }

  // The i-th stream opened, waiting for it.
  std::shared_ptr<EventStream> Get(size_t i) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kGenerous, [&] { return streams_.size() > i; });
    return streams_.size() > i ? streams_[i] : nullptr;
  }
  std::string LastEventId(size_t i) {
    std::lock_guard lock(mu_);
    return last_event_ids_.at(i);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<EventStream>> streams_;
  std::vector<std::string> last_event_ids_;
};

}  // namespace pg::api::http::test_support
