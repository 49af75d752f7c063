// Running the parkguide binary from tests: to completion (exit code and output), or in the
// background (a child process with its stderr in a file) for servers.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace pg::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Starts argv[0] with arguments, its stdout and stderr going to the file `log`.
inline pid_t SpawnWithLog(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline int ExitCodeOf(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

// Runs argv[0] with arguments, waiting for it to end.
inline CommandResult RunProgram(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = SpawnWithLog(argv, log);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {ExitCodeOf(status), ReadFile(log)};
}

// A program running in the background; killed (SIGKILL) if still running at destruction.
class BackgroundProgram {
 public:
  BackgroundProgram(const std::vector<std::string>& argv, std::string log)
      : log_(std::move(log)), pid_(SpawnWithLog(argv, log_)) {}
  BackgroundProgram(const BackgroundProgram&) = delete;
  BackgroundProgram& operator=(const BackgroundProgram&) = delete;
  ~BackgroundProgram() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  std::string Log() const { return ReadFile(log_); }
  pid_t pid() const { return pid_; }

  // Waits until the log contains `text`; false on timeout or when the program ended.
  bool WaitForLog(const std::string& text, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Log().find(text) != std::string::npos) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        exit_code_ = ExitCodeOf(status);
        return Log().find(text) != std::string::npos;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // Waits up to `timeout` for the program to end by itself; returns the exit code or -1.
  int WaitForExit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exited_ && std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        exit_code_ = ExitCodeOf(status);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return exited_ ? exit_code_ : -1;
  }

  // Sends `signal` and waits up to `timeout` for the exit; returns the exit code or -1.
  int SignalAndWait(int signal, std::chrono::seconds timeout) {
    if (exited_) return exit_code_;
    ::kill(pid_, signal);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        exit_code_ = ExitCodeOf(status);
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
};

inline std::string ParkguideBinary() { return std::string(PG_BINARY_DIR) + "/parkguide"; }

}  // namespace pg::testing
