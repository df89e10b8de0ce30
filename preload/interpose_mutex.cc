// pthread_mutex_* interposers: the mutex profile (who held a contended mutex) and the
// block profile (who waited for it). std::mutex, std::timed_mutex and
// std::recursive_mutex reach these from libstdc++'s inline code.
//
// lock/timedlock/clocklock wait through preload/lock_interposer.h (trylock first; for a
// robust mutex a look at its lock word, see acquire_mutex).
// unlock charges the waiters, if glibc's lock word says there may be some, to the
// unlocking stack before the real unlock. trylock never waits: there is nothing to
// record, so it is forwarded untouched; it is interposed so that every entry point of the
// mutex family goes through one layer (a program that reaches trylock through our symbol
// gets exactly glibc's, with none of our cost beyond the call).
#include <pthread.h>

#include <cerrno>
#include <ctime>

#include "preload/lock_interposer.h"
#include "preload/lock_release.h"
#include "preload/mutex_waiters.h"
#include "preload/real_function.h"

namespace cxxprof {
namespace {

using MutexFunction = int (*)(pthread_mutex_t*);
using MutexTimedFunction = int (*)(pthread_mutex_t*, const timespec*);
using MutexClockFunction = int (*)(pthread_mutex_t*, clockid_t, const timespec*);

CXXPROF_REAL_FUNCTION(real_mutex_lock, MutexFunction, "pthread_mutex_lock", nullptr);
CXXPROF_REAL_FUNCTION(real_mutex_trylock, MutexFunction, "pthread_mutex_trylock", nullptr);
CXXPROF_REAL_FUNCTION(real_mutex_unlock, MutexFunction, "pthread_mutex_unlock", nullptr);
CXXPROF_REAL_FUNCTION(real_mutex_timedlock, MutexTimedFunction, "pthread_mutex_timedlock",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_mutex_clocklock, MutexClockFunction, "pthread_mutex_clocklock",
                      nullptr);

// A watched acquisition: `lock` runs the real (timed) lock. Normally the real trylock
// answers first; a robust mutex is only looked at instead (preload/mutex_waiters.h), and
// when free locked at once, so a not-recoverable one behaves exactly as without us.
template <typename Lock>
int acquire_mutex(pthread_mutex_t* mutex, const char* function, Lock&& lock) {
  if (mutex_is_robust(mutex)) {
    return acquire_watched(
        BlockReason::kMutex, mutex, function,
        [=] { return mutex_looks_free(mutex) ? lock() : EBUSY; }, lock);
  }
  const MutexFunction try_lock = real_mutex_trylock.get();
  if (try_lock == nullptr) return lock();
  return acquire_watched(
      BlockReason::kMutex, mutex, function, [=] { return try_lock(mutex); }, lock);
}

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSE int pthread_mutex_lock(pthread_mutex_t* mutex) {
  const MutexFunction lock = real_mutex_lock.get();
  if (lock == nullptr) return ENOSYS;
  if (__builtin_expect(!blocking_calls_watched(), 1)) return lock(mutex);
  return acquire_mutex(mutex, "pthread_mutex_lock", [=] { return lock(mutex); });
}

CXXPROF_INTERPOSE int pthread_mutex_trylock(pthread_mutex_t* mutex) {
  const MutexFunction try_lock = real_mutex_trylock.get();
  return try_lock != nullptr ? try_lock(mutex) : ENOSYS;
}

CXXPROF_INTERPOSE int pthread_mutex_timedlock(pthread_mutex_t* mutex, const timespec* deadline) {
  const MutexTimedFunction lock = real_mutex_timedlock.get();
  if (lock == nullptr) return ENOSYS;
  if (__builtin_expect(!blocking_calls_watched(), 1)) return lock(mutex, deadline);
  return acquire_mutex(mutex, "pthread_mutex_timedlock", [=] { return lock(mutex, deadline); });
}

CXXPROF_INTERPOSE int pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock,
                                              const timespec* deadline) {
  const MutexClockFunction lock = real_mutex_clocklock.get();
  if (lock == nullptr) return ENOSYS;
  // glibc refuses an unsupported clock before it looks at the mutex; so must we.
  if (__builtin_expect(!blocking_calls_watched(), 1) || !lock_clock_supported(clock)) {
    return lock(mutex, clock, deadline);
  }
  return acquire_mutex(mutex, "pthread_mutex_clocklock",
                       [=] { return lock(mutex, clock, deadline); });
}

CXXPROF_INTERPOSE int pthread_mutex_unlock(pthread_mutex_t* mutex) {
  const MutexFunction unlock = real_mutex_unlock.get();
  if (unlock == nullptr) return ENOSYS;
  note_mutex_release(mutex);
  return unlock(mutex);
}
