// The bookkeeping the blocking-call interposers share (preload/blocking_wait.h), driven
// directly around real glibc waits: a thread cancelled inside a condvar wait, a semaphore
// wait or a sleep must leave nothing behind — not marked blocked, not nested inside an
// interposer, errno untouched — and its wait up to the cancellation must be recorded.
// Also: a lock wait's registration for the mutex profile, and a release's charge.
#include <gtest/gtest.h>

#include <pthread.h>
#include <semaphore.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "common/block_reasons.h"
#include "common/config.h"
#include "preload/blocking_wait.h"
#include "preload/lock_profiles.h"
#include "preload/lock_release.h"
#include "preload/module_tracker.h"
#include "preload/profiler_state.h"
#include "preload/reentry_guard.h"
#include "preload/thread_activity.h"
#include "preload/thread_state.h"
#include "tests/unit/temp_store.h"

namespace cxxprof {
namespace {

using cxxprof_test::TempStoreDir;

// Profiling switched on in this test binary for the duration of one test: a fresh raw
// store, both profiles, the activity table tracked.
class BlockingWaitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProfilerState& state = profiler();
    config_init(&state.config);
    state.config.mutex_fraction = 1;
    state.config.block_rate = 1;
    ASSERT_TRUE(scratch_.create_store(&state.store, state.config));
    refresh_modules(state.store, true);
    state.active.store(true);
    g_lock_profiles.store(kMutexProfileOn | kBlockProfileOn);
    g_track_thread_activity.store(true);
  }
  void TearDown() override {
    ProfilerState& state = profiler();
    g_lock_profiles.store(0);
    g_track_thread_activity.store(false);
    state.active.store(false);
    state.store.abandon();
    contention_table().reset();
  }

  // Total (count, delay) of the block samples with `reason`.
  static void block_totals(uint32_t reason, int64_t* count, int64_t* delay) {
    const RawStore& store = profiler().store;
    *count = *delay = 0;
    for (uint64_t i = 0; i < store.header()->samples.capacity; ++i) {
      const raw::SampleSlot& slot = store.samples()[i];
      const uint64_t key = slot.key.load();
      if (key == 0 || raw::sample_key_kind(key) != raw::SampleKind::kBlock ||
          raw::sample_key_aux(key) != reason) {
        continue;
      }
      *count += slot.values[0].load();
      *delay += slot.values[1].load();
    }
  }

  static int64_t mutex_delay() {
    const RawStore& store = profiler().store;
    int64_t delay = 0;
    for (uint64_t i = 0; i < store.header()->samples.capacity; ++i) {
      const raw::SampleSlot& slot = store.samples()[i];
      const uint64_t key = slot.key.load();
      if (key != 0 && raw::sample_key_kind(key) == raw::SampleKind::kMutex) {
        delay += slot.values[1].load();
      }
    }
    return delay;
  }

  TempStoreDir scratch_{"blocking"};
};

void sleep_ms(int ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1'000'000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// What the cancelled thread's own cleanup handler (outside ours, as the program's would
// be) sees once our wrapper's frame has been unwound.
struct AfterCancel {
  std::atomic<bool> waiting{false};
  std::atomic<bool> checked{false};
  uint32_t interposer_depth = 99;
  uint8_t activity_reason = 99;
  int errno_value = -1;
};

void check_state(void* data) {
  auto* after = static_cast<AfterCancel*>(data);
  after->interposer_depth = current_thread().interposer_depth;
  const ThreadActivity* activity = current_activity();
  after->activity_reason = activity ? activity->reason.load() : 0;
  after->errno_value = errno;
  after->checked = true;
}

enum class WaitKind { kCond, kSem, kSleep };

struct CancelCase {
  WaitKind kind;
  AfterCancel* after;
};

pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
sem_t g_sem;

void* cancellable_waiter(void* data) {
  auto* test = static_cast<CancelCase*>(data);
  pthread_cleanup_push(check_state, test->after);
  errno = 1234;  // the program's errno, which the cleanup must still see
  if (test->kind == WaitKind::kCond) {
    pthread_mutex_lock(&g_mutex);
    pthread_cleanup_push([](void*) { pthread_mutex_unlock(&g_mutex); }, nullptr);
    BlockingWait wait(BlockReason::kCond, &g_cond, "pthread_cond_wait");
    int rc = 0;
    test->after->waiting = true;
    for (;;) run_cancellable(wait, [] { return pthread_cond_wait(&g_cond, &g_mutex); }, &rc);
    pthread_cleanup_pop(1);
  } else if (test->kind == WaitKind::kSem) {
    BlockingWait wait(BlockReason::kSem, &g_sem, "sem_wait");
    int rc = 0;
    test->after->waiting = true;
    run_cancellable(wait, [] { return sem_wait(&g_sem); }, &rc);
  } else {
    BlockingWait wait(BlockReason::kSleep, nullptr, "nanosleep");
    int rc = 0;
    test->after->waiting = true;
    timespec forever{3600, 0};
    run_cancellable(wait, [&] { return nanosleep(&forever, nullptr); }, &rc);
  }
  pthread_cleanup_pop(0);
  return nullptr;
}

void cancel_inside(WaitKind kind, AfterCancel* after) {
  CancelCase test{kind, after};
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, nullptr, cancellable_waiter, &test), 0);
  while (!after->waiting) sleep_ms(1);
  sleep_ms(100);  // well inside the real wait
  ASSERT_EQ(pthread_cancel(thread), 0);
  void* result = nullptr;
  ASSERT_EQ(pthread_join(thread, &result), 0);
  EXPECT_EQ(result, PTHREAD_CANCELED);
  ASSERT_TRUE(after->checked.load());
  EXPECT_EQ(after->interposer_depth, 0u) << "still inside an interposer after unwinding";
  EXPECT_EQ(after->activity_reason, uint8_t(BlockReason::kNone)) << "still marked blocked";
  EXPECT_EQ(after->errno_value, 1234);
}

TEST_F(BlockingWaitTest, CancelledInsideACondWaitLeavesNoState) {
  AfterCancel after;
  cancel_inside(WaitKind::kCond, &after);
  int64_t count = 0, delay = 0;
  block_totals(block::kReasonCond, &count, &delay);
  EXPECT_EQ(count, 1);
  EXPECT_GE(delay, 100'000'000) << "the wait until the cancellation is recorded";
  EXPECT_LT(delay, 5'000'000'000);
}

TEST_F(BlockingWaitTest, CancelledInsideASemWaitLeavesNoState) {
  ASSERT_EQ(sem_init(&g_sem, 0, 0), 0);
  AfterCancel after;
  cancel_inside(WaitKind::kSem, &after);
  int64_t count = 0, delay = 0;
  block_totals(block::kReasonSem, &count, &delay);
  EXPECT_EQ(count, 1);
  EXPECT_GE(delay, 100'000'000);
  sem_destroy(&g_sem);
}

TEST_F(BlockingWaitTest, CancelledInsideASleepLeavesNoState) {
  AfterCancel after;
  cancel_inside(WaitKind::kSleep, &after);
  int64_t count = 0, delay = 0;
  block_totals(block::kReasonSleep, &count, &delay);
  EXPECT_EQ(count, 1);
  EXPECT_GE(delay, 100'000'000);
}

TEST_F(BlockingWaitTest, AFinishedWaitIsRecordedOnceAndRestoresErrno) {
  BlockingWait wait(BlockReason::kSleep, nullptr, "nanosleep");
  EXPECT_EQ(current_activity()->reason.load(), uint8_t(BlockReason::kSleep));
  sleep_ms(20);
  errno = EINTR;  // as the real call left it
  wait.finish(true);
  EXPECT_EQ(errno, EINTR);
  wait.finish(true);  // idempotent: the destructor calls it again too
  EXPECT_EQ(current_activity()->reason.load(), uint8_t(BlockReason::kNone));
  int64_t count = 0, delay = 0;
  block_totals(block::kReasonSleep, &count, &delay);
  EXPECT_EQ(count, 1);
  EXPECT_GE(delay, 20'000'000);
}

TEST_F(BlockingWaitTest, ACallThatDidNotWaitIsNotRecorded) {
  {
    BlockingWait wait(BlockReason::kMutex, &g_mutex, "pthread_mutex_lock", &g_mutex);
    wait.finish(false);  // EDEADLK, say
  }
  int64_t count = 0, delay = 0;
  block_totals(block::kReasonMutex, &count, &delay);
  EXPECT_EQ(count, 0);
  EXPECT_EQ(contention_table().entries_in_use(), 0u) << "the registration is withdrawn";
}

TEST_F(BlockingWaitTest, NestedInsideAnInterposerItStaysOutOfTheWay) {
  ReentryGuard outer;  // as if called from inside another interposer
  BlockingWait wait(BlockReason::kMutex, &g_mutex, "pthread_mutex_lock", &g_mutex);
  EXPECT_EQ(contention_table().entries_in_use(), 0u);
  wait.finish(true);
  int64_t count = 0, delay = 0;
  block_totals(block::kReasonMutex, &count, &delay);
  EXPECT_EQ(count, 0);
}

// A lock wait registers; the holder's release is charged the time it made the waiter
// wait, into the mutex profile; the waiter records its own wait into the block profile.
// Bounds by happens-before only (the machine may preempt anything anywhere): the
// waiter registered before `registered_by` and got the lock after `releasing_at`, the
// holder decided on the charge after `releasing_at`, and all of it lies within `waited`.
std::atomic<uint64_t> g_releasing_at{0};

TEST_F(BlockingWaitTest, AContendedMutexIsChargedToTheReleaseAndTheWait) {
  std::atomic<bool> holding{false};
  pthread_t holder;
  auto hold = [](void* data) -> void* {
    auto* flag = static_cast<std::atomic<bool>*>(data);
    pthread_mutex_lock(&g_mutex);
    *flag = true;
    sleep_ms(150);
    g_releasing_at = monotonic_ns();
    note_mutex_release(&g_mutex);  // what pthread_mutex_unlock's interposer does
    pthread_mutex_unlock(&g_mutex);
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&holder, nullptr, hold, &holding), 0);
  while (!holding) sleep_ms(1);
  ASSERT_EQ(pthread_mutex_trylock(&g_mutex), EBUSY);
  const uint64_t start = monotonic_ns();
  uint64_t registered_by = 0;
  {
    BlockingWait wait(BlockReason::kMutex, &g_mutex, "pthread_mutex_lock", &g_mutex);
    registered_by = monotonic_ns();
    ASSERT_EQ(pthread_mutex_lock(&g_mutex), 0);
    wait.finish(true);
  }
  const int64_t waited = int64_t(monotonic_ns() - start);
  pthread_mutex_unlock(&g_mutex);
  pthread_join(holder, nullptr);
  const int64_t surely_waited = int64_t(g_releasing_at.load()) - int64_t(registered_by);
  ASSERT_GT(surely_waited, 0) << "the holder let go before the waiter registered";

  int64_t count = 0, delay = 0;
  block_totals(block::kReasonMutex, &count, &delay);
  EXPECT_EQ(count, 1);
  EXPECT_GE(delay, surely_waited);
  EXPECT_LE(delay, waited);
  // The charge covers the wait up to the release decision.
  const int64_t charged = mutex_delay();
  EXPECT_GE(charged, surely_waited);
  EXPECT_LE(charged, waited);
  EXPECT_EQ(contention_table().entries_in_use(), 0u);
}

}  // namespace
}  // namespace cxxprof
