#include "preload/event_recorder.h"

#include "preload/unwind_outcome.h"

#include "preload/module_tracker.h"
#include "preload/profiler_state.h"
#include "preload/sample_table.h"
#include "preload/stack_memory.h"
#include "preload/stack_table.h"
#include "preload/thread_state.h"

namespace cxxprof {
namespace {

// The registers of this very function's frame, all at one instruction boundary: a single
// asm block, so rsp cannot move between reading rip and reading rsp.
__attribute__((always_inline)) inline unwind::Registers own_registers() {
  unwind::Registers registers{};
#if defined(__x86_64__)
  uint64_t rip, rsp, rbp;
  asm volatile(
      "leaq 0(%%rip), %0\n\t"
      "movq %%rsp, %1\n\t"
      "movq %%rbp, %2"
      : "=r"(rip), "=r"(rsp), "=r"(rbp));
  registers.set(unwind::kRip, rip);
  registers.set(unwind::kRsp, rsp);
  registers.set(unwind::kRbp, rbp);  // whatever it holds: CFI says whether a frame uses it
#endif
  return registers;
}

}  // namespace

__attribute__((noinline)) uint32_t capture_current_stack(const RawStore& store, uint64_t* pcs,
                                                         uint32_t max_depth) {
  unwind::Registers registers = own_registers();
  const ThreadState& thread = current_thread();
  BoundedStackReader range{0, 0};
  unwind::MemoryReader memory;
  const uint64_t rsp = registers.value[unwind::kRsp];
  if (thread.stack_high != 0 && rsp >= thread.stack_low && rsp < thread.stack_high) {
    range.low = rsp;
    range.high = thread.stack_high;
    memory = bounded_memory_reader(&range);
  } else {
    memory = checked_memory_reader();  // bounds unknown, or on a signal stack
  }
  unwind::UnwindResult result =
      unwind::unwind_stack(current_module_set(), registers, memory, pcs, max_depth);
  // Our frames are the innermost ones (this function, the recorder, the interposer).
  const uint32_t kept = finish_unwind(store, result, pcs);
  // The leaf kept is where the program called the interposer: a return address, not an
  // interrupted instruction. The raw format takes frame 0 as an exact PC, so store the
  // address of the call's last byte: symbolized as is, it names the calling line and its
  // inline chain, not whatever follows the call (often an inlined helper's code).
  if (kept > 0 && kept < result.depth && pcs[0] != 0) pcs[0] -= 1;
  return kept;
}

uint32_t current_stack_id(const RawStore& store) {
  uint64_t pcs[raw::kMaxStackDepth];
  uint32_t depth = capture_current_stack(store, pcs, raw::kMaxStackDepth);
  return depth > 0 ? intern_stack(store, pcs, depth) : 0;
}

void record_event_with_stack(const RawStore& store, raw::SampleKind kind, uint32_t stack_id,
                             uint32_t aux, const int64_t* values, unsigned count) {
  ProfilerState& state = profiler();
  uint32_t slot = current_thread_slot(store, state.generation.load(std::memory_order_relaxed));
  add_sample(store, raw::make_sample_key(kind, slot, stack_id, aux), values, count);
}

void record_event(const RawStore& store, raw::SampleKind kind, uint32_t aux,
                  const int64_t* values, unsigned count) {
  record_event_with_stack(store, kind, current_stack_id(store), aux, values, count);
}

}  // namespace cxxprof
