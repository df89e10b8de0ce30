// The profiler's own thread inside the target: wall-clock ticks and CXXDEBUG's periodic
// lines (add_service_timer). It blocks every signal, so it never runs a handler of the
// program's or ours, never gets a CPU timer, and is skipped by the wall sampler: it does
// not appear in any profile.
//
// It exists only when there is such work (service_thread_needed): a thread of ours
// changes how the program runs. glibc and libstdc++ take faster paths in a process with a
// single thread (system calls skip the cancellation checks, stdio and shared_ptr skip
// atomics), so a single-threaded program profiled for CPU, heap, locks or I/O must stay
// single-threaded. Nothing else needs it: objects loaded later are found by the unwinder
// itself (module_tracker.h).
#pragma once

#include <pthread.h>

#include <cstdint>

namespace cxxprof {

using PthreadCreateFunction = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*),
                                      void*);

// True if the thread has work in this process: a wall profile, or a timer registered.
bool service_thread_needed();

// Starts the thread with `create` (the real pthread_create, not our interposer). Call
// from the constructor or a fork child. Returns false if it could not be started.
bool start_service_thread(PthreadCreateFunction create);

// Forgets the thread (fork child: it does not exist there) so it can be started again.
void forget_service_thread();

// Periodic work of other parts of the library on this thread (CXXDEBUG's schedtrace):
// `run(now_ns)` is called every `period_ns` of CLOCK_MONOTONIC, first one period after
// the thread starts, on a fixed schedule (k periods after the start; a call that comes
// more than a period late skips the missed ones rather than running them in a burst).
// Register at start-up, before the thread starts (a CXXPROF_ON_START hook); registering
// the same function again (a forked child's start-up) replaces its entry. Returns false
// if all kMaxServiceTimers entries are taken.
inline constexpr int kMaxServiceTimers = 4;
using ServiceTimerFunction = void (*)(uint64_t now_ns);
bool add_service_timer(ServiceTimerFunction run, uint64_t period_ns);

}  // namespace cxxprof
