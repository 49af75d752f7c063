#include "core/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace pg {
namespace {

Status IoError(std::string_view what, const std::string& path, int err) {
  return Unavailable(fmt::format("{} '{}': {}", what, path, std::strerror(err)));
}

// Writes all of `data`, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~PosixWritableFile() override { Close().IgnoreError(); }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return FailedPrecondition(fmt::format("'{}' is closed", path_));
    buffer_.append(data);
    size_ += data.size();
    // Large appends go out at once so the buffer stays small.
    if (buffer_.size() >= kFlushBytes) return Flush();
    return Status::Ok();
  }

  Status Sync() override {
    PG_RETURN_IF_ERROR(Flush());
    if (::fdatasync(fd_) != 0) return IoError("cannot sync", path_, errno);
    return Status::Ok();
  }

  Status Close() override {
    if (fd_ < 0) return Status::Ok();
    Status s = Flush();
    ::close(fd_);
    fd_ = -1;
    return s;
  }

  uint64_t size() const override { return size_; }

 private:
  static constexpr size_t kFlushBytes = size_t{1} << 20;

  Status Flush() {
    if (fd_ < 0) return FailedPrecondition(fmt::format("'{}' is closed", path_));
    Status s = WriteAll(fd_, buffer_, path_);
    buffer_.clear();
    return s;
  }

  int fd_;
  std::string path_;
  uint64_t size_;
  std::string buffer_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return IoError("cannot open", path, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return IoError("cannot stat", path, err);
    }
    return std::unique_ptr<WritableFile>(
        std::make_unique<PosixWritableFile>(fd, path, static_cast<uint64_t>(st.st_size)));
  }

  Result<std::string> ReadFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return NotFound(fmt::format("no file '{}'", path));
      return IoError("cannot open", path, errno);
    }
    std::string out;
    char buf[1 << 16];
    while (true) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return IoError("cannot read", path, err);
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
  }

  Status WriteFileAtomic(const std::string& path, std::string_view data) override {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return IoError("cannot create", tmp, errno);
    Status s = WriteAll(fd, data, tmp);
    if (s.ok() && ::fsync(fd) != 0) s = IoError("cannot sync", tmp, errno);
    ::close(fd);
    if (!s.ok()) return s;
    if (::rename(tmp.c_str(), path.c_str()) != 0) return IoError("cannot rename to", path, errno);
    return SyncDir(std::filesystem::path(path).parent_path().string());
  }

  Status Truncate(const std::string& path, uint64_t size) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return IoError("cannot open", path, errno);
    Status s;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) s = IoError("cannot truncate", path, errno);
    if (s.ok() && ::fsync(fd) != 0) s = IoError("cannot sync", path, errno);
    ::close(fd);
    return s;
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return IoError("cannot remove", path, errno);
    }
    return Status::Ok();
  }

  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
      if (errno == ENOENT) return NotFound(fmt::format("no directory '{}'", dir));
      return IoError("cannot list", dir, errno);
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      names.emplace_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

  Status CreateDirs(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Unavailable(fmt::format("cannot create '{}': {}", dir, ec.message()));
    return Status::Ok();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return IoError("cannot open directory", dir, errno);
    Status s;
    if (::fsync(fd) != 0) s = IoError("cannot sync directory", dir, errno);
    ::close(fd);
    return s;
  }
};

}  // namespace

FileSystem& FileSystem::Default() {
  static PosixFileSystem fs;
  return fs;
}

}  // namespace pg
