#include "preload/contention_table.h"

namespace cxxprof {
namespace {

constexpr uint64_t kPinMask = 0xffff;
constexpr uint64_t kMaxPins = kPinMask;
constexpr unsigned kWaiterShift = 48;
constexpr uint64_t kSumMask = ContentionTable::kMaxOffsetSum;

uint64_t key_of(uintptr_t lock) { return uint64_t(lock) << 16; }
bool key_is(uint64_t key, uintptr_t lock) { return (key >> 16) == uint64_t(lock) && key != 0; }

static_assert(ContentionTable::kBuckets == 1u << 9);

}  // namespace

// The state's 16 bytes change together or not at all. cmpxchg16b is on every x86-64 CPU
// since 2006 (lock_profiles.cc checks CPUID before the mutex profile starts); the
// instruction is written out because the compiler would otherwise call libatomic, which
// the injected library must not depend on (DESIGN.md §2.1).
#if defined(__x86_64__)
namespace {

template <typename State>
bool compare_exchange_16(State* target, State* expected, const State& desired) {
  bool swapped;
  __asm__ __volatile__("lock cmpxchg16b %1"
                       : "=@ccz"(swapped), "+m"(*target), "+a"(expected->word),
                         "+d"(expected->base)
                       : "b"(desired.word), "c"(desired.base)
                       : "memory");
  return swapped;
}

// A first guess for the compare-exchange: the halves may come from different moments; a
// failed exchange replaces the guess with one consistent snapshot.
template <typename State>
State load_guess(const State* state) {
  return State{__atomic_load_n(&state->word, __ATOMIC_RELAXED),
               __atomic_load_n(&state->base, __ATOMIC_RELAXED)};
}

}  // namespace
#else
#error "ContentionTable needs a 16-byte compare-exchange: port compare_exchange_16"
#endif

int32_t ContentionTable::pin_existing(uintptr_t lock, uint32_t first, uint32_t end,
                                      uint64_t max_pins) {
  for (uint32_t i = first; i < end; ++i) {
    uint64_t key = keys_[i].load(std::memory_order_acquire);
    while (key_is(key, lock)) {
      if ((key & kPinMask) >= max_pins) break;  // full: try the next entry
      if (keys_[i].compare_exchange_weak(key, key + 1, std::memory_order_acq_rel)) {
        return int32_t(i);
      }
    }
  }
  return -1;
}

int32_t ContentionTable::pin(uintptr_t lock) {
  const uint32_t first = ContentionTable::bucket_of(lock);
  const uint32_t end = first + kBucketSize;
  int32_t entry = pin_existing(lock, first, end, kMaxWaiters);
  if (entry >= 0) return entry;
  for (uint32_t i = first; i < end; ++i) {
    uint64_t expected = 0;
    if (keys_[i].compare_exchange_strong(expected, key_of(lock) | 1,
                                         std::memory_order_acq_rel)) {
      return int32_t(i);
    }
    // Another waiter of the same lock may have claimed this very entry meanwhile.
    if (key_is(expected, lock)) {
      entry = pin_existing(lock, i, i + 1, kMaxWaiters);
      if (entry >= 0) return entry;
    }
  }
  return -1;
}

void ContentionTable::unpin(uint32_t entry) {
  uint64_t key = keys_[entry].load(std::memory_order_relaxed);
  for (;;) {
    const uint64_t next = (key & kPinMask) <= 1 ? 0 : key - 1;
    if (keys_[entry].compare_exchange_weak(key, next, std::memory_order_acq_rel)) return;
  }
}

ContentionTable::AddResult ContentionTable::add_waiter(uintptr_t lock, uint64_t start_ns,
                                                       Ticket* ticket) {
  ticket->entry = -1;
  if (lock == 0 || (uint64_t(lock) >> 48) != 0) return AddResult::kNotTrackable;
  const int32_t entry = pin(lock);
  if (entry < 0) return AddResult::kBucketFull;
  State* state = &states_[entry];
  State current = load_guess(state);
  for (;;) {
    uint64_t waiters = current.word >> kWaiterShift;
    uint64_t sum = current.word & kSumMask;
    uint64_t base = current.base;
    if (waiters == 0) {  // first waiter since the lock was last free of them
      sum = 0;
      base = start_ns;
    }
    const uint64_t offset = start_ns > base ? start_ns - base : 0;
    if (waiters >= kMaxWaiters || sum + offset > kSumMask) {
      unpin(uint32_t(entry));
      return AddResult::kLockFull;
    }
    const State next{((waiters + 1) << kWaiterShift) | (sum + offset), base};
    if (compare_exchange_16(state, &current, next)) break;
  }
  ticket->entry = entry;
  ticket->start_ns = start_ns;
  return AddResult::kAdded;
}

void ContentionTable::remove_waiter(Ticket* ticket) {
  if (ticket->entry < 0) return;
  State* state = &states_[ticket->entry];
  State current = load_guess(state);
  for (;;) {
    const uint64_t waiters = current.word >> kWaiterShift;
    if (waiters == 0) break;  // cannot happen while pinned; never underflow
    const uint64_t sum = current.word & kSumMask;
    // Our offset as the state sees it now: a release since we registered moved the base
    // past our start and zeroed the sum, and our offset with it.
    const uint64_t offset = ticket->start_ns > current.base ? ticket->start_ns - current.base : 0;
    const uint64_t rest = waiters == 1 ? 0 : (sum >= offset ? sum - offset : 0);
    const State next{((waiters - 1) << kWaiterShift) | rest, current.base};
    if (compare_exchange_16(state, &current, next)) break;
  }
  unpin(uint32_t(ticket->entry));
  ticket->entry = -1;
}

ContentionTable::Charge ContentionTable::take_charge(uintptr_t lock, Clock clock) {
  Charge charge;
  if (lock == 0 || (uint64_t(lock) >> 48) != 0) return charge;
  const uint32_t first = ContentionTable::bucket_of(lock);
  // Normally one entry per lock; two waiters that arrive together at a lock nobody waited
  // for may each claim one, so charge every entry of the lock.
  for (uint32_t i = first; i < first + kBucketSize; ++i) {
    if (!key_is(keys_[i].load(std::memory_order_acquire), lock)) continue;
    const int32_t entry = pin_existing(lock, i, i + 1, kMaxPins);
    if (entry < 0) continue;
    State* state = &states_[entry];
    State current = load_guess(state);
    for (;;) {
      const uint64_t waiters = current.word >> kWaiterShift;
      if (waiters == 0) break;
      uint64_t now = clock();
      if (now < current.base) now = current.base;
      const uint64_t waited = waiters * (now - current.base);
      const uint64_t sum = current.word & kSumMask;
      const State next{waiters << kWaiterShift, now};
      if (compare_exchange_16(state, &current, next)) {
        charge.delay_ns += waited > sum ? waited - sum : 0;
        charge.waiters += uint32_t(waiters);
        break;
      }
    }
    unpin(uint32_t(entry));
  }
  return charge;
}

void ContentionTable::reset() {
  for (uint32_t i = 0; i < kCapacity; ++i) {
    keys_[i].store(0, std::memory_order_relaxed);
    states_[i] = State{0, 0};
  }
}

uint32_t ContentionTable::entries_in_use() const {
  uint32_t used = 0;
  for (const auto& key : keys_) used += key.load(std::memory_order_relaxed) != 0;
  return used;
}

}  // namespace cxxprof
