// The block profile's `reason` label as both halves see it (DESIGN.md §3): the injected
// library stores why a thread waited in the 20-bit `aux` of the sample key, the symbolizer
// turns it back into the label. The values are those of preload/thread_activity.h's
// BlockReason (a static_assert in preload/blocking_wait.cc keeps them in step), so the
// activity table and the profile never disagree about what a wait was.
//
// Freestanding (no libstdc++ runtime): part of common/, linked into the preload library.
#pragma once

#include <cstdint>

namespace cxxprof::block {

inline constexpr uint32_t kReasonMutex = 1;    // pthread_mutex_lock/timedlock/clocklock
inline constexpr uint32_t kReasonRwlock = 2;   // pthread_rwlock_*lock
inline constexpr uint32_t kReasonCond = 3;     // pthread_cond_wait/timedwait/clockwait
inline constexpr uint32_t kReasonSem = 4;      // sem_wait/timedwait/clockwait
inline constexpr uint32_t kReasonJoin = 5;     // pthread_join, pthread_timedjoin_np
inline constexpr uint32_t kReasonBarrier = 6;  // pthread_barrier_wait
inline constexpr uint32_t kReasonSleep = 7;    // nanosleep, clock_nanosleep, usleep, sleep

// "mutex", "rwlock", "cond", "sem", "join", "barrier", "sleep"; null for any other value
// (a raw file from a newer writer, or a damaged one).
inline const char* reason_label(uint32_t aux) {
  switch (aux) {
    case kReasonMutex: return "mutex";
    case kReasonRwlock: return "rwlock";
    case kReasonCond: return "cond";
    case kReasonSem: return "sem";
    case kReasonJoin: return "join";
    case kReasonBarrier: return "barrier";
    case kReasonSleep: return "sleep";
    default: return nullptr;
  }
}

}  // namespace cxxprof::block
