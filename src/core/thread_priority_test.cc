#include "core/thread_priority.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <thread>

namespace pg {
namespace {

int NiceOfThisThread() { return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())); }

TEST(ThreadPriority, LowersTheCallingThreadOnly) {
  const int before = NiceOfThisThread();
  int inside = -100;
  std::thread([&] {
    EXPECT_TRUE(LowerThisThreadsPriority(kIdleNice));
    inside = NiceOfThisThread();
  }).join();
  EXPECT_EQ(inside, kIdleNice);
  EXPECT_EQ(NiceOfThisThread(), before) << "the caller's other threads keep theirs";
}

}  // namespace
}  // namespace pg
