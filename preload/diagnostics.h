// CXXDEBUG inside the program (DESIGN.md §5, cxxprof(7)): reads the settings once at
// start-up and switches on what they ask for — schedtrace/scheddetail (sched_trace.h),
// gctrace (heap_trace.h), allocfreetrace (alloc_trace.h) — with their lines going where
// debugout says (debug_output.h).
//
// When CXXDEBUG is unset, read_diagnostic_settings() returns false after one getenv and
// nothing else here ever runs: no observer, no timer, no activity tracking.
#pragma once

#include <cstdint>

#include "common/debug_options.h"

namespace cxxprof {

// Constructor only: parses CXXDEBUG and reports bad settings, one line each (not under
// cxxprof-run, which has reported them already). True if any diagnostic is on.
bool read_diagnostic_settings();

// True once read_diagnostic_settings() found something to do.
bool diagnostics_on();
const DebugOptions& diagnostic_settings();

// CLOCK_MONOTONIC ns when the diagnostics started: the origin of every line's
// "<ms since start>ms". A forked child keeps its parent's.
uint64_t diagnostics_start_ns();

// Milliseconds since diagnostics_start_ns().
uint64_t diagnostics_ms(uint64_t now_ns);

// This process's pid (cached at start-up and in a forked child): every line carries it,
// since a program's children write to the same stderr.
int32_t diagnostics_pid();

// The library's own start-up allocates too (the service thread's stack and TLS): not the
// program's doing, so the heap diagnostics ignore what happens between the two calls.
// library_init.cc brackets its start-up (constructor, forked child) with them; the
// constructor's bracket opens in read_diagnostic_settings().
void hold_heap_diagnostics();
void release_heap_diagnostics();

// Destructor (normal exit): gctrace's exit line.
void finish_diagnostics();

}  // namespace cxxprof
