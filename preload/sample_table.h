// Aggregates samples in the raw store: one slot per sample key (kind, thread, stack, aux),
// values added atomically. Lock-free, async-signal-safe, bounded probing.
#pragma once

#include <cstdint>

#include "preload/raw_store.h"

namespace cxxprof {

// Adds values[0..count) to the slot of `key`, creating it if new. Returns false (and
// counts the loss) if no slot could be found.
bool add_sample(const RawStore& store, uint64_t key, const int64_t* values, unsigned count);

// The slot of `key`, created if new; null (the loss counted) if no slot could be found.
// For a writer that adds to one key very often (the heap profile at RATE=1): it keeps the
// slot and adds to its values itself (relaxed fetch_add), skipping the probe and the
// shared kSamplesRecorded counter, which counts add_sample calls only.
raw::SampleSlot* find_sample_slot(const RawStore& store, uint64_t key);

}  // namespace cxxprof
