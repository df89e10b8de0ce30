// Allocation sites: one per heap sample key (thread, stack, size label), numbered densely
// in the order they first appear, each with its slot in the raw store's sample table.
//
// The slot holds the site's figures (alloc and in-use objects and bytes), updated in place
// with atomic adds: no probe of the sample table per allocation. The sample table cannot
// be listed without scanning all of it; the peak snapshot (preload/heap_peak.h) needs the
// list of heap sites at any moment, cheaply: here it is an array of the sites seen so
// far, so a snapshot costs one pass over the sites, not over the sample table or the live
// allocations. Live entries refer to their site by index, which also keeps them small.
//
// Lock-free, bounded (a full table is the caller's to count), async-signal-safe.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/raw_format.h"
#include "preload/raw_store.h"

namespace cxxprof::heap {

struct HeapSite {
  std::atomic<uint64_t> key;  // raw sample key of kind kHeap; 0 while being created
  raw::SampleSlot* slot;      // its slot in the raw store (values as raw::SampleKind::kHeap)
  // What the peak profile holds for this site (preload/heap_peak.cc, one writer at a time).
  int64_t peak_objects;
  int64_t peak_bytes;
};

inline constexpr uint32_t kNoSite = 0;  // site 0 is never handed out

class SiteTable {
 public:
  // Maps room for `capacity` sites (power of two, < 2^24). Start-up only.
  bool init(uint32_t capacity);
  bool ready() const { return sites_ != nullptr; }
  // Forgets every site (fork child). Only while no other thread can use it.
  void reset();

  // The site of `key`, created with its sample slot in `store` if new; kNoSite if this
  // table or the store's sample table is full.
  uint32_t find_or_add(const RawStore& store, uint64_t key);

  HeapSite& site(uint32_t index) const { return sites_[index]; }
  // Sites [1, end()) have been handed out (a site whose key is still 0 is being created).
  uint32_t end() const;

  uint64_t mapped_bytes() const { return mapped_bytes_; }

 private:
  HeapSite* sites_ = nullptr;
  std::atomic<uint32_t>* index_ = nullptr;  // hash of key -> site index, 0 = empty
  std::atomic<uint32_t> next_{1};
  uint32_t capacity_ = 0;
  uint32_t index_mask_ = 0;
  uint64_t mapped_bytes_ = 0;
};

}  // namespace cxxprof::heap
