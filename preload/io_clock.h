// Timestamps for timing I/O calls. Two per interposed call, so they must be as cheap as
// the machine allows: the TSC (rdtsc, ~10 ns) when the kernel itself keeps time with it
// (clocksource "tsc": invariant and synchronized across CPUs), else CLOCK_MONOTONIC
// through the vDSO (~25 ns). TSC ticks are converted to ns with a ratio measured against
// CLOCK_MONOTONIC at start-up and refined as the run goes on (io_clock_refine).
//
// Async-signal-safe: rdtsc, clock_gettime and atomics only.
#pragma once

#include <cstdint>

namespace cxxprof {

// Chooses the clock and calibrates the TSC (about 100 us). From the I/O profile's start
// hook; until it has run, timestamps come from CLOCK_MONOTONIC.
void io_clock_init();

// An opaque timestamp: only io_clock_elapsed_ns gives it meaning.
uint64_t io_clock_now();

// Nanoseconds from `start` to `end` (timestamps of this thread's one call). 0 if the clock
// changed in between (a call in flight while io_clock_init ran).
uint64_t io_clock_elapsed_ns(uint64_t start, uint64_t end);

// Improves the TSC ratio with the time elapsed since start-up, when enough has passed to
// make the new measurement better than the last one. Cheap when there is nothing to do;
// called on the (rare) recording path.
void io_clock_refine();

}  // namespace cxxprof
