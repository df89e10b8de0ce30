#include "preload/cpu_timer.h"

#include <csignal>
#include <ctime>
#include <unistd.h>

#include "preload/profiler_state.h"

namespace cxxprof {
namespace {

// The kernel's clock id for another thread's CPU clock (CPUCLOCK_SCHED of a thread):
// the ABI glibc's pthread_getcpuclockid uses, here from a tid instead of a pthread_t.
clockid_t thread_cpu_clock(pid_t tid) { return clockid_t((~unsigned(tid) << 3) | 6); }

uint64_t random_below(uint64_t bound, uint64_t seed) {
  uint64_t x = seed ^ monotonic_ns();
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
  x ^= x >> 31;
  return bound ? 1 + x % bound : 1;
}

bool create_and_arm(clockid_t clock, pid_t tid, uint64_t period_ns, timer_t* timer) {
  sigevent event{};
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = SIGPROF;
  event.sigev_value.sival_int = kCpuSignalTag;
  event._sigev_un._tid = tid;
  if (timer_create(clock, &event, timer) != 0) return false;
  itimerspec spec{};
  spec.it_interval.tv_sec = time_t(period_ns / 1000000000u);
  spec.it_interval.tv_nsec = long(period_ns % 1000000000u);
  uint64_t first = random_below(period_ns, uint64_t(tid));
  spec.it_value.tv_sec = time_t(first / 1000000000u);
  spec.it_value.tv_nsec = long(first % 1000000000u);
  if (timer_settime(*timer, 0, &spec, nullptr) != 0) {
    timer_delete(*timer);
    return false;
  }
  return true;
}

}  // namespace

bool arm_cpu_timer_for_current_thread(ThreadState& state, uint64_t period_ns) {
  if (state.cpu_timer_armed || period_ns == 0) return state.cpu_timer_armed;
  if (!create_and_arm(CLOCK_THREAD_CPUTIME_ID, current_tid(), period_ns, &state.cpu_timer)) {
    if (const RawStore* store = active_store()) store->count(raw::kTimerCreateFailed);
    return false;
  }
  state.cpu_timer_armed = true;
  return true;
}

bool arm_cpu_timer_for_thread(pid_t tid, uint64_t period_ns) {
  timer_t timer;
  if (!create_and_arm(thread_cpu_clock(tid), tid, period_ns, &timer)) {
    if (const RawStore* store = active_store()) store->count(raw::kTimerCreateFailed);
    return false;
  }
  return true;
}

void disarm_cpu_timer(ThreadState& state) {
  if (!state.cpu_timer_armed) return;
  state.cpu_timer_armed = false;
  timer_delete(state.cpu_timer);
}

}  // namespace cxxprof
