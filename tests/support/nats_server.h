// A real NATS server with JetStream for tests: on a free loopback port, its store in a directory
// of the test, stoppable and restartable with what it stored (as an operator's restart). Tests
// skip when nats-server is not installed (a skip fails CI: tests/support/test_main.cc).
#pragma once

#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "api/http/client.h"
#include "tests/support/mosquitto_broker.h"  // FreeLoopbackPort, PortAccepts
#include "tests/support/subprocess.h"

namespace pg::testing {

inline std::string NatsServerBinary() {
  for (const char* p : {"/usr/bin/nats-server", "/usr/sbin/nats-server"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return {};
}

class NatsServer {
 public:
  explicit NatsServer(std::string dir) : dir_(std::move(dir)), port_(FreeLoopbackPort()) {
    std::filesystem::create_directories(dir_);
  }
  ~NatsServer() { Stop(); }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // Starts it and waits until it accepts connections; false when it did not.
  bool Start() {
    if (NatsServerBinary().empty()) return false;
    program_ = std::make_unique<BackgroundProgram>(
        std::vector<std::string>{NatsServerBinary(), "-js", "-sd", dir_ + "/store", "-a",
                                 "127.0.0.1", "-p", std::to_string(port_)},
        dir_ + "/nats-" + std::to_string(starts_++) + ".log");
    for (int i = 0; i < 200; ++i) {
      if (PortAccepts(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }
  // A clean stop (SIGTERM): what it acknowledged is in its store.
  void Stop() {
    if (program_) program_->SignalAndWait(SIGTERM, std::chrono::seconds(10));
    program_.reset();
  }
  std::string Url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string dir_;
  uint16_t port_;
  int starts_ = 0;
  std::unique_ptr<BackgroundProgram> program_;
};

// Three NATS servers in one JetStream cluster on loopback (a stream with 3 replicas is
// acknowledged once 2 of them hold a message). Each node can be killed, its store wiped, and
// started again.
class NatsCluster {
 public:
  explicit NatsCluster(std::string dir) : dir_(std::move(dir)) {
    for (Node& n : nodes_) {
      n.client = FreeLoopbackPort();
      n.http = FreeLoopbackPort();
      n.route = FreeLoopbackPort();
    }
    std::string routes;
    for (const Node& n : nodes_) {
      routes += fmt::format("{}nats-route://127.0.0.1:{}", routes.empty() ? "" : ", ", n.route);
    }
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      std::filesystem::create_directories(Dir(i));
      std::ofstream(Dir(i) + "/nats.conf") << fmt::format(
          "server_name: n{0}\nlisten: 127.0.0.1:{1}\nhttp: 127.0.0.1:{2}\n"
          "jetstream {{ store_dir: {3}/store }}\n"
          "cluster {{ name: city\n listen: 127.0.0.1:{4}\n routes: [{5}] }}\n",
          i + 1, n.client, n.http, Dir(i), n.route, routes);
    }
  }
  ~NatsCluster() {
    for (size_t i = 0; i < nodes_.size(); ++i) Kill(i);
  }

  // Starts every node and waits until each says it is current (GET /healthz: a meta leader is
  // known and its streams are caught up); false when they are not within a minute.
  bool Start() {
    for (size_t i = 0; i < nodes_.size(); ++i) StartNode(i);
    return WaitHealthy();
  }
  void StartNode(size_t i) {
    nodes_[i].program = std::make_unique<BackgroundProgram>(
        std::vector<std::string>{NatsServerBinary(), "-c", Dir(i) + "/nats.conf"},
        Dir(i) + "/log-" + std::to_string(nodes_[i].starts++) + ".txt");
  }
  bool WaitHealthy() {
    for (int attempt = 0; attempt < 600; ++attempt) {
      bool all = true;
      for (const Node& n : nodes_) {
        auto r =
            api::http::HttpGet("127.0.0.1", n.http, "/healthz", {}, std::chrono::milliseconds(500));
        all = all && r.ok() && r->status == 200;
      }
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  void Kill(size_t i) {
    if (nodes_[i].program) nodes_[i].program->SignalAndWait(SIGKILL, std::chrono::seconds(10));
    nodes_[i].program.reset();
  }
  // Everything node i stored, gone (worse than a power cut, which loses only what it had not
  // synced). REQUIRES: the node is stopped.
  void WipeStore(size_t i) { std::filesystem::remove_all(Dir(i) + "/store"); }

  // The servers' URLs, comma-separated, as `serve --bus` takes them.
  std::string Urls() const {
    std::string out;
    for (const Node& n : nodes_)
      out += fmt::format("{}nats://127.0.0.1:{}", out.empty() ? "" : ",", n.client);
    return out;
  }

 private:
  struct Node {
    uint16_t client = 0, http = 0, route = 0;
    int starts = 0;
    std::unique_ptr<BackgroundProgram> program;
  };
  std::string Dir(size_t i) const { return dir_ + "/n" + std::to_string(i + 1); }

  std::string dir_;
  std::array<Node, 3> nodes_;
};

}  // namespace pg::testing
