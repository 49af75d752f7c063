// FaultInjectionSqliteVfs: a SQLite VFS for tests that wraps the default one and can lose power.
//
// Every write since a file's last xSync is kept in memory (every connection's reads see it, as
// they would see the OS page cache) and reaches the real file only when the file is synced.
// Crash() drops everything not synced, as a power cut would, and from then on writes,
// truncations, syncs and deletions vanish: what is on disk is what a machine would find when it
// comes back (LevelDB's fault-injection environment, for SQLite). It can also make writes or
// syncs fail (a full disk, an I/O error), and it counts lock requests refused as busy (a
// connection waiting behind another's lock).
//
//   testing::FaultInjectionSqliteVfs vfs;          // registers "pg-fault-<n>"
//   auto store = store::OpenSqliteStore(path, {.vfs = vfs.name()});
//   ...                                            // write; some of it synced
//   vfs.Crash();                                   // unsynced data gone, later writes vanish
//   store.reset();                                 // close every connection
//   vfs.Restart();                                 // then reopen: what survived
//
// Deletions before a crash take effect at once (SQLite syncs what a deletion depends on before
// it deletes). The -shm index is passed through: SQLite rebuilds it when the first connection
// opens after all were closed. Memory-mapped I/O is not offered (io_methods version 2).
//
// Thread-safety: every member may be called from any thread; the VFS serialises its state.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace pg::testing {

class FaultInjectionSqliteVfs {
 public:
  FaultInjectionSqliteVfs() : name_("pg-fault-" + std::to_string(NextId())) {
    root_ = sqlite3_vfs_find(nullptr);
    vfs_ = *root_;
    vfs_.iVersion = std::min(root_->iVersion, 3);
    vfs_.szOsFile = static_cast<int>(RealOffset() + static_cast<size_t>(root_->szOsFile));
    vfs_.pNext = nullptr;
    vfs_.zName = name_.c_str();
    vfs_.pAppData = this;
    vfs_.xOpen = &Open;
    vfs_.xDelete = &Delete;
    sqlite3_vfs_register(&vfs_, /*makeDflt=*/0);
  }
  ~FaultInjectionSqliteVfs() { sqlite3_vfs_unregister(&vfs_); }
  FaultInjectionSqliteVfs(const FaultInjectionSqliteVfs&) = delete;
  FaultInjectionSqliteVfs& operator=(const FaultInjectionSqliteVfs&) = delete;

  const std::string& name() const { return name_; }

  // The power goes: unsynced writes are lost; later writes, truncations, syncs and deletions
  // do nothing (and report success, as a dying machine's would seem to).
  void Crash() {
    std::lock_guard lock(mu_);
    crashed_ = true;
    pending_.clear();
  }
  // The machine is back. REQUIRES: every connection that was open at the crash is closed.
  void Restart() {
    std::lock_guard lock(mu_);
    crashed_ = false;
    pending_.clear();
  }
  // Until Heal(): every write fails with `rc` (SQLITE_FULL: a full disk; SQLITE_IOERR_WRITE:
  // EIO), and every sync with `sync_rc` when it is not 0.
  void FailWrites(int rc, int sync_rc = 0) {
    write_rc_ = rc;
    sync_rc_ = sync_rc;
  }
  void Heal() {
    write_rc_ = 0;
    sync_rc_ = 0;
  }

  uint64_t syncs() const { return syncs_; }
  // Lock requests (file or WAL index) refused with SQLITE_BUSY.
  uint64_t busy_locks() const { return busy_locks_; }

 private:
  // One write or truncation not yet synced, in the order they happened.
  struct Op {
    bool truncate = false;
    int64_t offset = 0;  // the new size, for a truncation
    std::string data;
  };
  struct File {
    sqlite3_file base;
    FaultInjectionSqliteVfs* vfs;
    std::string* path;  // owned; nullptr for temporary files without a name
    sqlite3_file* real() {
      return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(this) + RealOffset());
    }
  };

  static size_t RealOffset() { return (sizeof(File) + 15) / 16 * 16; }
  static int NextId() {
    static std::atomic<int> next{1};
    return next++;
  }
  static FaultInjectionSqliteVfs& Of(sqlite3_vfs* vfs) {
    return *static_cast<FaultInjectionSqliteVfs*>(vfs->pAppData);
  }
  static File& Of(sqlite3_file* f) { return *reinterpret_cast<File*>(f); }

  static const sqlite3_io_methods* Methods() {
    static const sqlite3_io_methods methods = {2,
                                               &Close,
                                               &Read,
                                               &Write,
                                               &Truncate,
                                               &Sync,
                                               &FileSize,
                                               &Lock,
                                               &Unlock,
                                               &CheckReservedLock,
                                               &FileControl,
                                               &SectorSize,
                                               &DeviceCharacteristics,
                                               &ShmMap,
                                               &ShmLock,
                                               &ShmBarrier,
                                               &ShmUnmap,
                                               nullptr,
                                               nullptr};
    return &methods;
  }

  static int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
                  int* out_flags) {
    auto& self = Of(vfs);
    File& f = Of(file);
    f.base.pMethods = nullptr;
    f.vfs = &self;
    f.path = nullptr;
    int rc = self.root_->xOpen(self.root_, name, f.real(), flags, out_flags);
    if (rc != SQLITE_OK) return rc;
    if (name) f.path = new std::string(name);
    f.base.pMethods = Methods();
    return SQLITE_OK;
  }
  static int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
    auto& self = Of(vfs);
    {
      std::lock_guard lock(self.mu_);
      if (self.crashed_) return SQLITE_OK;
      self.pending_.erase(name);
    }
    return self.root_->xDelete(self.root_, name, sync_dir);
  }

  static int Close(sqlite3_file* file) {
    File& f = Of(file);
    int rc = f.real()->pMethods ? f.real()->pMethods->xClose(f.real()) : SQLITE_OK;
    delete f.path;
    f.path = nullptr;
    return rc;
  }

  // The file's size with its unsynced operations applied. REQUIRES: mu_ held.
  static int LogicalSize(File& f, const std::vector<Op>* ops, int64_t* size) {
    sqlite3_int64 real = 0;
    int rc = f.real()->pMethods->xFileSize(f.real(), &real);
    if (rc != SQLITE_OK) return rc;
    int64_t s = real;
    if (ops) {
      for (const Op& op : *ops) {
        s = op.truncate ? op.offset
                        : std::max<int64_t>(s, op.offset + static_cast<int64_t>(op.data.size()));
      }
    }
    *size = s;
    return SQLITE_OK;
  }
  std::vector<Op>* PendingOf(File& f) {
    if (!f.path) return nullptr;
    auto it = pending_.find(*f.path);
    return it == pending_.end() ? nullptr : &it->second;
  }

  static int Read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
    File& f = Of(file);
    auto& self = *f.vfs;
    std::lock_guard lock(self.mu_);
    int rc = f.real()->pMethods->xRead(f.real(), buffer, amount, offset);
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
    std::vector<Op>* ops = self.PendingOf(f);
    if (!ops) return rc;
    auto* out = static_cast<char*>(buffer);
    const int64_t end = offset + amount;
    for (const Op& op : *ops) {
      if (op.truncate) {
        if (op.offset < end) {
          int64_t from = std::max<int64_t>(op.offset, offset);
          std::memset(out + (from - offset), 0, static_cast<size_t>(end - from));
        }
        continue;
      }
      const int64_t op_end = op.offset + static_cast<int64_t>(op.data.size());
      const int64_t from = std::max<int64_t>(op.offset, offset);
      const int64_t to = std::min(op_end, end);
      if (from < to) {
        std::memcpy(out + (from - offset), op.data.data() + (from - op.offset),
                    static_cast<size_t>(to - from));
      }
    }
    int64_t size = 0;
    if ((rc = LogicalSize(f, ops, &size)) != SQLITE_OK) return rc;
    if (end <= size) return SQLITE_OK;
    const int64_t from = std::max<int64_t>(size, offset);
    std::memset(out + (from - offset), 0, static_cast<size_t>(end - from));
    return SQLITE_IOERR_SHORT_READ;
  }

  static int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
    File& f = Of(file);
    auto& self = *f.vfs;
    if (int rc = self.write_rc_.load(); rc != 0) return rc;
    std::lock_guard lock(self.mu_);
    if (self.crashed_) return SQLITE_OK;
    if (!f.path) return f.real()->pMethods->xWrite(f.real(), data, amount, offset);
    self.pending_[*f.path].push_back(
        {false, offset, std::string(static_cast<const char*>(data), static_cast<size_t>(amount))});
    return SQLITE_OK;
  }

  static int Truncate(sqlite3_file* file, sqlite3_int64 size) {
    File& f = Of(file);
    auto& self = *f.vfs;
    std::lock_guard lock(self.mu_);
    if (self.crashed_) return SQLITE_OK;
    if (!f.path) return f.real()->pMethods->xTruncate(f.real(), size);
    self.pending_[*f.path].push_back({true, size, {}});
    return SQLITE_OK;
  }

  static int Sync(sqlite3_file* file, int flags) {
    File& f = Of(file);
    auto& self = *f.vfs;
    if (int rc = self.sync_rc_.load(); rc != 0) return rc;
    std::lock_guard lock(self.mu_);
    if (self.crashed_) return SQLITE_OK;
    ++self.syncs_;
    if (f.path) {
      auto it = self.pending_.find(*f.path);
      if (it != self.pending_.end()) {
        for (const Op& op : it->second) {
          int rc = op.truncate
                       ? f.real()->pMethods->xTruncate(f.real(), op.offset)
                       : f.real()->pMethods->xWrite(f.real(), op.data.data(),
                                                    static_cast<int>(op.data.size()), op.offset);
          if (rc != SQLITE_OK) return rc;
        }
        self.pending_.erase(it);
      }
    }
    return f.real()->pMethods->xSync(f.real(), flags);
  }

  static int FileSize(sqlite3_file* file, sqlite3_int64* size) {
    File& f = Of(file);
    auto& self = *f.vfs;
    std::lock_guard lock(self.mu_);
    int64_t s = 0;
    int rc = LogicalSize(f, self.PendingOf(f), &s);
    *size = s;
    return rc;
  }

  static int Lock(sqlite3_file* file, int level) {
    File& f = Of(file);
    int rc = f.real()->pMethods->xLock(f.real(), level);
    if (rc == SQLITE_BUSY) ++f.vfs->busy_locks_;
    return rc;
  }
  static int Unlock(sqlite3_file* file, int level) {
    return Of(file).real()->pMethods->xUnlock(Of(file).real(), level);
  }
  static int CheckReservedLock(sqlite3_file* file, int* out) {
    return Of(file).real()->pMethods->xCheckReservedLock(Of(file).real(), out);
  }
  static int FileControl(sqlite3_file* file, int op, void* arg) {
    // The size hints would make the default VFS grow the real file behind the overlay.
    if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE) return SQLITE_NOTFOUND;
    return Of(file).real()->pMethods->xFileControl(Of(file).real(), op, arg);
  }
  static int SectorSize(sqlite3_file* file) {
    return Of(file).real()->pMethods->xSectorSize(Of(file).real());
  }
  static int DeviceCharacteristics(sqlite3_file* file) {
    return Of(file).real()->pMethods->xDeviceCharacteristics(Of(file).real());
  }
  static int ShmMap(sqlite3_file* file, int page, int page_size, int extend, void volatile** p) {
    return Of(file).real()->pMethods->xShmMap(Of(file).real(), page, page_size, extend, p);
  }
  static int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
    File& f = Of(file);
    int rc = f.real()->pMethods->xShmLock(f.real(), offset, n, flags);
    if (rc == SQLITE_BUSY) ++f.vfs->busy_locks_;
    return rc;
  }
  static void ShmBarrier(sqlite3_file* file) {
    Of(file).real()->pMethods->xShmBarrier(Of(file).real());
  }
  static int ShmUnmap(sqlite3_file* file, int delete_flag) {
    return Of(file).real()->pMethods->xShmUnmap(Of(file).real(), delete_flag);
  }

  std::string name_;
  sqlite3_vfs* root_ = nullptr;
  sqlite3_vfs vfs_{};
  std::mutex mu_;
  bool crashed_ = false;                            // guarded by mu_
  std::map<std::string, std::vector<Op>> pending_;  // by path; guarded by mu_
  std::atomic<int> write_rc_{0};
  std::atomic<int> sync_rc_{0};
  std::atomic<uint64_t> syncs_{0};
  std::atomic<uint64_t> busy_locks_{0};
};

}  // namespace pg::testing
