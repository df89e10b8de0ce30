#include "preload/heap_filter.h"

#include <sys/mman.h>

namespace cxxprof::heap {

// Page-aligned so filter_clear can hand whole pages back to the kernel.
alignas(4096) std::atomic<uint8_t> g_filter[kFilterSize];

namespace {
constexpr uint8_t kStuck = 255;
}

void filter_add(const void* pointer) {
  std::atomic<uint8_t>& counter = g_filter[filter_index(reinterpret_cast<uintptr_t>(pointer))];
  uint8_t value = counter.load(std::memory_order_relaxed);
  while (value != kStuck &&
         !counter.compare_exchange_weak(value, uint8_t(value + 1), std::memory_order_relaxed)) {
  }
}

void filter_remove(const void* pointer) {
  std::atomic<uint8_t>& counter = g_filter[filter_index(reinterpret_cast<uintptr_t>(pointer))];
  uint8_t value = counter.load(std::memory_order_relaxed);
  // Every removal matches an earlier add of the same counter, so it never goes below 0;
  // a stuck counter stays stuck.
  while (value != kStuck && value != 0 &&
         !counter.compare_exchange_weak(value, uint8_t(value - 1), std::memory_order_relaxed)) {
  }
}

void filter_clear() {
  // Private anonymous memory (.bss): MADV_DONTNEED gives back zero pages, without
  // touching (and so making resident) the pages that were never used.
  if (madvise(g_filter, sizeof(g_filter), MADV_DONTNEED) != 0) {
    for (auto& counter : g_filter) counter.store(0, std::memory_order_relaxed);
  }
}

}  // namespace cxxprof::heap
