// FaultInjectionFileSystem: the real file system, remembering what is durable, so a test can
// simulate a power loss at any point and make storage fail — leveldb's fault-injection Env.
//
//   FaultInjectionFileSystem fs;
//   fs.CrashAfterOperations(17);   // the 17th write-side call and everything after it vanish
//   RunWorkload(fs);               // acknowledgements made while !fs.crashed() must survive
//   fs.PowerLoss();                // unsynced bytes and unsynced new files are gone
//   fs.Restart();                  // a new boot: recover and check
//
// The model: bytes appended to a file are durable only after its Sync; a file created is durable
// in its directory only after SyncDir of that directory (until then a power loss removes it);
// WriteFileAtomic and Truncate are durable when they return (the real implementation syncs).
// Removals are taken as durable at once (a removed file never comes back), which is the kinder
// assumption; code must not rely on it for safety.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "core/file_system.h"

namespace pg::testing {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  explicit FaultInjectionFileSystem(FileSystem& base = FileSystem::Default()) : base_(base) {}

  // The next `n` Sync calls fail with kUnavailable (without syncing).
  void FailNextSyncs(int n) {
    std::lock_guard lock(mu_);
    fail_syncs_ = n;
  }
  // While set, every write-side call fails with `error` (disk full, EIO) and changes nothing.
  void SetWriteError(std::optional<Status> error) {
    std::lock_guard lock(mu_);
    write_error_ = std::move(error);
  }
  // Every later Sync takes `delay` longer: a slow disk.
  void SetSyncDelay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mu_);
    sync_delay_ = delay;
  }
  // Sync calls return OK without making anything durable: the code under test "forgot" them.
  // Used to prove that a crash test notices a missing fsync.
  void IgnoreSyncs(bool ignore) {
    std::lock_guard lock(mu_);
    ignore_syncs_ = ignore;
  }

  // After `n` more write-side calls the process "dies": that call and every later one does
  // nothing and returns OK, as if it never reached the disk.
  void CrashAfterOperations(int64_t n) {
    std::lock_guard lock(mu_);
    crash_at_ = operations_ + n;
  }
  bool crashed() const {
    std::lock_guard lock(mu_);
    return crashed_;
  }
  int64_t operations() const {
    std::lock_guard lock(mu_);
    return operations_;
  }

  // A power loss: every file is cut back to what was synced, and every file created since the
  // last SyncDir of its directory is removed.
  void PowerLoss() {
    std::lock_guard lock(mu_);
    for (const auto& [path, synced] : synced_) base_.Truncate(path, synced).IgnoreError();
    for (const auto& path : unsynced_new_) base_.Remove(path).IgnoreError();
    unsynced_new_.clear();
  }
  // The next boot: operations work again and what is on disk now counts as durable.
  void Restart() {
    std::lock_guard lock(mu_);
    crashed_ = false;
    crash_at_.reset();
    synced_.clear();
    unsynced_new_.clear();
  }

  Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::string& path) override {
    std::lock_guard lock(mu_);
    if (Dropped()) return std::unique_ptr<WritableFile>(std::make_unique<DeadFile>());
    if (write_error_) return *write_error_;
    bool is_new = !std::filesystem::exists(path);
    PG_ASSIGN_OR_RETURN(auto file, base_.OpenAppendable(path));
    synced_[path] = is_new ? 0 : file->size();  // what exists already is on disk
    if (is_new) unsynced_new_.insert(path);
    return std::unique_ptr<WritableFile>(std::make_unique<File>(*this, path, std::move(file)));
  }
  Result<std::string> ReadFile(const std::string& path) override { return base_.ReadFile(path); }
  Status WriteFileAtomic(const std::string& path, std::string_view data) override {
    std::lock_guard lock(mu_);
    if (Dropped()) return Status::Ok();
    if (write_error_) return *write_error_;
    PG_RETURN_IF_ERROR(base_.WriteFileAtomic(path, data));
    synced_.erase(path);
    unsynced_new_.erase(path);
    return Status::Ok();
  }
  Status Truncate(const std::string& path, uint64_t size) override {
    std::lock_guard lock(mu_);
    if (Dropped()) return Status::Ok();
    if (write_error_) return *write_error_;
    if (auto it = synced_.find(path); it != synced_.end()) it->second = std::min(it->second, size);
    return base_.Truncate(path, size);
  }
  Status Remove(const std::string& path) override {
    std::lock_guard lock(mu_);
    if (Dropped()) return Status::Ok();
    if (write_error_) return *write_error_;
    synced_.erase(path);
    unsynced_new_.erase(path);
    return base_.Remove(path);
  }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    return base_.ListDir(dir);
  }
  Status CreateDirs(const std::string& dir) override {
    std::lock_guard lock(mu_);
    if (Dropped()) return Status::Ok();
    if (write_error_) return *write_error_;
    return base_.CreateDirs(dir);
  }
  Status SyncDir(const std::string& dir) override {
    std::lock_guard lock(mu_);
    if (Dropped()) return Status::Ok();
    if (write_error_) return *write_error_;
    PG_RETURN_IF_ERROR(base_.SyncDir(dir));
    if (ignore_syncs_) return Status::Ok();
    std::filesystem::path d = std::filesystem::path(dir).lexically_normal();
    for (auto it = unsynced_new_.begin(); it != unsynced_new_.end();) {
      bool here = std::filesystem::path(*it).parent_path().lexically_normal() == d;
      it = here ? unsynced_new_.erase(it) : std::next(it);
    }
    return Status::Ok();
  }

 private:
  // Counts a write-side call; true when it falls at or after the crash point. REQUIRES: mu_.
  bool Dropped() {
    ++operations_;
    if (crash_at_ && operations_ >= *crash_at_) crashed_ = true;
    return crashed_;
  }

  class File final : public WritableFile {
   public:
    File(FaultInjectionFileSystem& fs, std::string path, std::unique_ptr<WritableFile> base)
        : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}
    Status Append(std::string_view data) override {
      std::lock_guard lock(fs_.mu_);
      if (fs_.Dropped()) return Status::Ok();
      if (fs_.write_error_) return *fs_.write_error_;
      return base_->Append(data);
    }
    Status Sync() override {
      std::chrono::milliseconds delay{0};
      {
        std::lock_guard lock(fs_.mu_);
        delay = fs_.sync_delay_;
      }
      if (delay.count() > 0) std::this_thread::sleep_for(delay);
      std::lock_guard lock(fs_.mu_);
      if (fs_.Dropped()) return Status::Ok();
      if (fs_.write_error_) return *fs_.write_error_;
      if (fs_.fail_syncs_ > 0) {
        --fs_.fail_syncs_;
        return Unavailable("injected sync failure");
      }
      if (fs_.ignore_syncs_) return Status::Ok();
      PG_RETURN_IF_ERROR(base_->Sync());
      fs_.synced_[path_] = base_->size();
      return Status::Ok();
    }
    Status Close() override {
      std::lock_guard lock(fs_.mu_);
      if (fs_.crashed_) return Status::Ok();  // buffered bytes die with the process
      return base_->Close();
    }
    uint64_t size() const override { return base_->size(); }

   private:
    FaultInjectionFileSystem& fs_;
    std::string path_;
    std::unique_ptr<WritableFile> base_;
  };

  // A file opened after the crash: nothing it is given reaches the disk.
  class DeadFile final : public WritableFile {
   public:
    Status Append(std::string_view data) override {
      size_ += data.size();
      return Status::Ok();
    }
    Status Sync() override { return Status::Ok(); }
    Status Close() override { return Status::Ok(); }
    uint64_t size() const override { return size_; }

   private:
    uint64_t size_ = 0;
  };

  FileSystem& base_;
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> synced_;  // appendable files: their durable length
  std::set<std::string> unsynced_new_;      // created since their directory's last SyncDir
  int fail_syncs_ = 0;
  std::optional<Status> write_error_;
  bool ignore_syncs_ = false;
  std::chrono::milliseconds sync_delay_{0};
  int64_t operations_ = 0;
  std::optional<int64_t> crash_at_;
  bool crashed_ = false;
};

}  // namespace pg::testing
