// The bookkeeping around one blocking call that an interposer forwards — a lock, condvar,
// semaphore, join, barrier or sleep: the thread's entry in the activity table (CXXDEBUG
// schedtrace), the block profile's event (charged to the stack that waited, labelled with
// the reason), and for lock waits the waiter's registration in the contention table, so
// that the release that made it wait is charged in the mutex profile.
//
//     BlockingWait wait(BlockReason::kCond, cond, "pthread_cond_wait");
//     int rc;
//     run_cancellable(wait, [&] { return real(cond, mutex); }, &rc);
//     wait.finish(rc == 0 || rc == ETIMEDOUT);
//
// Cancellation: our code is built without exceptions, so no destructor of ours runs while
// pthread_cancel unwinds through a cancellation point (pthread_cond_wait, sem_wait,
// nanosleep, pthread_join, ...). run_cancellable registers finish() with glibc's
// non-exception cleanup (pthread_cleanup_push: a setjmp buffer its unwinder jumps to), so
// a thread cancelled inside the real call records the time it waited and leaves no stale
// state: not "blocked" in the activity table, not registered as a waiter, errno intact.
//
// Async-signal-safe (nanosleep and sleep are, and a signal handler may call them): no
// locks, no allocation. errno is the real call's when the interposer returns.
#pragma once

#include <pthread.h>

#include <cstdint>
#include <new>

#include "preload/contention_table.h"
#include "preload/thread_activity.h"

namespace cxxprof {

class BlockingWait {
 public:
  // Starts watching a call about to block on `object` (shown by schedtrace). `lock` is
  // the lock a lock wait is for (registered as waited for while the mutex profile is on);
  // null for waits that are not for a lock. Does nothing when entered from inside
  // another interposer or the profiler (the call is then not the program's own).
  BlockingWait(BlockReason reason, const void* object, const char* function,
               const void* lock = nullptr);
  ~BlockingWait() { finish(false); }
  BlockingWait(const BlockingWait&) = delete;
  BlockingWait& operator=(const BlockingWait&) = delete;

  // The real call returned. `waited`: it waited (or tried to: a timeout), rather than
  // failing at once (EINVAL, EDEADLK, ...); only then is a block event recorded.
  // Idempotent: the first call counts.
  void finish(bool waited);

  // pthread_cleanup_push handler: the thread was cancelled inside the real call.
  static void finish_cancelled(void* wait);

 private:
  BlockedScope* scope() { return reinterpret_cast<BlockedScope*>(scope_storage_); }

  bool engaged_ = false;
  bool finished_ = false;
  bool scope_live_ = false;
  BlockReason reason_;
  uint64_t start_ns_ = 0;  // 0: no profile wants this call's duration
  ContentionTable::Ticket ticket_;
  alignas(BlockedScope) unsigned char scope_storage_[sizeof(BlockedScope)];
};

// Runs `call` (the real function) and stores its result, with `wait` finished by glibc's
// cancellation cleanup if the thread is cancelled inside it. Not inlined: a function that
// calls setjmp cannot be, and the result goes through a pointer so no local of the caller
// lives across the setjmp.
template <typename Call, typename Result>
__attribute__((noinline)) void run_cancellable(BlockingWait& wait, Call&& call, Result* result) {
  pthread_cleanup_push(&BlockingWait::finish_cancelled, &wait);
  *result = call();
  pthread_cleanup_pop(0);
}

}  // namespace cxxprof
