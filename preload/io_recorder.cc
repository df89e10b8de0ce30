#include "preload/io_recorder.h"

#include <cerrno>
#include <cstdio>

#include "preload/event_recorder.h"
#include "preload/event_sampling.h"
#include "preload/fd_table.h"
#include "preload/io_clock.h"
#include "preload/reentry_guard.h"
#include "preload/startup_hooks.h"

namespace cxxprof {

std::atomic<uint64_t> g_io_rate{0};

namespace {

// The unlikely part of finish_io_call, out of line so the common path (not recorded)
// stays a few instructions.
__attribute__((noinline)) void record_io_call(const IoCallSite& site,
                                              const int64_t values[io::kValueCount]) {
  const int saved_errno = errno;
  {
    // Everything below (fstat, readlink, unwinding) that reaches an interposer goes
    // straight to the real function.
    ReentryGuard guard;
    const RawStore* store = active_store();
    if (store != nullptr) {
      FdLabel label = site.label != nullptr ? *site.label : fd_label(*store, io_call_fd(site));
      if (label.kind == io::FdKind::kPipe && site.unless_pipe_then >= 0) {
        label = fd_label(*store, site.unless_pipe_then);
      }
      record_event(*store, raw::SampleKind::kIo, io::pack_aux(site.op, label.kind, label.path_id),
                   values, io::kValueCount);
      io_clock_refine();
    }
  }
  errno = saved_errno;
}

}  // namespace

int io_call_fd(const IoCallSite& site) {
  if (site.stream == nullptr) return site.fd;
  const int saved_errno = errno;
  const int fd = fileno(static_cast<FILE*>(site.stream));  // EBADF for memory streams
  errno = saved_errno;
  return fd;
}

FdLabel io_label_of(int fd) {
  const int saved_errno = errno;
  FdLabel label{io::FdKind::kOther, io::kNoPath};
  {
    ReentryGuard guard;
    if (const RawStore* store = active_store(); store != nullptr) label = fd_label(*store, fd);
  }
  errno = saved_errno;
  return label;
}

bool io_sample_values(uint64_t duration_ns, uint64_t rate, int64_t bytes,
                      int64_t values[io::kValueCount]) {
  const DurationSample sample = sample_duration(duration_ns, rate);
  if (!sample.record) return false;
  values[io::kValueCalls] = sample.count;
  // A call shorter than the rate stands for rate/duration calls like it: its bytes scale
  // as its count does (each rounded at random, so both stay unbiased).
  const bool scaled = rate > 1 && duration_ns < rate;
  values[io::kValueBytes] = scaled ? scale_unbiased(bytes, rate, duration_ns) : bytes;
  values[io::kValueTime] = sample.delay;
  return true;
}

void finish_io_call(const IoCallSite& site, uint64_t rate, uint64_t start, int64_t bytes) {
  const uint64_t duration = io_clock_elapsed_ns(start, io_clock_now());
  int64_t values[io::kValueCount];
  if (!io_sample_values(duration, rate, bytes < 0 ? 0 : bytes, values)) return;
  record_io_call(site, values);
}

void start_io_profile(const RawStore& store) {
  const uint64_t rate = store.header()->io_rate;
  if (rate == 0) return;
  ReentryGuard guard;  // our own read of /sys is not the program's I/O
  io_clock_init();
  g_io_rate.store(rate, std::memory_order_release);
}

CXXPROF_ON_START(start_io_profile);

}  // namespace cxxprof
