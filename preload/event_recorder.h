// Records an event of the calling thread with its current stack, from inside an
// interposer (heap, lock, I/O profiles): the counterpart of the SIGPROF handler's
// record_sample for code that is not interrupted but calls us.
//
// Async-signal-safe (an interposed function can be called from the program's signal
// handler): no locks, no allocation. Our own frames (the interposer, this function) are
// removed, so the stack starts at the program's call of the interposed function.
#pragma once

#include <cstdint>

#include "common/raw_format.h"
#include "preload/raw_store.h"

namespace cxxprof {

// Unwinds the calling thread's stack into pcs (leaf first, without our frames) and
// returns the depth.
uint32_t capture_current_stack(const RawStore& store, uint64_t* pcs, uint32_t max_depth);

// The stack id (stack table) of the calling thread's current stack; 0 if none.
uint32_t current_stack_id(const RawStore& store);

// Adds values[0..count) to the sample (kind, this thread, current stack, aux).
void record_event(const RawStore& store, raw::SampleKind kind, uint32_t aux,
                  const int64_t* values, unsigned count);

// The same, for a stack id already captured (e.g. a heap allocation freed later).
void record_event_with_stack(const RawStore& store, raw::SampleKind kind, uint32_t stack_id,
                             uint32_t aux, const int64_t* values, unsigned count);

}  // namespace cxxprof
