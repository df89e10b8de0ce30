// The injected library's global state: configuration, the raw store, and what is on.
// A plain aggregate with constant initialization: it exists before any constructor runs,
// so interposers called before our own constructor (or after exit) see "inactive".
#pragma once

#include <atomic>
#include <cstdint>

#include "common/config.h"
#include "preload/raw_store.h"

namespace cxxprof {

struct ProfilerState {
  Config config;
  RawStore store;
  // True while samples may be recorded into `store`. Cleared when the store is abandoned
  // (forked child with --no-follow, failed start-up).
  std::atomic<bool> active;
  // Bumped in a forked child: per-thread caches (thread slots) made for the parent's
  // store are stale when their generation differs.
  std::atomic<uint32_t> generation;
  uint64_t cpu_period_ns;
  uint64_t wall_period_ns;
};

ProfilerState& profiler();

// Signal-safe: the store if profiling is active, else null.
inline const RawStore* active_store() {
  ProfilerState& state = profiler();
  return state.active.load(std::memory_order_acquire) ? &state.store : nullptr;
}

// Values given to sigev_value/sigqueue so the SIGPROF handler knows which sampler sent a
// signal (and ignores signals it did not send).
inline constexpr int kCpuSignalTag = 0x63707531;   // "cpu1"
inline constexpr int kWallSignalTag = 0x77616c31;  // "wal1"

}  // namespace cxxprof
