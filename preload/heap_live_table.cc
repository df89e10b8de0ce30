#include "preload/heap_live_table.h"

#include <sys/mman.h>

namespace cxxprof::heap {
namespace {

uint64_t mix(uint64_t x) {
  x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdu;
  x = (x ^ (x >> 33)) * 0xc4ceb9fe1a85ec53u;
  return x ^ (x >> 33);
}

}  // namespace

bool LiveTable::init(uint64_t capacity) {
  uint64_t slots = 64;
  while (slots < capacity) slots <<= 1;
  const uint64_t bytes = slots * (sizeof(uint64_t) + sizeof(uint64_t));
  // MAP_NORESERVE: the kernel lends pages as entries land on them, and the program's own
  // overcommit accounting is not charged for room we may never use.
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) return false;
  keys_ = static_cast<std::atomic<uint64_t>*>(memory);
  values_ = reinterpret_cast<uint64_t*>(static_cast<char*>(memory) + slots * sizeof(uint64_t));
  bucket_mask_ = slots / kSlots - 1;
  mapped_bytes_ = bytes;
  return true;
}

void LiveTable::reset() {
  if (keys_ == nullptr) return;
  if (madvise(keys_, mapped_bytes_, MADV_DONTNEED) != 0) {
    for (uint64_t i = 0; i < (bucket_mask_ + 1) * kSlots; ++i) keys_[i].store(0, std::memory_order_relaxed);
  }
}

void LiveTable::buckets(uintptr_t address, uint64_t* first, uint64_t* second) const {
  const uint64_t h = mix(address);
  *first = h & bucket_mask_;
  *second = (h >> 32) & bucket_mask_;
  if (*second == *first) *second = (*first + 1) & bucket_mask_;
}

InsertResult LiveTable::insert(uintptr_t address, const LiveAllocation& value,
                               LiveAllocation* stale) {
  uint64_t bucket[2];
  buckets(address, &bucket[0], &bucket[1]);
  // One pass over both buckets: a stale copy of this address, and the first free slot.
  std::atomic<uint64_t>* free_slot = nullptr;
  for (uint64_t b : bucket) {
    std::atomic<uint64_t>* keys = keys_ + b * kSlots;
    for (unsigned i = 0; i < kSlots; ++i) {
      uint64_t key = keys[i].load(std::memory_order_acquire);
      if (key == address) {
        uint64_t expected = address;
        if (keys[i].compare_exchange_strong(expected, kBusy, std::memory_order_acquire)) {
          uint64_t* slot_value = values_ + (&keys[i] - keys_);
          *stale = unpack(*slot_value);
          *slot_value = pack(value);
          keys[i].store(address, std::memory_order_release);
          return InsertResult::kReplacedStale;
        }
      } else if (key == 0 && free_slot == nullptr) {
        free_slot = &keys[i];
      }
    }
  }
  // Claim a free slot; another thread may take ours first, then look again.
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (free_slot != nullptr) {
      uint64_t expected = 0;
      if (free_slot->compare_exchange_strong(expected, kBusy, std::memory_order_acquire)) {
        values_[free_slot - keys_] = pack(value);
        free_slot->store(address, std::memory_order_release);
        return InsertResult::kInserted;
      }
    }
    free_slot = nullptr;
    for (uint64_t b : bucket) {
      std::atomic<uint64_t>* keys = keys_ + b * kSlots;
      for (unsigned i = 0; i < kSlots && free_slot == nullptr; ++i) {
        if (keys[i].load(std::memory_order_relaxed) == 0) free_slot = &keys[i];
      }
    }
    if (free_slot == nullptr) break;
  }
  return InsertResult::kFull;
}

bool LiveTable::remove(uintptr_t address, LiveAllocation* value) {
  uint64_t bucket[2];
  buckets(address, &bucket[0], &bucket[1]);
  for (uint64_t b : bucket) {
    std::atomic<uint64_t>* keys = keys_ + b * kSlots;
    for (unsigned i = 0; i < kSlots; ++i) {
      if (keys[i].load(std::memory_order_acquire) != address) continue;
      uint64_t expected = address;
      // Fails only if another thread frees the same pointer at the same time (a double
      // free in the program): one of them gets the entry.
      if (!keys[i].compare_exchange_strong(expected, kBusy, std::memory_order_acquire)) continue;
      *value = unpack(values_[&keys[i] - keys_]);
      keys[i].store(0, std::memory_order_release);
      return true;
    }
  }
  return false;
}

}  // namespace cxxprof::heap
