// Per-thread re-entrancy guard for interposers (DESIGN.md §2.2). Work the profiler does
// inside an interposer — unwinding, dlsym, recording — can call interposed functions
// again (dlsym calls calloc; a libc function takes a lock); those inner calls must go
// straight to the real function, unprofiled. Every interposer opens with:
//
//     ReentryGuard guard;
//     if (!guard.outermost() || !profiling_on) return real(...);
//
// Cheap (one initial-exec TLS increment and decrement) and async-signal-safe. The guard
// restores the depth in its destructor, so a cancellation or exception unwinding through
// the interposer (DESIGN.md §2.6) leaves nothing behind.
#pragma once

#include "preload/thread_state.h"

namespace cxxprof {

class ReentryGuard {
 public:
  ReentryGuard() : state_(current_thread()), outermost_(state_.interposer_depth++ == 0) {}
  ~ReentryGuard() { --state_.interposer_depth; }
  ReentryGuard(const ReentryGuard&) = delete;
  ReentryGuard& operator=(const ReentryGuard&) = delete;

  // True unless this interposer was entered from inside another one on this thread.
  bool outermost() const { return outermost_; }

 private:
  ThreadState& state_;
  bool outermost_;
};

}  // namespace cxxprof
