// CXXDEBUG=gctrace=1 (alias heaptrace=1), cxxprof(7): a HEAP line each time the live heap
// passes the next doubling or halving step, and one at exit.
//
// Who checks: the allocating thread, inside the heap interposer (through the allocation
// observer), against two precomputed thresholds — two relaxed loads and two compares per
// allocation or free. A line is therefore written at the very allocation that crosses a
// step, with exact before/after figures, and no thread wakes up periodically to poll.
// The thread that crosses takes a try-lock (never waits: if another thread is writing a
// line it goes on), writes the line — one write(2), plus reading /proc/self/statm for
// RSS, a handful of system calls per line and a logarithmic number of lines — and moves
// the thresholds.
//
// Steps: after a line at live size L, the next line comes when the live heap reaches
// 2·L (at least kFirstStep) or drops below L/2. Steps are relative to the last line, so a
// heap hovering around one size prints nothing; once a line reports less than
// kFirstStep, shrinking is no longer reported (the heap is small again).
#pragma once

#include <cstdint>

namespace cxxprof {

// The first line comes when the live heap reaches this.
inline constexpr uint64_t kFirstHeapStep = 1u << 20;

// Start-up (and a forked child): thresholds from the counters now.
void start_heap_trace();

// From the allocation observer, after the counters were updated.
void heap_trace_check();

// At exit.
void heap_trace_exit_line();

}  // namespace cxxprof
