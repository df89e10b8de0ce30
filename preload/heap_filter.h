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
//   - this: a counting filter of 2^16 counters indexed by a multiplicative hash of the
//     address (in 16-byte units, the allocators' alignment). A sampled allocation
//     increments its counter, its free decrements it; a free whose counter is 0 is
//     certainly unsampled. False positives (a counter shared with a live sampled block)
//     cost one live-table probe (tens of ns); their rate is about live samples / 2^16
//     (3% with 2000 live samples, 1 GiB live at the default rate).
//
// What free reads is not the counters but one bit per counter, set while the counter
// is not 0: 2^16 bits in 16 KiB, which stay in the first-level cache next to the
// program's own data (the byte counters, 64 KiB, missed it on most frees of a malloc
// storm; a 1 MiB filter, tried first, cost a TLB miss on most). The counters are
// touched by the slow paths only. The check is one load from a static array, a shift
// and a branch.
//
// Keeping bit and counter in step without a lock. Each 64-bit word holds 32 bits of the
// bitmap and a 32-bit version. Adding increments the counter, then sets the bit and
// bumps the version in one CAS, always (even when the bit is already set). Removing
// decrements the counter; the removal that brings it to 0 reads the word, then the
// counter, and clears the bit with a CAS from the word it read, only if the counter was
// still 0. An add that comes in between changed the version, so that CAS fails and the
// remover looks again (and finds the counter non-zero): a bit is never cleared over a
// live block, not even for a moment. All of it sequentially consistent (on x86 the loads
// are plain loads; the fast path's load is relaxed).
//
// A counter that reaches 255 sticks there (it can no longer tell how many blocks share
// it): its bit stays set and frees hashing to it always probe the live table, which is
// correct, only slower. Pinned pointers (below) stick their counters on purpose.
// Async-signal-safe: atomics on static arrays.
#pragma once

#include <atomic>
#include <cstdint>

namespace cxxprof::heap {

inline constexpr unsigned kFilterBits = 16;
inline constexpr uint32_t kFilterSize = 1u << kFilterBits;
inline constexpr unsigned kFilterBitsPerWord = 32;  // the other 32 bits: the version
inline constexpr uint32_t kFilterWords = kFilterSize / kFilterBitsPerWord;

// Hidden: addressed PC-relative from the interposers, not through the GOT.
extern std::atomic<uint64_t> g_filter_words[kFilterWords] __attribute__((visibility("hidden")));

// A multiplicative hash of the address (whose low 4 bits, zero in every allocator's
// blocks, only scale the multiplier).
inline uint64_t filter_hash(uintptr_t address) { return address * 0x9e3779b97f4a7c15u; }
inline uint32_t filter_index(uintptr_t address) {
  return uint32_t(filter_hash(address) >> (64 - kFilterBits));
}

// False: `pointer` is certainly not a tracked sampled allocation. Reads the bitmap half
// of the word only (a 32-bit load of its low half, x86 being little-endian), so that the
// shift needs no mask: the hottest check of the library, on every free.
inline bool filter_may_contain(const void* pointer) {
  const uint64_t hash = filter_hash(reinterpret_cast<uintptr_t>(pointer));
  const uint32_t word = uint32_t(hash >> (64 - kFilterBits + 5));
#if defined(__x86_64__)
  const uint32_t bits =
      __atomic_load_n(reinterpret_cast<const uint32_t*>(&g_filter_words[word]), __ATOMIC_RELAXED);
  return (bits >> (uint32_t(hash >> (64 - kFilterBits)) & (kFilterBitsPerWord - 1))) & 1;
#else
  const uint64_t bits = g_filter_words[word].load(std::memory_order_relaxed);
  return (bits >> (uint32_t(hash >> (64 - kFilterBits)) & (kFilterBitsPerWord - 1))) & 1;
#endif
}

void filter_add(const void* pointer);
void filter_remove(const void* pointer);

// Keeps `pointer` in the filter for good, also across filter_clear: the bootstrap
// arena's blocks (preload/heap_bootstrap_arena.h), which must never reach the real free,
// so that free's fast path need not compare every pointer with the arena's bounds: a
// block of it always takes the slow path, which recognizes it. Room for kMaxPinned; false
// when full (the caller must then not hand the block out).
inline constexpr uint32_t kMaxPinned = 4096;
bool filter_pin(const void* pointer);

// Empties the filter (start, fork child) but for the pinned pointers, which stay set
// throughout: with no entry added yet it touches nothing; else it runs with this
// thread's signals blocked, and only while no other thread can use the filter.
void filter_clear();

// Static memory the filter occupies (bitmap and counters).
uint64_t filter_bytes();

}  // namespace cxxprof::heap
