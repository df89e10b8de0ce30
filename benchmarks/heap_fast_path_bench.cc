// Cost of the heap profile per malloc/free pair, measured on the core's own entry points
// (preload/heap_profiler.h: what the interposers call around the real functions), so it
// needs no LD_PRELOAD:
//   - BM_MallocFreePlain: the pair alone (the allocator's own cost, the baseline);
//   - BM_MallocFreeHeapOff: with the hooks, heap profile off (what every program with
//     libcxxprof.so loaded for another profile pays);
//   - BM_MallocFreeSampled: the default rate (512 KiB): the unsampled fast paths, plus
//     one sample per ~2000 pairs of 256 bytes;
//   - BM_MallocFreeRateOne: every allocation a sample (stack cache warm).
//   - BM_MallocFreeRing: the malloc storm's pattern in one thread (random sizes of
//     1..512 bytes, the last 64 blocks kept live), no hooks: with the library preloaded
//     it measures the interposers on addresses that move, where the free filter's and
//     the tables' cache footprint shows (a pair on one address keeps them all in L1).
// benchmarks/heap_overhead.sh also runs BM_MallocFreePlain and BM_MallocFreeRing with
// libcxxprof.so preloaded (CXXPROF_HEAP set): the whole interposer, loaded vs not.
// Figures go in closing notes, never in test assertions.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <unistd.h>

#include "common/config.h"
#include "preload/heap_profiler.h"
#include "preload/heap_stack_cache.h"
#include "preload/module_tracker.h"
#include "preload/raw_store.h"
#include "preload/thread_state.h"

namespace {

// One store for the process; the heap profile restarted at each benchmark's rate.
cxxprof::RawStore& bench_store() {
  static cxxprof::RawStore store;
  static bool created = [] {
    static char dir[] = "/tmp/cxxprof-heap-bench-XXXXXX";
    if (mkdtemp(dir) == nullptr) std::abort();
    cxxprof::Config config;
    cxxprof::config_init(&config);
    config.heap_rate = 524288;
    if (!store.create(dir, config)) std::abort();
    cxxprof::refresh_modules(store, true);
    cxxprof::learn_stack_bounds(cxxprof::current_thread());
    std::atexit([] { std::system((std::string("rm -rf ") + dir).c_str()); });
    return true;
  }();
  (void)created;
  return store;
}

__attribute__((noinline)) void pair(size_t size, bool hooks) {
  void* p = std::malloc(size);
  benchmark::DoNotOptimize(p);
  if (hooks) {
    cxxprof::heap::on_allocation(p, size, "malloc");
    cxxprof::heap::on_free(p, "free");
  }
  std::free(p);
}

void BM_MallocFreePlain(benchmark::State& state) {
  const size_t size = size_t(state.range(0));
  for (auto _ : state) pair(size, false);
}
BENCHMARK(BM_MallocFreePlain)->Arg(32)->Arg(256);

void BM_MallocFreeRing(benchmark::State& state) {
  constexpr int kLive = 64;
  void* live[kLive] = {};
  uint64_t x = 0x9e3779b97f4a7c15u;
  int slot = 0;
  for (auto _ : state) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::free(live[slot]);
    live[slot] = std::malloc(1 + (x & 511));
    benchmark::DoNotOptimize(live[slot]);
    slot = (slot + 1) & (kLive - 1);
  }
  for (void* p : live) std::free(p);
}
BENCHMARK(BM_MallocFreeRing);

void run_with_hooks(benchmark::State& state, uint64_t rate) {
  cxxprof::heap::start_heap_profile_for(bench_store(), rate);
  const size_t size = size_t(state.range(0));
  for (auto _ : state) pair(size, true);
  const auto cache = cxxprof::heap::stack_cache_stats();
  state.counters["stack_cache_hits"] = double(cache.hits);
  state.counters["stack_cache_misses"] = double(cache.misses);
}

void BM_MallocFreeHeapOff(benchmark::State& state) {
  // The fast paths with nothing due: a rate so large that no allocation is sampled
  // (the same branch not taken as with the profile off).
  cxxprof::heap::start_heap_profile_for(bench_store(), uint64_t(1) << 62);
  const size_t size = size_t(state.range(0));
  for (auto _ : state) pair(size, true);
}
BENCHMARK(BM_MallocFreeHeapOff)->Arg(32)->Arg(256);

void BM_MallocFreeSampled(benchmark::State& state) { run_with_hooks(state, 524288); }
BENCHMARK(BM_MallocFreeSampled)->Arg(32)->Arg(256);

void BM_MallocFreeRateOne(benchmark::State& state) { run_with_hooks(state, 1); }
BENCHMARK(BM_MallocFreeRateOne)->Arg(32)->Arg(256);

}  // namespace

BENCHMARK_MAIN();
