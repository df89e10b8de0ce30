#include "preload/heap_stack_cache.h"

#include "preload/unwind_outcome.h"

#include "common/raw_format.h"
#include "preload/module_tracker.h"
#include "preload/stack_memory.h"
#include "preload/stack_table.h"
#include "preload/thread_state.h"
#include "preload/unwinder.h"

namespace cxxprof::heap {
namespace {

constexpr unsigned kEntries = 4;
constexpr unsigned kMaxChecks = 40;

struct Word {
  uint64_t address;
  uint64_t value;
};

struct Entry {
  uint64_t rsp;
  uint64_t rbp;
  const void* modules;
  const void* store;
  uint32_t stack_id;
  uint32_t checks;  // 0: empty entry
  Word words[kMaxChecks];
};

struct ThreadCache {
  Entry entries[kEntries];
  uint32_t next_victim;
  uint64_t hits;
  uint64_t misses;
};

__thread ThreadCache t_cache __attribute__((tls_model("initial-exec")));

// Passes reads through and keeps those that decide the result: values that are stack
// addresses (saved frame pointers, CFAs) or code addresses (return addresses). Few per
// frame, so the buffer stays small (this runs on the program's stack, maybe a signal
// stack); past kMaxChecks the unwind is not cached.
struct RecordingReader {
  unwind::MemoryReader inner;
  const unwind::ModuleSet* modules;
  uint64_t stack_low;
  uint64_t stack_high;
  Word words[kMaxChecks];
  uint32_t count;
  bool overflow;
};

bool recording_read(void* context, uint64_t address, uint64_t* value) {
  auto* reader = static_cast<RecordingReader*>(context);
  if (!reader->inner.read_word(reader->inner.context, address, value)) return false;
  const uint64_t v = *value;
  unwind::CodeModule located;
  const bool decides = (v >= reader->stack_low && v < reader->stack_high) ||
                       unwind::locate_module(*reader->modules, v, &located) != nullptr;
  if (!decides) return true;
  if (reader->count < kMaxChecks) {
    reader->words[reader->count++] = Word{address, v};
  } else {
    reader->overflow = true;
  }
  return true;
}

bool matches(const Entry& entry) {
  // Differences accumulated, one branch at the end: a hit (the common case) reads every
  // word anyway, and this is the hottest loop of a sample at RATE=1.
  uint64_t differences = 0;
  for (uint32_t i = 0; i < entry.checks; ++i) {
    // In our own stack above the current rsp (which is the entry's rsp): readable.
    differences |= *reinterpret_cast<const volatile uint64_t*>(entry.words[i].address) ^ entry.words[i].value;
  }
  return differences == 0;
}

// The miss: unwinds from the registers current_heap_stack_id captured in its own frame
// (still live: it called us, so its frame and everything above it are intact), interns
// the stack and remembers it. Out of line, so that the hit path does not set up the
// unwinder's registers and buffers (zeroing them cost more than the rest of a hit).
__attribute__((noinline)) uint32_t unwind_and_remember(const RawStore& store, uint64_t rip,
                                                       uint64_t rsp, uint64_t rbp,
                                                       const ThreadState& thread,
                                                       const unwind::ModuleSet& modules,
                                                       bool bounded) {
  ThreadCache& cache = t_cache;
  ++cache.misses;
  unwind::Registers registers{};
#if defined(__x86_64__)
  registers.set(unwind::kRip, rip);
  registers.set(unwind::kRsp, rsp);
  registers.set(unwind::kRbp, rbp);  // current_heap_stack_id's frame base (see there)
#else
  (void)rip;
  (void)rbp;
#endif
  BoundedStackReader range{rsp, thread.stack_high};
  RecordingReader recorder;
  recorder.inner = bounded ? bounded_memory_reader(&range) : checked_memory_reader();
  recorder.modules = &modules;
  recorder.stack_low = rsp;
  recorder.stack_high = thread.stack_high;
  recorder.count = 0;
  recorder.overflow = false;
  const unwind::MemoryReader memory{&recording_read, &recorder};
  uint64_t pcs[raw::kMaxStackDepth];
  const unwind::UnwindResult result =
      unwind::unwind_stack(modules, registers, memory, pcs, raw::kMaxStackDepth);
  // Our own frames (this function, the heap core, the interposer) are left out.
  uint32_t kept = finish_unwind(store, result, pcs);
  uint32_t stack_id = 0;
  if (kept > 0) {
    pcs[0] -= 1;  // a return address: step back into the call
    stack_id = intern_stack(store, pcs, kept);
  }
  // Only a complete unwind, over our own stack's words, is remembered.
  if (bounded && !recorder.overflow && result.stop == unwind::StopReason::kEndOfStack &&
      stack_id != 0) {
    Entry& entry = cache.entries[cache.next_victim];
    cache.next_victim = (cache.next_victim + 1) % kEntries;
    entry.checks = 0;  // empty while being written: a signal handler's lookup skips it
    for (uint32_t i = 0; i < recorder.count; ++i) entry.words[i] = recorder.words[i];
    entry.rsp = rsp;
    entry.rbp = rbp;
    entry.modules = &modules;
    entry.store = store.header();
    entry.stack_id = stack_id;
    asm volatile("" ::: "memory");  // publish the words before the count
    entry.checks = recorder.count;
  }
  return stack_id;
}

}  // namespace

// This one function keeps a frame pointer (the library is built without them): %rbp is
// then its own frame's base, a function of rsp alone, so the cache key (rsp, rbp) repeats
// for repeated calls from the same site. Without it, %rbp would hold whatever data the
// program keeps there and almost no lookup would hit.
__attribute__((noinline, optimize("no-omit-frame-pointer"))) uint32_t current_heap_stack_id(
    const RawStore& store) {
  uint64_t rip = 0, rsp = 0, rbp = 0;
#if defined(__x86_64__)
  // One asm block: rip, rsp and rbp of this frame at the same instruction boundary.
  asm volatile(
      "leaq 0(%%rip), %0\n\t"
      "movq %%rsp, %1\n\t"
      "movq %%rbp, %2"
      : "=r"(rip), "=r"(rsp), "=r"(rbp));
#endif
  ThreadCache& cache = t_cache;
  const ThreadState& thread = current_thread();
  const unwind::ModuleSet& modules = current_module_set();
  const void* store_identity = store.header();
  const bool bounded = thread.stack_high != 0 && rsp >= thread.stack_low && rsp < thread.stack_high;
  if (bounded) {
    for (const Entry& entry : cache.entries) {
      if (entry.checks != 0 && entry.rsp == rsp && entry.rbp == rbp && entry.modules == &modules &&
          entry.store == store_identity && matches(entry)) {
        ++cache.hits;
        return entry.stack_id;
      }
    }
  }
  uint32_t stack_id = unwind_and_remember(store, rip, rsp, rbp, thread, modules, bounded);
  // Not a tail call: the unwind reads this frame, which must stay where it was captured.
  asm volatile("" : "+r"(stack_id));
  return stack_id;
}

StackCacheStats stack_cache_stats() { return {t_cache.hits, t_cache.misses}; }

}  // namespace cxxprof::heap
