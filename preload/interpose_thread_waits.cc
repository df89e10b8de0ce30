// Interposers for the other ways one thread waits for another: semaphores (sem_wait,
// sem_timedwait, sem_clockwait; reason "sem"), joins (pthread_join, pthread_timedjoin_np;
// reason "join", reached by std::thread::join through libstdc++.so) and barriers
// (pthread_barrier_wait; reason "barrier"). Block profile only: none of them has an owner
// to charge, so the mutex profile has nothing to say.
//
// A semaphore that has a token is taken with sem_trywait first, so an unblocked sem_wait
// is not timed or recorded (it did not wait). That shortcut keeps glibc's order exactly:
// sem_wait is a cancellation point even when it would not block (glibc calls
// pthread_testcancel before its own fast path, and so do we), and glibc rejects a
// malformed deadline or an unsupported clock before trying the semaphore (those calls go
// straight to the real function).
#include <pthread.h>
#include <semaphore.h>

#include <cerrno>
#include <ctime>

#include "preload/blocking_wait.h"
#include "preload/lock_interposer.h"
#include "preload/real_function.h"

namespace cxxprof {
namespace {

using SemFunction = int (*)(sem_t*);
using SemTimedFunction = int (*)(sem_t*, const timespec*);
using SemClockFunction = int (*)(sem_t*, clockid_t, const timespec*);
using JoinFunction = int (*)(pthread_t, void**);
using TimedJoinFunction = int (*)(pthread_t, void**, const timespec*);
using BarrierFunction = int (*)(pthread_barrier_t*);

CXXPROF_REAL_FUNCTION(real_sem_wait, SemFunction, "sem_wait", nullptr);
CXXPROF_REAL_FUNCTION(real_sem_trywait, SemFunction, "sem_trywait", nullptr);
CXXPROF_REAL_FUNCTION(real_sem_timedwait, SemTimedFunction, "sem_timedwait", nullptr);
CXXPROF_REAL_FUNCTION(real_sem_clockwait, SemClockFunction, "sem_clockwait", nullptr);
CXXPROF_REAL_FUNCTION(real_join, JoinFunction, "pthread_join", nullptr);
CXXPROF_REAL_FUNCTION(real_timedjoin, TimedJoinFunction, "pthread_timedjoin_np", nullptr);
CXXPROF_REAL_FUNCTION(real_barrier_wait, BarrierFunction, "pthread_barrier_wait", nullptr);

int unavailable() {
  errno = ENOSYS;
  return -1;
}

// True if the semaphore had a token and we took it. Leaves errno as it was either way
// (sem_trywait's EAGAIN is ours, not the program's).
bool took_token(sem_t* sem) {
  const SemFunction try_wait = real_sem_trywait.get();
  if (try_wait == nullptr) return false;
  const int saved_errno = errno;
  if (try_wait(sem) == 0) return true;
  errno = saved_errno;
  return false;
}

// The semaphore is empty: wait for it in the real function. Returns its result, errno
// as the real function left it.
template <typename Call>
int wait_for_token(sem_t* sem, const char* function, Call&& call) {
  BlockingWait wait(BlockReason::kSem, sem, function);
  int result = 0;
  run_cancellable(wait, call, &result);
  wait.finish(result == 0 || errno == ETIMEDOUT || errno == EINTR);
  return result;
}

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSE int sem_wait(sem_t* sem) {
  const SemFunction wait = real_sem_wait.get();
  if (wait == nullptr) return unavailable();
  if (__builtin_expect(!blocking_calls_watched(), 1)) return wait(sem);
  pthread_testcancel();
  if (took_token(sem)) return 0;
  return wait_for_token(sem, "sem_wait", [&] { return wait(sem); });
}

CXXPROF_INTERPOSE int sem_timedwait(sem_t* sem, const timespec* deadline) {
  const SemTimedFunction wait = real_sem_timedwait.get();
  if (wait == nullptr) return unavailable();
  if (__builtin_expect(!blocking_calls_watched(), 1) || !deadline_well_formed(deadline)) {
    return wait(sem, deadline);
  }
  pthread_testcancel();
  if (took_token(sem)) return 0;
  return wait_for_token(sem, "sem_timedwait", [&] { return wait(sem, deadline); });
}

CXXPROF_INTERPOSE int sem_clockwait(sem_t* sem, clockid_t clock, const timespec* deadline) {
  const SemClockFunction wait = real_sem_clockwait.get();
  if (wait == nullptr) return unavailable();
  if (__builtin_expect(!blocking_calls_watched(), 1) || !lock_clock_supported(clock) ||
      !deadline_well_formed(deadline)) {
    return wait(sem, clock, deadline);
  }
  pthread_testcancel();
  if (took_token(sem)) return 0;
  return wait_for_token(sem, "sem_clockwait", [&] { return wait(sem, clock, deadline); });
}

CXXPROF_INTERPOSE int pthread_join(pthread_t thread, void** result) {
  const JoinFunction join = real_join.get();
  if (join == nullptr) return ENOSYS;
  if (__builtin_expect(!blocking_calls_watched(), 1)) return join(thread, result);
  BlockingWait wait(BlockReason::kJoin, reinterpret_cast<const void*>(thread), "pthread_join");
  int rc = 0;
  run_cancellable(wait, [&] { return join(thread, result); }, &rc);
  wait.finish(rc == 0);
  return rc;
}

CXXPROF_INTERPOSE int pthread_timedjoin_np(pthread_t thread, void** result,
                                           const timespec* deadline) {
  const TimedJoinFunction join = real_timedjoin.get();
  if (join == nullptr) return ENOSYS;
  if (__builtin_expect(!blocking_calls_watched(), 1)) return join(thread, result, deadline);
  BlockingWait wait(BlockReason::kJoin, reinterpret_cast<const void*>(thread),
                    "pthread_timedjoin_np");
  int rc = 0;
  run_cancellable(wait, [&] { return join(thread, result, deadline); }, &rc);
  wait.finish(rc == 0 || rc == ETIMEDOUT);
  return rc;
}

CXXPROF_INTERPOSE int pthread_barrier_wait(pthread_barrier_t* barrier) {
  const BarrierFunction wait_at = real_barrier_wait.get();
  if (wait_at == nullptr) return ENOSYS;
  if (__builtin_expect(!blocking_calls_watched(), 1)) return wait_at(barrier);
  // Not a cancellation point: no cleanup needed.
  BlockingWait wait(BlockReason::kBarrier, barrier, "pthread_barrier_wait");
  const int rc = wait_at(barrier);
  wait.finish(rc == 0 || rc == PTHREAD_BARRIER_SERIAL_THREAD);
  return rc;
}
