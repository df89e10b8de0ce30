// Wall-clock sampling of every thread, running or blocked (DESIGN.md §3, wall.pb.gz).
//
// Each tick, for each thread of the process (but the service thread):
//  - running (/proc/self/task/T/syscall says "running"): it is sent SIGPROF tagged as a
//    wall sample, and unwinds itself in the handler like a CPU sample;
//  - blocked: it is NOT signalled (a signal would interrupt sleeps, poll, epoll_wait and
//    friends with EINTR and change what the program does). Instead the kernel's record
//    of its user stack pointer and PC at the blocking syscall (the same file) seeds an
//    unwind of its stack from here, with checked memory reads. The sample is kept only if
//    the thread is still blocked there afterwards and has not run meanwhile.
// Runs on the service thread only.
#pragma once

#include <cstdint>
#include <sys/types.h>

#include "preload/raw_store.h"

namespace cxxprof {

// Takes one wall sample of every thread except `self_tid`, each worth `period_ns`.
void wall_sample_tick(const RawStore& store, pid_t self_tid, uint64_t period_ns,
                      uint32_t generation);

}  // namespace cxxprof
