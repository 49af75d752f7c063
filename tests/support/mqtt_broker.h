// TestBroker: a real MQTT broker for tests. .ci/run starts mosquitto and names it in
// PARKGUIDE_TEST_MQTT ("host:port"); without that variable the test starts its own mosquitto on
// a free loopback port (the mosquitto package is installed by scripts/install-deps.sh) and kills
// it at the end. Neither available is a failure, not a skip: MQTT is part of the product.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg::testing {

class TestBroker {
 public:
  TestBroker() {
    if (const char* env = std::getenv("PARKGUIDE_TEST_MQTT"); env && *env) {
      std::string s(env);
      auto colon = s.rfind(':');
      host_ = s.substr(0, colon);
      port_ = colon == std::string::npos ? 1883 : std::stoi(s.substr(colon + 1));
      ok_ = Reachable();
      if (!ok_) error_ = "PARKGUIDE_TEST_MQTT=" + s + " is not reachable";
      return;
    }
    const char* binary = nullptr;
    for (const char* candidate : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto"}) {
      if (std::filesystem::exists(candidate)) binary = candidate;
    }
    if (!binary) {
      error_ = "no mosquitto binary (scripts/install-deps.sh installs it)";
      return;
    }
    port_ = FreePort();
    std::string conf = dir_.File("mosquitto.conf");
    std::ofstream(conf) << "listener " << port_ << " 127.0.0.1\nallow_anonymous true\n";
    broker_ = std::make_unique<BackgroundProgram>(std::vector<std::string>{binary, "-c", conf},
                                                  dir_.File("mosquitto.log"));
    for (int i = 0; i < 100 && !ok_; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ok_ = Reachable();
    }
    if (!ok_) error_ = "mosquitto did not start: " + broker_->Log();
  }

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& host() const { return host_; }
  int port() const { return port_; }

 private:
  static int FreePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
  }

  bool Reachable() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    if (::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1) {
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    return ok;
  }

  TempDir dir_;
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  bool ok_ = false;
  std::string error_;
  std::unique_ptr<BackgroundProgram> broker_;
};

}  // namespace pg::testing
