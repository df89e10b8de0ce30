// The one shape of every lock acquisition interposer (preload/interpose_mutex.cc,
// interpose_rwlock.cc): try the lock first, and only when it is taken time the wait,
// register it for the mutex profile and mark the thread blocked. So an uncontended lock
// costs a flag test and a trylock in place of the lock; the clock is read, and the stack
// unwound, only for contended ones (DESIGN.md §2.8).
//
// The caller returns the real lock function's result unchanged. The trylock's result is
// used only when it is the answer the lock itself would give: acquired (0), or failed for
// a reason that does not depend on waiting (EAGAIN, EINVAL). On EBUSY the real lock
// decides, so an error-checking mutex relocked by its owner still gets EDEADLK. (Robust
// mutexes, where glibc's trylock and lock part ways, are not tried: interpose_mutex.cc.)
#pragma once

#include <cerrno>
#include <ctime>

#include "preload/blocking_wait.h"
#include "preload/lock_profiles.h"
#include "preload/thread_activity.h"

#define CXXPROF_INTERPOSE extern "C" __attribute__((visibility("default")))

namespace cxxprof {

// The contended path, out of line so that the uncontended one needs no stack frame. Lock
// waits are no cancellation points, but a thread can still be unwound out of one
// (asynchronous cancellation, pthread_exit from a signal handler): the cleanup then
// withdraws its registration, which would otherwise be charged to every later release.
template <typename Lock>
__attribute__((noinline, cold)) int wait_for_lock(BlockReason reason, const void* lock_object,
                                                  const char* function, Lock lock) {
  BlockingWait wait(reason, lock_object, function, lock_object);
  int result = 0;
  run_cancellable(wait, lock, &result);
  wait.finish(result == 0 || result == EOWNERDEAD || result == ETIMEDOUT);
  return result;
}

// `try_lock` and `lock` call the real functions. `lock` runs only if `try_lock` found the
// lock taken; a wait that ended with the lock (or with a timeout) is a block event.
template <typename TryLock, typename Lock>
__attribute__((always_inline)) inline int acquire_watched(BlockReason reason,
                                                          const void* lock_object,
                                                          const char* function,
                                                          TryLock&& try_lock, Lock&& lock) {
  const int result = try_lock();
  if (__builtin_expect(result != EBUSY, 1)) return result;
  return wait_for_lock(reason, lock_object, function, lock);
}

// What glibc checks before it would ever look at the lock (so the trylock must not run
// first): a clock it cannot wait on, a malformed deadline.
inline bool lock_clock_supported(clockid_t clock) {
  return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC;
}
inline bool deadline_well_formed(const timespec* deadline) {
  return deadline->tv_nsec >= 0 && deadline->tv_nsec < 1'000'000'000;
}

}  // namespace cxxprof
