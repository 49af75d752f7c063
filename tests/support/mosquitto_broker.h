// A real mosquitto broker for tests: started on a free loopback port with persistence in a
// directory of the test, restartable (SIGTERM saves its state, as an operator's restart would).
// Tests skip when /usr/sbin/mosquitto is not installed.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/subprocess.h"

namespace pg::testing {

inline std::string MosquittoBinary() {
  for (const char* p : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return {};
}

inline uint16_t FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool PortAccepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// How the broker queues: as docs/api/ingest.md ("MQTT: broker settings and loss") tells an
// operator to set it up, or mosquitto's defaults (1,000 queued messages per client, no size
// limit) — the loss tests run against those, since that is what an operator may have.
enum class BrokerQueueing { kRecommended, kMosquittoDefaults };

class MosquittoBroker {
 public:
  explicit MosquittoBroker(std::string dir, BrokerQueueing queueing = BrokerQueueing::kRecommended)
      : dir_(std::move(dir)), port_(FreeLoopbackPort()) {
    std::filesystem::create_directories(dir_);
    std::ofstream conf(dir_ + "/mosquitto.conf");
    conf << "listener " << port_ << " 127.0.0.1\n"
         << "allow_anonymous true\n"
         << "persistence true\n"
         << "persistence_location " << dir_ << "/\n";
    if (queueing == BrokerQueueing::kRecommended) {
      // The settings of docs/api/ingest.md: room for a long absence of parkguide, and a packet
      // cap just over parkguide's message cap (16 MiB) so a larger one is refused to its
      // publisher (disconnected, never acknowledged) instead of acknowledged and dropped.
      conf << "max_queued_messages 1000000\n"
           << "max_queued_bytes 1073741824\n"
           << "max_packet_size 16778240\n";
    }
    // Run as root, mosquitto would switch to its own user, which cannot write here.
    if (const passwd* pw = ::getpwuid(::getuid())) conf << "user " << pw->pw_name << "\n";
  }
  ~MosquittoBroker() { Stop(); }

  // Starts the broker and waits until it accepts connections; false when it did not.
  bool Start() {
    program_ = std::make_unique<BackgroundProgram>(
        std::vector<std::string>{MosquittoBinary(), "-c", dir_ + "/mosquitto.conf"},
        dir_ + "/mosquitto.log");
    for (int i = 0; i < 100; ++i) {
      if (PortAccepts(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // A clean stop: the broker saves its persistent state.
  void Stop() {
    if (program_) program_->SignalAndWait(SIGTERM, std::chrono::seconds(10));
    program_.reset();
  }
  uint16_t port() const { return port_; }
  std::string Log() const { return program_ ? program_->Log() : std::string(); }

 private:
  std::string dir_;
  uint16_t port_;
  std::unique_ptr<BackgroundProgram> program_;
};

}  // namespace pg::testing
