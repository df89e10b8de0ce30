#include "preload/io_clock.h"

#include <atomic>
#include <cstring>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "preload/proc_files.h"
#include "preload/raw_store.h"

namespace cxxprof {
namespace {

// CLOCK_MONOTONIC timestamps carry this bit, TSC ones do not (a TSC reaches 2^63 after
// decades of uptime), so a pair of timestamps from different clocks is recognized.
constexpr uint64_t kNanosecondTag = uint64_t(1) << 63;

// The longest a (TSC, CLOCK_MONOTONIC) pair read may take to be trusted, in ticks (a
// vDSO clock read takes ~100).
constexpr uint64_t kPairWindow = 400;

std::atomic<bool> g_use_tsc{false};
// The calibration base (written once by io_clock_init, before g_use_tsc is set).
uint64_t g_base_tsc = 0;
uint64_t g_base_ns = 0;
// ns per tick in 32.32 fixed point, and the span of CLOCK_MONOTONIC it was measured over.
std::atomic<uint64_t> g_ns_per_tick_q32{0};
std::atomic<uint64_t> g_calibration_span_ns{0};

uint64_t read_tsc() {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return 0;
#endif
}

bool kernel_clock_is_tsc() {
#if defined(__x86_64__)
  char source[64];
  if (read_text_file("/sys/devices/system/clocksource/clocksource0/current_clocksource",
                     source, sizeof(source)) < 0) {
    return false;
  }
  return std::strcmp(source, "tsc\n") == 0 || std::strcmp(source, "tsc") == 0;
#else
  return false;
#endif
}

// A TSC reading and the CLOCK_MONOTONIC time at the same instant, to within the time the
// clock read took; false if that took too long to trust (preempted in between).
bool read_pair(uint64_t* tsc, uint64_t* ns, uint64_t max_ticks) {
  const uint64_t before = read_tsc();
  const uint64_t now = monotonic_ns();
  const uint64_t after = read_tsc();
  if (after < before || after - before > max_ticks) return false;
  *tsc = before + (after - before) / 2;
  *ns = now;
  return true;
}

// Stores the ratio measured from the base to (tsc, ns).
void calibrate_to(uint64_t tsc, uint64_t ns) {
  if (tsc <= g_base_tsc || ns <= g_base_ns) return;
  const unsigned __int128 scaled = (unsigned __int128)(ns - g_base_ns) << 32;
  g_ns_per_tick_q32.store(uint64_t(scaled / (tsc - g_base_tsc)), std::memory_order_relaxed);
  g_calibration_span_ns.store(ns - g_base_ns, std::memory_order_relaxed);
}

}  // namespace

void io_clock_init() {
  if (g_use_tsc.load(std::memory_order_relaxed) || !kernel_clock_is_tsc()) return;
  // A trustworthy base, then 100 us later a second pair: each pair is exact to within half
  // its read window (at most kPairWindow ticks, ~130 ns at 1.5 GHz), so the first ratio
  // is good to about 1e-3; refinement does better as the run goes on.
  bool based = false;
  for (int attempt = 0; attempt < 10 && !based; ++attempt) {
    based = read_pair(&g_base_tsc, &g_base_ns, kPairWindow);
  }
  if (!based) return;
  for (int attempt = 0; attempt < 100000; ++attempt) {
    uint64_t tsc, ns;
    if (!read_pair(&tsc, &ns, kPairWindow)) continue;
    if (ns - g_base_ns < 100000) continue;
    calibrate_to(tsc, ns);
    g_use_tsc.store(true, std::memory_order_release);
    return;
  }
}

uint64_t io_clock_now() {
  if (g_use_tsc.load(std::memory_order_relaxed)) return read_tsc();
  return monotonic_ns() | kNanosecondTag;
}

uint64_t io_clock_elapsed_ns(uint64_t start, uint64_t end) {
  if ((start & kNanosecondTag) != (end & kNanosecondTag) || end < start) return 0;
  if (start & kNanosecondTag) return end - start;
  const uint64_t ratio = g_ns_per_tick_q32.load(std::memory_order_relaxed);
  return uint64_t(((unsigned __int128)(end - start) * ratio) >> 32);
}

void io_clock_refine() {
  if (!g_use_tsc.load(std::memory_order_acquire)) return;
  const uint64_t span = g_calibration_span_ns.load(std::memory_order_relaxed);
  // A span four times longer at least halves the error; past a minute it is below 1e-9.
  if (span >= 60'000'000'000u) return;
  const uint64_t now = monotonic_ns();
  if (now - g_base_ns < 4 * span) return;
  uint64_t tsc, ns;
  if (read_pair(&tsc, &ns, kPairWindow)) calibrate_to(tsc, ns);
}

}  // namespace cxxprof
