// The sampled allocations that are still live: address -> (size, site), so that a free
// can take back exactly what its allocation added to the in-use figures, and so that
// in-use is known at any moment.
//
// Bounded and lock-free. Buckets of 8 addresses (one cache line), two candidate buckets
// per address (two hashes): an insert takes a free slot in either, a lookup reads at
// most two cache lines, and a removal frees its slot at once, so no tombstones pile up
// under churn. Two-choice buckets of 8 fill to about 95% before an insert fails; a
// failed insert is the caller's to count (the allocation is then not tracked as in use).
//
// Slots move through: 0 (free) -> kBusy (claimed by one thread, being written or read)
// -> address (published) -> kBusy (claimed by its remover) -> 0. The thread that holds a
// slot in kBusy is the only one touching its value, so nothing waits and a signal
// handler interrupting any step cannot deadlock. Async-signal-safe.
//
// The same address cannot be inserted twice at once (the allocator returned it once),
// nor removed while being inserted (the program does not have it yet). An address that
// is already present when inserted was freed through a path we did not see (a stale
// entry); insert() replaces it and hands the old value back.
#pragma once

#include <atomic>
#include <cstdint>

namespace cxxprof::heap {

struct LiveAllocation {
  uint64_t size = 0;  // bytes requested
  uint32_t site = 0;  // index in the site table (preload/heap_site_table.h)
};

enum class InsertResult { kInserted, kReplacedStale, kFull };

class LiveTable {
 public:
  // Maps room for `capacity` entries (rounded up to a power of two, at least 64).
  // Start-up only. Memory is touched only as entries land on it.
  bool init(uint64_t capacity);
  bool ready() const { return keys_ != nullptr; }
  // Empties the table (fork child). Only while no other thread can use it.
  void reset();

  InsertResult insert(uintptr_t address, const LiveAllocation& value, LiveAllocation* stale);
  // Removes `address`; false if it is not in the table.
  bool remove(uintptr_t address, LiveAllocation* value);

  uint64_t capacity() const { return keys_ != nullptr ? (bucket_mask_ + 1) * kSlots : 0; }
  uint64_t mapped_bytes() const { return mapped_bytes_; }

  // Sizes of 2^40 bytes (1 TiB) and more do not fit an entry: callers leave them untracked.
  static constexpr uint64_t kMaxSize = (uint64_t(1) << 40) - 1;

 private:
  static constexpr unsigned kSlots = 8;
  static constexpr uint64_t kBusy = 1;  // no allocator returns an odd address

  // size (40 bits) and site (24 bits) in one word.
  static uint64_t pack(const LiveAllocation& v) { return (v.size & kMaxSize) | (uint64_t(v.site) << 40); }
  static LiveAllocation unpack(uint64_t w) { return LiveAllocation{w & kMaxSize, uint32_t(w >> 40)}; }

  void buckets(uintptr_t address, uint64_t* first, uint64_t* second) const;

  std::atomic<uint64_t>* keys_ = nullptr;  // bucket b: keys_[b * kSlots ... + kSlots)
  uint64_t* values_ = nullptr;
  uint64_t bucket_mask_ = 0;
  uint64_t mapped_bytes_ = 0;
};

}  // namespace cxxprof::heap
