#include "preload/blocking_wait.h"

#include <cerrno>

#include "common/block_reasons.h"
#include "common/raw_format.h"
#include "preload/event_recorder.h"
#include "preload/event_sampling.h"
#include "preload/lock_profiles.h"
#include "preload/lock_release.h"
#include "preload/profiler_state.h"
#include "preload/reentry_guard.h"

namespace cxxprof {

// The block profile's `reason` label is the BlockReason value (common/block_reasons.h).
static_assert(uint32_t(BlockReason::kMutex) == block::kReasonMutex);
static_assert(uint32_t(BlockReason::kRwlock) == block::kReasonRwlock);
static_assert(uint32_t(BlockReason::kCond) == block::kReasonCond);
static_assert(uint32_t(BlockReason::kSem) == block::kReasonSem);
static_assert(uint32_t(BlockReason::kJoin) == block::kReasonJoin);
static_assert(uint32_t(BlockReason::kBarrier) == block::kReasonBarrier);
static_assert(uint32_t(BlockReason::kSleep) == block::kReasonSleep);

namespace {

int64_t saturating_product(uint64_t a, uint64_t b) {
  constexpr uint64_t kMax = uint64_t(INT64_MAX);
  if (a != 0 && b > kMax / a) return int64_t(kMax);
  return int64_t(a * b);
}

}  // namespace

BlockingWait::BlockingWait(BlockReason reason, const void* object, const char* function,
                           const void* lock)
    : reason_(reason) {
  // The guard covers our bookkeeping only, not the real call: a signal handler of the
  // program that runs while this thread blocks is program code, to be profiled as such.
  ReentryGuard guard;
  if (!guard.outermost()) return;
  const int saved_errno = errno;
  engaged_ = true;
  if (g_track_thread_activity.load(std::memory_order_relaxed)) {
    new (scope_storage_) BlockedScope(reason, uint64_t(uintptr_t(object)), function);
    scope_live_ = true;
  }
  const RawStore* store = g_lock_profiles.load(std::memory_order_relaxed) ? active_store() : nullptr;
  if (store != nullptr) {
    start_ns_ = monotonic_ns();
    if (lock != nullptr && mutex_profile_on()) {
      const auto added = contention_table().add_waiter(uintptr_t(lock), start_ns_, &ticket_);
      if (added != ContentionTable::AddResult::kAdded) store->count(raw::kLockWaitsUntracked);
    }
  }
  errno = saved_errno;
}

void BlockingWait::finish(bool waited) {
  if (finished_) return;
  finished_ = true;
  if (!engaged_) return;
  const uint64_t end_ns = start_ns_ != 0 ? monotonic_ns() : 0;
  const int saved_errno = errno;
  ReentryGuard guard;  // unwinding and recording must not be profiled themselves
  contention_table().remove_waiter(&ticket_);
  if (scope_live_) {
    scope()->~BlockedScope();
    scope_live_ = false;
  }
  const RawStore* store = active_store();
  if (waited && start_ns_ != 0 && block_profile_on() && store != nullptr) {
    const uint64_t duration = end_ns > start_ns_ ? end_ns - start_ns_ : 0;
    const DurationSample sample = sample_duration(duration, block_rate());
    if (sample.record) {
      const int64_t values[2] = {sample.count, sample.delay};
      record_event(*store, raw::SampleKind::kBlock, uint32_t(reason_), values, 2);
    }
  }
  errno = saved_errno;
}

void BlockingWait::finish_cancelled(void* wait) {
  // The thread did wait until the cancellation came: that time is real.
  static_cast<BlockingWait*>(wait)->finish(true);
}

void charge_lock_release(const void* lock) {
  ReentryGuard guard;
  if (!guard.outermost()) return;
  const RawStore* store = active_store();
  if (store == nullptr) return;
  const int saved_errno = errno;
  const ContentionTable::Charge charge =
      contention_table().take_charge(uintptr_t(lock), &monotonic_ns);
  if (charge.waiters != 0) {
    // Go's mutex profile fraction: 1 release in `fraction` is recorded, standing for
    // `fraction` releases, so the totals stay unbiased.
    const uint64_t fraction = mutex_fraction();
    if (sample_one_in(fraction)) {
      const int64_t values[2] = {int64_t(fraction), saturating_product(charge.delay_ns, fraction)};
      record_event(*store, raw::SampleKind::kMutex, 0, values, 2);
    }
  }
  errno = saved_errno;
}

}  // namespace cxxprof
