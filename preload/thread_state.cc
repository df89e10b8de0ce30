#include "preload/thread_state.h"

#include <cstring>
#include <pthread.h>
#include <time.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "preload/vfork_child.h"

namespace cxxprof {
namespace {

__attribute__((tls_model("initial-exec"))) thread_local ThreadState t_state;

}  // namespace

ThreadState& current_thread() { return t_state; }

int32_t current_tid() {
  ThreadState& state = t_state;
  if (state.tid != 0) return state.tid;
  const int32_t tid = int32_t(gettid());
  // A vfork child shares this TLS with its parent's thread (preload/vfork_child.h): its
  // tid cached here would become that thread's for good.
  if (!in_vfork_child()) state.tid = tid;
  return tid;
}

uint32_t claim_thread_slot(const RawStore& store, int32_t tid, const char* name) {
  raw::Header* header = store.header();
  uint32_t index = header->thread_count.fetch_add(1, std::memory_order_relaxed);
  if (index >= header->threads.capacity || index >= raw::kMaxThreadSlots) {
    store.count(raw::kThreadsTableFull);
    return 0;
  }
  raw::ThreadEntry& entry = store.threads()[index];
  entry.tid = tid;
  size_t i = 0;
  for (; i + 1 < sizeof(entry.name) && name[i] != '\0'; ++i) entry.name[i] = name[i];
  entry.name[i] = '\0';
  entry.ready.store(1, std::memory_order_release);
  return index;
}

uint32_t current_thread_slot(const RawStore& store, uint32_t generation) {
  ThreadState& state = t_state;
  timespec now_ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now_ts);  // vDSO, a few ns; signal-safe
  const uint64_t now = uint64_t(now_ts.tv_sec) * 1000000000u + uint64_t(now_ts.tv_nsec);
  if (state.slot_generation == generation && state.slot != 0 &&
      now - state.name_checked_ns < kThreadNameRecheckNs) {
    return state.slot;
  }
  state.name_checked_ns = now;
  char name[raw::kThreadNameSize] = {};
  // PR_GET_NAME catches pthread_setname_np and prctl renames.
  prctl(PR_GET_NAME, name, 0, 0, 0);
  name[sizeof(name) - 1] = '\0';
  if (state.slot_generation != generation || state.slot == 0 ||
      std::strncmp(name, state.name, sizeof(name)) != 0) {
    // A vfork child's events count as its parent thread's (same stack, same memory, and
    // that thread is suspended meanwhile), under the slot it has. If it has none yet, the
    // child must not claim one and publish it in the TLS it shares with that thread (nor
    // fill the table, one claim per event): its events go to slot 0.
    if (in_vfork_child()) return 0;
    // Claim before publishing in TLS: a nested signal sees either the old or the new slot.
    uint32_t slot = claim_thread_slot(store, current_tid(), name);
    std::memcpy(state.name, name, sizeof(name));
    state.slot = slot;
    state.slot_generation = generation;
  }
  return state.slot;
}

void learn_stack_bounds(ThreadState& state) {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* address = nullptr;
  size_t size = 0;
  if (pthread_attr_getstack(&attr, &address, &size) == 0 && address != nullptr) {
    state.stack_low = reinterpret_cast<uint64_t>(address);
    state.stack_high = state.stack_low + size;
  }
  pthread_attr_destroy(&attr);
}

}  // namespace cxxprof
