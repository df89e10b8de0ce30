#include "preload/sample_table.h"

namespace cxxprof {
namespace {

// Per probe sequence (the clustered one, then the fallback): at most 2 * kMaxProbes.
constexpr uint32_t kMaxProbes = 128;

// With 40-byte slots in a page-aligned table, every other slot has its in-use pair
// 16-byte aligned.
static_assert(sizeof(raw::SampleSlot) == 40);

bool wants_aligned_pair(uint64_t key) { return raw::sample_key_kind(key) == raw::SampleKind::kHeap; }

bool pair_aligned(const raw::SampleSlot& slot) {
  return (reinterpret_cast<uintptr_t>(&slot.values[2]) & 15) == 0;
}

void add_values(raw::SampleSlot& slot, const int64_t* values, unsigned count) {
  for (unsigned i = 0; i < count && i < raw::kSampleValues; ++i) {
    if (values[i] != 0) slot.values[i].fetch_add(values[i], std::memory_order_relaxed);
  }
}

// The slots a key may take: all of them, or, for keys that want an aligned in-use pair,
// every other one (slot index = j * 2 + parity for probe position j).
struct Lane {
  uint64_t mask;  // over probe positions
  uint64_t scale;
  uint64_t offset;
};

// Probing from position `start` in steps of `stride`: the slot holding `key`, or the
// first empty one, claimed for it. Slots are never emptied, so a key is always found on
// the path it was put on.
raw::SampleSlot* probe(raw::SampleSlot* slots, const Lane& lane, uint64_t start, uint64_t stride,
                       uint64_t key) {
  uint64_t position = start;
  for (uint32_t step = 0; step < kMaxProbes; ++step, position += stride) {
    raw::SampleSlot& slot = slots[(position & lane.mask) * lane.scale + lane.offset];
    uint64_t current = slot.key.load(std::memory_order_acquire);
    if (current == 0) {
      uint64_t expected = 0;
      if (slot.key.compare_exchange_strong(expected, key, std::memory_order_acq_rel,
                                           std::memory_order_acquire)) {
        current = key;
      } else {
        current = expected;
      }
    }
    if (current == key) return &slot;
  }
  return nullptr;
}

}  // namespace

raw::SampleSlot* find_sample_slot(const RawStore& store, uint64_t key, bool count_loss) {
  const uint64_t capacity = store.header()->samples.capacity;
  raw::SampleSlot* slots = store.samples();
  const Lane all{capacity - 1, 1, 0};
  const Lane lane = wants_aligned_pair(key) && capacity >= 2
                        ? Lane{capacity / 2 - 1, 2, pair_aligned(slots[0]) ? 0u : 1u}
                        : all;
  // A family's run first; if it is crowded, positions scattered over the whole table
  // (a stride from another hash: a run of occupied slots does not stop it).
  raw::SampleSlot* slot = probe(slots, lane, sample_probe_start(key), 1, key);
  if (slot == nullptr) slot = probe(slots, lane, sample_probe_fallback(key), sample_probe_stride(key), key);
  // A key that wants an aligned slot and finds none takes any: the table holds as many
  // heap keys as before, the few placed so only pay two atomic adds for their in-use pair.
  if (slot == nullptr && lane.scale != 1) {
    slot = probe(slots, all, sample_probe_fallback(key), sample_probe_stride(key), key);
  }
  if (slot == nullptr && count_loss) store.count(raw::kSamplesDroppedTableFull);
  return slot;
}

bool add_sample(const RawStore& store, uint64_t key, const int64_t* values, unsigned count) {
  raw::SampleSlot* slot = find_sample_slot(store, key);
  if (slot == nullptr) return false;
  add_values(*slot, values, count);
  store.count(raw::kSamplesRecorded);
  return true;
}

}  // namespace cxxprof
