// The in-use figures of a heap sample slot (values[2] objects, values[3] bytes), which
// every tracked allocation raises and every tracked free lowers, from any thread.
//
// Why not two atomic adds: each is a locked instruction, and at RATE=1 the two pairs of
// them were a sixth of a malloc storm's time under the profiler (a locked add costs about
// 10 ns on the machines we measure on, as much as a whole malloc/free pair). Both
// figures sit side by side; where they are 16-byte aligned (the sample table puts heap
// keys there: preload/sample_table.h) and the CPU has cmpxchg16b (every x86-64 CPU but
// the very first ones), one 16-byte compare-and-swap changes both. Elsewhere, two adds.
// Either way the figures stay exact under any number of threads; a reader that loads
// them one by one may see one changed before the other, as before.
//
// Async-signal-safe, lock-free.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/raw_format.h"

namespace cxxprof::heap {

// Set once at start-up (detect_in_use_pair_cas): the CPU has cmpxchg16b.
extern bool g_in_use_pair_cas __attribute__((visibility("hidden")));

// Looks at the CPU. Start-up only.
void detect_in_use_pair_cas();

// True if the in-use pair of `slot` is 16-byte aligned.
inline bool in_use_pair_aligned(const raw::SampleSlot* slot) {
  return (reinterpret_cast<uintptr_t>(&slot->values[2]) & 15) == 0;
}

inline void add_in_use(raw::SampleSlot* slot, int64_t objects, int64_t bytes) {
#if defined(__x86_64__)
  if (__builtin_expect(g_in_use_pair_cas && in_use_pair_aligned(slot), 1)) {
    std::atomic<int64_t>* pair = &slot->values[2];
    int64_t old_objects = pair[0].load(std::memory_order_relaxed);
    int64_t old_bytes = pair[1].load(std::memory_order_relaxed);
    bool swapped;
    do {
      // On failure rdx:rax hold the pair as it is now (also after a torn first read).
      asm volatile("lock cmpxchg16b %1"
                   : "=@ccz"(swapped), "+m"(*reinterpret_cast<volatile __int128*>(pair)),
                     "+a"(old_objects), "+d"(old_bytes)
                   : "b"(old_objects + objects), "c"(old_bytes + bytes)
                   : "memory");
    } while (!swapped);
    return;
  }
#endif
  slot->values[2].fetch_add(objects, std::memory_order_relaxed);
  slot->values[3].fetch_add(bytes, std::memory_order_relaxed);
}

}  // namespace cxxprof::heap
