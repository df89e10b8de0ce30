// Aggregates samples in the raw store: one slot per sample key (kind, thread, stack, aux),
// values added atomically. Lock-free, async-signal-safe, bounded probing.
#pragma once

#include <cstdint>

#include "preload/raw_store.h"

namespace cxxprof {

// Adds values[0..count) to the slot of `key`, creating it if new. Returns false (and
// counts the loss) if no slot could be found.
bool add_sample(const RawStore& store, uint64_t key, const int64_t* values, unsigned count);

}  // namespace cxxprof
