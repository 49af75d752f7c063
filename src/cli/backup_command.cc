// parkguide backup --db city.db --out city-backup.tar   and
// parkguide restore city-backup.tar --db elsewhere/city.db
//
// A city is its database and the files named after it (core/city_lock.h): the journal of
// observations, the road graph, the weekly reports. A backup is one tar archive of all four,
// taken while the city serves: the journal is copied first and the database second, through
// SQLite's online backup (one read transaction), so the database's checkpoint is never ahead of a
// journal it needs — recovery replays whatever the copied journal holds beyond it, and skips what
// the checkpoint already covers. The archive names the files as for `city.db` and carries a
// manifest; restore writes them under the new database's name, refuses to overwrite anything, and
// opens the result before it says done. docs/operations.md, "Backup and restore".
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "cli/city_access.h"
#include "cli/commands.h"
#include "core/time.h"
#include "graph/graph_file.h"
#include "store/store.h"

extern char** environ;

namespace pg::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFormat = "parkguide-backup";
constexpr int kVersion = 1;

// The parts of a city, as named in the archive (for a database called city.db).
struct Part {
  const char* archive_name;
  std::string path;  // of this city
  bool directory;
};

std::vector<Part> PartsOf(const std::string& db) {
  return {{"city.db.journal", db + ".journal", true},
          {"city.db", db, false},
          {"city.graph", graph::GraphPathForDatabase(db), false},
          {"city.db.reports", db + ".reports", true}};
}

// `tar ARGS…` to its end. Errors: kUnavailable naming what tar said it could not do.
Status RunTar(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> all = {"tar"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(all.size() + 1);
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "tar", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Unavailable(fmt::format("cannot run tar: {}", std::strerror(rc)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  std::ifstream in(log);
  std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!said.empty() && said.back() == '\n') said.pop_back();
  return Unavailable(fmt::format("tar failed: {}", said.empty() ? "no message" : said));
}

// Where tar's complaints go while it works on `staging`: beside it, not in it.
std::string TarLog(const fs::path& staging) { return staging.string() + ".log"; }

// A new directory beside `near` (same file system: the final renames are atomic).
Result<fs::path> StagingBeside(const fs::path& near) {
  std::random_device rd;
  const fs::path dir = fs::absolute(near).parent_path() /
                       fmt::format(".{}.{:08x}.partial", near.filename().string(), rd());
  std::error_code ec;
  if (!fs::create_directory(dir, ec)) {
    return Unavailable(fmt::format("cannot make {}: {}", dir.string(), ec.message()));
  }
  return dir;
}

class RemoveOnExit {
 public:
  explicit RemoveOnExit(fs::path path) : path_(std::move(path)) {}
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  ~RemoveOnExit() {
    std::error_code ec;
    fs::remove_all(path_, ec);
    fs::remove(TarLog(path_), ec);
  }

 private:
  fs::path path_;
};

// Copies the city's parts into `staging`, journal first, and returns the manifest.
Result<nlohmann::json> CopyCity(const std::string& db, const fs::path& staging) {
  nlohmann::json files = nlohmann::json::array();
  for (const Part& part : PartsOf(db)) {
    std::error_code ec;
    if (!fs::exists(part.path, ec)) continue;
    const fs::path to = staging / part.archive_name;
    if (std::string(part.archive_name) == "city.db") {
      PG_RETURN_IF_ERROR(store::BackupSqliteStore(db, to.string()));
    } else {
      fs::copy(part.path, to, fs::copy_options::recursive, ec);
      if (ec) return Unavailable(fmt::format("cannot copy {}: {}", part.path, ec.message()));
    }
    files.push_back({{"name", part.archive_name}, {"directory", part.directory}});
  }
  return nlohmann::json{
      {"format", kFormat},
      {"version", kVersion},
      {"created", FormatRfc3339Utc(std::chrono::time_point_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now()))},
      {"database", fs::absolute(db).string()},
      {"files", std::move(files)}};
}

Status Backup(const std::string& db, const std::string& out) {
  if (!fs::is_regular_file(db)) return NotFound(fmt::format("{}: no such database", db));
  if (fs::exists(out)) return AlreadyExists(fmt::format("{} exists: name a new archive", out));
  PG_ASSIGN_OR_RETURN(auto live, NoteLiveCity(db));
  (void)live;  // a backup may run beside the server: that is what it is for
  PG_ASSIGN_OR_RETURN(fs::path staging, StagingBeside(out));
  RemoveOnExit cleanup(staging);
  PG_ASSIGN_OR_RETURN(nlohmann::json manifest, CopyCity(db, staging));
  std::ofstream(staging / "manifest.json") << manifest.dump(2) << '\n';
  const std::string partial = out + ".partial";
  PG_RETURN_IF_ERROR(RunTar({"-cf", partial, "-C", staging.string(), "."}, TarLog(staging)));
  std::error_code ec;
  fs::rename(partial, out, ec);
  if (ec) return Unavailable(fmt::format("cannot write {}: {}", out, ec.message()));
  std::printf("backed up %s to %s: %zu parts (", db.c_str(), out.c_str(), manifest["files"].size());
  for (size_t i = 0; i < manifest["files"].size(); ++i) {
    std::printf("%s%s", i ? ", " : "", manifest["files"][i]["name"].get<std::string>().c_str());
  }
  std::printf(")\n");
  return Status::Ok();
}

// What an extracted archive's manifest says, checked. Errors: kInvalidArgument naming the archive.
Result<nlohmann::json> ReadManifest(const fs::path& staging, const std::string& archive) {
  std::ifstream in(staging / "manifest.json");
  auto manifest = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object() || manifest.value("format", "") != kFormat) {
    return InvalidArgument(fmt::format("{} is not a parkguide backup (no manifest)", archive));
  }
  if (manifest.value("version", 0) != kVersion) {
    return InvalidArgument(fmt::format("{}: backup format version {} is not this parkguide's ({})",
                                       archive, manifest.value("version", 0), kVersion));
  }
  if (!fs::is_regular_file(staging / "city.db")) {
    return InvalidArgument(fmt::format("{} holds no database", archive));
  }
  return manifest;
}

Status Restore(const std::string& archive, const std::string& db) {
  if (!fs::is_regular_file(archive)) return NotFound(fmt::format("{}: no such archive", archive));
  for (const Part& part : PartsOf(db)) {
    if (fs::exists(part.path)) {
      return AlreadyExists(
          fmt::format("{} exists: restore into a new place (nothing was changed)", part.path));
    }
  }
  PG_ASSIGN_OR_RETURN(auto lock, LockCity(db));
  PG_ASSIGN_OR_RETURN(fs::path staging, StagingBeside(db));
  RemoveOnExit cleanup(staging);
  PG_RETURN_IF_ERROR(
      RunTar({"-xf", fs::absolute(archive).string(), "-C", staging.string(), "--no-same-owner"},
             TarLog(staging)));
  PG_ASSIGN_OR_RETURN(nlohmann::json manifest, ReadManifest(staging, archive));
  for (const Part& part : PartsOf(db)) {
    std::error_code ec;
    if (!fs::exists(staging / part.archive_name)) continue;
    fs::rename(staging / part.archive_name, part.path, ec);
    if (ec) return Unavailable(fmt::format("cannot write {}: {}", part.path, ec.message()));
  }
  // Opened as a server would: the schema upgraded if the backup is older, the file checked.
  PG_ASSIGN_OR_RETURN(auto store, store::OpenSqliteStore(db));
  PG_ASSIGN_OR_RETURN(auto registry, store->LoadRegistry());
  std::printf(
      "restored %s (taken %s of %s) as %s: %zu facilities; `parkguide serve --db %s` "
      "recovers the journal\n",
      archive.c_str(), manifest.value("created", "?").c_str(),
      manifest.value("database", "?").c_str(), db.c_str(), registry.facilities.size(), db.c_str());
  return Status::Ok();
}

}  // namespace

void AddBackupCommands(CLI::App& app, int* exit_code) {
  auto db = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  CLI::App* backup = app.add_subcommand(
      "backup", "One archive of a city (database, journal, road graph, reports), while it serves");
  backup->add_option("--db", *db, "City database (SQLite)")->required();
  backup->add_option("--out", *out, "The archive to write (a tar file; must not exist)")
      ->required();
  backup->callback([db, out, exit_code] {
    Status s = Backup(*db, *out);
    *exit_code = s.ok() ? 0 : Fail(s.message());
  });

  auto archive = std::make_shared<std::string>();
  auto target = std::make_shared<std::string>();
  CLI::App* restore =
      app.add_subcommand("restore", "A city from a `parkguide backup` archive, in a new place");
  restore->add_option("archive", *archive, "The archive")->required();
  restore->add_option("--db", *target, "The restored city's database (must not exist)")->required();
  restore->callback([archive, target, exit_code] {
    Status s = Restore(*archive, *target);
    *exit_code = s.ok() ? 0 : Fail(s.message());
  });
}

}  // namespace pg::cli
