#include "analytics/pdf.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

extern char** environ;

namespace pg::analytics {

namespace {

// posix_spawn from a thread of its own in the idle scheduling class (SCHED_IDLE), which the child
// and every process it starts inherit: the weekly report is printed inside the running server,
// and on two cores a Chromium at normal priority held ingest's p99 at seconds for a minute
// (bench/soak.sh). posix_spawnattr cannot ask for SCHED_IDLE (glibc takes only OTHER, FIFO and
// RR), and a thread of its own leaves the caller's class alone.
int SpawnIdle(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
              const posix_spawnattr_t* attr, char* const argv[]) {
  int rc = 0;
  std::thread([&] {
    const sched_param idle{};
    // Without it (a kernel without SCHED_IDLE) Chromium runs at normal priority.
    (void)::sched_setscheduler(0, SCHED_IDLE, &idle);
    rc = ::posix_spawn(pid, path, actions, attr, argv, environ);
  }).join();
  return rc;
}

}  // namespace

bool ChromiumAvailable(const std::string& chromium) {
  return ::access(chromium.c_str(), X_OK) == 0;
}

Status PrintToPdf(const std::string& html_path, const std::string& pdf_path,
                  const std::string& chromium, std::chrono::seconds timeout) {
  namespace fs = std::filesystem;
  if (!ChromiumAvailable(chromium)) {
    return Unavailable(fmt::format(
        "cannot print the PDF: no Chromium at {} (install it with scripts/install-deps.sh)",
        chromium));
  }
  std::error_code ec;
  fs::path html = fs::absolute(html_path, ec);
  // A fresh profile per run: nothing left from another run, nothing shared between runs.
  std::string profile_template = (fs::temp_directory_path() / "parkguide-chromium-XXXXXX").string();
  if (::mkdtemp(profile_template.data()) == nullptr) {
    return Unavailable("cannot print the PDF: cannot create a temporary profile directory");
  }
  fs::remove(pdf_path, ec);
  std::vector<std::string> args = {chromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--disable-dev-shm-usage",
                                   "--no-pdf-header-footer",
                                   "--user-data-dir=" + profile_template,
                                   "--print-to-pdf=" + pdf_path,
                                   "file://" + html.string()};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // Chromium is chatty on stderr even when it succeeds.
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so a timeout can end its helper processes too.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  int rc = SpawnIdle(&pid, chromium.c_str(), &actions, &attr, argv.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    fs::remove_all(profile_template, ec);
    return Unavailable(fmt::format("cannot start {}: {}", chromium, std::strerror(rc)));
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  bool timed_out = false;
  while (true) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  fs::remove_all(profile_template, ec);
  if (timed_out) {
    return Unavailable(
        fmt::format("Chromium did not finish printing within {} s", timeout.count()));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Unavailable(fmt::format("Chromium failed printing {} (exit status {})", html_path,
                                   WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  }
  if (!fs::exists(pdf_path, ec) || fs::file_size(pdf_path, ec) == 0) {
    return Unavailable(fmt::format("Chromium wrote no PDF at {}", pdf_path));
  }
  return Status::Ok();
}

}  // namespace pg::analytics
