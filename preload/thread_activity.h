// What each thread is blocked on, right now: written by the lock, sleep, join and I/O
// interposers around the blocking call, read by CXXDEBUG's schedtrace/scheddetail from the
// service thread. A fixed global table (never freed: another thread may read a slot while
// its owner exits), one slot per live thread, claimed on first use and released at thread
// exit.
//
// Async-signal-safe; the writer's cost is a few relaxed stores into its own slot.
#pragma once

#include <atomic>
#include <cstdint>

namespace cxxprof {

enum class BlockReason : uint8_t {
  kNone = 0,
  kMutex,    // pthread_mutex_lock/timedlock/clocklock
  kRwlock,   // pthread_rwlock_*
  kCond,     // pthread_cond_wait/timedwait/clockwait
  kSem,      // sem_wait/timedwait/clockwait
  kJoin,     // pthread_join/timedjoin_np
  kBarrier,  // pthread_barrier_wait
  kSleep,    // nanosleep, clock_nanosleep, usleep, sleep
  kIo,       // read, write, poll, accept, ... (object = fd)
};

const char* block_reason_name(BlockReason reason);  // "mutex", "cond", "io", ...

struct ThreadActivity {
  std::atomic<int32_t> tid;           // 0: free slot
  std::atomic<uint8_t> reason;        // BlockReason
  std::atomic<uint64_t> object;       // lock/condvar/semaphore address, fd, or 0
  std::atomic<uint64_t> since_ns;     // CLOCK_MONOTONIC when the wait began
  std::atomic<const char*> function;  // the interposed function: "pthread_cond_wait"
};

inline constexpr uint32_t kMaxThreadActivities = 4096;

// The calling thread's slot (claimed on first use); null if the table is full, or in a
// vfork child when its parent's thread has no slot yet (preload/vfork_child.h).
ThreadActivity* current_activity();

// Releases the calling thread's slot (thread exit).
void release_current_activity();

// Calls visit for every claimed slot. For readers (the service thread); the fields can
// change while they are read: treat them as a snapshot of one instant each.
void for_each_activity(void (*visit)(const ThreadActivity& activity, void* context),
                       void* context);

// Marks the calling thread blocked for the scope's lifetime. Nested scopes keep the
// outermost reason (a cond wait that re-takes its mutex stays "cond"). Cancellation
// unwinding does not run the destructor (-fno-exceptions); the thread's slot is released
// at thread exit all the same (release_current_activity from the thread-exit hook).
class BlockedScope {
 public:
  BlockedScope(BlockReason reason, uint64_t object, const char* function);
  ~BlockedScope();
  BlockedScope(const BlockedScope&) = delete;
  BlockedScope& operator=(const BlockedScope&) = delete;

 private:
  ThreadActivity* activity_;
};

// True when something reads the activity table (CXXDEBUG=schedtrace): interposers whose
// own profile is off still maintain it then. Set by the reader at start-up.
extern std::atomic<bool> g_track_thread_activity;

}  // namespace cxxprof
