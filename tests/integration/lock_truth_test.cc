// The mutex and block profiles against the truth tests/fixtures/lock_truth measures itself
// (clock around every lock call, condvar wait and sleep): contention delay charged to the
// critical section that held the lock (mutex profile) and to the code that waited (block
// profile), a condvar wait and a sleep of known length — each read with our reader and
// with go tool pprof.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/lock_samples.h"
#include "tests/integration/reports.h"
#include "tests/integration/stack_queries.h"

namespace cxxprof_test {
namespace {

struct Truth {
  int64_t waiter_wait_ns = 0;
  int64_t waiter_waits = 0;
  int64_t cond_wait_ns = 0;
  int64_t sleep_ns = 0;
};

bool read_truth(const std::string& out, Truth* truth) {
  const auto fields = fixture_fields(out, "waiter_wait_ns=");
  return fixture_int(fields, "waiter_wait_ns", &truth->waiter_wait_ns) &&
         fixture_int(fields, "waiter_waits", &truth->waiter_waits) &&
         fixture_int(fields, "cond_wait_ns", &truth->cond_wait_ns) &&
         fixture_int(fields, "sleep_ns", &truth->sleep_ns);
}

class LockTruthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    if (!profiler_built()) return;
    run_ = std::make_unique<CommandResult>(
        run_profiled({"--mutex", "--block", "-o", *dir_ / "prof"}, {fixture_path("lock_truth")}));
    truth_ok_ = read_truth(run_->out, &truth_);
  }
  static void TearDownTestSuite() {
    run_.reset();
    dir_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(profiler_built());
    ASSERT_EQ(run_->exit_code(), 0) << run_->describe();
    ASSERT_TRUE(truth_ok_) << "fixture output lacks its truth line\n" << run_->describe();
    ASSERT_GT(truth_.waiter_waits, 0);
  }

  static std::string profile(const std::string& name) { return *dir_ / ("prof/" + name); }

  // Both readers' samples of a profile, each checked by `check` (named for messages).
  template <typename Check>
  static void with_both_readers(const std::string& file, Check check) {
    std::vector<LockSample> ours;
    ASSERT_TRUE(our_lock_samples(profile(file), &ours));
    {
      SCOPED_TRACE("our reader (cxxprof dump)");
      check(ours);
    }
    std::vector<LockSample> theirs;
    ASSERT_TRUE(pprof_lock_samples(profile(file), &theirs));
    {
      SCOPED_TRACE("go tool pprof -traces");
      check(theirs);
    }
  }

  static std::unique_ptr<TempDir> dir_;
  static std::unique_ptr<CommandResult> run_;
  static Truth truth_;
  static bool truth_ok_;
};

std::unique_ptr<TempDir> LockTruthTest::dir_;
std::unique_ptr<CommandResult> LockTruthTest::run_;
Truth LockTruthTest::truth_;
bool LockTruthTest::truth_ok_ = false;

TEST_F(LockTruthTest, MutexDelayIsChargedToTheCriticalSectionThatHeldTheLock) {
  with_both_readers("mutex.pb.gz", [](const std::vector<LockSample>& samples) {
    const double truth = double(truth_.waiter_wait_ns);
    const LockTotals holder = lock_totals(samples, "holder_critical_section", "");
    EXPECT_NEAR(holder.delay, truth, 0.15 * truth) << describe(samples);
    EXPECT_GT(holder.contentions, 0);
    // Waiters held the lock for a few instructions: they made others wait very little.
    const LockTotals waiters = lock_totals(samples, "waiter_loop", "");
    EXPECT_LT(waiters.delay, 0.05 * truth) << describe(samples);
    for (const LockSample& sample : samples) {
      if (has_frame(sample.frames, "holder_critical_section")) {
        EXPECT_EQ(sample.label("thread"), "holder");
        EXPECT_TRUE(leaf_is(sample.frames, "holder_critical_section")) << folded(sample.frames);
      }
      EXPECT_EQ(sample.label("reason"), "") << "the mutex profile has no reason label";
    }
  });
}

TEST_F(LockTruthTest, BlockDelayIsChargedToTheCodeThatWaited) {
  with_both_readers("block.pb.gz", [](const std::vector<LockSample>& samples) {
    const double truth = double(truth_.waiter_wait_ns);
    const LockTotals waited = lock_totals(samples, "waiter_lock", "mutex");
    EXPECT_NEAR(waited.delay, truth, 0.15 * truth) << describe(samples);
    // Only the lock calls that found M taken are events; each is one contention.
    EXPECT_GT(waited.contentions, 0);
    EXPECT_LE(waited.contentions, double(truth_.waiter_waits));
    EXPECT_EQ(lock_totals(samples, "waiter_lock", "").delay, waited.delay)
        << "waiter_lock waits for nothing but the mutex";
  });
}

TEST_F(LockTruthTest, ConditionVariableWaitOfKnownDuration) {
  with_both_readers("block.pb.gz", [](const std::vector<LockSample>& samples) {
    const double truth = double(truth_.cond_wait_ns);
    const LockTotals cond = lock_totals(samples, "wait_for_signal", "cond");
    EXPECT_NEAR(cond.delay, truth, 0.10 * truth) << describe(samples);
    EXPECT_GE(cond.contentions, 6) << "six waits, each at least one pthread_cond_wait";
  });
}

TEST_F(LockTruthTest, SleepOfKnownDuration) {
  with_both_readers("block.pb.gz", [](const std::vector<LockSample>& samples) {
    const double truth = double(truth_.sleep_ns);
    const LockTotals slept = lock_totals(samples, "sleep_known", "sleep");
    EXPECT_NEAR(slept.delay, truth, 0.05 * truth) << describe(samples);
    EXPECT_EQ(slept.contentions, 10);
  });
}

TEST_F(LockTruthTest, EveryReasonIsOneOfTheDocumentedOnes) {
  std::vector<LockSample> samples;
  ASSERT_TRUE(our_lock_samples(profile("block.pb.gz"), &samples));
  for (const LockSample& sample : samples) {
    const std::string reason = sample.label("reason");
    EXPECT_TRUE(reason == "mutex" || reason == "rwlock" || reason == "cond" || reason == "sem" ||
                reason == "join" || reason == "barrier" || reason == "sleep")
        << reason << " | " << folded(sample.frames);
  }
  // The main thread joined the lock threads and the signaller.
  EXPECT_GT(lock_totals(samples, "main", "join").delay, 0) << describe(samples);
}

TEST_F(LockTruthTest, ProfilesHaveGoMutexAndBlockProfileShape) {
  for (const char* name : {"mutex.pb.gz", "block.pb.gz"}) {
    std::string header;
    ASSERT_TRUE(our_profile_header(profile(name), &header));
    EXPECT_NE(header.find("Sample types: contentions/count delay/nanoseconds"), std::string::npos) << header;
    EXPECT_NE(header.find("Default sample type: delay"), std::string::npos) << header;
    EXPECT_NE(header.find("Period: 1 contentions/count"), std::string::npos) << header;
    TopTable table;
    ASSERT_TRUE(pprof_top(profile(name), "", &table));
    EXPECT_FALSE(table.rows.empty());
  }
}

// Sampled: --block=RATE records every wait of RATE ns or more exactly (as Go's
// blockprofilerate), and --mutex=FRACTION scales each recorded release by FRACTION.
TEST(LockSampling, LongWaitsStayExactAndRecordedReleasesAreScaled) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult run = run_profiled({"--mutex=3", "--block=20000000", "-o", dir / "prof"},
                                         {fixture_path("lock_truth"), "40"});
  ASSERT_EQ(run.exit_code(), 0) << run.describe();
  Truth truth;
  ASSERT_TRUE(read_truth(run.out, &truth)) << run.describe();

  std::vector<LockSample> block;
  ASSERT_TRUE(our_lock_samples(dir / "prof/block.pb.gz", &block));
  // The 30 ms sleeps are all above the 20 ms rate: recorded as they are.
  const LockTotals slept = lock_totals(block, "sleep_known", "sleep");
  EXPECT_EQ(slept.contentions, 10);
  EXPECT_NEAR(slept.delay, double(truth.sleep_ns), 0.05 * double(truth.sleep_ns));
  // Every recorded event stands for at least RATE ns (a shorter wait that is recorded
  // stands for RATE ns, in RATE/duration events).
  for (const LockSample& sample : block) EXPECT_GE(sample.delay, 20'000'000.0) << folded(sample.frames);

  std::vector<LockSample> mutex;
  ASSERT_TRUE(our_lock_samples(dir / "prof/mutex.pb.gz", &mutex));
  for (const LockSample& sample : mutex) {
    EXPECT_EQ(std::fmod(sample.contentions, 3.0), 0.0) << "each recorded release stands for 3";
  }
  EXPECT_GT(lock_totals(mutex, "holder_critical_section", "").delay, 0);
}

// The wall profile samples a blocked thread from /proc/<tid>/syscall (stack pointer and
// PC only): the stack of a thread blocked in glibc's mutex wait, below our lock
// interposer, must still reach the program's function and the thread's entry.
TEST(LockInterposersAndWallProfile, StacksOfThreadsBlockedInsideTheInterposersAreWhole) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult run = run_profiled({"--wall", "--mutex", "--block", "-o", dir / "prof"},
                                         {fixture_path("lock_truth"), "40"});
  ASSERT_EQ(run.exit_code(), 0) << run.describe();
  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(dir / "prof/wall.pb.gz", "wall", true, &stacks));
  int64_t blocked_in_lock = 0;
  for (const Stack& stack : stacks) {
    if (stack.thread.rfind("waiter-", 0) != 0 || !has_frame(stack.frames, "__lll_lock_wait")) continue;
    blocked_in_lock += stack.value;
    EXPECT_TRUE(has_frame(stack.frames, "waiter_lock")) << folded(stack.frames);
    EXPECT_TRUE(rooted_at_thread_entry(stack.frames)) << folded(stack.frames);
  }
  EXPECT_GT(blocked_in_lock, 0) << "no wall sample of a waiter blocked on the mutex";
}

}  // namespace
}  // namespace cxxprof_test
