#include "preload/sampling_handler.h"

#include <cerrno>
#include <csignal>
#include <cstring>

#include "preload/module_tracker.h"
#include "preload/profiler_state.h"
#include "preload/program_sigprof.h"
#include "preload/sample_table.h"
#include "preload/stack_memory.h"
#include "preload/stack_table.h"
#include "preload/thread_state.h"
#include "preload/unwind_outcome.h"
#include "preload/wall_sampler.h"

namespace cxxprof {
namespace {

// Bytes below the interrupted stack pointer that may hold live data (x86-64 red zone);
// the unwinder never needs them, but a leaf's CFA rule can point there.
constexpr uint64_t kRedZone = 128;

void handle_sigprof(int, siginfo_t* info, void* context) {
  int saved_errno = errno;
  raw::SampleKind kind = raw::SampleKind::kNone;
  int64_t ticks = 1;
  ProfilerState& state = profiler();
  int64_t period = int64_t(state.cpu_period_ns);
  if (info->si_code == SI_TIMER && info->si_value.sival_int == kCpuSignalTag) {
    kind = raw::SampleKind::kCpu;
    ticks += info->si_overrun > 0 ? info->si_overrun : 0;
  } else if (info->si_code == SI_QUEUE && info->si_value.sival_int == kWallSignalTag) {
    kind = raw::SampleKind::kWall;
    period = int64_t(wall_signal_interval_ns(info->si_value));
  }
  if (kind == raw::SampleKind::kNone) {
    // Not ours: the program's own SIGPROF (its itimer, or kill -PROF) goes where the
    // program asked (preload/program_sigprof.h).
    errno = saved_errno;
    forward_sigprof_to_program(SIGPROF, info, context);
    return;
  }
  const RawStore* store = active_store();
  if (store == nullptr) {  // a tick still pending after profiling stopped (fork child)
    errno = saved_errno;
    return;
  }
  if (ticks > 1) store->count(raw::kTimerOverruns, uint64_t(ticks - 1));
  ThreadState& thread = current_thread();
  uint32_t slot = current_thread_slot(*store, state.generation.load(std::memory_order_relaxed));
  unwind::Registers registers = registers_from_context(static_cast<const ucontext_t*>(context));
  if (thread.in_profiler) {
    // Inside our own bookkeeping: charge the tick to the program's caller frames only
    // through the leaf, never re-entering structures this thread may be updating.
    store->count(raw::kSamplesInProfiler);
    uint64_t leaf = registers.value[unwind::kRip];
    uint32_t stack = intern_stack(*store, &leaf, 1);
    int64_t values[2] = {ticks, ticks * period};
    add_sample(*store, raw::make_sample_key(kind, slot, stack, 0), values, 2);
    errno = saved_errno;
    return;
  }
  BoundedStackReader range{0, 0};
  unwind::MemoryReader memory;
  if (thread.stack_high != 0 && registers.value[unwind::kRsp] >= thread.stack_low &&
      registers.value[unwind::kRsp] < thread.stack_high) {
    range.low = registers.value[unwind::kRsp] - kRedZone;
    range.high = thread.stack_high;
    memory = bounded_memory_reader(&range);
  } else {
    // Unknown bounds, or running on an alternate signal stack: use checked reads.
    memory = checked_memory_reader();
  }
  record_sample(*store, kind, slot, registers, memory, ticks, ticks * period);
  errno = saved_errno;
}

}  // namespace

unwind::Registers registers_from_context(const ucontext_t* context) {
  unwind::Registers r{};
#if defined(__x86_64__)
  const greg_t* g = context->uc_mcontext.gregs;
  r.set(unwind::kRax, uint64_t(g[REG_RAX]));
  r.set(unwind::kRdx, uint64_t(g[REG_RDX]));
  r.set(unwind::kRcx, uint64_t(g[REG_RCX]));
  r.set(unwind::kRbx, uint64_t(g[REG_RBX]));
  r.set(unwind::kRsi, uint64_t(g[REG_RSI]));
  r.set(unwind::kRdi, uint64_t(g[REG_RDI]));
  r.set(unwind::kRbp, uint64_t(g[REG_RBP]));
  r.set(unwind::kRsp, uint64_t(g[REG_RSP]));
  r.set(unwind::kR8, uint64_t(g[REG_R8]));
  r.set(unwind::kR9, uint64_t(g[REG_R9]));
  r.set(unwind::kR10, uint64_t(g[REG_R10]));
  r.set(unwind::kR11, uint64_t(g[REG_R11]));
  r.set(unwind::kR12, uint64_t(g[REG_R12]));
  r.set(unwind::kR13, uint64_t(g[REG_R13]));
  r.set(unwind::kR14, uint64_t(g[REG_R14]));
  r.set(unwind::kR15, uint64_t(g[REG_R15]));
  r.set(unwind::kRip, uint64_t(g[REG_RIP]));
#else
  (void)context;
#endif
  return r;
}

unwind::UnwindResult unwind_only(const unwind::Registers& registers,
                                 const unwind::MemoryReader& memory, uint64_t* pcs) {
  return unwind::unwind_stack(current_module_set(), registers, memory, pcs, raw::kMaxStackDepth);
}

uint32_t keep_stack(const RawStore& store, const unwind::UnwindResult& result, uint64_t* pcs) {
  const uint32_t depth = finish_unwind(store, result, pcs);
  return depth > 0 ? intern_stack(store, pcs, depth) : 0;
}

uint32_t capture_stack(const RawStore& store, const unwind::Registers& registers,
                       const unwind::MemoryReader& memory) {
  uint64_t pcs[raw::kMaxStackDepth];
  return keep_stack(store, unwind_only(registers, memory, pcs), pcs);
}

void record_sample(const RawStore& store, raw::SampleKind kind, uint32_t thread_slot,
                   const unwind::Registers& registers, const unwind::MemoryReader& memory,
                   int64_t value0, int64_t value1) {
  const uint32_t stack = capture_stack(store, registers, memory);
  int64_t values[2] = {value0, value1};
  add_sample(store, raw::make_sample_key(kind, thread_slot, stack, 0), values, 2);
}

bool install_sampling_handler() {
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_sigaction = &handle_sigprof;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  if (sigprof_is_ours()) return true;  // a forked child inherits it
  struct sigaction previous;
  if (real_sigaction(SIGPROF, &action, &previous) != 0) return false;
  // What was there before (SIG_DFL, or a handler installed before our constructor) is the
  // program's disposition from now on.
  set_program_sigprof_action(previous);
  mark_sigprof_ours();
  return true;
}

}  // namespace cxxprof
