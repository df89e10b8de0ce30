// Interns stacks in the raw store: each distinct stack is stored once and named by its
// slot index (the stack id). Lock-free (open addressing, claim by compare-exchange).
//
// Async-signal-safe: no locks, no allocation. A thread interrupted in the middle of an
// insert by its own signal handler cannot deadlock: nothing ever waits.
#pragma once

#include <cstdint>

#include "preload/raw_store.h"

namespace cxxprof {

// Returns the id of the stack pcs[0..depth) (leaf first), inserting it if new; 0 if the
// table or the frame pool is full (counted in the store).
uint32_t intern_stack(const RawStore& store, const uint64_t* pcs, uint32_t depth);

// The hash used for stacks (exposed for tests).
uint64_t hash_stack(const uint64_t* pcs, uint32_t depth);

}  // namespace cxxprof
