// pthread_rwlock_* interposers: the mutex profile (who held a contended rwlock, as reader
// or writer) and the block profile (who waited, reason "rwlock"). std::shared_mutex and
// std::shared_timed_mutex reach these from libstdc++'s inline code.
//
// Acquisitions wait through preload/lock_interposer.h (the matching trylock first).
// unlock charges the waiters to the unlocking stack before the real unlock; when several
// readers hold the lock, a waiting writer's time is split between them in the order they
// leave (each is charged the waiting that happened while it still held the lock). The
// trylocks never wait and are forwarded untouched.
#include <pthread.h>

#include <cerrno>
#include <ctime>

#include "preload/lock_interposer.h"
#include "preload/lock_release.h"
#include "preload/real_function.h"

namespace cxxprof {
namespace {

using RwlockFunction = int (*)(pthread_rwlock_t*);
using RwlockTimedFunction = int (*)(pthread_rwlock_t*, const timespec*);
using RwlockClockFunction = int (*)(pthread_rwlock_t*, clockid_t, const timespec*);

CXXPROF_REAL_FUNCTION(real_rdlock, RwlockFunction, "pthread_rwlock_rdlock", nullptr);
CXXPROF_REAL_FUNCTION(real_wrlock, RwlockFunction, "pthread_rwlock_wrlock", nullptr);
CXXPROF_REAL_FUNCTION(real_tryrdlock, RwlockFunction, "pthread_rwlock_tryrdlock", nullptr);
CXXPROF_REAL_FUNCTION(real_trywrlock, RwlockFunction, "pthread_rwlock_trywrlock", nullptr);
CXXPROF_REAL_FUNCTION(real_timedrdlock, RwlockTimedFunction, "pthread_rwlock_timedrdlock",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_timedwrlock, RwlockTimedFunction, "pthread_rwlock_timedwrlock",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_clockrdlock, RwlockClockFunction, "pthread_rwlock_clockrdlock",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_clockwrlock, RwlockClockFunction, "pthread_rwlock_clockwrlock",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_rwlock_unlock, RwlockFunction, "pthread_rwlock_unlock", nullptr);

// The untimed acquisitions.
int acquire(RealFunction<RwlockFunction>& real_lock, RealFunction<RwlockFunction>& real_try,
            pthread_rwlock_t* rwlock, const char* function) {
  const RwlockFunction lock = real_lock.get();
  if (lock == nullptr) return ENOSYS;
  if (__builtin_expect(!blocking_calls_watched(), 1)) return lock(rwlock);
  const RwlockFunction try_lock = real_try.get();
  if (try_lock == nullptr) return lock(rwlock);
  return acquire_watched(
      BlockReason::kRwlock, rwlock, function, [=] { return try_lock(rwlock); },
      [=] { return lock(rwlock); });
}

// The timed ones. glibc rejects a malformed deadline or an unsupported clock before it
// looks at the lock (pthread_rwlock_common.c), even when the lock is free: such calls go
// straight to the real function, so the trylock cannot answer in its place.
int acquire_by(RealFunction<RwlockClockFunction>& real_lock,
               RealFunction<RwlockFunction>& real_try, pthread_rwlock_t* rwlock,
               clockid_t clock, const timespec* deadline, const char* function) {
  const RwlockClockFunction lock = real_lock.get();
  if (lock == nullptr) return ENOSYS;
  const bool checked = deadline == nullptr ||
                       (lock_clock_supported(clock) && deadline_well_formed(deadline));
  if (__builtin_expect(!blocking_calls_watched(), 1) || !checked) {
    return lock(rwlock, clock, deadline);
  }
  const RwlockFunction try_lock = real_try.get();
  if (try_lock == nullptr) return lock(rwlock, clock, deadline);
  return acquire_watched(
      BlockReason::kRwlock, rwlock, function, [=] { return try_lock(rwlock); },
      [=] { return lock(rwlock, clock, deadline); });
}

int acquire_until(RealFunction<RwlockTimedFunction>& real_lock,
                  RealFunction<RwlockFunction>& real_try, pthread_rwlock_t* rwlock,
                  const timespec* deadline, const char* function) {
  const RwlockTimedFunction lock = real_lock.get();
  if (lock == nullptr) return ENOSYS;
  const bool checked = deadline == nullptr || deadline_well_formed(deadline);
  if (__builtin_expect(!blocking_calls_watched(), 1) || !checked) return lock(rwlock, deadline);
  const RwlockFunction try_lock = real_try.get();
  if (try_lock == nullptr) return lock(rwlock, deadline);
  return acquire_watched(
      BlockReason::kRwlock, rwlock, function, [=] { return try_lock(rwlock); },
      [=] { return lock(rwlock, deadline); });
}

int forward(RealFunction<RwlockFunction>& real, pthread_rwlock_t* rwlock) {
  const RwlockFunction function = real.get();
  return function != nullptr ? function(rwlock) : ENOSYS;
}

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSE int pthread_rwlock_rdlock(pthread_rwlock_t* rwlock) {
  return acquire(real_rdlock, real_tryrdlock, rwlock, "pthread_rwlock_rdlock");
}

CXXPROF_INTERPOSE int pthread_rwlock_wrlock(pthread_rwlock_t* rwlock) {
  return acquire(real_wrlock, real_trywrlock, rwlock, "pthread_rwlock_wrlock");
}

CXXPROF_INTERPOSE int pthread_rwlock_tryrdlock(pthread_rwlock_t* rwlock) {
  return forward(real_tryrdlock, rwlock);
}

CXXPROF_INTERPOSE int pthread_rwlock_trywrlock(pthread_rwlock_t* rwlock) {
  return forward(real_trywrlock, rwlock);
}

CXXPROF_INTERPOSE int pthread_rwlock_timedrdlock(pthread_rwlock_t* rwlock,
                                                 const timespec* deadline) {
  return acquire_until(real_timedrdlock, real_tryrdlock, rwlock, deadline,
                       "pthread_rwlock_timedrdlock");
}

CXXPROF_INTERPOSE int pthread_rwlock_timedwrlock(pthread_rwlock_t* rwlock,
                                                 const timespec* deadline) {
  return acquire_until(real_timedwrlock, real_trywrlock, rwlock, deadline,
                       "pthread_rwlock_timedwrlock");
}

CXXPROF_INTERPOSE int pthread_rwlock_clockrdlock(pthread_rwlock_t* rwlock, clockid_t clock,
                                                 const timespec* deadline) {
  return acquire_by(real_clockrdlock, real_tryrdlock, rwlock, clock, deadline,
                    "pthread_rwlock_clockrdlock");
}

CXXPROF_INTERPOSE int pthread_rwlock_clockwrlock(pthread_rwlock_t* rwlock, clockid_t clock,
                                                 const timespec* deadline) {
  return acquire_by(real_clockwrlock, real_trywrlock, rwlock, clock, deadline,
                    "pthread_rwlock_clockwrlock");
}

CXXPROF_INTERPOSE int pthread_rwlock_unlock(pthread_rwlock_t* rwlock) {
  const RwlockFunction unlock = real_rwlock_unlock.get();
  if (unlock == nullptr) return ENOSYS;
  note_rwlock_release(rwlock);
  return unlock(rwlock);
}
