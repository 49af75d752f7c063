// FaultInjectionFileSystem: the real file system, remembering how much of each file was synced,
// so a test can simulate a crash (DropUnsyncedData: every byte not synced is lost) and make
// syncs fail — leveldb's fault-injection Env, in small.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
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

  // Every later Sync takes `delay` longer: a slow disk.
  void SetSyncDelay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mu_);
    sync_delay_ = delay;
  }

  // A crash: every file opened for appending is cut back to what was last synced.
  void DropUnsyncedData() {
    std::lock_guard lock(mu_);
    for (const auto& [path, synced] : synced_) base_.Truncate(path, synced).IgnoreError();
  }

  Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::string& path) override {
    PG_ASSIGN_OR_RETURN(auto file, base_.OpenAppendable(path));
    {
      std::lock_guard lock(mu_);
      synced_[path] = file->size();  // what exists already is on disk
    }
    return std::unique_ptr<WritableFile>(std::make_unique<File>(*this, path, std::move(file)));
  }
  Result<std::string> ReadFile(const std::string& path) override { return base_.ReadFile(path); }
  Status WriteFileAtomic(const std::string& path, std::string_view data) override {
    return base_.WriteFileAtomic(path, data);
  }
  Status Truncate(const std::string& path, uint64_t size) override {
    std::lock_guard lock(mu_);
    if (auto it = synced_.find(path); it != synced_.end()) it->second = std::min(it->second, size);
    return base_.Truncate(path, size);
  }
  Status Remove(const std::string& path) override {
    std::lock_guard lock(mu_);
    synced_.erase(path);
    return base_.Remove(path);
  }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    return base_.ListDir(dir);
  }
  Status CreateDirs(const std::string& dir) override { return base_.CreateDirs(dir); }
  Status SyncDir(const std::string& dir) override { return base_.SyncDir(dir); }

 private:
  class File final : public WritableFile {
   public:
    File(FaultInjectionFileSystem& fs, std::string path, std::unique_ptr<WritableFile> base)
        : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}
    Status Append(std::string_view data) override { return base_->Append(data); }
    Status Sync() override {
      std::chrono::milliseconds delay{0};
      {
        std::lock_guard lock(fs_.mu_);
        if (fs_.fail_syncs_ > 0) {
          --fs_.fail_syncs_;
          return Unavailable("injected sync failure");
        }
        delay = fs_.sync_delay_;
      }
      if (delay.count() > 0) std::this_thread::sleep_for(delay);
      PG_RETURN_IF_ERROR(base_->Sync());
      std::lock_guard lock(fs_.mu_);
      fs_.synced_[path_] = base_->size();
      return Status::Ok();
    }
    Status Close() override { return base_->Close(); }
    uint64_t size() const override { return base_->size(); }

   private:
    FaultInjectionFileSystem& fs_;
    std::string path_;
    std::unique_ptr<WritableFile> base_;
  };

  FileSystem& base_;
  std::mutex mu_;
  std::map<std::string, uint64_t> synced_;
  int fail_syncs_ = 0;
  std::chrono::milliseconds sync_delay_{0};
};

}  // namespace pg::testing
