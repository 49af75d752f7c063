// A real NATS server with JetStream for tests: on a free loopback port, its store in a directory
// of the test, stoppable and restartable with what it stored (as an operator's restart). Tests
// skip when nats-server is not installed (a skip fails CI: tests/support/test_main.cc).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

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

}  // namespace pg::testing
