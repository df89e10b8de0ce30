// What the I/O profile adds to each interposed call, without the system call itself (the
// "real function" here returns at once), piece by piece:
//  - Off: the I/O profile and activity tracking are off (the cost every program pays
//    for the interposer being there);
//  - Unrecorded: --io at the default rate, a call far shorter than the rate: two clock
//    reads and the sampling decision (what nearly every call of a read storm pays);
//  - Recorded: --io=1, every call recorded: stack capture, descriptor label, sample;
//  - Tracked: CXXDEBUG's thread activity tracking on, the I/O profile off.
// The whole-program figures, with real system calls, come from benchmarks/io_overhead.sh.
// Run by `make bench`; figures go in the closing notes, never in test assertions.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <unistd.h>

#include "common/config.h"
#include "preload/io_interposer.h"
#include "preload/io_clock.h"
#include "preload/module_tracker.h"
#include "preload/profiler_state.h"
#include "preload/thread_activity.h"
#include "preload/thread_state.h"

namespace {

// The profiler's own store, active, as in a profiled process.
void activate_profiler(uint64_t io_rate) {
  static bool created = [] {
    static char dir[] = "/tmp/cxxprof-io-bench-XXXXXX";
    if (mkdtemp(dir) == nullptr) std::abort();
    cxxprof::Config config;
    cxxprof::config_init(&config);
    config.io_rate = 1;
    if (!cxxprof::profiler().store.create(dir, config)) std::abort();
    std::atexit([] { std::system((std::string("rm -rf ") + dir).c_str()); });
    cxxprof::refresh_modules(cxxprof::profiler().store, true);
    cxxprof::learn_stack_bounds(cxxprof::current_thread());
    cxxprof::io_clock_init();
    return true;
  }();
  (void)created;
  cxxprof::profiler().active.store(true);
  cxxprof::g_io_rate.store(io_rate);
}

__attribute__((noinline)) ssize_t fake_read(int fd, void* buffer, size_t count) {
  benchmark::DoNotOptimize(buffer);
  return fd >= 0 ? ssize_t(count) : -1;
}

// The interposer as preload/interpose_io_read.cc writes it, around fake_read.
__attribute__((noinline)) ssize_t interposed_read(int fd, void* buffer, size_t count) {
  return cxxprof::io_call({cxxprof::io::Op::kRead, fd, nullptr}, nullptr, "read",
                          [&] { return fake_read(fd, buffer, count); }, cxxprof::transferred);
}

void run(benchmark::State& state) {
  char buffer[16];
  for (auto _ : state) benchmark::DoNotOptimize(interposed_read(0, buffer, sizeof(buffer)));
}

void BM_IoCallDirect(benchmark::State& state) {
  char buffer[16];
  for (auto _ : state) benchmark::DoNotOptimize(fake_read(0, buffer, sizeof(buffer)));
}
BENCHMARK(BM_IoCallDirect);

void BM_IoCallOff(benchmark::State& state) {
  activate_profiler(0);
  run(state);
}
BENCHMARK(BM_IoCallOff);

void BM_IoCallUnrecorded(benchmark::State& state) {
  activate_profiler(cxxprof::kDefaultIoRateNs);
  run(state);
}
BENCHMARK(BM_IoCallUnrecorded);

void BM_IoCallRecorded(benchmark::State& state) {
  activate_profiler(1);
  run(state);
  cxxprof::g_io_rate.store(0);
}
BENCHMARK(BM_IoCallRecorded);

void BM_IoCallTracked(benchmark::State& state) {
  activate_profiler(0);
  cxxprof::g_track_thread_activity.store(true);
  run(state);
  cxxprof::g_track_thread_activity.store(false);
}
BENCHMARK(BM_IoCallTracked);

}  // namespace

BENCHMARK_MAIN();
