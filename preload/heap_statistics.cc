#include "preload/heap_statistics.h"

#include <atomic>

namespace cxxprof {
namespace {

// Global relaxed atomics: simple, and the only cost (a locked add) is paid by programs
// run with gctrace/allocfreetrace, never by plain --heap sampling.
std::atomic<uint64_t> g_allocations{0};
std::atomic<uint64_t> g_frees{0};
std::atomic<uint64_t> g_allocated_bytes{0};
std::atomic<uint64_t> g_freed_bytes{0};
std::atomic<AllocationObserver> g_observer{nullptr};
std::atomic<bool> g_exact_counts{false};

void update_tracking_wanted() {
  g_heap_tracking_wanted.store(g_exact_counts.load(std::memory_order_relaxed) ||
                                   g_observer.load(std::memory_order_relaxed) != nullptr,
                               std::memory_order_release);
}

}  // namespace

// Apart from the counters above, which gctrace writes on every allocation.
alignas(64) std::atomic<bool> g_heap_tracking_wanted{false};

void set_allocation_observer(AllocationObserver observer) {
  g_observer.store(observer, std::memory_order_release);
  update_tracking_wanted();
}

void request_exact_heap_counts() {
  g_exact_counts.store(true, std::memory_order_release);
  update_tracking_wanted();
}

void note_allocation(const char* function, void* pointer, size_t requested_bytes) {
  if (g_exact_counts.load(std::memory_order_relaxed)) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    g_allocated_bytes.fetch_add(requested_bytes, std::memory_order_relaxed);
  }
  if (AllocationObserver observer = g_observer.load(std::memory_order_acquire)) {
    observer(AllocationEventKind::kAllocate, function, pointer, requested_bytes);
  }
}

void note_free(const char* function, void* pointer, size_t usable_bytes) {
  if (g_exact_counts.load(std::memory_order_relaxed)) {
    g_frees.fetch_add(1, std::memory_order_relaxed);
    g_freed_bytes.fetch_add(usable_bytes, std::memory_order_relaxed);
  }
  if (AllocationObserver observer = g_observer.load(std::memory_order_acquire)) {
    observer(AllocationEventKind::kFree, function, pointer, usable_bytes);
  }
}

HeapStatistics heap_statistics() {
  return HeapStatistics{g_allocations.load(std::memory_order_relaxed),
                        g_frees.load(std::memory_order_relaxed),
                        g_allocated_bytes.load(std::memory_order_relaxed),
                        g_freed_bytes.load(std::memory_order_relaxed)};
}

}  // namespace cxxprof
