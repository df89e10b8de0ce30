// Memory readers for the unwinder (unwind::MemoryReader). Async-signal-safe.
//  - BoundedStackReader: direct loads, only inside a known stack range. The fast path of
//    the SIGPROF handler, where the interrupted thread is the current one.
//  - checked_memory_reader(): process_vm_readv on our own process: a bad address returns
//    EFAULT instead of a SIGSEGV. For threads whose stack bounds we do not know, and for
//    other threads' stacks (the wall sampler), which can change or vanish under us.
#pragma once

#include <cstdint>

#include "preload/unwinder.h"

namespace cxxprof {

struct BoundedStackReader {
  uint64_t low;
  uint64_t high;
};

unwind::MemoryReader bounded_memory_reader(BoundedStackReader* range);
unwind::MemoryReader checked_memory_reader();

}  // namespace cxxprof
