// Per-thread re-entrancy guard for interposers (DESIGN.md §2.2). Work the profiler does
// inside an interposer — unwinding, dlsym, recording — can call interposed functions
// again (dlsym calls calloc; a libc function takes a lock); those inner calls must go
// straight to the real function, unprofiled. Every interposer opens with:
//
//     ReentryGuard guard;
//     if (!guard.outermost() || !profiling_on) return real(...);
//
// Cheap (one initial-exec TLS increment and decrement) and async-signal-safe.
// Cancellation: the library is built -fno-exceptions, so pthread_cancel's forced unwind
// does NOT run this destructor. That is harmless here (the depth belongs to the dying
// thread), but state that must be undone on cancellation needs pthread_cleanup_push
// (glibc's C form), as the blocking interposers use.
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
