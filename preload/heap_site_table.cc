#include "preload/heap_site_table.h"

#include <sys/mman.h>

#include "preload/sample_table.h"

namespace cxxprof::heap {
namespace {

// Per probe sequence (the clustered one, then the fallback).
constexpr uint32_t kMaxProbes = 64;

}  // namespace

bool SiteTable::init(uint32_t capacity) {
  // The index has twice as many slots as there are sites: short probes until full.
  const uint64_t site_bytes = uint64_t(capacity) * sizeof(HeapSite);
  const uint64_t index_bytes = uint64_t(capacity) * 2 * sizeof(std::atomic<uint32_t>);
  void* memory = mmap(nullptr, site_bytes + index_bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) return false;
  sites_ = static_cast<HeapSite*>(memory);
  index_ = reinterpret_cast<std::atomic<uint32_t>*>(static_cast<char*>(memory) + site_bytes);
  capacity_ = capacity;
  index_mask_ = capacity * 2 - 1;
  mapped_bytes_ = site_bytes + index_bytes;
  return true;
}

void SiteTable::reset() {
  if (sites_ == nullptr) return;
  const uint32_t used = end();
  if (madvise(sites_, mapped_bytes_, MADV_DONTNEED) != 0) {
    for (uint32_t i = 0; i < used; ++i) sites_[i].key.store(0, std::memory_order_relaxed);
    for (uint32_t i = 0; i <= index_mask_; ++i) index_[i].store(0, std::memory_order_relaxed);
  }
  next_.store(1, std::memory_order_relaxed);
}

uint32_t SiteTable::end() const {
  const uint32_t next = next_.load(std::memory_order_acquire);
  return next < capacity_ ? next : capacity_;
}

uint32_t SiteTable::find_or_add(const RawStore& store, uint64_t key) {
  // The index is probed where the sample table would be (preload/sample_table.h): a
  // stack's sites of every size share a page or two of it, not one page each.
  uint32_t reserved = kNoSite;
  const uint64_t sequences[2][2] = {{sample_probe_start(key), 1},
                                    {sample_probe_fallback(key), sample_probe_stride(key)}};
  for (const auto& [start, stride] : sequences) {
    uint32_t slot = uint32_t(start) & index_mask_;
    for (uint32_t probe = 0; probe < kMaxProbes; ++probe, slot = uint32_t(slot + stride) & index_mask_) {
      uint32_t index = index_[slot].load(std::memory_order_acquire);
      if (index == kNoSite) {
        if (reserved == kNoSite) {
          // Fill a site where nobody looks yet, then publish it in the index with one CAS.
          // No loss counted here: the caller's fallback probes the sample table again
          // and counts a lost sample once, whichever table was full.
          raw::SampleSlot* sample_slot = find_sample_slot(store, key, /*count_loss=*/false);
          if (sample_slot == nullptr) return kNoSite;
          reserved = next_.fetch_add(1, std::memory_order_relaxed);
          if (reserved >= capacity_) return kNoSite;
          sites_[reserved].slot = sample_slot;
          sites_[reserved].key.store(key, std::memory_order_release);
        }
        uint32_t expected = kNoSite;
        if (index_[slot].compare_exchange_strong(expected, reserved, std::memory_order_acq_rel,
                                                 std::memory_order_acquire)) {
          return reserved;
        }
        index = expected;  // someone else published here first, maybe this very key
      }
      if (sites_[index].key.load(std::memory_order_acquire) == key) {
        // A site we reserved and lost stays in the list with nothing in use: harmless.
        return index;
      }
    }
  }
  return kNoSite;
}

}  // namespace cxxprof::heap
