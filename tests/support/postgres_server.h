// A real PostgreSQL server for tests: a throwaway cluster (initdb) in a directory of the test, on
// a free loopback port, trust authentication, fsync off (these tests are about behaviour, not
// power cuts). Started with Debian's binaries (/usr/lib/postgresql/<version>/bin); as root, as
// the `postgres` user (initdb and the server refuse root). Tests skip when PostgreSQL is not
// installed, and a skip fails CI (tests/support/test_main.cc); .ci/run installs it.
//
//   PostgresServer* server = SharedPostgresServer();   // one per test program
//   if (!server) GTEST_SKIP() << PostgresUnavailableReason();
//   auto store = store::OpenPostgresStore(server->FreshSchemaUri());
#pragma once

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/mosquitto_broker.h"  // FreeLoopbackPort, PortAccepts
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg::testing {

// The newest installed PostgreSQL's bin directory, or "" when there is none.
inline std::string PostgresBinDir() {
  std::vector<std::string> dirs;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    if (std::filesystem::exists(e.path() / "bin" / "initdb")) dirs.push_back(e.path() / "bin");
  }
  if (dirs.empty()) return {};
  std::sort(dirs.begin(), dirs.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;  // "9" < "15"
  });
  return dirs.back();
}

class PostgresServer {
 public:
  PostgresServer() : port_(FreeLoopbackPort()) {}
  ~PostgresServer() { Stop(); }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Makes the cluster (first time) and starts the server; false (with the reason in `error`)
  // when it did not start.
  bool Start(std::string* error) {
    const std::string bin = PostgresBinDir();
    if (bin.empty()) {
      *error = "PostgreSQL is not installed (apt install postgresql postgresql-15-postgis-3)";
      return false;
    }
    if (!initialised_) {
      if (!AsServerUser(
              [&](const std::string& d) { return ::chown(d.c_str(), uid_, gid_) == 0; })) {
        *error = "cannot give the test directory to the postgres user";
        return false;
      }
      CommandResult init = Run({bin + "/initdb", "-D", Data(), "-U", "postgres", "--auth=trust",
                                "-E", "UTF8", "--no-locale", "-N"});
      if (init.exit_code != 0) {
        *error = "initdb failed: " + init.output;
        return false;
      }
      initialised_ = true;
    }
    CommandResult start =
        Run({bin + "/pg_ctl", "-D", Data(), "-l", dir_.File("server.log"), "-w", "-o",
             "-p " + std::to_string(port_) + " -k " + dir_.path().string() +
                 " -c listen_addresses=127.0.0.1 -c fsync=off "
                 "-c max_connections=200",
             "start"});
    if (start.exit_code != 0) {
      *error = "pg_ctl start failed: " + start.output + ReadFile(dir_.File("server.log"));
      return false;
    }
    running_ = true;
    return true;
  }

  // A fast shutdown (connections are cut, as in an operator's restart).
  void Stop() {
    if (!running_) return;
    Run({PostgresBinDir() + "/pg_ctl", "-D", Data(), "-m", "fast", "-w", "stop"});
    running_ = false;
  }

  // The URI of the `postgres` database, with `schema` first in the search_path when given (the
  // store creates it).
  std::string Uri(const std::string& schema = {}) const {
    std::string uri = "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
    if (!schema.empty()) uri += "?options=-csearch_path%3D" + schema + "%2Cpublic";
    return uri;
  }
  // A schema no test has used yet.
  std::string FreshSchemaUri() {
    static std::atomic<int> next{0};
    return Uri("t" + std::to_string(::getpid()) + "_" + std::to_string(next++));
  }
  uint16_t port() const { return port_; }
  std::string Log() const { return ReadFile(dir_.File("server.log")); }

 private:
  std::string Data() const { return dir_.File("data"); }

  // Runs `argv` as the postgres user when root (runuser), else as ourselves.
  CommandResult Run(std::vector<std::string> argv) const {
    if (::getuid() == 0) {
      argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
    }
    static std::atomic<int> n{0};
    return RunProgram(argv, dir_.File("command" + std::to_string(n++) + ".log"));
  }

  // As root, `give(dir)` hands the directory to the postgres user; otherwise nothing to do.
  template <typename Give>
  bool AsServerUser(Give give) {
    if (::getuid() != 0) return true;
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) return false;
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
    return give(dir_.path().string());
  }

  TempDir dir_;
  uint16_t port_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  bool initialised_ = false;
  bool running_ = false;
};

// Why SharedPostgresServer() returned nullptr ("" when it did not).
inline std::string& PostgresUnavailableReason() {
  static std::string reason;
  return reason;
}

// The test program's server, started on first use and stopped at exit; nullptr when it cannot
// start (PostgresUnavailableReason says why).
inline PostgresServer* SharedPostgresServer() {
  static std::unique_ptr<PostgresServer> server = [] {
    auto s = std::make_unique<PostgresServer>();
    if (!s->Start(&PostgresUnavailableReason())) s.reset();
    return s;
  }();
  return server.get();
}

}  // namespace pg::testing
