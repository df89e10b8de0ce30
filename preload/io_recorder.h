// The I/O profile's core (DESIGN.md §3): whether an interposed I/O call is profiled, and
// recording the ones Go's blockprofilerate rule picks (preload/event_sampling.h) with
// their calls, bytes and time, scaled so that all three stay unbiased, under the labels
// op, fd_kind and path (common/io_labels.h).
//
// The interposers (preload/interpose_io_*.cc, through preload/io_interposer.h) hold no
// state of ours across the real call: no guard, no lock, nothing to undo if the thread is
// cancelled inside it (read, write, accept, poll... are cancellation points) or if the
// real call runs code that other profiles interpose (getline's realloc). Everything here
// runs after the real call returned, on the calling thread.
//
// Async-signal-safe (read and write are): TLS, atomics, the raw store, and fstat/readlink
// the first time a descriptor is recorded (preload/fd_table.h). Preserves errno.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/io_labels.h"
#include "preload/fd_table.h"
#include "preload/module_tracker.h"
#include "preload/profiler_state.h"
#include "preload/thread_state.h"

namespace cxxprof {

// --io's RATE in ns while the I/O profile records, else 0. Set by its start hook.
extern std::atomic<uint64_t> g_io_rate __attribute__((visibility("hidden")));

// What a call is about. For stdio calls `stream` is the FILE*, and its descriptor is
// looked up only if the call is recorded (or its thread's activity is tracked).
struct IoCallSite {
  io::Op op;
  int fd;
  void* stream;
  // splice: if `fd` turns out to be a pipe, the sample is labelled with this one instead.
  int unless_pipe_then = -1;
  // fclose: the label, looked up before the call closed the descriptor (io_label_of).
  const FdLabel* label = nullptr;
};

// The label of `fd` now, for calls that will close it. Preserves errno.
FdLabel io_label_of(int fd);

// The descriptor a call is about: site.fd, or fileno(site.stream) (-1 if it has none).
// Preserves errno.
int io_call_fd(const IoCallSite& site);

// The rate for a call made from `caller` (the interposer's return address), or 0 when
// it is not profiled: I/O profile off, profiler inactive (before our constructor, in a
// --no-follow child), called from inside an interposer's own work on this thread, or
// called by the profiler itself (its service thread reading /proc, its diagnostics).
inline uint64_t io_rate_for_call(const void* caller) {
  const uint64_t rate = g_io_rate.load(std::memory_order_relaxed);
  if (rate == 0) return 0;
  if (current_thread().interposer_depth != 0) return 0;
  if (is_profiler_code(reinterpret_cast<uint64_t>(caller))) return 0;
  if (active_store() == nullptr) return 0;
  return rate;
}

// Ends a profiled call that began at `start` (io_clock_now()) and moved `bytes` bytes:
// records it if the sampling rule picks it. Preserves errno.
void finish_io_call(const IoCallSite& site, uint64_t rate, uint64_t start, int64_t bytes);

// The values a recorded call adds to its sample, given its duration (exposed for tests):
// calls, bytes, time per io::kValue*, scaled for sampling so their expectations are exact.
// False if the rule does not record this call.
bool io_sample_values(uint64_t duration_ns, uint64_t rate, int64_t bytes,
                      int64_t values[io::kValueCount]);

// The I/O profile's start hook (also run in a profiled fork child): picks the clock,
// then switches recording on at the store's rate.
void start_io_profile(const RawStore& store);

}  // namespace cxxprof
