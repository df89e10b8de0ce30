#include "preload/heap_live_table.h"

#include <sys/mman.h>

#include "preload/mix64.h"

namespace cxxprof::heap {
namespace {

constexpr unsigned kMinGranuleShift = 6;
constexpr unsigned kMaxGranuleShift = 40;
constexpr uint64_t kCapacityPerBucket = 8;  // capacity counts 16 bytes an entry

}  // namespace

unsigned LiveTable::granule_shift_for_rate(uint64_t rate) {
  unsigned shift = 63 - unsigned(__builtin_clzll(rate | 1));  // 2^shift <= rate < 2^(shift+1)
  if (shift < kMinGranuleShift) shift = kMinGranuleShift;
  return shift > kMaxGranuleShift ? kMaxGranuleShift : shift;
}

bool LiveTable::init(uint64_t capacity) {
  uint64_t slots = 64;
  while (slots < capacity) slots <<= 1;
  const uint64_t bytes = slots / kCapacityPerBucket * sizeof(Bucket);
  // MAP_NORESERVE: the kernel lends pages as entries land on them, and the program's own
  // overcommit accounting is not charged for room we may never use.
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) return false;
  buckets_ = static_cast<Bucket*>(memory);
  bucket_mask_ = slots / kCapacityPerBucket - 1;
  mapped_bytes_ = bytes;
  return true;
}

void LiveTable::reset(unsigned granule_shift) {
  granule_shift_ = granule_shift < kMinGranuleShift   ? kMinGranuleShift
                   : granule_shift > kMaxGranuleShift ? kMaxGranuleShift
                                                      : granule_shift;
  if (buckets_ == nullptr) return;
  if (madvise(buckets_, mapped_bytes_, MADV_DONTNEED) != 0) {
    for (uint64_t b = 0; b <= bucket_mask_; ++b) {
      for (auto& entry : buckets_[b].entries) entry.key.store(0, std::memory_order_relaxed);
      buckets_[b].strays.store(0, std::memory_order_relaxed);
    }
  }
}

LiveTable::Bucket* LiveTable::overflow_bucket(uintptr_t address, const Bucket* first, unsigned i) const {
  // Independent places: a crowded stretch of first buckets (a densely used part of the
  // heap) holds few of them.
  uint64_t index = (mix64(address + i) >> 20) & bucket_mask_;
  if (buckets_ + index == first) index = (index + 1) & bucket_mask_;
  return buckets_ + index;
}

bool LiveTable::claim_at(Bucket* bucket, unsigned i, uintptr_t address, uint64_t packed) {
  Entry& entry = bucket->entries[i];
  uint64_t expected = 0;
  if (!entry.key.compare_exchange_strong(expected, kBusy, std::memory_order_acquire)) return false;
  entry.value = packed;
  entry.key.store(address, std::memory_order_release);
  return true;
}

unsigned LiveTable::claim(Bucket* bucket, uintptr_t address, uint64_t packed) {
  // The second line's entries first: a stray in a home would push that home's own
  // address out too.
  for (unsigned n = 0; n < kSlots; ++n) {
    const unsigned i = (kHomes + n) % kSlots;
    // Another thread may take a free entry first: then look on.
    if (bucket->entries[i].key.load(std::memory_order_relaxed) == 0 &&
        claim_at(bucket, i, address, packed)) {
      return i;
    }
  }
  return kSlots;
}

bool LiveTable::replace_at(Bucket* bucket, unsigned i, uintptr_t address, uint64_t packed,
                           LiveAllocation* stale) {
  Entry& entry = bucket->entries[i];
  uint64_t expected = address;
  if (!entry.key.compare_exchange_strong(expected, kBusy, std::memory_order_acquire)) return false;
  *stale = unpack(entry.value);
  entry.value = packed;
  entry.key.store(address, std::memory_order_release);
  return true;
}

bool LiveTable::replace(Bucket* bucket, uintptr_t address, uint64_t packed, LiveAllocation* stale) {
  for (unsigned i = 0; i < kSlots; ++i) {
    if (bucket->entries[i].key.load(std::memory_order_acquire) == address &&
        replace_at(bucket, i, address, packed, stale)) {
      return true;
    }
  }
  return false;
}

bool LiveTable::take(Bucket* bucket, uintptr_t address, LiveAllocation* value) {
  for (unsigned i = 0; i < kSlots; ++i) {
    if (bucket->entries[i].key.load(std::memory_order_acquire) == address) {
      take_at(bucket, i, value);
      return true;
    }
  }
  return false;
}

InsertResult LiveTable::insert_slowly(uintptr_t address, const LiveAllocation& value,
                                      LiveAllocation* stale) {
  const uint64_t packed = pack(value);
  Bucket* first = first_bucket(address);
  const unsigned home = home_slot(address);
  const uint64_t at_home = first->entries[home].key.load(std::memory_order_acquire);
  // A stale copy of this address is in its home slot, or, if the bucket has strays,
  // anywhere in it or its overflow buckets.
  if (at_home == address && replace_at(first, home, address, packed, stale)) {
    return InsertResult::kReplacedStale;
  }
  if (first->strays.load(std::memory_order_acquire) != 0) {
    if (replace(first, address, packed, stale)) return InsertResult::kReplacedStale;
    for (unsigned i = 0; i < kOverflowBuckets; ++i) {
      if (replace(overflow_bucket(address, first, i), address, packed, stale)) {
        return InsertResult::kReplacedStale;
      }
    }
  }
  if (at_home == 0 && claim_at(first, home, address, packed)) return InsertResult::kInserted;
  // Away from home: counted before the entry is published, so lookups search for it.
  first->strays.fetch_add(1, std::memory_order_acq_rel);
  // Another thread may free a slot meanwhile: one more look at each bucket.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const unsigned slot = claim(first, address, packed);
    if (slot == home) first->strays.fetch_sub(1, std::memory_order_acq_rel);  // home after all
    if (slot != kSlots) return InsertResult::kInserted;
    for (unsigned i = 0; i < kOverflowBuckets; ++i) {
      if (claim(overflow_bucket(address, first, i), address, packed) != kSlots) {
        return InsertResult::kInserted;
      }
    }
  }
  first->strays.fetch_sub(1, std::memory_order_acq_rel);
  return InsertResult::kFull;
}

bool LiveTable::remove_slowly(Bucket* first, uintptr_t address, LiveAllocation* value) {
  if (first->strays.load(std::memory_order_acquire) == 0) return false;
  bool found = take(first, address, value);
  for (unsigned i = 0; !found && i < kOverflowBuckets; ++i) {
    found = take(overflow_bucket(address, first, i), address, value);
  }
  if (found) first->strays.fetch_sub(1, std::memory_order_acq_rel);
  return found;
}

}  // namespace cxxprof::heap
