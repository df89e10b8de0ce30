#include "preload/vfork_child.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>

namespace cxxprof {
namespace {

// 0 until track_process_pid: nothing is known, so nothing is a vfork child.
std::atomic<pid_t> g_process_pid{0};
std::atomic<bool> g_atfork_registered{false};

void record_pid() { g_process_pid.store(getpid(), std::memory_order_relaxed); }

}  // namespace

void track_process_pid() {
  record_pid();
  if (!g_atfork_registered.exchange(true, std::memory_order_relaxed)) {
    pthread_atfork(nullptr, nullptr, &record_pid);
  }
}

bool in_vfork_child() {
  const pid_t recorded = g_process_pid.load(std::memory_order_relaxed);
  // getpid is a real system call since glibc 2.25 (no cached pid a vfork child would share).
  return recorded != 0 && getpid() != recorded;
}

}  // namespace cxxprof
