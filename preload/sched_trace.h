// CXXDEBUG=schedtrace=MS[,scheddetail=1] (cxxprof(7)): every MS milliseconds the service
// thread writes one SCHED line — how many threads the program has and what they are
// doing, the CPU time it used and its context switches since the previous line — and
// with scheddetail one THREAD line per thread under it.
//
// Sources, chosen for truth:
//  - threads and their kernel state: /proc/self/task/TID/stat (state, last CPU, name);
//  - running vs runnable (both are "R" to the kernel): the thread's CPU-time clock, read
//    just before and just after its stat file; a thread on a CPU advances it in between
//    (the kernel brings an on-CPU thread's runtime up to date when its clock is read), a
//    thread waiting for a CPU does not;
//  - what a blocked thread waits for: the activity table the lock, sleep, join and I/O
//    interposers keep (thread_activity.h); a sleeping thread absent from it is "other";
//  - CPU time and context switches of the interval: CLOCK_PROCESS_CPUTIME_ID and
//    getrusage(RUSAGE_SELF), which include threads that exited during the interval.
// The service thread itself is left out of every figure: it is the profiler's, not the
// program's.
#pragma once

#include <cstdint>

namespace cxxprof {

// Registers the service-thread timer (start-up, also in a forked child) and takes the
// baseline of the first interval.
void start_sched_trace(uint32_t period_ms, bool detail);

}  // namespace cxxprof
