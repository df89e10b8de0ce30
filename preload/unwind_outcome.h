// What every stack capture does after unwinding, in one place (the SIGPROF handler, the
// event recorder, the heap's stack cache): count why the unwind stopped short, and drop
// our own frames (an interposer, the handler's caller, the thread-start trampoline) so
// stacks read as if we were not there. Async-signal-safe.
#pragma once

#include <cstdint>

#include "preload/raw_store.h"
#include "preload/unwinder.h"

namespace cxxprof {

// Accounts for `result` in the store and compacts pcs[0..result.depth) to the program's
// frames; returns how many remain.
uint32_t finish_unwind(const RawStore& store, const unwind::UnwindResult& result, uint64_t* pcs);

}  // namespace cxxprof
