// CXXDEBUG=allocfreetrace=1 (cxxprof(7)): one line per allocation and free, with the
// operation, address, size, thread and stack:
//
//   ALLOC 12ms: fn=malloc ptr=0x55d0c8a4b2c0 size=24 tid=4242 thread=worker stack: ...
//
// Under cxxprof-run the event goes to the launcher (alloc_trace_channel.h), which prints
// the line with function names; otherwise, or when the launcher is gone, the line is
// written here with each frame as module+offset (the offset of the call instruction,
// for `addr2line -f -e MODULE OFFSET`), after a one-time hint to run under cxxprof-run.
//
// Runs inside the heap interposers (allocation observer), re-entry guard held: no
// allocation, no locks. Costly by nature — a stack unwind and a write per event — like
// Go's allocfreetrace; meant for debugging runs, not production.
#pragma once

#include <cstddef>

#include "preload/heap_statistics.h"
#include "preload/raw_store.h"

namespace cxxprof {

// Start-up (and a forked child): connects to the launcher lazily if it named a socket.
void start_alloc_trace(const RawStore& store);

// One event, from the allocation observer.
void alloc_trace_event(AllocationEventKind kind, const char* function, void* pointer,
                       size_t size);

}  // namespace cxxprof
