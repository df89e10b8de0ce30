#include "preload/diagnostics.h"

#include <atomic>
#include <cstdlib>
#include <unistd.h>

#include "common/config.h"
#include "common/text.h"
#include "preload/alloc_trace.h"
#include "preload/debug_output.h"
#include "preload/heap_statistics.h"
#include "preload/heap_trace.h"
#include "preload/raw_store.h"
#include "preload/sched_trace.h"
#include "preload/startup_hooks.h"
#include "preload/thread_activity.h"

namespace cxxprof {
namespace {

DebugOptions g_options;
bool g_on = false;
uint64_t g_start_ns = 0;
int32_t g_pid = 0;
std::atomic<bool> g_held{false};

void warn_line(void*, const char* line) { write_diagnostic(line); }
void ignore_line(void*, const char*) {}

// The one allocation observer (heap_statistics.h allows one): both heap diagnostics
// share it. Runs inside the heap interposers, with their re-entry guard held.
void observe_allocation(AllocationEventKind kind, const char* function, void* pointer,
                        size_t size) {
  if (g_held.load(std::memory_order_relaxed)) return;
  if (g_options.heaptrace) heap_trace_check();
  if (g_options.allocfreetrace) alloc_trace_event(kind, function, pointer, size);
}

// Runs when the store is ready: in the constructor, and again in a forked child.
void start_diagnostics(const RawStore& store) {
  if (!g_on) return;
  g_pid = int32_t(getpid());  // a forked child's own
  if (g_options.schedtrace_ms != 0) {
    // The lock, sleep, join and I/O interposers keep the activity table even when their
    // own profiles are off.
    g_track_thread_activity.store(true, std::memory_order_release);
    start_sched_trace(g_options.schedtrace_ms, g_options.scheddetail);
  }
  if (g_options.heaptrace) start_heap_trace();
  if (g_options.allocfreetrace) start_alloc_trace(store);
}

CXXPROF_ON_START(start_diagnostics);

}  // namespace

bool read_diagnostic_settings() {
  const char* text = getenv(kDebugEnv);
  if (text == nullptr) return false;
  debug_options_init(&g_options);
  // Under cxxprof-run the launcher has reported bad settings once for the whole run.
  const bool under_launcher = getenv(kLauncherEnv) != nullptr;
  debug_options_parse(text, &g_options, under_launcher ? &ignore_line : &warn_line, nullptr);
  g_on = debug_options_any(g_options);
  if (!g_on) return false;
  g_start_ns = monotonic_ns();
  g_pid = int32_t(getpid());
  debug_output_init(g_options.debugout);
  // Before any start hook runs, so the heap profile's hook sees what is wanted, and the
  // interposers count from the first allocation after this on.
  if (g_options.heaptrace) request_exact_heap_counts();
  if (g_options.heaptrace || g_options.allocfreetrace) {
    g_held.store(true, std::memory_order_relaxed);  // until the constructor is done
    set_allocation_observer(&observe_allocation);
  }
  return true;
}

bool diagnostics_on() { return g_on; }

const DebugOptions& diagnostic_settings() { return g_options; }

uint64_t diagnostics_start_ns() { return g_start_ns; }

int32_t diagnostics_pid() { return g_pid; }

uint64_t diagnostics_ms(uint64_t now_ns) {
  return now_ns > g_start_ns ? (now_ns - g_start_ns) / 1000000u : 0;
}

void hold_heap_diagnostics() {
  if (g_on) g_held.store(true, std::memory_order_relaxed);
}

void release_heap_diagnostics() { g_held.store(false, std::memory_order_relaxed); }

void finish_diagnostics() {
  if (!g_on) return;
  if (g_options.heaptrace) heap_trace_exit_line();
}

}  // namespace cxxprof
