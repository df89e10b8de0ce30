// Per-thread state of the injected library, in initial-exec TLS (DESIGN.md §2.2): reading
// it never allocates or calls into the loader, so the signal handler and interposers may
// use it at any time, in any thread, including threads created before our constructor ran
// (their state starts zeroed and is filled lazily).
#pragma once

#include <csignal>
#include <cstdint>
#include <ctime>

#include "common/raw_format.h"
#include "preload/raw_store.h"

namespace cxxprof {

struct ThreadState {
  int32_t tid;                 // 0 until first use
  uint32_t slot;               // thread table slot in the store, valid if slot_generation matches
  uint32_t slot_generation;
  char name[raw::kThreadNameSize];
  uint64_t stack_low;          // known stack bounds [low, high); 0 if unknown
  uint64_t stack_high;
  timer_t cpu_timer;
  bool cpu_timer_armed;
  // Non-zero while this thread runs profiler code that a sample must not re-enter (e.g.
  // holding a half-updated per-thread structure). The handler then records nothing.
  volatile sig_atomic_t in_profiler;
  // Depth of interposers entered on this thread (preload/reentry_guard.h): calls the
  // profiler makes from inside an interposer go straight to the real function.
  uint32_t interposer_depth;
  // State of this thread's random number generator (preload/event_sampling.h); 0 until
  // first use.
  uint64_t random_state;
  // CLOCK_MONOTONIC_COARSE ns of the last name check (current_thread_slot).
  uint64_t name_checked_ns;
};

ThreadState& current_thread();

// The calling thread's kernel tid (cached; never cached by a vfork child, whose TLS is
// its parent thread's). Signal-safe.
int32_t current_tid();

// The store's thread slot for the calling thread, refreshing its name (prctl, at most
// every kThreadNameRecheckNs) so renamed threads get a new slot; in a vfork child, its parent thread's slot, or 0 if that thread
// has none. Signal-safe.
uint32_t current_thread_slot(const RawStore& store, uint32_t generation);
// How long a rename may go unnoticed: the name is a system call to read, and a program
// recording every I/O call or lock wait (--io=1) would otherwise pay one per event.
inline constexpr uint64_t kThreadNameRecheckNs = 4'000'000;

// Claims a new thread slot for (tid, name); slot 0 if the table is full. Signal-safe.
uint32_t claim_thread_slot(const RawStore& store, int32_t tid, const char* name);

// Records the calling thread's stack bounds (pthread_getattr_np). Not signal-safe: call it
// from the thread's start or the constructor.
void learn_stack_bounds(ThreadState& state);

}  // namespace cxxprof
