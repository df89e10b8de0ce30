#include "preload/service_thread.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "preload/profiler_state.h"
#include "preload/thread_state.h"
#include "preload/wall_sampler.h"

namespace cxxprof {
namespace {

std::atomic<pid_t> g_service_tid{0};

struct ServiceTimer {
  ServiceTimerFunction run;
  uint64_t period_ns;
  uint64_t next_ns;
};
ServiceTimer g_timers[kMaxServiceTimers];
int g_timer_count = 0;

// Runs the timers that are due; returns the earliest next deadline (or `deadline`).
uint64_t run_due_timers(uint64_t now, uint64_t deadline) {
  for (int i = 0; i < g_timer_count; ++i) {
    ServiceTimer& timer = g_timers[i];
    if (now >= timer.next_ns) {
      timer.run(monotonic_ns());
      timer.next_ns += timer.period_ns;
      uint64_t after = monotonic_ns();
      // A period or more behind (machine overloaded, process stopped): skip to the next
      // slot of the schedule, don't burst.
      if (timer.next_ns <= after) {
        timer.next_ns += ((after - timer.next_ns) / timer.period_ns + 1) * timer.period_ns;
      }
    }
    if (timer.next_ns < deadline) deadline = timer.next_ns;
  }
  return deadline;
}

// Sleeps until `deadline` (CLOCK_MONOTONIC ns). Through syscall(2), not clock_nanosleep:
// that one is interposed (the block profile), and this thread's sleeps are not the
// program's.
void wait_until(uint64_t deadline) {
  timespec until{time_t(deadline / 1000000000u), long(deadline % 1000000000u)};
  while (syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) != 0 &&
         errno == EINTR) {
  }
}

// The wall sampler may use at most 1/kWallCostShare of a CPU: after a tick that used D of
// CPU time, the next comes no sooner than (kWallCostShare - 1) * D later. CPU time, not
// the tick's length: on a busy machine a tick waits for a CPU too, and that costs the
// program nothing. With a few threads a tick
// takes microseconds and this never bites; with thousands the rate drops instead of the
// program's speed, and each tick's samples count the time since the previous tick.
constexpr uint64_t kWallCostShare = 10;

uint64_t thread_cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return uint64_t(now.tv_sec) * 1000000000u + uint64_t(now.tv_nsec);
}

// One wall tick if it is due; returns when the next one is.
uint64_t wall_tick_if_due(const RawStore& store, pid_t self, uint64_t next_wall,
                          uint64_t* previous_tick) {
  ProfilerState& state = profiler();
  const uint64_t period = state.wall_period_ns;
  const uint64_t start = monotonic_ns();
  if (start < next_wall) return next_wall;
  // The first tick stands for one period; each later one for the time since the one
  // before, so a late tick (the process stopped, the machine overloaded, the sampler
  // throttled) loses no time from the profile.
  const uint64_t interval = *previous_tick == 0 ? period : start - *previous_tick;
  store.count(raw::kWallTicks);
  if (*previous_tick != 0 && interval > period + period / 2) store.count(raw::kWallTicksLate);
  *previous_tick = start;
  const uint64_t cpu_before = thread_cpu_ns();
  wall_sample_tick(store, self, interval, state.generation.load(std::memory_order_relaxed));
  const uint64_t cost = thread_cpu_ns() - cpu_before;
  const uint64_t end = monotonic_ns();
  const uint64_t on_schedule = start + period;
  const uint64_t within_budget = end + cost * (kWallCostShare - 1);
  return on_schedule > within_budget ? on_schedule : within_budget;
}

void* service_main(void*) {
  prctl(PR_SET_NAME, "cxxprof-service", 0, 0, 0);
  pid_t self = current_tid();
  g_service_tid.store(self, std::memory_order_release);
  ProfilerState& state = profiler();
  uint64_t next_wall = monotonic_ns();
  uint64_t previous_wall_tick = 0;
  for (int i = 0; i < g_timer_count; ++i) g_timers[i].next_ns = next_wall + g_timers[i].period_ns;
  for (;;) {
    const RawStore* store = active_store();
    if (store == nullptr) return nullptr;  // profiling switched off (e.g. --no-follow child)
    uint64_t deadline = UINT64_MAX;
    if (state.wall_period_ns != 0) {
      next_wall = wall_tick_if_due(*store, self, next_wall, &previous_wall_tick);
      deadline = next_wall;
    }
    deadline = run_due_timers(monotonic_ns(), deadline);
    if (deadline == UINT64_MAX) return nullptr;  // nothing to do (cannot happen: not started)
    wait_until(deadline);
  }
}

}  // namespace

bool service_thread_needed() {
  return profiler().wall_period_ns != 0 || g_timer_count != 0;
}

bool start_service_thread(PthreadCreateFunction create) {
  sigset_t all, previous;
  sigfillset(&all);
  // The new thread inherits this mask: every signal blocked, from its first instruction.
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  int rc = create(&thread, &attr, &service_main, nullptr);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return rc == 0;
}

void forget_service_thread() { g_service_tid.store(0, std::memory_order_relaxed); }

bool add_service_timer(ServiceTimerFunction run, uint64_t period_ns) {
  if (period_ns == 0) return false;
  for (int i = 0; i < g_timer_count; ++i) {
    if (g_timers[i].run == run) {
      g_timers[i].period_ns = period_ns;
      return true;
    }
  }
  if (g_timer_count == kMaxServiceTimers) return false;
  g_timers[g_timer_count++] = ServiceTimer{run, period_ns, 0};
  return true;
}

}  // namespace cxxprof
