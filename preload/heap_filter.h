// Which freed pointers might be sampled allocations: the check `free` makes before it
// touches anything shared.
//
// Why a filter, and why this one. Almost every free is of an unsampled pointer (one in
// RATE/size allocations is sampled), and those must not take a lock or probe the live
// table. The options were:
//   - a header or tag next to each sampled block (allocate more, hide a marker before
//     the pointer): it changes what the program sees (malloc_usable_size, alignment,
//     the allocator's own bookkeeping), and reading before an unsampled pointer can
//     fault with allocators that start blocks at a page boundary. Rejected.
//   - a bitmap of address buckets: exact for page-sized buckets only if it covers the
//     whole address space (2^35 bits), and neighbours of a sampled block share its bit.
//   - this: a counting filter of 2^16 one-byte counters indexed by a multiplicative hash
//     of the address (in 16-byte units, the allocators' alignment). A sampled
//     allocation increments its counter, its free decrements it; a free whose counter
//     is 0 is certainly unsampled. False positives (a counter shared with a live sampled
//     block) cost one live-table probe (tens of ns); their rate is about live samples /
//     2^16 (3% with 2000 live samples, 1 GiB live at the default rate).
// The check is one load from a static array and a branch. The size is a trade: 64 KiB
// is 16 pages, which stay in the first-level TLB and the L2 cache next to the program's
// own data (a 1 MiB filter, tried first, cost a TLB miss on most frees of a malloc storm).
//
// A counter that reaches 255 sticks there (it can no longer tell how many blocks share
// it): frees hashing to it always probe the live table, which is correct, only slower.
// Async-signal-safe: relaxed atomics on a static array.
#pragma once

#include <atomic>
#include <cstdint>

namespace cxxprof::heap {

inline constexpr unsigned kFilterBits = 16;
inline constexpr uint32_t kFilterSize = 1u << kFilterBits;

// Hidden: addressed PC-relative from the interposers, not through the GOT.
extern std::atomic<uint8_t> g_filter[kFilterSize] __attribute__((visibility("hidden")));

inline uint32_t filter_index(uintptr_t address) {
  return uint32_t(((address >> 4) * 0x9e3779b97f4a7c15u) >> (64 - kFilterBits));
}

// False: `pointer` is certainly not a tracked sampled allocation.
inline bool filter_may_contain(const void* pointer) {
  return g_filter[filter_index(reinterpret_cast<uintptr_t>(pointer))].load(
             std::memory_order_relaxed) != 0;
}

void filter_add(const void* pointer);
void filter_remove(const void* pointer);

// Empties the filter (fork child). Only while no other thread can use it.
void filter_clear();

}  // namespace cxxprof::heap
