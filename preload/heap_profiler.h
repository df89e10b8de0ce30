// The heap profile's core (DESIGN.md §3): what the allocation interposers
// (preload/interpose_heap.cc) call around the real functions. Also linked into unit tests
// and benchmarks, which drive it directly.
//
// Fast paths, inline here:
//   - before an allocation: a thread-local compare and subtraction (Go's nextSample
//     rule: size < remaining), after which the interposer tail-calls the real function.
//     Only when an allocation reaches the thread's remaining bytes does the interposer
//     call the real function itself and then the slow path: when the next sample is due,
//     or when something else wants to see every allocation (RATE=1, CXXDEBUG
//     gctrace/allocfreetrace), or, with the heap profile off, once per MiB to notice
//     such a change. The bytes of an allocation that then fails were counted down all
//     the same: the sample points form a memoryless process, so that biases nothing.
//   - before a free: one load from the filter's bitmap (preload/heap_filter.h) and a
//     branch; a pointer that may be sampled probes the live table
//     (preload/heap_live_table.h).
// Everything else is in the slow paths, out of line.
//
// Safe at any time: before the library's constructor (nothing is sampled until the
// start hook ran), in signal handlers and inside the profiler (the slow paths take the
// interposer re-entry guard; nested calls go straight through), after exit, in a forked
// child (tables are reset by the start hook when the child is profiled). No locks, no
// allocation: the tables are mapped by the start hook.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "preload/heap_filter.h"
#include "preload/heap_live_table.h"
#include "preload/raw_store.h"

namespace cxxprof::heap {

// Per-thread state (initial-exec TLS, zero until first use). `__thread`, not
// thread_local: a trivially constructed variable needs no TLS init wrapper call.
struct ThreadHeapState {
  uint64_t remaining;     // an allocation of this many bytes or more takes the slow path
  uint64_t armed;         // what remaining was last set to
  int64_t until_sample;   // bytes until the next sample, as of the last slow path
  uint32_t rate_generation;  // the sampling generation until_sample was drawn in
  uint32_t slot;          // cached thread slot (see thread_slot_for_sample)
  uint32_t slot_generation;  // profiler generation + 1 the slot belongs to; 0 = none
  uint64_t slot_checked_ns;
  uint32_t samples_since_clock;
  bool resolving;         // the shim is resolving the real functions (bootstrap)
  int* errno_location;    // &errno of this thread, once a slow path has asked
  uint64_t last_family;   // kind, thread and stack of its last sample's key (key >> 20)
};
extern __thread ThreadHeapState t_heap __attribute__((tls_model("initial-exec")));

// True while every free must take the slow path: gctrace/allocfreetrace want to see
// them, or RATE=1 samples every allocation (then the filter is not kept: it would say
// "maybe" for nearly every pointer anyway).
extern std::atomic<bool> g_every_free_slow __attribute__((visibility("hidden")));

// True (and counted down) if an allocation of `size` bytes needs nothing more than the
// real function: the interposer then tail-calls it. Otherwise the interposer calls the
// real function and then allocation_slow_path with its result.
__attribute__((always_inline)) inline bool allocation_is_quiet(size_t size) {
  ThreadHeapState& thread = t_heap;
  if (__builtin_expect(size < thread.remaining, 1)) {
    thread.remaining -= size;
    return true;
  }
  return false;
}

// Out of line: the allocation of `size` bytes (which returned `pointer`, maybe null)
// reached the thread's remaining bytes.
void allocation_slow_path(void* pointer, size_t size, const char* function);
// Out of line: the freed pointer may be a sampled one, or frees are observed.
void free_slow_path(void* pointer, const char* function);

// Both steps, for a caller that has the result already (realloc, tests, benchmarks).
inline void on_allocation(void* pointer, size_t size, const char* function) {
  if (!allocation_is_quiet(size)) allocation_slow_path(pointer, size, function);
}

// Sets g_every_free_slow, and tells the interposer (every_free_slow_changed) when it
// changes.
void set_every_free_slow(bool value);
// Defined by the free interposer (preload/interpose_heap.cc), absent where the core is
// used without it (unit tests): free's fast path tests only the filter and jumps through
// a pointer, which this points at the slow path while every free is to be seen.
void every_free_slow_changed() __attribute__((weak, visibility("hidden")));

// False if freeing `pointer` concerns the heap profile in no way (the common case).
// The flag first: at RATE=1 it is set and the filter (not kept then) is not read.
__attribute__((always_inline)) inline bool free_needs_attention(const void* pointer) {
  return g_every_free_slow.load(std::memory_order_relaxed) || filter_may_contain(pointer);
}

// Before the real free of `pointer` (never after: the address could be reused at once).
inline void on_free(void* pointer, const char* function) {
  if (__builtin_expect(free_needs_attention(pointer), 0)) free_slow_path(pointer, function);
}

// realloc: the old block leaves the live table before the real call (it may be freed and
// its address reused by another thread at once), and comes back if the call fails.
struct ReallocTicket {
  bool tracked = false;     // the old block was a tracked sample, now taken out
  LiveAllocation allocation;
  bool observed = false;    // frees are observed: usable_size is the old block's
  size_t usable_size = 0;
};
void realloc_release_slow_path(void* old_pointer, ReallocTicket* ticket);
inline ReallocTicket before_realloc(void* old_pointer) {
  ReallocTicket ticket;
  if (old_pointer != nullptr &&
      __builtin_expect(filter_may_contain(old_pointer) || g_every_free_slow.load(std::memory_order_relaxed), 0)) {
    realloc_release_slow_path(old_pointer, &ticket);
  }
  return ticket;
}
// `result` is what the real realloc returned for (old_pointer, size). On failure
// (null for a non-zero size) the old block is live again; otherwise it is freed and the
// result is a new allocation of `size` bytes.
void after_realloc_slow_path(void* old_pointer, const ReallocTicket& ticket, void* result,
                             size_t size, const char* function);
inline void after_realloc(void* old_pointer, const ReallocTicket& ticket, void* result,
                          size_t size, const char* function) {
  if (__builtin_expect(ticket.tracked || ticket.observed, 0) ||
      (result == nullptr && size != 0)) {
    after_realloc_slow_path(old_pointer, ticket, result, size, function);
    return;
  }
  if (result != nullptr) on_allocation(result, size, function);
}

// Starts (or, in a forked child, restarts) the heap profile for `store`; the start hook
// calls it. Maps the tables on first use. Returns false if they could not be mapped
// (the profile then stays off, with one diagnostic line).
bool start_heap_profile_for(const RawStore& store, uint64_t rate);

// Sizes chosen for `rate`: live sampled allocations tracked, and allocation sites.
uint64_t live_capacity_for_rate(uint64_t rate);
uint32_t site_capacity_for_rate(uint64_t rate);

// Memory the heap profile reserved for its tables and filter (virtual: pages are
// touched only as they are used).
uint64_t heap_profile_mapped_bytes();

}  // namespace cxxprof::heap
