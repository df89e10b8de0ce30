// Exact heap counters and an allocation observer: what the heap interposers tell the rest
// of the library (CXXDEBUG gctrace and allocfreetrace) about every allocation and free,
// sampled or not. The heap interposers call note_allocation/note_free only while
// heap_tracking_wanted() is true, so a program without --heap and without those CXXDEBUG
// knobs pays nothing for them.
//
// Async-signal-safe: per-thread counters summed on read, relaxed atomics.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cxxprof {

struct HeapStatistics {
  uint64_t allocations;      // calls that returned memory (malloc, new, realloc moving...)
  uint64_t frees;            // calls that released memory
  uint64_t allocated_bytes;  // requested bytes of all allocations since start
  uint64_t freed_bytes;      // usable bytes released (malloc_usable_size)
  // live = allocated - freed is approximate: requested vs usable sizes differ.
};

enum class AllocationEventKind : uint8_t { kAllocate, kFree };

// Observer of every allocation and free (allocfreetrace). Called inside the interposer,
// with the interposer's re-entry guard held: it may allocate through the real functions
// only. `function` is the interposed call ("malloc", "operator new[]", "free", ...).
using AllocationObserver = void (*)(AllocationEventKind kind, const char* function,
                                    void* pointer, size_t size);

// Installs the observer (start-up only; one at a time).
void set_allocation_observer(AllocationObserver observer);

// Asks the heap interposers to count exactly (gctrace). Start-up only.
void request_exact_heap_counts();

// For the heap interposers: true if counting or observing is wanted. Inline (one load):
// the heap profile's slow paths ask on every call, at RATE=1 on every allocation and free.
extern std::atomic<bool> g_heap_tracking_wanted __attribute__((visibility("hidden")));
inline bool heap_tracking_wanted() { return g_heap_tracking_wanted.load(std::memory_order_relaxed); }

// For the heap interposers, after a successful allocation / before a free.
void note_allocation(const char* function, void* pointer, size_t requested_bytes);
void note_free(const char* function, void* pointer, size_t usable_bytes);

// The counters so far (summed over all threads).
HeapStatistics heap_statistics();

}  // namespace cxxprof
