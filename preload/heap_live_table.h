// The sampled allocations that are still live: address -> (size, sample slot), so that a free
// can take back exactly what its allocation added to the in-use figures, and so that
// in-use is known at any moment.
//
// Bounded and lock-free. Buckets of 7 entries (address and value side by side) on two
// cache lines. Within its first bucket each address has a home among the 3 entries on
// the bucket's first line, next to the bucket's stray count; an entry sits at home if
// it can, else in another entry of the bucket (the 4 on the second line first), else in
// one of 4 overflow buckets at hashes of the address, and the first bucket counts such
// strays. While a bucket has none (nearly always: a first bucket expects about one
// entry), an insert, a lookup and a removal each read one entry, on one cache line;
// otherwise they look through the bucket and its overflow buckets. A removal frees its
// entry at once, so no tombstones pile up under churn. A failed insert (all full) is
// the caller's to count (the allocation is then not tracked as in use).
//
// Locality. The first bucket keeps the order of addresses: the heap is cut into granules
// of 2^granule_shift bytes, consecutive granules fall into consecutive buckets, and only
// windows of 2^kWindowBits granules are scattered by a hash (so the arenas of different
// threads, which sit at multiples of 64 MiB, do not pile onto the same buckets). A
// program's blocks, which an allocator packs into few regions, then touch a part of the
// table in proportion to its heap, not a page per block: a plain hash spread a malloc
// storm's few thousand addresses over thousands of pages of the 16 MiB table of RATE=1
// (a page fault each at first, a TLB miss each after). The granule follows the sampling
// rate (granule_shift_for_rate) so that a first bucket expects about one live entry; at
// RATE=1 each 64-byte granule has a bucket whose first line is the one in use, so the
// table's busy part is about as large as the heap it tracks (the tables and the
// program's heap share the caches). The overflow buckets, which can be anywhere, are
// read only when the first has strays.
//
// Entries move through: 0 (free) -> kBusy (claimed by one inserting thread, its value
// being written) -> address (published) -> 0 (its free: only the thread freeing that
// address can be touching the entry then, so a plain store empties it). A stale entry
// being replaced goes address -> kBusy -> address. Nothing waits, and a signal handler
// interrupting any step cannot deadlock. Async-signal-safe.
//
// The same address cannot be inserted twice at once (the allocator returned it once),
// nor removed while being inserted (the program does not have it yet), so the stray
// count of an entry away from its home is raised before the entry can be looked up.
// An address that is already present when inserted was freed through a path we did not
// see (a stale entry); insert() replaces it and hands the old value back.
#pragma once

#include <atomic>
#include <cstdint>

namespace cxxprof::heap {

struct LiveAllocation {
  uint64_t size = 0;  // bytes requested
  uint32_t slot = 0;  // index of its site's slot in the raw store's sample table
};

enum class InsertResult { kInserted, kReplacedStale, kFull };

class LiveTable {
 public:
  // Maps 16 bytes for each of `capacity` entries (rounded up to a power of two, at least
  // 64), of which 7/8 are usable. Start-up only. Memory is touched only as entries land
  // on it.
  bool init(uint64_t capacity);
  bool ready() const { return buckets_ != nullptr; }
  // Empties the table (start, fork child) and sets the first buckets' granule. Only
  // while no other thread can use it.
  void reset(unsigned granule_shift);

  // Inline: the common case (an empty home in a bucket without strays) is one
  // compare-and-swap on one cache line.
  InsertResult insert(uintptr_t address, const LiveAllocation& value, LiveAllocation* stale) {
    Bucket* first = first_bucket(address);
    Entry& home = first->entries[home_slot(address)];
    if (__builtin_expect(home.key.load(std::memory_order_acquire) == 0 &&
                             first->strays.load(std::memory_order_acquire) == 0,
                         1)) {
      uint64_t expected = 0;
      if (home.key.compare_exchange_strong(expected, kBusy, std::memory_order_acquire)) {
        home.value = pack(value);
        home.key.store(address, std::memory_order_release);
        return InsertResult::kInserted;
      }
    }
    return insert_slowly(address, value, stale);
  }
  // Starts loading the cache line an insert or removal of `address` reads first.
  void prefetch(uintptr_t address) const { __builtin_prefetch(first_bucket(address), 1); }
  // Removes `address`; false if it is not in the table. Inline: the common case is one
  // load and one store.
  bool remove(uintptr_t address, LiveAllocation* value) {
    Bucket* first = first_bucket(address);
    const unsigned home = home_slot(address);
    if (__builtin_expect(first->entries[home].key.load(std::memory_order_acquire) == address, 1)) {
      take_at(first, home, value);
      return true;
    }
    return remove_slowly(first, address, value);
  }

  uint64_t capacity() const { return buckets_ != nullptr ? (bucket_mask_ + 1) * kSlots : 0; }
  uint64_t mapped_bytes() const { return mapped_bytes_; }

  // Sizes of 2^40 bytes (1 TiB) and more, and slots past 2^24, do not fit an entry:
  // callers leave them untracked.
  static constexpr uint64_t kMaxSize = (uint64_t(1) << 40) - 1;
  static constexpr uint32_t kMaxSlot = (uint32_t(1) << 24) - 1;

  // The granule for sampling rate `rate`: the power of two at or below it (the live
  // sampled blocks in a stretch of heap are about its live bytes / rate), at least 64
  // bytes (at RATE=1 every block is an entry: 64 bytes hold at most four).
  static unsigned granule_shift_for_rate(uint64_t rate);

 private:
  static constexpr unsigned kHomes = 3;   // entries on the first line
  static constexpr unsigned kSlots = 7;
  static constexpr unsigned kOverflowBuckets = 4;
  static constexpr unsigned kWindowBits = 9;  // 512 buckets (64 KiB of table) per window
  static constexpr uint64_t kBusy = 1;  // no allocator returns an odd address

  struct Entry {
    std::atomic<uint64_t> key;
    uint64_t value;
  };
  struct alignas(128) Bucket {
    // Entries whose first bucket this is that are not in their home.
    std::atomic<uint64_t> strays;
    uint64_t unused;
    Entry entries[kSlots];  // [0, kHomes) on the first cache line, the rest on the second
  };
  static_assert(sizeof(Bucket) == 128);

  // Blocks are 16-byte aligned: of the 4 such places of a 64-byte granule, the two 48
  // bytes apart share a home (the second to come is a stray).
  static unsigned home_slot(uintptr_t address) { return unsigned((address >> 4) % kHomes); }

  // size (40 bits) and slot (24 bits) in one word.
  static uint64_t pack(const LiveAllocation& v) { return (v.size & kMaxSize) | (uint64_t(v.slot) << 40); }
  static LiveAllocation unpack(uint64_t w) { return LiveAllocation{w & kMaxSize, uint32_t(w >> 40)}; }

  Bucket* first_bucket(uintptr_t address) const {
    const uint64_t granule = address >> granule_shift_;
    // A multiplicative hash places the windows: one multiply per insert and removal.
    const uint64_t window_home = ((granule >> kWindowBits) * 0x9e3779b97f4a7c15u) >> 32;
    return buckets_ + ((window_home + granule) & bucket_mask_);
  }
  InsertResult insert_slowly(uintptr_t address, const LiveAllocation& value, LiveAllocation* stale);
  // `address` is not in its home: looks for it as a stray.
  bool remove_slowly(Bucket* first, uintptr_t address, LiveAllocation* value);
  // The i-th of the buckets that take what `first` cannot hold.
  Bucket* overflow_bucket(uintptr_t address, const Bucket* first, unsigned i) const;
  // Claims slot i (free) of `bucket` for `address` and publishes it; false if taken.
  static bool claim_at(Bucket* bucket, unsigned i, uintptr_t address, uint64_t packed);
  // Claims a free slot of `bucket` for `address` and publishes it: its index, kSlots if
  // none is free.
  static unsigned claim(Bucket* bucket, uintptr_t address, uint64_t packed);
  // Replaces the stale entry of `address` in slot i; false if it is not there.
  static bool replace_at(Bucket* bucket, unsigned i, uintptr_t address, uint64_t packed,
                         LiveAllocation* stale);
  // Replaces a stale entry of `address` anywhere in `bucket`; false if there is none.
  static bool replace(Bucket* bucket, uintptr_t address, uint64_t packed, LiveAllocation* stale);
  // Empties entry i, which holds the address being freed, and hands its value back. No
  // compare-and-swap: while the entry holds the address being freed, nobody else writes
  // it (inserts claim empty entries only; the address is not re-inserted while the
  // program still has it; the program frees it once), so reading the value and then
  // emptying the entry is enough. A program that frees one pointer from two threads at
  // once (a double free) may see it taken back twice.
  static void take_at(Bucket* bucket, unsigned i, LiveAllocation* value) {
    Entry& entry = bucket->entries[i];
    *value = unpack(entry.value);
    entry.key.store(0, std::memory_order_release);
  }
  // Removes `address` from `bucket`; false if it is not there.
  static bool take(Bucket* bucket, uintptr_t address, LiveAllocation* value);

  Bucket* buckets_ = nullptr;
  uint64_t bucket_mask_ = 0;
  uint64_t mapped_bytes_ = 0;
  unsigned granule_shift_ = 6;
};

}  // namespace cxxprof::heap
