#include "core/city_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>

#include "core/strings.h"
#include "core/time.h"

namespace pg {
namespace {

// The holder record is a few short lines; anything longer is not ours.
constexpr size_t kMaxRecordBytes = 4096;
constexpr size_t kMaxCommandBytes = 1024;

// A Probe holds a shared lock for two system calls; a writer that meets one tries again this
// many times, this far apart, before concluding that a real holder is there.
constexpr int kAcquireAttempts = 5;
constexpr auto kAcquireRetryDelay = std::chrono::milliseconds(5);

std::string ErrnoText(int error) { return std::strerror(error); }

// flock, retried on EINTR. Returns 0 or the errno.
int Flock(int fd, int operation) {
  while (::flock(fd, operation) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

std::string ReadRecord(int fd) {
  std::string text(kMaxRecordBytes, '\0');
  ssize_t n = ::pread(fd, text.data(), text.size(), 0);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return text;
}

std::string OneLine(std::string_view command) {
  std::string line(command.substr(0, kMaxCommandBytes));
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

Status WriteRecord(int fd, std::string_view command, Timestamp now) {
  const std::string record = fmt::format("pid={}\nsince={}\ncommand={}\n", ::getpid(),
                                         FormatRfc3339Utc(now), OneLine(command));
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, record.data(), record.size(), 0) != static_cast<ssize_t>(record.size())) {
    return Unavailable(fmt::format("cannot write the holder record: {}", ErrnoText(errno)));
  }
  return Status::Ok();
}

}  // namespace

std::string CityLockHolder::Describe() const {
  if (!pid && command.empty() && since.empty()) {
    return "an unidentified process (its lock file names no holder)";
  }
  std::string out = pid ? fmt::format("pid {}", *pid) : "a process of unknown pid";
  if (!command.empty()) out += fmt::format(" ({})", command);
  if (!since.empty()) out += fmt::format(" since {}", since);
  return out;
}

CityLockHolder CityLock::ParseHolder(std::string_view text) {
  CityLockHolder holder;
  for (std::string_view line : SplitString(text.substr(0, kMaxRecordBytes), '\n')) {
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, eq);
    const std::string_view value = line.substr(eq + 1);
    if (key == "pid") {
      auto pid = ParseInt(value);
      if (pid && *pid > 0) holder.pid = *pid;
    } else if (key == "since" && ParseRfc3339(value).ok()) {
      holder.since = std::string(value);
    } else if (key == "command") {
      holder.command = OneLine(value);
    }
  }
  return holder;
}

Result<std::string> CityLock::LockPathFor(std::string_view db_path) {
  if (db_path.empty()) return InvalidArgument("no database path given", "db");
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path absolute = fs::absolute(fs::path(db_path), ec);
  if (ec) return Unavailable(fmt::format("cannot resolve '{}': {}", db_path, ec.message()));
  fs::path canonical = fs::weakly_canonical(absolute, ec);
  if (ec) return Unavailable(fmt::format("cannot resolve '{}': {}", db_path, ec.message()));
  return canonical.string() + ".lock";
}

Result<CityLock> CityLock::Acquire(std::string_view db_path, std::string_view command,
                                   const Clock& clock) {
  PG_ASSIGN_OR_RETURN(std::string lock_path, LockPathFor(db_path));
  // No O_TRUNC: opening must not disturb a holder's record.
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Unavailable(
        fmt::format("cannot open the lock file '{}': {}", lock_path, ErrnoText(errno)));
  }
  int error = 0;
  for (int attempt = 0; attempt < kAcquireAttempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(kAcquireRetryDelay);
    error = Flock(fd, LOCK_EX | LOCK_NB);
    if (error != EWOULDBLOCK) break;
  }
  if (error != 0) {
    // Not ours: close without touching the holder's record.
    const std::string holder = ParseHolder(ReadRecord(fd)).Describe();
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return FailedPrecondition(fmt::format(
          "{} is in use by {}: one process at a time may write a city; stop that one first "
          "(lock file {})",
          db_path, holder, lock_path));
    }
    return Unavailable(
        fmt::format("cannot lock '{}': {} (keep a city on a local file system, not NFS)", lock_path,
                    ErrnoText(error)));
  }
  CityLock lock(fd, lock_path);
  PG_RETURN_IF_ERROR(WriteRecord(fd, command, clock.Now()).WithContext(lock_path));
  return lock;
}

Result<std::optional<CityLockHolder>> CityLock::Probe(std::string_view db_path) {
  PG_ASSIGN_OR_RETURN(std::string lock_path, LockPathFor(db_path));
  const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return std::optional<CityLockHolder>();
  if (fd < 0) {
    return Unavailable(
        fmt::format("cannot open the lock file '{}': {}", lock_path, ErrnoText(errno)));
  }
  std::optional<CityLockHolder> holder;
  const int error = Flock(fd, LOCK_SH | LOCK_NB);
  if (error == 0) {
    Flock(fd, LOCK_UN);
  } else if (error == EWOULDBLOCK) {
    holder = ParseHolder(ReadRecord(fd));
  }
  ::close(fd);
  if (error != 0 && error != EWOULDBLOCK) {
    return Unavailable(fmt::format("cannot probe the lock '{}': {}", lock_path, ErrnoText(error)));
  }
  return holder;
}

CityLock::CityLock(CityLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), lock_path_(std::move(other.lock_path_)) {}

CityLock& CityLock::operator=(CityLock&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = std::exchange(other.fd_, -1);
    lock_path_ = std::move(other.lock_path_);
  }
  return *this;
}

CityLock::~CityLock() { Release(); }

void CityLock::Release() {
  if (fd_ < 0) return;
  // Cleared while still held, so it never erases the record of the next holder; a holder killed
  // before this leaves its record behind, which nobody reads while the lock is free.
  if (::ftruncate(fd_, 0) != 0) {
    // Harmless: a stale record is never shown without the lock being held.
  }
  ::close(fd_);
  fd_ = -1;
}

}  // namespace pg
