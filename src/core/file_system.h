// FileSystem: the only way parkguide code touches files whose durability matters (the journal,
// its checkpoints), so tests can inject faults — leveldb's Env idea.
//
//   FileSystem& fs = FileSystem::Default();
//   PG_ASSIGN_OR_RETURN(auto file, fs.OpenAppendable("/var/lib/pg/journal/000001.log"));
//   PG_RETURN_IF_ERROR(file->Append(bytes));
//   PG_RETURN_IF_ERROR(file->Sync());          // durable from here on
//
// Durability contract: bytes passed to Append are durable only after Sync returns OK; a crash
// may keep any prefix of the unsynced bytes (tests model this by dropping them). A file created
// or renamed is durable in its directory only after SyncDir of that directory.
//
// Thread-safety: a FileSystem may be used from several threads; one WritableFile from one thread
// at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace pg {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Buffers `data` at the end of the file. Errors: kUnavailable on an I/O error.
  virtual Status Append(std::string_view data) = 0;
  // Writes the buffered bytes and makes everything appended so far durable (fdatasync).
  // Errors: kUnavailable; after a failed Sync the file's unsynced tail is in doubt and the
  // caller must not acknowledge anything appended since the previous successful Sync.
  virtual Status Sync() = 0;
  // Flushes (without syncing) and closes; further calls fail. Idempotent.
  virtual Status Close() = 0;
  // Bytes in the file including the buffered ones.
  virtual uint64_t size() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens `path` for appending, creating it when missing. Errors: kUnavailable.
  virtual Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::string& path) = 0;
  // The whole content. Errors: kNotFound when missing, kUnavailable on an I/O error.
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  // Replaces `path` with `data` so that a crash leaves either the old or the new file whole:
  // write to a temporary name, sync, rename, sync the directory. Errors: kUnavailable.
  virtual Status WriteFileAtomic(const std::string& path, std::string_view data) = 0;
  // Cuts the file to `size` bytes and syncs it. Errors: kUnavailable.
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // Errors: kUnavailable (a missing file is not an error).
  virtual Status Remove(const std::string& path) = 0;
  // Names (not paths) of the entries of `dir`, sorted. Errors: kNotFound, kUnavailable.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // Creates `dir` and its parents when missing. Errors: kUnavailable.
  virtual Status CreateDirs(const std::string& dir) = 0;
  // Makes creations, renames and removals in `dir` durable. Errors: kUnavailable.
  virtual Status SyncDir(const std::string& dir) = 0;

  // The real, POSIX file system; lives for the whole program.
  static FileSystem& Default();
};

}  // namespace pg
