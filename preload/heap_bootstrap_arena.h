// The static arena that serves allocations the real allocator cannot serve yet: those
// made while a thread resolves the real allocation functions with dlsym, which itself
// allocates (DESIGN.md §2.2). Without it the first malloc would recurse forever.
//
// A bump allocator over a static array: blocks are zeroed (never reused), never freed
// (free of an arena block does nothing), and recognized by address, so free and realloc
// can tell them apart from the real allocator's blocks with one comparison.
// Async-signal-safe (one compare-exchange); exhaustion returns null.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cxxprof::heap {

inline constexpr size_t kArenaSize = 64 * 1024;

extern char g_arena[kArenaSize];

inline bool in_bootstrap_arena(const void* pointer) {
  return reinterpret_cast<uintptr_t>(pointer) - reinterpret_cast<uintptr_t>(g_arena) < kArenaSize;
}

// A zeroed block of `size` bytes aligned to `alignment` (a power of two, at most 4096);
// null when the arena is exhausted.
void* arena_allocate(size_t size, size_t alignment);

// The size requested for an arena block (for realloc's copy).
size_t arena_block_size(const void* pointer);

}  // namespace cxxprof::heap
