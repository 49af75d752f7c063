#include "core/city_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace pg {
namespace {

namespace fs = std::filesystem;

const Timestamp kStart = *ParseRfc3339("2026-05-01T10:00:00Z");

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CityLock, SecondAcquisitionIsRefusedEvenInTheSameProcessAndNamesTheHolder) {
  testing::TempDir dir;
  FakeClock clock(kStart);
  auto first = CityLock::Acquire(dir.File("city.db"), "parkguide serve --db city.db", clock);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const std::string record_before = Slurp(dir.File("city.db.lock"));

  auto second = CityLock::Acquire(dir.File("city.db"), "parkguide import-registry x", clock);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  const std::string m = second.status().message();
  EXPECT_NE(m.find(fmt::format("pid {} (parkguide serve --db city.db) since 2026-05-01T10:00:00Z",
                               ::getpid())),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(dir.File("city.db.lock")), std::string::npos) << m;
  EXPECT_EQ(Slurp(dir.File("city.db.lock")), record_before) << "the refused one wrote nothing";
  EXPECT_FALSE(fs::exists(dir.File("city.db"))) << "the lock never creates the database";
}

TEST(CityLock, DestructionAndReleaseFreeTheCity) {
  testing::TempDir dir;
  {
    auto lock = CityLock::Acquire(dir.File("city.db"), "first");
    ASSERT_TRUE(lock.ok());
    EXPECT_TRUE(lock->held());
  }
  auto again = CityLock::Acquire(dir.File("city.db"), "second");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  again->Release();
  EXPECT_FALSE(again->held());
  EXPECT_EQ(Slurp(dir.File("city.db.lock")), "") << "a released lock names no holder";
  EXPECT_TRUE(CityLock::Acquire(dir.File("city.db"), "third").ok());
}

TEST(CityLock, AMovedLockStaysHeld) {
  testing::TempDir dir;
  auto lock = CityLock::Acquire(dir.File("city.db"), "mover");
  ASSERT_TRUE(lock.ok());
  CityLock moved = std::move(*lock);
  EXPECT_TRUE(moved.held());
  EXPECT_FALSE(CityLock::Acquire(dir.File("city.db"), "other").ok());
}

TEST(CityLock, ALockFileWithGarbageIsTakenAndRewritten) {
  testing::TempDir dir;
  std::ofstream(dir.File("city.db.lock"), std::ios::binary)
      << std::string("\x01\xff=pid=-3\nzz", 11) << std::string(10'000, 'x');
  FakeClock clock(kStart);
  auto lock = CityLock::Acquire(dir.File("city.db"), "parkguide demo", clock);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  CityLockHolder holder = CityLock::ParseHolder(Slurp(dir.File("city.db.lock")));
  EXPECT_EQ(holder.pid, ::getpid());
  EXPECT_EQ(holder.command, "parkguide demo");
  EXPECT_EQ(holder.since, "2026-05-01T10:00:00Z");
}

// A holder that has not written its record yet (or an older parkguide's file): the refusal still
// comes at once and says the holder is unknown.
TEST(CityLock, AHolderWithoutARecordIsReportedAsUnidentified) {
  testing::TempDir dir;
  std::ofstream(dir.File("city.db.lock")) << "pid=garbage\nsince=yesterday\n";
  const int fd = ::open(dir.File("city.db.lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  auto refused = CityLock::Acquire(dir.File("city.db"), "late");
  ::close(fd);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("in use by an unidentified process"), std::string::npos)
      << refused.status().message();
}

TEST(CityLock, ParseHolderCopesWithPartialRecords) {
  EXPECT_FALSE(CityLock::ParseHolder("").pid);
  EXPECT_EQ(CityLock::ParseHolder("pid=12").pid, 12);
  EXPECT_FALSE(CityLock::ParseHolder("pid=1x2\n").pid);
  EXPECT_EQ(CityLock::ParseHolder("pid=7\ncommand=parkguide se").Describe(),
            "pid 7 (parkguide se)");
  EXPECT_EQ(CityLock::ParseHolder("since=2026-05-01T10:00:").Describe(),
            "an unidentified process (its lock file names no holder)");
}

TEST(CityLock, TwoSpellingsOfOnePathCollide) {
  testing::TempDir dir;
  fs::create_directories(dir.path() / "real" / "sub");
  fs::create_directory_symlink(dir.path() / "real", dir.path() / "link");
  auto lock = CityLock::Acquire((dir.path() / "real" / "city.db").string(), "one");
  ASSERT_TRUE(lock.ok());
  for (const fs::path& other :
       {dir.path() / "link" / "city.db", dir.path() / "real" / "sub" / ".." / "city.db",
        dir.path() / "real" / "." / "city.db"}) {
    auto second = CityLock::Acquire(other.string(), "two");
    EXPECT_FALSE(second.ok()) << other;
  }
  // The database file itself a symlink to the city: the same city.
  std::ofstream((dir.path() / "real" / "city.db").string()) << "";
  fs::create_symlink(dir.path() / "real" / "city.db", dir.path() / "alias.db");
  EXPECT_FALSE(CityLock::Acquire(dir.File("alias.db"), "three").ok());
  // The relative spelling, from the database's directory.
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.path() / "link");
  auto relative = CityLock::Acquire("city.db", "four");
  fs::current_path(cwd);
  EXPECT_FALSE(relative.ok());
}

TEST(CityLock, ProbeSeesTheHolderWithoutTakingOrCreatingAnything) {
  testing::TempDir dir;
  auto none = CityLock::Probe(dir.File("city.db"));
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(fs::exists(dir.File("city.db.lock"))) << "probing creates nothing";

  FakeClock clock(kStart);
  {
    auto lock = CityLock::Acquire(dir.File("city.db"), "parkguide serve", clock);
    ASSERT_TRUE(lock.ok());
    auto held = CityLock::Probe(dir.File("city.db"));
    ASSERT_TRUE(held.ok());
    ASSERT_TRUE(held->has_value());
    EXPECT_EQ((*held)->pid, ::getpid());
    EXPECT_EQ((*held)->command, "parkguide serve");
  }
  auto free = CityLock::Probe(dir.File("city.db"));
  ASSERT_TRUE(free.ok());
  EXPECT_FALSE(free->has_value()) << "a lock file nobody holds is no holder";
  EXPECT_TRUE(CityLock::Acquire(dir.File("city.db"), "after probing").ok());
}

TEST(CityLock, AMissingDirectoryIsUnavailable) {
  testing::TempDir dir;
  auto lock = CityLock::Acquire(dir.File("no/such/city.db"), "x");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(lock.status().message().find("city.db.lock"), std::string::npos);
  EXPECT_FALSE(CityLock::Acquire("", "x").ok());
}

}  // namespace
}  // namespace pg
