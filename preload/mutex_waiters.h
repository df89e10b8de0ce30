// Whether a mutex may have waiters, read from glibc's own lock word: the unlock
// interposer's cheap test before it looks in the contention table, so an uncontended
// unlock costs two loads and a branch (the mutex's cache line is already ours: the real
// unlock is about to write it).
//
// The fields read are the public ABI of struct __pthread_mutex_s (bits/struct_mutex.h);
// the meaning of their values is glibc's (nptl/pthreadP.h, lowlevellock.h), stable since
// NPTL: a normal, recursive, error-checking or adaptive mutex's __lock is 0 (free), 1
// (held) or 2 (held, a waiter may sleep on it); robust and priority-inheritance mutexes
// hold the owner's tid with FUTEX_WAITERS set once a waiter sleeps; priority-protected
// ones keep 0/1/2 under the ceiling bits. A wrong answer costs accuracy, never
// correctness: "no" skips the charge of one release (the delay is charged at the next
// one), "yes" costs a table lookup that finds nothing.
//
// Async-signal-safe; plain loads only.
#pragma once

#include <linux/futex.h>
#include <pthread.h>

#include "preload/thread_state.h"

namespace cxxprof {

// glibc's __kind flags (nptl/pthreadP.h): not in any public header.
inline constexpr int kMutexKindRobust = 16;
inline constexpr int kMutexKindPrioInherit = 32;
inline constexpr int kMutexKindPrioProtect = 64;
inline constexpr unsigned kMutexPrioCeilingMask = 0xfff80000u;

inline bool mutex_may_have_waiters(const pthread_mutex_t* mutex) {
  const int kind = __atomic_load_n(&mutex->__data.__kind, __ATOMIC_RELAXED);
  const unsigned lock = unsigned(__atomic_load_n(&mutex->__data.__lock, __ATOMIC_RELAXED));
  if (kind & (kMutexKindRobust | kMutexKindPrioInherit)) return (lock & FUTEX_WAITERS) != 0;
  if (kind & kMutexKindPrioProtect) return (lock & ~kMutexPrioCeilingMask) > 1;
  return lock > 1;
}

// Robust mutexes are locked without a trylock first: glibc's pthread_mutex_trylock on a
// robust mutex that became not recoverable leaves it locked while it returns
// ENOTRECOVERABLE (its "if (oldval == id)" unlock never runs when the exchange succeeded),
// where pthread_mutex_lock unlocks it again. Their lock word is 0 when free.
inline bool mutex_is_robust(const pthread_mutex_t* mutex) {
  return (__atomic_load_n(&mutex->__data.__kind, __ATOMIC_RELAXED) & kMutexKindRobust) != 0;
}
inline bool mutex_looks_free(const pthread_mutex_t* mutex) {
  return __atomic_load_n(&mutex->__data.__lock, __ATOMIC_RELAXED) == 0;
}

// Whether the calling thread's unlock of `mutex` really releases it, rather than failing
// (EPERM: an error-checking, recursive, robust or priority-inheritance mutex it does not
// own) or only counting down a recursive mutex's depth. Only a real release ends the
// waiters' wait, so only it is charged. glibc records the owner's tid in __owner for every
// kind it checks; __count is a recursive mutex's depth.
inline bool mutex_unlock_releases(const pthread_mutex_t* mutex) {
  const int kind = __atomic_load_n(&mutex->__data.__kind, __ATOMIC_RELAXED);
  const int type = kind & 3;  // PTHREAD_MUTEX_KIND_MASK_NP
  const bool owner_checked = type == PTHREAD_MUTEX_RECURSIVE_NP ||
                             type == PTHREAD_MUTEX_ERRORCHECK_NP ||
                             (kind & (kMutexKindRobust | kMutexKindPrioInherit)) != 0;
  if (!owner_checked) return true;
  if (__atomic_load_n(&mutex->__data.__owner, __ATOMIC_RELAXED) != current_tid()) return false;
  return type != PTHREAD_MUTEX_RECURSIVE_NP ||
         __atomic_load_n(&mutex->__data.__count, __ATOMIC_RELAXED) <= 1;
}

}  // namespace cxxprof
