#include "preload/heap_bootstrap_arena.h"

#include <atomic>
#include <cstring>

#include "preload/heap_filter.h"

namespace cxxprof::heap {

alignas(4096) char g_arena[kArenaSize];

namespace {

std::atomic<size_t> g_used{0};
// Each block is preceded by its size, in the 16 bytes before it.
constexpr size_t kHeader = 16;

}  // namespace

void* arena_allocate(size_t size, size_t alignment) {
  if (alignment < 16) alignment = 16;
  if (alignment > 4096 || (alignment & (alignment - 1)) != 0 || size > kArenaSize) return nullptr;
  size_t used = g_used.load(std::memory_order_relaxed);
  for (;;) {
    const size_t start = (used + kHeader + alignment - 1) & ~(alignment - 1);
    const size_t end = (start + size + 15) & ~size_t(15);
    if (end > kArenaSize) return nullptr;
    if (g_used.compare_exchange_weak(used, end, std::memory_order_relaxed)) {
      std::memcpy(g_arena + start - sizeof(size_t), &size, sizeof(size_t));
      // Room for a pin per block: blocks take at least 16 bytes of the arena.
      static_assert(kMaxPinned >= kArenaSize / 16);
      if (!filter_pin(g_arena + start)) return nullptr;
      return g_arena + start;
    }
  }
}

size_t arena_block_size(const void* pointer) {
  size_t size;
  std::memcpy(&size, static_cast<const char*>(pointer) - sizeof(size_t), sizeof(size_t));
  return size;
}

}  // namespace cxxprof::heap
