// The stack of a sampled allocation, as a stack id, memoized per thread.
//
// Why: at RATE=1 every allocation is a sample, and a DWARF unwind costs about a
// microsecond, 50 times a malloc/free pair. But allocation-heavy code allocates from
// the same few call sites over and over, with the same stack.
//
// How it stays exact: an unwind is a function of the starting registers (our own frame:
// a fixed rip, rsp, rbp), the module set, and the stack words it reads. The cache keeps,
// per entry, the starting rsp/rbp, the module set, and the words that decide the result:
// every word read whose value is a return address of the result or a stack address (a
// saved frame pointer, on which a CFA may depend). A later capture from the same rsp/rbp
// whose words all still hold those values would unwind to the same frames: the cached
// stack id is returned after that check (a few loads), with no unwind. Words read for
// other saved registers (data the program keeps in callee-saved registers) are not
// compared: the CFI of the functions on this stack computes no CFA or return address from
// them, since the same return addresses at the same places mean the same functions.
//
// Per-thread (initial-exec TLS, 4 entries of up to 40 words: 2.7 KiB a thread), no
// locks, async-signal-safe; entries of another profiling generation (fork) never match.
#pragma once

#include <cstdint>

#include "preload/raw_store.h"

namespace cxxprof::heap {

// The stack id of the calling thread's stack below the profiler's own frames, the
// innermost frame stepped back into its call (a return address, symbolized as the
// call's line); 0 if no frame could be recorded.
uint32_t current_heap_stack_id(const RawStore& store);

// Counts of the calling thread's lookups (for tests and benchmarks).
struct StackCacheStats {
  uint64_t hits;
  uint64_t misses;
};
StackCacheStats stack_cache_stats();

}  // namespace cxxprof::heap
