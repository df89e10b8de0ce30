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

#include <csignal>
#include <cstdint>
#include <sys/types.h>

#include "preload/raw_store.h"

namespace cxxprof {

// Takes one wall sample of every thread except `self_tid`, each worth `interval_ns`: the
// time since the previous tick, which is the period unless ticks came late.
void wall_sample_tick(const RawStore& store, pid_t self_tid, uint64_t interval_ns,
                      uint32_t generation);

// The SIGPROF a tick sends a running thread carries the sampler's tag in sival_int (the
// low half of sival_ptr on x86-64) and the tick's interval, in microseconds, in the high
// half, so the handler charges the same time as for the blocked threads of that tick.
static_assert(sizeof(void*) == 8 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the tag must be the low half of sival_ptr, where sival_int reads it");
inline sigval wall_signal_value(uint64_t interval_ns, int tag) {
  uint64_t micros = interval_ns / 1000;
  if (micros > UINT32_MAX) micros = UINT32_MAX;
  sigval value;
  value.sival_ptr = reinterpret_cast<void*>(micros << 32 | uint32_t(tag));
  return value;
}
inline uint64_t wall_signal_interval_ns(const sigval& value) {
  return (reinterpret_cast<uint64_t>(value.sival_ptr) >> 32) * 1000;
}

}  // namespace cxxprof
