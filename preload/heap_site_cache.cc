#include "preload/heap_site_cache.h"

namespace cxxprof::heap {

__thread SiteCacheEntry t_site_cache[kSiteCacheEntries] __attribute__((tls_model("initial-exec")));

uint32_t fill_site_cache(SiteTable& sites, const RawStore& store, uint64_t key, uint32_t generation) {
  const uint32_t site = sites.find_or_add(store, key);
  if (site == kNoSite) return kNoSlot;
  const uint64_t slot = uint64_t(sites.site(site).slot - store.samples());
  if (slot >= kNoSlot) return kNoSlot;
  t_site_cache[site_cache_index(key)] = SiteCacheEntry{key, uint32_t(slot), generation + 1};
  return uint32_t(slot);
}

}  // namespace cxxprof::heap
