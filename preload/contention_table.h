// Who waits for which lock, and since when: the side table behind the mutex profile, which
// charges contention delay to the thread that RELEASES a contended lock (DESIGN.md §3, as
// Go). Lock-free, allocation-free and bounded; async-signal-safe.
//
// A thread that finds a lock taken registers (lock address, time it began to wait) before
// it blocks in the real lock call, and withdraws once it has the lock or gave up. A thread
// releasing the lock takes the charge: the time every registered waiter spent waiting
// since the previous release (or since it arrived, if later); the clock then restarts for
// those still waiting. So each release is charged exactly the waiting that its own
// critical section caused, however many waiters queue and however often the lock changes
// hands while they wait (Go resets the waiters' start times at each release the same way).
// What no release is charged for: a woken waiter's wake-up latency between the release
// and its acquisition, and the wait of a timed lock that gave up since the last release;
// both are still in the block profile, which the waiter records itself.
//
// Per lock, one entry: a key word (lock address, pins) and a 16-byte state {waiters, sum
// of their start offsets from `base`, base time} updated with one 16-byte
// compare-exchange, so registering, withdrawing and charging never see half an update:
//     charge = waiters × (now − base) − Σ offsets;  then base = now, Σ = 0.
// An entry is pinned by every registered waiter and by a charging thread while it works,
// and freed when the last pin goes, so a table of a few thousand entries serves any
// number of locks over a program's life: only locks contended at the same moment need
// one. A lock that finds its bucket full is not tracked (counted by the caller).
#pragma once

#include <atomic>
#include <cstdint>

namespace cxxprof {

class ContentionTable {
 public:
  static constexpr uint32_t kBucketSize = 8;  // keys per bucket: one cache line
  static constexpr uint32_t kBuckets = 512;  // bucket_of takes 9 bits
  static constexpr uint32_t kCapacity = kBuckets * kBucketSize;
  // Per entry: pins are 16 bits, and some are kept for the threads charging a release
  // (a lock with more waiters than this opens a second entry).
  static constexpr uint64_t kMaxWaiters = 0xffff - 256;
  static constexpr uint64_t kMaxOffsetSum = (1ull << 48) - 1;  // ns, ~78 hours

  using Clock = uint64_t (*)();

  // A waiter's registration; entry < 0: not registered.
  struct Ticket {
    int32_t entry = -1;
    uint64_t start_ns = 0;
  };

  enum class AddResult {
    kAdded,
    kNotTrackable,  // address 0 or beyond 48 bits
    kBucketFull,    // every entry of the lock's bucket serves another lock
    kLockFull,      // kMaxWaiters waiters, or offsets beyond kMaxOffsetSum
  };

  struct Charge {
    uint64_t delay_ns = 0;
    uint32_t waiters = 0;  // waiters the charge is for (0: nobody was waiting)
  };

  constexpr ContentionTable() = default;
  ContentionTable(const ContentionTable&) = delete;
  ContentionTable& operator=(const ContentionTable&) = delete;

  // Registers a wait for `lock` that began at start_ns (CLOCK_MONOTONIC).
  AddResult add_waiter(uintptr_t lock, uint64_t start_ns, Ticket* ticket);

  // Withdraws a registration (the waiter has the lock, or gave up). Idempotent.
  void remove_waiter(Ticket* ticket);

  // `lock` is being released: takes the delay its waiters accumulated since the last
  // release. `clock` is read after the state is loaded (the charge never ends before a
  // registration it includes began).
  Charge take_charge(uintptr_t lock, Clock clock);

  // Forgets everything: for a forked child, where the waiters of the parent's other
  // threads do not exist. Only while no other thread can use the table.
  void reset();

  // Entries in use (tests, diagnostics). Not a snapshot.
  uint32_t entries_in_use() const;

  // The first entry of the bucket `lock` belongs to (tests: locks that share a bucket).
  static uint32_t bucket_of(uintptr_t lock) {
    // Locks are at least 4-byte aligned and often sit at the same offset of equal-sized
    // objects: mix the bits (Fibonacci hashing) before taking the top ones.
    const uint64_t h = (uint64_t(lock) >> 2) * 0x9e3779b97f4a7c15ull;
    return uint32_t(h >> (64 - 9)) * kBucketSize;
  }

  // A cheap look before take_charge: false if no entry of the table is for `lock` (one
  // cache line of relaxed loads). A true answer may be stale; take_charge decides.
  bool may_have_waiters(uintptr_t lock) const {
    const uint32_t first = bucket_of(lock);
    bool found = false;
    for (uint32_t i = first; i < first + kBucketSize; ++i) {
      found |= (keys_[i].load(std::memory_order_relaxed) >> 16) == uint64_t(lock);
    }
    return found;
  }

 private:
  struct alignas(16) State {
    uint64_t word;  // [waiters:16][sum of offsets:48]
    uint64_t base;  // ns; offsets are measured from here
  };

  int32_t pin_existing(uintptr_t lock, uint32_t first, uint32_t end, uint64_t max_pins);
  int32_t pin(uintptr_t lock);
  void unpin(uint32_t entry);

  alignas(64) std::atomic<uint64_t> keys_[kCapacity]{};  // (lock << 16) | pins; 0 = free
  State states_[kCapacity]{};
};

}  // namespace cxxprof
