#include "preload/stack_table.h"

namespace cxxprof {
namespace {

// Probes before giving up on a full or clustered table; bounds the handler's work.
constexpr uint32_t kMaxProbes = 64;

bool same_frames(const uint64_t* stored, const uint64_t* pcs, uint32_t depth) {
  for (uint32_t i = 0; i < depth; ++i) {
    if (stored[i] != pcs[i]) return false;
  }
  return true;
}

}  // namespace

uint64_t hash_stack(const uint64_t* pcs, uint32_t depth) {
  // 64-bit mix per frame (from splitmix64): cheap, and spreads nearby return addresses.
  uint64_t h = 0x9e3779b97f4a7c15u ^ depth;
  for (uint32_t i = 0; i < depth; ++i) {
    uint64_t x = pcs[i] + h;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    h = x ^ (x >> 31);
  }
  return h;
}

uint32_t intern_stack(const RawStore& store, const uint64_t* pcs, uint32_t depth) {
  raw::Header* header = store.header();
  if (depth > raw::kMaxStackDepth) depth = raw::kMaxStackDepth;
  const uint64_t capacity = header->stack_slots.capacity;
  const uint64_t mask = capacity - 1;
  std::atomic<uint64_t>* slots = store.stack_slots();
  uint64_t* pool = store.frame_pool();
  const uint64_t hash = hash_stack(pcs, depth);

  uint64_t reserved_offset = 0;
  bool reserved = false;
  uint64_t index = hash & mask;
  for (uint32_t probe = 0; probe < kMaxProbes; ++probe, index = (index + 1) & mask) {
    if (index == 0) continue;  // id 0 means "no stack"
    uint64_t value = slots[index].load(std::memory_order_acquire);
    if (value == 0) {
      if (!reserved) {
        // Write the frames where nobody can see them yet, then publish with one CAS.
        reserved_offset = header->frame_pool_used.fetch_add(depth + 1, std::memory_order_relaxed);
        if (reserved_offset + depth + 1 > header->frame_pool.capacity) {
          store.count(raw::kStacksDroppedPoolFull);
          return 0;
        }
        pool[reserved_offset] = hash;
        for (uint32_t i = 0; i < depth; ++i) pool[reserved_offset + 1 + i] = pcs[i];
        reserved = true;
      }
      uint64_t expected = 0;
      if (slots[index].compare_exchange_strong(expected,
                                               raw::pack_stack_slot(reserved_offset, depth),
                                               std::memory_order_release,
                                               std::memory_order_acquire)) {
        return uint32_t(index);
      }
      value = expected;  // another thread took the slot first; maybe with our stack
    }
    uint64_t offset = raw::stack_slot_offset(value);
    if (raw::stack_slot_depth(value) == depth && pool[offset] == hash &&
        same_frames(pool + offset + 1, pcs, depth)) {
      // Frames reserved by us (if any) stay unused: a rare race, bounded waste.
      return uint32_t(index);
    }
  }
  store.count(raw::kStacksDroppedPoolFull);
  return 0;
}

}  // namespace cxxprof
