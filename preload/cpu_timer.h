// Per-thread CPU timers (DESIGN.md §2.5): timer_create(thread CPU clock, SIGEV_THREAD_ID)
// delivers SIGPROF to the very thread that consumed the CPU time, with si_overrun telling
// how many expirations were merged. The first expiry is random within one period so
// threads started together do not tick in lockstep.
#pragma once

#include <cstdint>
#include <sys/types.h>

#include "preload/thread_state.h"

namespace cxxprof {

// Arms a timer on the calling thread's CPU clock. Not for signal handlers.
bool arm_cpu_timer_for_current_thread(ThreadState& state, uint64_t period_ns);

// Arms a timer for another thread of this process by tid (threads that existed before
// our constructor). The timer is not deleted when that thread exits: such threads are few.
bool arm_cpu_timer_for_thread(pid_t tid, uint64_t period_ns);

// Deletes the calling thread's timer (thread exit, fork child cleanup).
void disarm_cpu_timer(ThreadState& state);

}  // namespace cxxprof
