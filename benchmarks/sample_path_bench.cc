// Cost of what the SIGPROF handler does per sample, piece by piece:
//  - interning a stack that is already in the table (the common case in steady state),
//  - adding to an existing sample slot,
//  - the whole record_sample path (unwind + drop our frames + intern + add) from a real
//    signal context captured once.
// Run by `make bench`; figures go in the closing notes, never in test assertions.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <ucontext.h>
#include <unistd.h>

#include "common/config.h"
#include "preload/module_tracker.h"
#include "preload/raw_store.h"
#include "preload/sample_table.h"
#include "preload/sampling_handler.h"
#include "preload/stack_memory.h"
#include "preload/stack_table.h"
#include "preload/thread_state.h"

namespace {

cxxprof::RawStore& bench_store() {
  static cxxprof::RawStore store;
  static bool created = [] {
    static char dir[] = "/tmp/cxxprof-bench-XXXXXX";
    if (mkdtemp(dir) == nullptr) std::abort();
    cxxprof::Config config;
    cxxprof::config_init(&config);
    config.cpu_hz = 100;
    if (!store.create(dir, config)) std::abort();
    std::atexit([] { std::system((std::string("rm -rf ") + dir).c_str()); });
    return true;
  }();
  (void)created;
  return store;
}

void BM_InternExistingStack(benchmark::State& state) {
  const auto depth = uint32_t(state.range(0));
  uint64_t frames[128];
  for (uint32_t i = 0; i < depth; ++i) frames[i] = 0x400000 + i * 0x40;
  cxxprof::intern_stack(bench_store(), frames, depth);
  for (auto _ : state) {
    benchmark::DoNotOptimize(cxxprof::intern_stack(bench_store(), frames, depth));
  }
}
BENCHMARK(BM_InternExistingStack)->Arg(8)->Arg(32)->Arg(128);

void BM_AddSampleExistingKey(benchmark::State& state) {
  const uint64_t key = cxxprof::raw::make_sample_key(cxxprof::raw::SampleKind::kCpu, 1, 5, 0);
  int64_t values[2] = {1, 10000000};
  for (auto _ : state) {
    benchmark::DoNotOptimize(cxxprof::add_sample(bench_store(), key, values, 2));
  }
}
BENCHMARK(BM_AddSampleExistingKey);

// The whole per-sample path, from a context captured with getcontext in the deepest of
// a chain of live frames: the loop runs in that frame, so everything the unwinder reads
// above it is intact (the same situation as a handler unwinding its interrupted thread).
void record_sample_loop(benchmark::State& state, const ucontext_t& context) {
  cxxprof::refresh_modules(bench_store(), true);
  cxxprof::ThreadState& thread = cxxprof::current_thread();
  cxxprof::learn_stack_bounds(thread);
  cxxprof::unwind::Registers registers = cxxprof::registers_from_context(&context);
  cxxprof::BoundedStackReader range{registers.value[cxxprof::unwind::kRsp] - 128,
                                    thread.stack_high};
  cxxprof::unwind::MemoryReader memory = cxxprof::bounded_memory_reader(&range);
  uint64_t pcs[cxxprof::raw::kMaxStackDepth];
  cxxprof::unwind::UnwindResult probe = cxxprof::unwind::unwind_stack(
      cxxprof::current_module_set(), registers, memory, pcs, cxxprof::raw::kMaxStackDepth);
  for (auto _ : state) {
    cxxprof::record_sample(bench_store(), cxxprof::raw::SampleKind::kCpu, 1, registers, memory,
                           1, 10000000);
  }
  state.counters["frames"] = probe.depth;
  state.counters["end_of_stack"] = probe.stop == cxxprof::unwind::StopReason::kEndOfStack;
}

__attribute__((noinline)) void descend(benchmark::State& state, int levels) {
  if (levels > 0) {
    descend(state, levels - 1);
    benchmark::ClobberMemory();  // not a tail call: the frame stays on the stack
    return;
  }
  ucontext_t context;
  getcontext(&context);
  record_sample_loop(state, context);
}

void BM_RecordSample(benchmark::State& state) { descend(state, int(state.range(0))); }
BENCHMARK(BM_RecordSample)->Arg(20);

}  // namespace

BENCHMARK_MAIN();
