// Whether the mutex and block profiles are on, and their rates: what the lock, condvar,
// semaphore, join, barrier and sleep interposers test first. Set once by a start hook
// (CXXPROF_ON_START) from the raw store's header; before it runs (interposers called
// before our constructor) and in a process that profiles nothing, every test is false and
// the interposers forward straight to the real functions.
//
// All async-signal-safe: relaxed loads of globals.
#pragma once

#include <atomic>
#include <cstdint>

#include "preload/contention_table.h"
#include "preload/thread_activity.h"

namespace cxxprof {

inline constexpr uint8_t kMutexProfileOn = 1;
inline constexpr uint8_t kBlockProfileOn = 2;

// kMutexProfileOn | kBlockProfileOn, as switched on for this process.
extern std::atomic<uint8_t> g_lock_profiles;

// True when a blocking call must be looked at: a profile wants it, or CXXDEBUG's thread
// activity table (schedtrace) wants to show the thread as blocked.
inline bool blocking_calls_watched() {
  return g_lock_profiles.load(std::memory_order_relaxed) != 0 ||
         g_track_thread_activity.load(std::memory_order_relaxed);
}

inline bool mutex_profile_on() {
  return (g_lock_profiles.load(std::memory_order_relaxed) & kMutexProfileOn) != 0;
}

inline bool block_profile_on() {
  return (g_lock_profiles.load(std::memory_order_relaxed) & kBlockProfileOn) != 0;
}

// --mutex=FRACTION (1 = every contention event) and --block=RATE (ns; 1 = every event).
uint64_t mutex_fraction();
uint64_t block_rate();

// The side table of waiting threads (preload/contention_table.h).
ContentionTable& contention_table();

// True if this CPU has the 16-byte compare-exchange the contention table needs.
bool cpu_has_compare_exchange_16();

}  // namespace cxxprof
