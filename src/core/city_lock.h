// CityLock: one writer per city. A city is its SQLite database and the files named after it (the
// journal `<db>.journal/`, the road graph `city.graph`, the reports `<db>.reports/`, the demo's
// `<db>.files/`); every command that writes any of them holds the lock on `<db>.lock` from before
// it opens anything for writing until it ends, and a second writer is refused at once, before it
// has touched anything, with a message naming the holder.
//
//   PG_ASSIGN_OR_RETURN(CityLock lock, CityLock::Acquire("city.db", "parkguide serve --db
//   city.db")); … open the store, the journal, the graph; serve …
//   // ~CityLock (or Release) unlocks.
//
//   // A reader that may run beside a writer only says so:
//   PG_ASSIGN_OR_RETURN(std::optional<CityLockHolder> holder, CityLock::Probe("city.db"));
//   if (holder) … "city.db is in use by " + holder->Describe() …
//
// How: flock(2) LOCK_EX|LOCK_NB on `<db>.lock` beside the database, opened O_CLOEXEC (so a child
// such as the PDF printer never inherits it). The kernel drops the lock when its holder dies, even
// by SIGKILL, so a lock file left behind never blocks anyone; the file is never deleted (deleting
// it would let two processes lock two different files of the same name). After taking the lock the
// holder writes its pid, start time and command line into the file, for the refusal message only:
// the content means nothing unless the lock is held, and readers cope with an empty, partial or
// garbage file. The database path is made absolute with symlinks resolved, so `city.db`,
// `./x/../city.db`, `/abs/city.db` and a path through a symlinked directory all name one lock.
//
// Limits: flock is advisory — it stops parkguide processes, not `rm` or another program. It is not
// reliable on NFS (Linux emulates it with POSIX byte-range locks there, which behave differently
// across clients): keep a city on a local file system. Locks belong to open file descriptions, so
// two CityLocks on one city conflict even within one process; Probe from the holding process
// reports the process itself.
//
// Thread-safety: a CityLock is a move-only handle used from one thread; Acquire and Probe may be
// called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace pg {

// Who holds a city's lock, as far as the lock file says (each member empty when it does not).
struct CityLockHolder {
  std::optional<int64_t> pid;
  std::string command;  // the holder's command line, e.g. "parkguide serve --db city.db"
  std::string since;    // when it took the lock, RFC 3339 UTC

  // "pid 4242 (parkguide serve --db city.db) since 2026-05-01T10:00:00Z"; parts not recorded are
  // left out, and "an unidentified process (its lock file names no holder)" when none is.
  std::string Describe() const;
};

class CityLock {
 public:
  // Takes the city's lock without waiting and records `command` (one line; newlines become
  // spaces) as the holder's. `db_path` need not exist yet; its directory must.
  // Errors: kFailedPrecondition when another open file description holds it (another process, or
  // another CityLock in this one): the message names `db_path`, the holder (Describe()) and the
  // lock file, and nothing was created, truncated or written; kUnavailable when the lock file
  // cannot be opened or created (the directory is missing or read-only) or the file system does
  // not support locking (the message names the file and the error).
  static Result<CityLock> Acquire(std::string_view db_path, std::string_view command,
                                  const Clock& clock = SystemClock::Instance());

  // Whether someone holds the city's lock, without taking it (a reader running beside a writer):
  // nullopt when nobody does (including when the lock file does not exist), else the holder.
  // Never creates or writes anything. A writer's Acquire racing with a Probe retries for a few
  // milliseconds, so probing never makes a writer fail. Errors: kUnavailable when the lock file
  // exists but cannot be opened or locked.
  static Result<std::optional<CityLockHolder>> Probe(std::string_view db_path);

  // The lock file of the city whose database is `db_path`: its absolute path with symlinks
  // resolved (as far as it exists), plus ".lock". Errors: kUnavailable when the current
  // directory or a path component cannot be read.
  static Result<std::string> LockPathFor(std::string_view db_path);

  // The holder recorded in the text of a lock file; any garbage yields empty members.
  static CityLockHolder ParseHolder(std::string_view text);

  CityLock(CityLock&& other) noexcept;
  CityLock& operator=(CityLock&& other) noexcept;
  CityLock(const CityLock&) = delete;
  CityLock& operator=(const CityLock&) = delete;
  // Releases the lock (see Release).
  ~CityLock();

  // Clears the holder record and unlocks; idempotent. A process that ends releases it anyway.
  void Release();

  bool held() const { return fd_ >= 0; }
  // The lock file (absolute, symlinks resolved).
  const std::string& lock_path() const { return lock_path_; }

 private:
  CityLock(int fd, std::string lock_path) : fd_(fd), lock_path_(std::move(lock_path)) {}

  int fd_ = -1;
  std::string lock_path_;
};

}  // namespace pg
