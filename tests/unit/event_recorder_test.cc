// The event profiles' shared layer, driven directly: stack capture from inside a call
// (what an interposer does), recording into the store, Go's sampling rules.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "common/config.h"
#include "preload/event_recorder.h"
#include "preload/event_sampling.h"
#include "preload/module_tracker.h"
#include "preload/raw_store.h"
#include "preload/reentry_guard.h"
#include "preload/thread_state.h"
#include "tests/unit/temp_store.h"
#include "tests/unit/unwinder_support.h"

namespace cxxprof {
namespace {

using cxxprof_test::TempStoreDir;

using unwind::testing::describe_stack;

class EventRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Config config;
    config_init(&config);
    config.block_rate = 1;
    ASSERT_TRUE(scratch_.create_store(&store_, config));
    refresh_modules(store_, true);
    learn_stack_bounds(current_thread());
  }

  TempStoreDir scratch_{"events"};
  RawStore store_;
};

uint32_t g_depth = 0;
uint64_t g_pcs[raw::kMaxStackDepth];

extern "C" __attribute__((noinline)) void event_leaf(const RawStore* store) {
  g_depth = capture_current_stack(*store, g_pcs, raw::kMaxStackDepth);
  asm volatile("" ::: "memory");  // not a tail call
}
extern "C" __attribute__((noinline)) void event_middle(const RawStore* store) {
  event_leaf(store);
  asm volatile("" ::: "memory");
}
extern "C" __attribute__((noinline)) void event_outer(const RawStore* store) {
  event_middle(store);
  asm volatile("" ::: "memory");
}

TEST_F(EventRecorderTest, CapturesTheCallersDownToMain) {
  event_outer(&store_);
  ASSERT_GE(g_depth, 4u) << describe_stack(g_pcs, g_depth);
  // The chain the interposer's caller built, innermost first, then main.
  std::string stack = describe_stack(g_pcs, g_depth);
  size_t leaf = stack.find("event_leaf");
  size_t middle = stack.find("event_middle");
  size_t outer = stack.find("event_outer");
  ASSERT_NE(leaf, std::string::npos) << stack;
  ASSERT_NE(middle, std::string::npos) << stack;
  ASSERT_NE(outer, std::string::npos) << stack;
  EXPECT_LT(leaf, middle);
  EXPECT_LT(middle, outer);
  EXPECT_NE(stack.find("main"), std::string::npos) << stack;
}

TEST_F(EventRecorderTest, RecordsIntoTheStoreUnderTheCurrentStack) {
  int64_t values[2] = {3, 300};
  record_event(store_, raw::SampleKind::kBlock, 5, values, 2);
  record_event(store_, raw::SampleKind::kBlock, 5, values, 2);  // same line: same stack
  int64_t count = 0, delay = 0;
  int slots = 0;
  for (uint64_t i = 0; i < store_.header()->samples.capacity; ++i) {
    const raw::SampleSlot& slot = store_.samples()[i];
    uint64_t key = slot.key.load();
    if (key == 0 || raw::sample_key_kind(key) != raw::SampleKind::kBlock) continue;
    EXPECT_EQ(raw::sample_key_aux(key), 5u);
    EXPECT_NE(raw::sample_key_stack(key), 0u);
    count += slot.values[0].load();
    delay += slot.values[1].load();
    ++slots;
  }
  EXPECT_EQ(count, 6);
  EXPECT_EQ(delay, 600);
  // Two call sites on one line may differ in return address, never in more than that.
  EXPECT_LE(slots, 2);
}

TEST(ReentryGuardTest, InnerCallsAreNotOutermost) {
  ReentryGuard outer;
  EXPECT_TRUE(outer.outermost());
  {
    ReentryGuard inner;
    EXPECT_FALSE(inner.outermost());
  }
  ReentryGuard again;
  EXPECT_FALSE(again.outermost());
}

TEST(EventSamplingTest, LongEventsAlwaysRecordedAsTheyAre) {
  for (int i = 0; i < 1000; ++i) {
    DurationSample s = sample_duration(5000, 1000);
    ASSERT_TRUE(s.record);
    EXPECT_EQ(s.count, 1);
    EXPECT_EQ(s.delay, 5000);
  }
  DurationSample all = sample_duration(7, 1);
  EXPECT_TRUE(all.record);
  EXPECT_EQ(all.delay, 7);
}

TEST(EventSamplingTest, ShortEventsAreUnbiased) {
  // 200000 events of 300 ns at rate 1000: expected totals 200000 events and 6e7 ns.
  const int kEvents = 200000;
  double count = 0, delay = 0;
  int recorded = 0;
  for (int i = 0; i < kEvents; ++i) {
    DurationSample s = sample_duration(300, 1000);
    if (!s.record) continue;
    ++recorded;
    count += double(s.count);
    delay += double(s.delay);
  }
  EXPECT_NEAR(double(recorded) / kEvents, 0.3, 0.01);
  EXPECT_NEAR(count / kEvents, 1.0, 0.02);
  EXPECT_NEAR(delay / (300.0 * kEvents), 1.0, 0.02);
}

TEST(EventSamplingTest, OneInFractionAndUnbiasedScaling) {
  int hits = 0;
  for (int i = 0; i < 100000; ++i) hits += sample_one_in(10);
  EXPECT_NEAR(hits / 100000.0, 0.1, 0.01);
  EXPECT_TRUE(sample_one_in(1));
  double sum = 0;
  for (int i = 0; i < 100000; ++i) sum += double(scale_unbiased(7, 10, 3));  // 23.33...
  EXPECT_NEAR(sum / 100000.0, 70.0 / 3.0, 0.05);
  EXPECT_EQ(scale_unbiased(9, 10, 3), 30);  // exact when divisible
}

}  // namespace
}  // namespace cxxprof
