// The mutex profile's side of a release: a thread about to release a lock that others
// wait for is charged the delay they accumulated while it held the lock (Go's semantics,
// DESIGN.md §3), recorded with its own stack — the critical section that made them wait.
// Called before the real unlock, while the lock is still held, so the waiter the unlock
// wakes cannot withdraw before its time is counted.
//
// The inline tests are the whole cost of an uncontended unlock: one flag, and for a
// mutex glibc's own lock word (preload/mutex_waiters.h). Async-signal-safe.
#pragma once

#include <pthread.h>

#include "preload/lock_profiles.h"
#include "preload/mutex_waiters.h"

namespace cxxprof {

// Charges the waiters of `lock` (if any are registered) to the calling thread's stack.
// Preserves errno.
void charge_lock_release(const void* lock);

// pthread_mutex_unlock, and the implicit unlock of pthread_cond_wait.
inline void note_mutex_release(const pthread_mutex_t* mutex) {
  if (__builtin_expect(mutex_profile_on(), 0) && mutex_may_have_waiters(mutex) &&
      mutex_unlock_releases(mutex)) {
    charge_lock_release(mutex);
  }
}

// pthread_rwlock_unlock: glibc's rwlock words do not say as simply whether anyone sleeps
// on it, so the table is asked (one cache line) whenever the profile is on.
inline void note_rwlock_release(const pthread_rwlock_t* rwlock) {
  if (__builtin_expect(mutex_profile_on(), 0) &&
      contention_table().may_have_waiters(uintptr_t(rwlock))) {
    charge_lock_release(rwlock);
  }
}

}  // namespace cxxprof
