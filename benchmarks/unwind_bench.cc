// Cost of one DWARF CFI unwind (preload/unwinder.h) of a real stack of this process:
// registers captured once with getcontext() at the bottom of a recursion, then unwound over
// and over while the frames are still live. Reported: time per unwind, the frame count
// ("frames") and frames per second (items_per_second).
#include <benchmark/benchmark.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <ucontext.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "preload/unwinder.h"

namespace {

using namespace cxxprof::unwind;

volatile int g_sink = 0;

struct Setup {
  std::vector<CodeModule> modules;
  uint64_t stack_low = 0, stack_high = 0;

  Setup() {
    dl_iterate_phdr([](dl_phdr_info* info, size_t, void* data) {
      auto* modules = static_cast<std::vector<CodeModule>*>(data);
      CodeModule m;
      if (describe_code_module(info->dlpi_addr, info->dlpi_phdr, info->dlpi_phnum, &m)) {
        modules->push_back(m);
      }
      return 0;
    }, &modules);
    std::sort(modules.begin(), modules.end(),
              [](const CodeModule& a, const CodeModule& b) { return a.start < b.start; });
    pthread_attr_t attr;
    pthread_getattr_np(pthread_self(), &attr);
    void* base;
    size_t size;
    pthread_attr_getstack(&attr, &base, &size);
    pthread_attr_destroy(&attr);
    stack_low = reinterpret_cast<uint64_t>(base);
    stack_high = stack_low + size;
  }
  ModuleSet set() const { return {modules.data(), static_cast<uint32_t>(modules.size())}; }
};

// The reader the SIGPROF handler uses for its own thread: a bounds check and a load.
bool read_stack_word(void* context, uint64_t address, uint64_t* value) {
  const auto* setup = static_cast<const Setup*>(context);
  if (address < setup->stack_low || address > setup->stack_high - 8) return false;
  std::memcpy(value, reinterpret_cast<const void*>(address), 8);
  return true;
}

Registers registers_of(const ucontext_t& context) {
  const greg_t* g = context.uc_mcontext.gregs;
  static constexpr int kGreg[kRegisterCount] = {REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI,
                                                REG_RBP, REG_RSP, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                                REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP};
  Registers regs{};
  for (unsigned r = 0; r < kRegisterCount; ++r) regs.set(r, g[kGreg[r]]);
  return regs;
}

__attribute__((noinline)) void unwind_here(benchmark::State& state, const Setup& setup) {
  ucontext_t context;
  getcontext(&context);
  const Registers regs = registers_of(context);
  const ModuleSet set = setup.set();
  const MemoryReader reader{&read_stack_word, const_cast<Setup*>(&setup)};
  uint64_t pcs[128];
  UnwindResult result{};
  for (auto _ : state) {
    result = unwind_stack(set, regs, reader, pcs, 128);
    benchmark::DoNotOptimize(result);
    benchmark::DoNotOptimize(pcs);
  }
  if (result.stop != StopReason::kEndOfStack) state.SkipWithError("unwind did not reach _start");
  state.counters["frames"] = result.depth;
  state.SetItemsProcessed(state.iterations() * result.depth);
}

// Reference point: glibc's backtrace() (libgcc's unwinder, with its FDE cache) on the
// same stack. Not signal-safe, so not an alternative; only a yardstick.
__attribute__((noinline)) void backtrace_here(benchmark::State& state, const Setup&) {
  void* pcs[128];
  int depth = backtrace(pcs, 128);  // the first call loads libgcc_s
  for (auto _ : state) {
    depth = backtrace(pcs, 128);
    benchmark::DoNotOptimize(pcs);
  }
  state.counters["frames"] = depth;
  state.SetItemsProcessed(state.iterations() * depth);
}

using Leaf = void (*)(benchmark::State&, const Setup&);

__attribute__((noinline)) void recurse(int depth, benchmark::State& state, const Setup& setup,
                                       Leaf leaf) {
  if (depth == 0) {
    leaf(state, setup);
  } else {
    recurse(depth - 1, state, setup, leaf);
  }
  g_sink = depth;  // not a tail call: the frame stays on the stack
}

const Setup& setup() {
  static const Setup instance;
  return instance;
}

void BM_UnwindStack(benchmark::State& state) {
  recurse(static_cast<int>(state.range(0)), state, setup(), &unwind_here);
}
void BM_GlibcBacktrace(benchmark::State& state) {
  recurse(static_cast<int>(state.range(0)), state, setup(), &backtrace_here);
}
// The harness itself contributes about ten frames: Arg(10) gives a ~20-frame stack.
BENCHMARK(BM_UnwindStack)->Arg(0)->Arg(10)->Arg(50);
BENCHMARK(BM_GlibcBacktrace)->Arg(10);

}  // namespace

BENCHMARK_MAIN();
