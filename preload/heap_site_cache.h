// The sample slot of a heap sample key (its site's slot in the raw store's sample table,
// preload/heap_site_table.h), looked up through a cache of the calling thread.
//
// Why: at RATE=1 every allocation needs its slot, and the site table's index is shared
// and large. What repeats is a call site allocating many sizes: the keys of one thread
// and stack (a family) differ only in the size label. So the cache is direct-mapped by
// family and size: the entry of a key is a hash of its family plus its size label, and a
// family's sizes take consecutive entries. One call site allocating any of 512 sizes
// (a malloc storm of 1..512 bytes) hits every time; a hash over whole keys left half of
// them missing in a cache of this size. A miss asks the site table and fills the entry.
//
// Entries remember the table generation they were filled in: after the table is reset
// (a forked child), none matches. Per thread (initial-exec TLS, kSiteCacheEntries of 16
// bytes: 8 KiB a thread), no locks, async-signal-safe (a signal handler's allocation
// never reaches it while its thread is inside: the heap slow paths are re-entry guarded).
#pragma once

#include <cstdint>

#include "preload/heap_site_table.h"
#include "preload/raw_store.h"

namespace cxxprof::heap {

inline constexpr uint32_t kSiteCacheEntries = 512;
inline constexpr uint32_t kNoSlot = ~uint32_t(0);

struct SiteCacheEntry {
  uint64_t key;
  uint32_t slot;        // index in the store's sample table
  uint32_t generation;  // generation + 1 the entry was filled in; 0 = empty
};
extern __thread SiteCacheEntry t_site_cache[kSiteCacheEntries] __attribute__((tls_model("initial-exec")));

// The entry a key occupies: consecutive for the sizes of one family.
inline uint32_t site_cache_index(uint64_t key) {
  const uint64_t family = key >> 20;  // kind, thread, stack (common/raw_format.h)
  const uint64_t aux = key & 0xfffff;
  return uint32_t(((family * 0x9e3779b97f4a7c15u) >> 40) + aux) & (kSiteCacheEntries - 1);
}

// The miss: asks the site table and fills the entry.
uint32_t fill_site_cache(SiteTable& sites, const RawStore& store, uint64_t key, uint32_t generation);

// The index of `key`'s sample slot in `store` (its site created in `sites` if new), through
// the calling thread's cache; kNoSlot if the site table or the sample table has no room.
// `generation` names the table's current contents: bump it whenever the table is reset.
inline uint32_t cached_sample_slot(SiteTable& sites, const RawStore& store, uint64_t key,
                                   uint32_t generation) {
  const SiteCacheEntry& entry = t_site_cache[site_cache_index(key)];
  if (__builtin_expect(entry.key == key && entry.generation == generation + 1, 1)) return entry.slot;
  return fill_site_cache(sites, store, key, generation);
}

}  // namespace cxxprof::heap
