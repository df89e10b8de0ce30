// Sleep interposers: nanosleep, clock_nanosleep, usleep and sleep, in the block profile
// with reason "sleep" (the time the call took, including a sleep cut short by a signal).
// std::this_thread::sleep_for and sleep_until call nanosleep inline (libstdc++'s
// <bits/this_thread_sleep.h>); glibc's sleep and usleep reach the kernel through internal
// calls that do not pass through our nanosleep, so each sleep is recorded once, by the
// function the program called. C11 thrd_sleep is implemented the same internal way and is
// not seen.
//
// All four are async-signal-safe, and so is the path here (preload/blocking_wait.h);
// all are cancellation points, hence run_cancellable.
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "preload/blocking_wait.h"
#include "preload/lock_interposer.h"
#include "preload/real_function.h"

namespace cxxprof {
namespace {

using NanosleepFunction = int (*)(const timespec*, timespec*);
using ClockNanosleepFunction = int (*)(clockid_t, int, const timespec*, timespec*);
using UsleepFunction = int (*)(useconds_t);
using SleepFunction = unsigned (*)(unsigned);

CXXPROF_REAL_FUNCTION(real_nanosleep, NanosleepFunction, "nanosleep", nullptr);
CXXPROF_REAL_FUNCTION(real_clock_nanosleep, ClockNanosleepFunction, "clock_nanosleep", nullptr);
CXXPROF_REAL_FUNCTION(real_usleep, UsleepFunction, "usleep", nullptr);
CXXPROF_REAL_FUNCTION(real_sleep, SleepFunction, "sleep", nullptr);

template <typename Result, typename Call>
Result watched_sleep(const char* function, Call&& call, bool (*slept)(Result)) {
  BlockingWait wait(BlockReason::kSleep, nullptr, function);
  Result result{};
  run_cancellable(wait, call, &result);
  wait.finish(slept(result));
  return result;
}

// -1 with EINVAL or EFAULT: the call was refused, nobody slept. EINTR: slept, cut short.
bool slept_errno_style(int result) { return result == 0 || errno == EINTR; }
bool slept_error_number(int result) { return result == 0 || result == EINTR; }
bool slept_always(unsigned) { return true; }

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSE int nanosleep(const timespec* duration, timespec* remaining) {
  const NanosleepFunction sleep_for = real_nanosleep.get();
  if (sleep_for == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  if (__builtin_expect(!blocking_calls_watched(), 1)) return sleep_for(duration, remaining);
  return watched_sleep<int>("nanosleep", [&] { return sleep_for(duration, remaining); },
                            slept_errno_style);
}

CXXPROF_INTERPOSE int clock_nanosleep(clockid_t clock, int flags, const timespec* duration,
                                      timespec* remaining) {
  const ClockNanosleepFunction sleep_for = real_clock_nanosleep.get();
  if (sleep_for == nullptr) return ENOSYS;  // returns the error number, errno untouched
  if (__builtin_expect(!blocking_calls_watched(), 1)) {
    return sleep_for(clock, flags, duration, remaining);
  }
  return watched_sleep<int>("clock_nanosleep",
                            [&] { return sleep_for(clock, flags, duration, remaining); },
                            slept_error_number);
}

CXXPROF_INTERPOSE int usleep(useconds_t microseconds) {
  const UsleepFunction sleep_for = real_usleep.get();
  if (sleep_for == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  if (__builtin_expect(!blocking_calls_watched(), 1)) return sleep_for(microseconds);
  return watched_sleep<int>("usleep", [&] { return sleep_for(microseconds); },
                            slept_errno_style);
}

CXXPROF_INTERPOSE unsigned sleep(unsigned seconds) {
  const SleepFunction sleep_for = real_sleep.get();
  if (sleep_for == nullptr) return seconds;  // nothing slept
  if (__builtin_expect(!blocking_calls_watched(), 1)) return sleep_for(seconds);
  return watched_sleep<unsigned>("sleep", [&] { return sleep_for(seconds); }, slept_always);
}
