#include "preload/sample_table.h"

namespace cxxprof {
namespace {

constexpr uint32_t kMaxProbes = 128;

uint64_t mix(uint64_t x) {
  x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdu;
  x = (x ^ (x >> 33)) * 0xc4ceb9fe1a85ec53u;
  return x ^ (x >> 33);
}

void add_values(raw::SampleSlot& slot, const int64_t* values, unsigned count) {
  for (unsigned i = 0; i < count && i < raw::kSampleValues; ++i) {
    if (values[i] != 0) slot.values[i].fetch_add(values[i], std::memory_order_relaxed);
  }
}

}  // namespace

raw::SampleSlot* find_sample_slot(const RawStore& store, uint64_t key) {
  raw::Header* header = store.header();
  raw::SampleSlot* slots = store.samples();
  const uint64_t mask = header->samples.capacity - 1;
  uint64_t index = mix(key) & mask;
  for (uint32_t probe = 0; probe < kMaxProbes; ++probe, index = (index + 1) & mask) {
    uint64_t current = slots[index].key.load(std::memory_order_acquire);
    if (current == 0) {
      uint64_t expected = 0;
      if (slots[index].key.compare_exchange_strong(expected, key, std::memory_order_acq_rel,
                                                   std::memory_order_acquire)) {
        current = key;
      } else {
        current = expected;
      }
    }
    if (current == key) return &slots[index];
  }
  store.count(raw::kSamplesDroppedTableFull);
  return nullptr;
}

bool add_sample(const RawStore& store, uint64_t key, const int64_t* values, unsigned count) {
  raw::SampleSlot* slot = find_sample_slot(store, key);
  if (slot == nullptr) return false;
  add_values(*slot, values, count);
  store.count(raw::kSamplesRecorded);
  return true;
}

}  // namespace cxxprof
