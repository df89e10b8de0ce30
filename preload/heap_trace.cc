#include "preload/heap_trace.h"

#include <atomic>
#include <sys/auxv.h>

#include "common/text.h"
#include "preload/debug_output.h"
#include "preload/diagnostics.h"
#include "preload/heap_statistics.h"
#include "preload/raw_io.h"
#include "preload/raw_store.h"

namespace cxxprof {
namespace {

std::atomic<uint64_t> g_grow_at{kFirstHeapStep};
std::atomic<uint64_t> g_shrink_below{0};
std::atomic<bool> g_writing{false};
// Guarded by g_writing.
uint64_t g_lines = 0;
uint64_t g_last_live = 0;
uint64_t g_last_allocated_bytes = 0;

// Requested bytes allocated minus usable bytes freed (heap_statistics.h): the allocator's
// rounding of freed blocks, and blocks allocated before cxxprof started and freed after,
// make it read a little low; never below zero.
uint64_t live_bytes(const HeapStatistics& stats) {
  return stats.allocated_bytes > stats.freed_bytes ? stats.allocated_bytes - stats.freed_bytes
                                                   : 0;
}

uint64_t resident_bytes() {
  char text[128];
  if (raw_read_file("/proc/self/statm", text, sizeof(text)) <= 0) return 0;
  // "size resident shared ..." in pages.
  const char* p = text;
  while (*p >= '0' && *p <= '9') ++p;
  while (*p == ' ') ++p;
  uint64_t pages = 0;
  for (; *p >= '0' && *p <= '9'; ++p) pages = pages * 10 + uint64_t(*p - '0');
  return pages * getauxval(AT_PAGESZ);
}

void set_thresholds(uint64_t live) {
  g_grow_at.store(live * 2 > kFirstHeapStep ? live * 2 : kFirstHeapStep,
                  std::memory_order_relaxed);
  g_shrink_below.store(live >= kFirstHeapStep ? live / 2 : 0, std::memory_order_relaxed);
}

// With g_writing held.
void write_line(const char* event, const HeapStatistics& stats) {
  const uint64_t live = live_bytes(stats);
  char line[320];
  TextBuffer text(line, sizeof(line) - 1);
  text.append("HEAP ").append_u64(diagnostics_ms(monotonic_ns())).append("ms: pid=")
      .append_i64(diagnostics_pid()).append(" event=")
      .append(event).append(" n=").append_u64(++g_lines).append(" live=")
      .append_u64(g_last_live).append("->").append_u64(live).append(" allocs=")
      .append_u64(stats.allocations).append(" frees=").append_u64(stats.frees)
      .append(" allocated=").append_u64(stats.allocated_bytes - g_last_allocated_bytes)
      .append(" rss=").append_u64(resident_bytes()).append_char('\n');
  debug_output_line(line, text.length());
  g_last_live = live;
  g_last_allocated_bytes = stats.allocated_bytes;
  set_thresholds(live);
}

bool crossed(uint64_t live) {
  return live >= g_grow_at.load(std::memory_order_relaxed) ||
         live < g_shrink_below.load(std::memory_order_relaxed);
}

}  // namespace

void start_heap_trace() {
  // A forked child continues from its parent's counts and thresholds (its heap is a copy
  // of the parent's); only the try-lock may have been taken by a parent thread.
  g_writing.store(false, std::memory_order_relaxed);
}

void heap_trace_check() {
  if (!crossed(live_bytes(heap_statistics()))) return;
  if (g_writing.exchange(true, std::memory_order_acquire)) return;
  // Another thread may have written the line and moved the steps meanwhile.
  const HeapStatistics stats = heap_statistics();
  const uint64_t live = live_bytes(stats);
  if (crossed(live)) write_line(live >= g_last_live ? "grow" : "shrink", stats);
  g_writing.store(false, std::memory_order_release);
}

void heap_trace_exit_line() {
  // At exit no other thread should be writing; if one is, don't wait for it.
  if (g_writing.exchange(true, std::memory_order_acquire)) return;
  write_line("exit", heap_statistics());
  g_writing.store(false, std::memory_order_release);
}

}  // namespace cxxprof
