#include "preload/service_thread.h"

#include <csignal>
#include <cstring>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "preload/module_tracker.h"
#include "preload/profiler_state.h"
#include "preload/thread_state.h"
#include "preload/wall_sampler.h"

namespace cxxprof {
namespace {

// How often loaded objects are checked for changes when nothing asks sooner.
constexpr uint64_t kModulePollNs = 200 * 1000 * 1000;

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

// Sleeps until `deadline` (CLOCK_MONOTONIC ns) or a module refresh request.
void wait_until(uint64_t deadline) {
  uint64_t now = monotonic_ns();
  if (deadline <= now) return;
  uint64_t wait = deadline - now;
  timespec timeout{time_t(wait / 1000000000u), long(wait % 1000000000u)};
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(module_refresh_futex()), FUTEX_WAIT_PRIVATE, 0,
          &timeout, nullptr, 0);
}

void* service_main(void*) {
  prctl(PR_SET_NAME, "cxxprof-service", 0, 0, 0);
  pid_t self = current_tid();
  g_service_tid.store(self, std::memory_order_release);
  ProfilerState& state = profiler();
  uint64_t next_wall = monotonic_ns();
  uint64_t next_module_poll = next_wall + kModulePollNs;
  for (int i = 0; i < g_timer_count; ++i) g_timers[i].next_ns = next_wall + g_timers[i].period_ns;
  for (;;) {
    const RawStore* store = active_store();
    if (store == nullptr) return nullptr;  // profiling switched off (e.g. --no-follow child)
    uint64_t now = monotonic_ns();
    if (take_module_refresh_request() || now >= next_module_poll) {
      refresh_modules(*store, false);
      next_module_poll = now + kModulePollNs;
    }
    if (state.wall_period_ns != 0 && now >= next_wall) {
      wall_sample_tick(*store, self, state.wall_period_ns,
                       state.generation.load(std::memory_order_relaxed));
      next_wall += state.wall_period_ns;
      // Far behind (stopped by a debugger, machine overloaded): skip, don't burst.
      if (next_wall + 10 * state.wall_period_ns < monotonic_ns()) {
        next_wall = monotonic_ns() + state.wall_period_ns;
      }
    }
    uint64_t deadline = next_module_poll;
    if (state.wall_period_ns != 0 && next_wall < deadline) deadline = next_wall;
    deadline = run_due_timers(monotonic_ns(), deadline);
    wait_until(deadline);
  }
}

}  // namespace

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
