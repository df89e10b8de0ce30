#include "preload/thread_activity.h"

#include "preload/raw_store.h"
#include "preload/thread_state.h"
#include "preload/vfork_child.h"

namespace cxxprof {
namespace {

ThreadActivity g_activities[kMaxThreadActivities];
__attribute__((tls_model("initial-exec"))) thread_local ThreadActivity* t_activity;
__attribute__((tls_model("initial-exec"))) thread_local uint32_t t_blocked_depth;

}  // namespace

std::atomic<bool> g_track_thread_activity{false};

const char* block_reason_name(BlockReason reason) {
  switch (reason) {
    case BlockReason::kNone: return "running";
    case BlockReason::kMutex: return "mutex";
    case BlockReason::kRwlock: return "rwlock";
    case BlockReason::kCond: return "cond";
    case BlockReason::kSem: return "sem";
    case BlockReason::kJoin: return "join";
    case BlockReason::kBarrier: return "barrier";
    case BlockReason::kSleep: return "sleep";
    case BlockReason::kIo: return "io";
  }
  return "unknown";
}

ThreadActivity* current_activity() {
  if (t_activity != nullptr) return t_activity;
  // A vfork child would claim a slot under its own tid and publish it in the TLS it
  // shares with its parent's thread (preload/vfork_child.h): it tracks nothing instead.
  if (in_vfork_child()) return nullptr;
  const int32_t tid = current_tid();
  // Start at a tid-dependent slot so threads rarely contend for the same one.
  for (uint32_t i = 0; i < kMaxThreadActivities; ++i) {
    ThreadActivity& slot = g_activities[(uint32_t(tid) + i) % kMaxThreadActivities];
    int32_t expected = 0;
    if (slot.tid.compare_exchange_strong(expected, tid, std::memory_order_acq_rel)) {
      slot.reason.store(uint8_t(BlockReason::kNone), std::memory_order_relaxed);
      t_activity = &slot;
      return t_activity;
    }
  }
  return nullptr;
}

void release_current_activity() {
  if (t_activity == nullptr) return;
  t_activity->reason.store(uint8_t(BlockReason::kNone), std::memory_order_relaxed);
  t_activity->tid.store(0, std::memory_order_release);
  t_activity = nullptr;
}

void for_each_activity(void (*visit)(const ThreadActivity& activity, void* context),
                       void* context) {
  for (const ThreadActivity& slot : g_activities) {
    if (slot.tid.load(std::memory_order_acquire) != 0) visit(slot, context);
  }
}

BlockedScope::BlockedScope(BlockReason reason, uint64_t object, const char* function)
    : activity_(nullptr) {
  if (t_blocked_depth++ != 0) return;  // keep the outermost reason
  activity_ = current_activity();
  if (activity_ == nullptr) return;
  activity_->object.store(object, std::memory_order_relaxed);
  activity_->function.store(function, std::memory_order_relaxed);
  activity_->since_ns.store(monotonic_ns(), std::memory_order_relaxed);
  activity_->reason.store(uint8_t(reason), std::memory_order_release);
}

BlockedScope::~BlockedScope() {
  --t_blocked_depth;
  if (activity_ != nullptr) {
    activity_->reason.store(uint8_t(BlockReason::kNone), std::memory_order_release);
  }
}

}  // namespace cxxprof
