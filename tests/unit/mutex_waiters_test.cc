// The unlock interposer's reading of glibc's mutex word (preload/mutex_waiters.h), checked
// against real mutexes of every kind: "may have waiters" must become true once a thread
// sleeps on the mutex, and be false while nobody waits; "this unlock releases it" must
// match what glibc's unlock would do.
#include <gtest/gtest.h>

#include <pthread.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>

#include "preload/mutex_waiters.h"

namespace cxxprof {
namespace {

struct MutexKind {
  std::string name;
  int type;
  int robust;
  int protocol;
};

void sleep_ms(int ms) {
  timespec ts{0, ms * 1'000'000L};
  nanosleep(&ts, nullptr);
}

class MutexWaitersTest : public ::testing::TestWithParam<MutexKind> {
 protected:
  void SetUp() override {
    const MutexKind& kind = GetParam();
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, kind.type);
    pthread_mutexattr_setrobust(&attr, kind.robust);
    ASSERT_EQ(pthread_mutexattr_setprotocol(&attr, kind.protocol), 0);
    ASSERT_EQ(pthread_mutex_init(&mutex_, &attr), 0);
    pthread_mutexattr_destroy(&attr);
  }
  void TearDown() override { pthread_mutex_destroy(&mutex_); }

  pthread_mutex_t mutex_;
};

TEST_P(MutexWaitersTest, SeesASleepingWaiterAndNobodyElse) {
  EXPECT_FALSE(mutex_may_have_waiters(&mutex_)) << "free";
  ASSERT_EQ(pthread_mutex_lock(&mutex_), 0);
  EXPECT_FALSE(mutex_may_have_waiters(&mutex_)) << "held, nobody waiting";
  EXPECT_TRUE(mutex_unlock_releases(&mutex_)) << "held once by this thread";

  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    pthread_mutex_lock(&mutex_);
    acquired = true;
    pthread_mutex_unlock(&mutex_);
  });
  bool seen = false;
  for (int i = 0; i < 400 && !seen; ++i) {  // until the waiter sleeps in the kernel
    sleep_ms(5);
    seen = mutex_may_have_waiters(&mutex_);
  }
  EXPECT_TRUE(seen) << "a thread has been blocked on the mutex for 2 s";
  EXPECT_FALSE(acquired.load());
  ASSERT_EQ(pthread_mutex_unlock(&mutex_), 0);
  waiter.join();
  EXPECT_TRUE(acquired.load());
}

TEST_P(MutexWaitersTest, AnotherThreadsUnlockIsNoReleaseWhereGlibcChecksTheOwner) {
  ASSERT_EQ(pthread_mutex_lock(&mutex_), 0);
  bool releases_from_other_thread = true;
  std::thread other([&] { releases_from_other_thread = mutex_unlock_releases(&mutex_); });
  other.join();
  const int type = GetParam().type;
  const bool owner_checked = type == PTHREAD_MUTEX_RECURSIVE || type == PTHREAD_MUTEX_ERRORCHECK ||
                             GetParam().robust != 0 || GetParam().protocol == PTHREAD_PRIO_INHERIT;
  EXPECT_EQ(releases_from_other_thread, !owner_checked);
  if (type == PTHREAD_MUTEX_RECURSIVE) {
    ASSERT_EQ(pthread_mutex_lock(&mutex_), 0);
    EXPECT_FALSE(mutex_unlock_releases(&mutex_)) << "held twice: unlock only counts down";
    ASSERT_EQ(pthread_mutex_unlock(&mutex_), 0);
    EXPECT_TRUE(mutex_unlock_releases(&mutex_));
  }
  ASSERT_EQ(pthread_mutex_unlock(&mutex_), 0);
}

INSTANTIATE_TEST_SUITE_P(
    EveryKind, MutexWaitersTest,
    ::testing::Values(
        MutexKind{"normal", PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_STALLED, PTHREAD_PRIO_NONE},
        MutexKind{"recursive", PTHREAD_MUTEX_RECURSIVE, PTHREAD_MUTEX_STALLED, PTHREAD_PRIO_NONE},
        MutexKind{"errorcheck", PTHREAD_MUTEX_ERRORCHECK, PTHREAD_MUTEX_STALLED, PTHREAD_PRIO_NONE},
        MutexKind{"adaptive", PTHREAD_MUTEX_ADAPTIVE_NP, PTHREAD_MUTEX_STALLED, PTHREAD_PRIO_NONE},
        MutexKind{"robust", PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_ROBUST, PTHREAD_PRIO_NONE},
        MutexKind{"robust_errorcheck", PTHREAD_MUTEX_ERRORCHECK, PTHREAD_MUTEX_ROBUST,
                  PTHREAD_PRIO_NONE},
        MutexKind{"priority_inherit", PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_STALLED,
                  PTHREAD_PRIO_INHERIT},
        MutexKind{"robust_priority_inherit", PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_ROBUST,
                  PTHREAD_PRIO_INHERIT}),
    [](const ::testing::TestParamInfo<MutexKind>& info) { return info.param.name; });

}  // namespace
}  // namespace cxxprof
