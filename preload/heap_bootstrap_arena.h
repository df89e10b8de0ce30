// The static arena that serves allocations the real allocator cannot serve yet: those
// made while a thread resolves the real allocation functions with dlsym, which itself
// allocates (DESIGN.md §2.2). Without it the first malloc would recurse forever.
//
// A bump allocator over a static array: blocks are zeroed (never reused), never freed
// (free of an arena block does nothing), and recognized by address, so free and realloc
// can tell them apart from the real allocator's blocks with one comparison. Every block
// is also pinned in the free filter (preload/heap_filter.h) before it is handed out, so
// that free's fast path sends it to the slow path, which makes that comparison.
// Async-signal-safe (compare-exchanges); exhaustion returns null.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cxxprof::heap {

inline constexpr size_t kArenaSize = 64 * 1024;

// Hidden: the free fast path addresses it PC-relative, not through the GOT.
extern char g_arena[kArenaSize] __attribute__((visibility("hidden")));

inline bool in_bootstrap_arena(const void* pointer) {
  return reinterpret_cast<uintptr_t>(pointer) - reinterpret_cast<uintptr_t>(g_arena) < kArenaSize;
}

// A zeroed block of `size` bytes aligned to `alignment` (a power of two, at most 4096);
// null when the arena is exhausted.
void* arena_allocate(size_t size, size_t alignment);

// The size requested for an arena block (for realloc's copy).
size_t arena_block_size(const void* pointer);

}  // namespace cxxprof::heap
