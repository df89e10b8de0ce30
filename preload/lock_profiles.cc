#include "preload/lock_profiles.h"

#include <cpuid.h>
#include <pthread.h>

#include "common/text.h"
#include "preload/profiler_state.h"
#include "preload/startup_hooks.h"

namespace cxxprof {
namespace {

// Constant-initialized: valid (all zero, all off) before any constructor runs.
ContentionTable g_contention;
std::atomic<uint64_t> g_mutex_fraction{1};
std::atomic<uint64_t> g_block_rate{1};
bool g_fork_handler_installed = false;

// In a forked child only the forking thread exists: the waiters the other threads of the
// parent had registered never withdraw, and would be charged to every later release.
void forget_waiters_in_child() {
  g_contention.reset();
  if (!profiler().active.load(std::memory_order_acquire)) {
    g_lock_profiles.store(0, std::memory_order_relaxed);  // a child we do not profile
  }
}

void start_lock_profiles(const RawStore& store) {
  const raw::Header* header = store.header();
  uint8_t profiles = 0;
  if (header->mutex_fraction != 0) {
    if (cpu_has_compare_exchange_16()) {
      profiles |= kMutexProfileOn;
    } else {
      write_diagnostic("this CPU has no cmpxchg16b: the mutex profile is off");
    }
  }
  if (header->block_rate != 0) profiles |= kBlockProfileOn;
  g_mutex_fraction.store(header->mutex_fraction ? header->mutex_fraction : 1,
                         std::memory_order_relaxed);
  g_block_rate.store(header->block_rate ? header->block_rate : 1, std::memory_order_relaxed);
  if (profiles != 0 && !g_fork_handler_installed) {
    g_fork_handler_installed = pthread_atfork(nullptr, nullptr, &forget_waiters_in_child) == 0;
  }
  g_lock_profiles.store(profiles, std::memory_order_release);
}

CXXPROF_ON_START(start_lock_profiles);

}  // namespace

std::atomic<uint8_t> g_lock_profiles{0};

uint64_t mutex_fraction() { return g_mutex_fraction.load(std::memory_order_relaxed); }
uint64_t block_rate() { return g_block_rate.load(std::memory_order_relaxed); }

ContentionTable& contention_table() { return g_contention; }

bool cpu_has_compare_exchange_16() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (ecx & bit_CMPXCHG16B) != 0;
}

}  // namespace cxxprof
