// ingest_load: the load tool behind bench/ingest_bench.sh. One mode per run, one result line.
//
//   ingest_load http  --port P --keys K1,K2 [--batch 1000] [--seconds 10]
//   ingest_load redis --port P --connections 2 [--batch 1000] [--seconds 10]
//                     [--batching pipeline|multi|one]
//   ingest_load mqtt  --port P --broker-port B --city C --source S --key K [--messages 2000]
//                     [--batch 100]
//   ingest_load sse   --port P --key K [--clients 1000] [--events 300]
//
// http: one connection per key (a source each), POSTing batches of facility counts as fast as
// the server acknowledges them (200 = durable). redis: the same observations to a redis-server,
// batched three ways: `pipeline`, one HSET per observation sent together (one round trip, one
// reply each); `multi`, the same inside MULTI/EXEC (applied as one transaction, as parkguide
// applies a batch); `one`, the whole batch as one HSET command of 3 fields per observation (one
// command and one reply per batch, as parkguide's one request per batch). mqtt: QoS 1 publishes of
// batches, then waits until parkguide reports every observation accepted. sse: opens N stream
// clients, then posts one count change at a time and measures, for every client, acknowledgement →
// event received.
#include <fmt/format.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api/http/client.h"
#include "core/strings.h"
#include "core/time.h"

namespace {

using Clock = std::chrono::steady_clock;
using pg::api::http::HttpConnection;

std::map<std::string, std::string> ParseArgs(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 2; i + 1 < argc; i += 2) args[std::string(argv[i]).substr(2)] = argv[i + 1];
  return args;
}
std::string Arg(const std::map<std::string, std::string>& a, const char* name,
                const char* fallback = "") {
  auto it = a.find(name);
  return it == a.end() ? fallback : it->second;
}
int IntArg(const std::map<std::string, std::string>& a, const char* name, int fallback) {
  auto it = a.find(name);
  return it == a.end() ? fallback : std::stoi(it->second);
}

struct FacilityInfo {
  std::string id;
  int capacity;
};

std::vector<FacilityInfo> Facilities(uint16_t port) {
  std::vector<FacilityInfo> out;
  auto r = pg::api::http::HttpGet("127.0.0.1", port, "/api/v1/facilities?limit=1000");
  if (!r.ok()) return out;
  auto j = nlohmann::json::parse(r->body);
  for (const auto& f : j["items"]) {
    if (f["live"]["capacity"].get<int>() > 0) {
      out.push_back({f["id"].get<std::string>(), f["live"]["capacity"].get<int>()});
    }
  }
  return out;
}

// A boot number for a run of seqs: the start time in ms, so every run is a later boot.
int64_t BootNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A batch of facility counts with increasing seq and times just behind now.
std::string Batch(const std::vector<FacilityInfo>& fs, int n, int64_t boot, int64_t& seq,
                  std::mt19937& rng) {
  std::string body = R"({"observations":[)";
  auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  std::string time =
      pg::FormatRfc3339Utc(pg::Timestamp(now.time_since_epoch()) - std::chrono::seconds(1));
  for (int i = 0; i < n; ++i) {
    const auto& f = fs[rng() % fs.size()];
    body += fmt::format(
        R"({}{{"type":"facility_count","facility":"{}","time":"{}","free":{},"seq":{},"boot":{}}})",
        i ? "," : "", f.id, time, static_cast<int>(rng() % (f.capacity + 1)), ++seq, boot);
  }
  return body + "]}";
}

int Http(const std::map<std::string, std::string>& a) {
  auto port = static_cast<uint16_t>(IntArg(a, "port", 8080));
  int batch = IntArg(a, "batch", 1000);
  int seconds = IntArg(a, "seconds", 10);
  const std::string key_list = Arg(a, "keys");  // the views below point into it
  auto keys = pg::SplitString(key_list, ',');
  auto fs = Facilities(port);
  if (fs.empty()) return fmt::print(stderr, "no facilities\n"), 1;
  std::atomic<int64_t> accepted{0};
  std::atomic<int64_t> requests{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::vector<double> latencies_ms;
  std::mutex mu;
  auto start = Clock::now();
  for (size_t k = 0; k < keys.size(); ++k) {
    threads.emplace_back([&, key = std::string(keys[k]), k] {
      auto conn = HttpConnection::Open("127.0.0.1", port);
      if (!conn.ok()) return;
      std::mt19937 rng(static_cast<unsigned>(k));
      int64_t seq = 0;  // a new boot per run: seqs from 1 (docs/api/ingest.md)
      const int64_t boot = BootNow();
      std::vector<double> local;
      while (!stop) {
        std::string body = Batch(fs, batch, boot, seq, rng);
        auto t0 = Clock::now();
        auto r = (*conn)->Request("POST", "/api/v1/observations", body,
                                  {{"Authorization", "Bearer " + key}});
        if (!r.ok() || r->status != 200) {
          fmt::print(stderr, "http: {}\n", r.ok() ? r->body : r.status().ToString());
          return;
        }
        local.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        accepted += nlohmann::json::parse(r->body)["accepted"].get<int64_t>();
        ++requests;
      }
      std::lock_guard lock(mu);
      latencies_ms.insert(latencies_ms.end(), local.begin(), local.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms.empty()
               ? 0.0
               : latencies_ms[std::min(latencies_ms.size() - 1,
                                       static_cast<size_t>(p * latencies_ms.size()))];
  };
  fmt::print(
      "http connections={} batch={} seconds={:.1f} accepted={} requests={} "
      "obs_per_s={:.0f} request_ms_p50={:.2f} p99={:.2f}\n",
      keys.size(), batch, elapsed, accepted.load(), requests.load(),
      static_cast<double>(accepted) / elapsed, pct(0.5), pct(0.99));
  return 0;
}

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool SendAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    s.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string Resp(const std::vector<std::string>& parts) {
  std::string out = fmt::format("*{}\r\n", parts.size());
  for (const auto& p : parts) out += fmt::format("${}\r\n{}\r\n", p.size(), p);
  return out;
}

// One batch of `batch` random facility counts as the bytes sent to Redis (see the file comment).
std::string RedisBatch(const std::string& batching, const std::vector<FacilityInfo>& fs, int batch,
                       const std::string& time, std::mt19937& rng, int64_t& seq) {
  std::string out;
  if (batching == "one") {
    std::vector<std::string> parts{"HSET", "facilities"};
    for (int i = 0; i < batch; ++i) {
      const auto& f = fs[rng() % fs.size()];
      parts.insert(parts.end(), {f.id + ":free", std::to_string(rng() % 500), f.id + ":time", time,
                                 f.id + ":seq", std::to_string(++seq)});
    }
    return Resp(parts);
  }
  if (batching == "multi") out += Resp({"MULTI"});
  for (int i = 0; i < batch; ++i) {
    const auto& f = fs[rng() % fs.size()];
    out += Resp({"HSET", "facility:" + f.id, "free", std::to_string(rng() % 500), "time", time,
                 "seq", std::to_string(++seq)});
  }
  if (batching == "multi") out += Resp({"EXEC"});
  return out;
}

// Reply lines Redis sends for one batch: one per HSET; with MULTI also +OK, +QUEUED per HSET
// and EXEC's array header; one in all for a single HSET.
int RedisReplyLines(const std::string& batching, int batch) {
  if (batching == "one") return 1;
  if (batching == "multi") return 2 * batch + 2;
  return batch;
}

int Redis(const std::map<std::string, std::string>& a) {
  auto port = static_cast<uint16_t>(IntArg(a, "port", 6379));
  int batch = IntArg(a, "batch", 1000);
  int seconds = IntArg(a, "seconds", 10);
  int connections = IntArg(a, "connections", 2);
  const std::string batching = a.contains("batching") ? a.at("batching") : "pipeline";
  if (batching != "pipeline" && batching != "multi" && batching != "one") {
    fmt::print(stderr, "--batching: pipeline, multi or one, not '{}'\n", batching);
    return 2;
  }
  std::vector<FacilityInfo> fs;
  for (int i = 0; i < 30; ++i) fs.push_back({"F" + std::to_string(i), 500});
  std::atomic<int64_t> written{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      int fd = Connect(port);
      if (fd < 0) return;
      std::mt19937 rng(static_cast<unsigned>(c));
      int64_t seq = 0;
      std::string buf(1 << 16, '\0');
      while (!stop) {
        auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
        std::string time = pg::FormatRfc3339Utc(pg::Timestamp(now.time_since_epoch()));
        const std::string out = RedisBatch(batching, fs, batch, time, rng, seq);
        if (!SendAll(fd, out)) return;
        const int lines = RedisReplyLines(batching, batch);
        int replies = 0;
        while (replies < lines) {
          ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
          if (n <= 0) return;
          for (ssize_t i = 0; i < n; ++i) replies += buf[static_cast<size_t>(i)] == '\n';
        }
        written += batch;
      }
      ::close(fd);
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  fmt::print(
      "redis batching={} connections={} batch={} seconds={:.1f} written={} obs_per_s={:.0f}\n",
      batching, connections, batch, elapsed, written.load(),
      static_cast<double>(written) / elapsed);
  return 0;
}

int64_t Accepted(uint16_t port, const std::string& source) {
  auto r = pg::api::http::HttpGet("127.0.0.1", port, "/api/v1/sources/health");
  if (!r.ok()) return -1;
  auto j = nlohmann::json::parse(r->body);
  for (const auto& s : j["sources"]) {
    if (s["id"] == source) return s["accepted"].get<int64_t>();
  }
  return 0;
}

int Mqtt(const std::map<std::string, std::string>& a) {
  auto port = static_cast<uint16_t>(IntArg(a, "port", 8080));
  int broker = IntArg(a, "broker-port", 1883);
  int messages = IntArg(a, "messages", 2000);
  int batch = IntArg(a, "batch", 100);
  std::string source = Arg(a, "source");
  std::string key = Arg(a, "key");
  std::string topic = fmt::format("parkguide/{}/obs/{}", Arg(a, "city"), source);
  auto fs = Facilities(port);
  if (fs.empty()) return fmt::print(stderr, "no facilities\n"), 1;
  int64_t before = Accepted(port, source);
  mosquitto_lib_init();
  std::atomic<int> acked{0};
  mosquitto* m = mosquitto_new(nullptr, true, &acked);
  mosquitto_publish_callback_set(
      m, [](mosquitto*, void* p, int) { ++*static_cast<std::atomic<int>*>(p); });
  if (mosquitto_connect(m, "127.0.0.1", broker, 30) != MOSQ_ERR_SUCCESS) return 1;
  mosquitto_max_inflight_messages_set(m, 1000);
  mosquitto_loop_start(m);
  std::mt19937 rng(7);
  int64_t seq = 0;  // a new boot per run: seqs from 1 (docs/api/ingest.md)
  const int64_t boot = BootNow();
  std::vector<std::string> payloads;
  for (int i = 0; i < messages; ++i) {
    std::string body = Batch(fs, batch, boot, seq, rng);
    payloads.push_back(R"({"key":")" + key + "\"," + body.substr(1));
  }
  auto start = Clock::now();
  for (const auto& p : payloads) {
    mosquitto_publish(m, nullptr, topic.c_str(), static_cast<int>(p.size()), p.data(), 1, false);
  }
  while (acked < messages) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  double publish_s = std::chrono::duration<double>(Clock::now() - start).count();
  int64_t target = before + static_cast<int64_t>(messages) * batch;
  while (Accepted(port, source) < target) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  mosquitto_disconnect(m);
  mosquitto_loop_stop(m, false);
  fmt::print(
      "mqtt messages={} batch={} broker_acked_s={:.2f} applied_s={:.2f} "
      "broker_obs_per_s={:.0f} obs_per_s={:.0f}\n",
      messages, batch, publish_s, elapsed, static_cast<double>(messages) * batch / publish_s,
      static_cast<double>(messages) * batch / elapsed);
  return 0;
}

int Sse(const std::map<std::string, std::string>& a) {
  auto port = static_cast<uint16_t>(IntArg(a, "port", 8080));
  int clients = IntArg(a, "clients", 1000);
  int events = IntArg(a, "events", 300);
  std::string key = Arg(a, "key");
  auto fs = Facilities(port);
  if (fs.empty()) return fmt::print(stderr, "no facilities\n"), 1;
  // The largest facility: its occupied count is the marker of each round (0 … events-1).
  const FacilityInfo& target = *std::max_element(
      fs.begin(), fs.end(), [](const auto& x, const auto& y) { return x.capacity < y.capacity; });
  if (target.capacity < events) return fmt::print(stderr, "facilities too small\n"), 1;
  // Rounds are counted only from their own post on (a value may appear earlier, in a snapshot).
  std::vector<std::atomic<int64_t>> sent_ns(static_cast<size_t>(events));
  for (auto& x : sent_ns) x = INT64_MAX;
  std::vector<int> fds;
  std::string request = fmt::format(
      "GET /api/v1/stream?facility={}&types=facility,zone HTTP/1.1\r\nHost: x\r\nAccept: "
      "text/event-stream\r\n\r\n",
      target.id);
  for (int i = 0; i < clients; ++i) {
    int fd = Connect(port);
    if (fd < 0 || !SendAll(fd, request)) return fmt::print(stderr, "connect failed at {}\n", i), 1;
    fds.push_back(fd);
  }
  // Readers: poll all sockets, find the marker value of the current round in the bytes.
  std::atomic<int> round{-1};
  std::vector<std::vector<Clock::time_point>> seen(static_cast<size_t>(events),
                                                   std::vector<Clock::time_point>());
  std::vector<std::mutex> seen_mu(static_cast<size_t>(events));
  std::atomic<bool> stop{false};
  std::atomic<int64_t> received{0};
  auto reader = [&](size_t first, size_t last) {
    std::vector<pollfd> pfds;
    for (size_t i = first; i < last; ++i) pfds.push_back({fds[i], POLLIN, 0});
    std::vector<std::string> tails(pfds.size());
    std::string buf(1 << 16, '\0');
    while (!stop) {
      if (::poll(pfds.data(), pfds.size(), 50) <= 0) continue;
      auto now = Clock::now();
      for (size_t i = 0; i < pfds.size(); ++i) {
        if (!(pfds[i].revents & POLLIN)) continue;
        ssize_t n = ::recv(pfds[i].fd, buf.data(), buf.size(), 0);
        if (n <= 0) continue;
        std::string& t = tails[i];
        t.append(buf.data(), static_cast<size_t>(n));
        // Only complete events are scanned, each once.
        size_t complete = t.rfind("\n\n");
        if (complete == std::string::npos) continue;
        std::string_view events_text(t.data(), complete);
        // Markers: "occupied":<round>
        size_t pos = 0;
        constexpr std::string_view kKey = "\"occupied\":";
        while ((pos = events_text.find(kKey, pos)) != std::string_view::npos) {
          size_t digits = pos + kKey.size();
          size_t end = events_text.find_first_not_of("0123456789", digits);
          if (end == std::string_view::npos || end == digits) break;
          int r = std::stoi(std::string(events_text.substr(digits, end - digits)));
          if (r >= 0 && r < events &&
              now.time_since_epoch().count() >= sent_ns[static_cast<size_t>(r)].load()) {
            std::lock_guard lock(seen_mu[static_cast<size_t>(r)]);
            seen[static_cast<size_t>(r)].push_back(now);
            ++received;
          }
          pos = end;
        }
        t.erase(0, complete + 2);
      }
    }
  };
  std::vector<std::thread> readers;
  size_t per = (fds.size() + 3) / 4;
  for (size_t i = 0; i < fds.size(); i += per)
    readers.emplace_back(reader, i, std::min(fds.size(), i + per));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // snapshots delivered
  auto conn = HttpConnection::Open("127.0.0.1", port);
  if (!conn.ok()) return 1;
  std::vector<Clock::time_point> acked(static_cast<size_t>(events));
  std::vector<Clock::time_point> sent(static_cast<size_t>(events));
  int64_t seq = 0;  // a new boot per run: seqs from 1 (docs/api/ingest.md)
  const int64_t boot = BootNow();
  for (int r = 0; r < events; ++r) {
    auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    std::string body = fmt::format(
        R"({{"observations":[{{"type":"facility_count","facility":"{}","time":"{}","occupied":{},"seq":{},"boot":{}}}]}})",
        target.id, pg::FormatRfc3339Utc(pg::Timestamp(now.time_since_epoch())), r, ++seq, boot);
    sent[static_cast<size_t>(r)] = Clock::now();
    sent_ns[static_cast<size_t>(r)] = sent[static_cast<size_t>(r)].time_since_epoch().count();
    auto resp = (*conn)->Request("POST", "/api/v1/observations", body,
                                 {{"Authorization", "Bearer " + key}});
    acked[static_cast<size_t>(r)] = Clock::now();
    if (!resp.ok() || resp->status != 200) {
      fmt::print(stderr, "post: {}\n", resp.ok() ? resp->body : resp.status().ToString());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  for (auto& t : readers) t.join();
  std::vector<double> from_ack;
  std::vector<double> from_send;
  for (int r = 0; r < events; ++r) {
    for (auto t : seen[static_cast<size_t>(r)]) {
      from_ack.push_back(std::max(
          0.0,
          std::chrono::duration<double, std::milli>(t - acked[static_cast<size_t>(r)]).count()));
      from_send.push_back(
          std::chrono::duration<double, std::milli>(t - sent[static_cast<size_t>(r)]).count());
    }
  }
  std::sort(from_ack.begin(), from_ack.end());
  std::sort(from_send.begin(), from_send.end());
  auto pct = [](const std::vector<double>& v, double p) {
    return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
  };
  fmt::print(
      "sse clients={} events={} delivered={}/{} ack_to_event_ms_p50={:.2f} p99={:.2f} "
      "max={:.2f} send_to_event_ms_p50={:.2f} p99={:.2f}\n",
      clients, events, from_ack.size(), static_cast<int64_t>(clients) * events, pct(from_ack, 0.5),
      pct(from_ack, 0.99), from_ack.empty() ? 0 : from_ack.back(), pct(from_send, 0.5),
      pct(from_send, 0.99));
  for (int fd : fds) ::close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: ingest_load http|redis|mqtt|sse --option value ...\n");
    return 2;
  }
  std::string mode = argv[1];
  auto args = ParseArgs(argc, argv);
  if (mode == "http") return Http(args);
  if (mode == "redis") return Redis(args);
  if (mode == "mqtt") return Mqtt(args);
  if (mode == "sse") return Sse(args);
  fmt::print(stderr, "unknown mode {}\n", mode);
  return 2;
}
