// The SIGPROF handler shared by the CPU sampler (per-thread CPU timers) and the wall
// sampler (signals sent to running threads). It unwinds the interrupted context and adds
// one sample to the raw store.
//
// Async-signal-safe (DESIGN.md §2.3): no locks, no allocation, never enters the loader.
// Signals it did not send (other si_code/si_value) are left alone.
#pragma once

#include <cstdint>
#include <ucontext.h>

#include "common/raw_format.h"
#include "preload/raw_store.h"
#include "preload/unwinder.h"

namespace cxxprof {

// Installs the handler (SA_SIGINFO|SA_RESTART). Constructor / fork child only.
bool install_sampling_handler();

// Captures the stack of `registers` (unwinding with `memory`), drops our own frames, and
// returns its id in the store (0: no frame). Signal-safe.
uint32_t capture_stack(const RawStore& store, const unwind::Registers& registers,
                       const unwind::MemoryReader& memory);

// capture_stack in two steps, for a caller that decides after unwinding whether the stack
// is worth keeping (the wall sampler discards stacks read while their thread moved):
// unwind_only fills pcs[raw::kMaxStackDepth] and touches no store; keep_stack counts why
// the unwind stopped short, drops our frames and returns the stack's id.
unwind::UnwindResult unwind_only(const unwind::Registers& registers,
                                 const unwind::MemoryReader& memory, uint64_t* pcs);
uint32_t keep_stack(const RawStore& store, const unwind::UnwindResult& result, uint64_t* pcs);

// capture_stack, then adds values to (kind, thread_slot, stack). Signal-safe.
void record_sample(const RawStore& store, raw::SampleKind kind, uint32_t thread_slot,
                   const unwind::Registers& registers, const unwind::MemoryReader& memory,
                   int64_t value0, int64_t value1);

// Registers of an interrupted context.
unwind::Registers registers_from_context(const ucontext_t* context);

}  // namespace cxxprof
