// pthread_cond_* interposers: the block profile (who waited on a condition variable,
// reason "cond") and, because a wait releases its mutex, the mutex profile (the waiter's
// stack is charged for the threads its critical section kept waiting for that mutex, as
// an unlock would be). std::condition_variable reaches wait through libstdc++.so and
// wait_for/wait_until through pthread_cond_clockwait, inlined from <condition_variable>.
//
// Symbol versions. glibc has two implementations of the condvar family: the current one
// (GLIBC_2.3.2, the default every program and libstdc++ binds to) and the pre-2.3.2
// compatibility one (GLIBC_2.2.5 on x86-64, an indirection to a separately allocated
// condvar). A plain dlsym can return either, so the real functions are found with
// dlvsym(RTLD_NEXT, name, "GLIBC_2.3.2"). Our definitions are unversioned, and ld.so binds
// a versioned reference to an unversioned definition whatever version it asks for:
// references to pthread_cond_wait@GLIBC_2.3.2 and to pthread_cond_wait@GLIBC_2.2.5 both
// arrive here (only dlvsym, which demands an exact version, passes us by). So every
// function of the family is interposed, init, destroy, signal and broadcast included,
// and all go to the same implementation: were only the waits interposed, a program bound
// to the 2.2.5 entry points would wait with one implementation and signal with the other,
// and never be woken. pthread_cond_clockwait (2.30) has a single version.
#include <pthread.h>

#include <cerrno>
#include <ctime>

#include "preload/blocking_wait.h"
#include "preload/lock_interposer.h"
#include "preload/lock_release.h"
#include "preload/real_function.h"

namespace cxxprof {
namespace {

constexpr const char* kCondVersion = "GLIBC_2.3.2";

using CondFunction = int (*)(pthread_cond_t*);
using CondInitFunction = int (*)(pthread_cond_t*, const pthread_condattr_t*);
using CondWaitFunction = int (*)(pthread_cond_t*, pthread_mutex_t*);
using CondTimedWaitFunction = int (*)(pthread_cond_t*, pthread_mutex_t*, const timespec*);
using CondClockWaitFunction = int (*)(pthread_cond_t*, pthread_mutex_t*, clockid_t,
                                      const timespec*);

CXXPROF_REAL_FUNCTION(real_cond_init, CondInitFunction, "pthread_cond_init", kCondVersion);
CXXPROF_REAL_FUNCTION(real_cond_destroy, CondFunction, "pthread_cond_destroy", kCondVersion);
CXXPROF_REAL_FUNCTION(real_cond_signal, CondFunction, "pthread_cond_signal", kCondVersion);
CXXPROF_REAL_FUNCTION(real_cond_broadcast, CondFunction, "pthread_cond_broadcast",
                      kCondVersion);
CXXPROF_REAL_FUNCTION(real_cond_wait, CondWaitFunction, "pthread_cond_wait", kCondVersion);
CXXPROF_REAL_FUNCTION(real_cond_timedwait, CondTimedWaitFunction, "pthread_cond_timedwait",
                      kCondVersion);
CXXPROF_REAL_FUNCTION(real_cond_clockwait, CondClockWaitFunction, "pthread_cond_clockwait",
                      nullptr);

// Every wait: the mutex is released inside the real call, so charge that release first;
// then wait, with cancellation cleanup (pthread_cond_*wait are cancellation points).
// `valid` is false when glibc will refuse the call without releasing the mutex.
template <typename Call>
int watched_wait(pthread_cond_t* cond, pthread_mutex_t* mutex, bool valid,
                 const char* function, Call&& call) {
  if (valid) note_mutex_release(mutex);
  BlockingWait wait(BlockReason::kCond, cond, function);
  int result = 0;
  run_cancellable(wait, call, &result);
  wait.finish(result == 0 || result == ETIMEDOUT);
  return result;
}

int forward(RealFunction<CondFunction>& real, pthread_cond_t* cond) {
  const CondFunction function = real.get();
  return function != nullptr ? function(cond) : ENOSYS;
}

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSE int pthread_cond_init(pthread_cond_t* cond, const pthread_condattr_t* attr) {
  const CondInitFunction init = real_cond_init.get();
  return init != nullptr ? init(cond, attr) : ENOSYS;
}

CXXPROF_INTERPOSE int pthread_cond_destroy(pthread_cond_t* cond) {
  return forward(real_cond_destroy, cond);
}

CXXPROF_INTERPOSE int pthread_cond_signal(pthread_cond_t* cond) {
  return forward(real_cond_signal, cond);
}

CXXPROF_INTERPOSE int pthread_cond_broadcast(pthread_cond_t* cond) {
  return forward(real_cond_broadcast, cond);
}

CXXPROF_INTERPOSE int pthread_cond_wait(pthread_cond_t* cond, pthread_mutex_t* mutex) {
  const CondWaitFunction wait = real_cond_wait.get();
  if (wait == nullptr) return ENOSYS;
  if (__builtin_expect(!blocking_calls_watched(), 1)) return wait(cond, mutex);
  return watched_wait(cond, mutex, true, "pthread_cond_wait",
                      [&] { return wait(cond, mutex); });
}

CXXPROF_INTERPOSE int pthread_cond_timedwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                             const timespec* deadline) {
  const CondTimedWaitFunction wait = real_cond_timedwait.get();
  if (wait == nullptr) return ENOSYS;
  if (__builtin_expect(!blocking_calls_watched(), 1)) return wait(cond, mutex, deadline);
  return watched_wait(cond, mutex, deadline_well_formed(deadline), "pthread_cond_timedwait",
                      [&] { return wait(cond, mutex, deadline); });
}

CXXPROF_INTERPOSE int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                             clockid_t clock, const timespec* deadline) {
  const CondClockWaitFunction wait = real_cond_clockwait.get();
  if (wait == nullptr) return ENOSYS;
  if (__builtin_expect(!blocking_calls_watched(), 1)) return wait(cond, mutex, clock, deadline);
  const bool valid = deadline_well_formed(deadline) && lock_clock_supported(clock);
  return watched_wait(cond, mutex, valid, "pthread_cond_clockwait",
                      [&] { return wait(cond, mutex, clock, deadline); });
}
