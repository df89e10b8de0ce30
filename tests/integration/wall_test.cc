// Wall-clock profiles:
//  - with the CPU profile of the same run of tests/fixtures/sleeper, whose thread
//    "napper" spends half its wall time asleep in sleep_phase and half spinning in
//    spin_phase. The wall profile must see both halves; the CPU profile only the spinning.
//  - of tests/fixtures/wall_relay, whose threads block, run and block again at the same
//    place: every stack read from a blocked thread must be whole, never a mix of two.
//  - of tests/fixtures/idle_pool, more threads than the sampler can visit at the rate
//    asked: its ticks come late, and the totals must still be each thread's lifetime.
#include <gtest/gtest.h>

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

constexpr char kThread[] = "napper";  // the main thread is "sleeper", the program name

class SleeperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    if (!profiler_built()) return;
    run_ = std::make_unique<CommandResult>(
        run_profiled({"--wall", "--cpu", "-o", *dir_ / "prof"}, {fixture_path("sleeper")}));
    const auto fields = fixture_fields(run_->out, "sleep_wall_ns=");
    truth_ok_ = fixture_int(fields, "sleep_wall_ns", &sleep_wall_ns_) &&
                fixture_int(fields, "spin_wall_ns", &spin_wall_ns_);
  }
  static void TearDownTestSuite() {
    run_.reset();
    dir_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(profiler_built());
    ASSERT_EQ(run_->exit_code(), 0) << run_->describe();
    ASSERT_TRUE(truth_ok_) << "fixture output lacks its truth line\n" << run_->describe();
  }

  static std::string profile(const std::string& name) { return *dir_ / ("prof/" + name); }
  static double sleep_share() { return double(sleep_wall_ns_) / double(sleep_wall_ns_ + spin_wall_ns_); }

  // The stacks of the sleeper thread only (the main thread sits in pthread_join).
  static ::testing::AssertionResult sleeper_stacks(const std::string& file, const std::string& index,
                                                   std::vector<Stack>* stacks) {
    std::vector<Stack> all;
    auto read = our_collapsed(file, index, true, &all);
    if (!read) return read;
    stacks->clear();
    for (auto& s : all) {
      if (s.thread == kThread) stacks->push_back(s);
    }
    if (stacks->empty()) return ::testing::AssertionFailure() << "no samples of thread '" << kThread << "'";
    return ::testing::AssertionSuccess();
  }

  static std::unique_ptr<TempDir> dir_;
  static std::unique_ptr<CommandResult> run_;
  static int64_t sleep_wall_ns_;
  static int64_t spin_wall_ns_;
  static bool truth_ok_;
};

std::unique_ptr<TempDir> SleeperTest::dir_;
std::unique_ptr<CommandResult> SleeperTest::run_;
int64_t SleeperTest::sleep_wall_ns_ = 0;
int64_t SleeperTest::spin_wall_ns_ = 0;
bool SleeperTest::truth_ok_ = false;

int64_t value_with(const std::vector<Stack>& stacks, const std::string& function) {
  int64_t sum = 0;
  for (const auto& s : stacks) {
    if (has_frame(s.frames, function)) sum += s.value;
  }
  return sum;
}

TEST_F(SleeperTest, WallProfileSeesTheSleepingHalf) {
  std::vector<Stack> stacks;
  ASSERT_TRUE(sleeper_stacks(profile("wall.pb.gz"), "wall", &stacks));
  const double total = double(total_value(stacks));
  EXPECT_NEAR(double(value_with(stacks, "sleep_phase")) / total, sleep_share(), 0.10);
  EXPECT_NEAR(double(value_with(stacks, "spin_phase")) / total, 1 - sleep_share(), 0.10);
  // Every thread is sampled on and off CPU, so the thread's wall total is its lifetime.
  const double lifetime = double(sleep_wall_ns_ + spin_wall_ns_);
  EXPECT_NEAR(total, lifetime, 0.10 * lifetime);
}

TEST_F(SleeperTest, PprofWallTracesSeeTheSleepingHalf) {
  std::vector<Trace> traces;
  ASSERT_TRUE(pprof_traces(profile("wall.pb.gz"), "wall", &traces));
  double total = 0;
  double sleeping = 0;
  for (const auto& t : traces) {
    const auto thread = t.labels.find("thread");
    if (thread == t.labels.end() || thread->second != kThread) continue;
    total += t.value;
    if (has_frame(t.frames, "sleep_phase")) sleeping += t.value;
  }
  ASSERT_GT(total, 0) << "no wall samples labelled thread=" << kThread;
  EXPECT_NEAR(sleeping / total, sleep_share(), 0.10);
}

TEST_F(SleeperTest, CpuProfileSeesOnlyTheSpinning) {
  std::vector<Stack> stacks;
  ASSERT_TRUE(sleeper_stacks(profile("cpu.pb.gz"), "cpu", &stacks));
  const double total = double(total_value(stacks));
  EXPECT_GE(double(value_with(stacks, "spin_phase")) / total, 0.90);
  EXPECT_LE(double(value_with(stacks, "sleep_phase")) / total, 0.02);
}

// ------------------------------------------------------------- threads that block again

// wall_relay's threads wake, overwrite the stack below relay_main with heap addresses and
// block again in the same pthread_cond_wait, often with identical registers. A stack
// read from outside while that happened mixes frames: its callers end in a heap address
// (or one that lands in the program's data) instead of relay_main. At 1000 Hz for 3 s
// that showed in every run before the sampler checked that the thread had not run.
TEST(WallBlockedStacks, AreNeverAMixOfTwoBlocks) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult run =
      run_profiled({"--wall=1000", "-q", "-o", dir / "prof"}, {fixture_path("wall_relay"), "3"});
  ASSERT_EQ(run.exit_code(), 0) << run.describe();
  const std::string file = dir / "prof/wall.pb.gz";

  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(file, "wall", true, &stacks));
  int64_t relay_value = 0;
  for (const Stack& stack : stacks) {
    if (stack.thread != "relay") continue;
    relay_value += stack.value;
    std::string frames;
    for (const std::string& frame : stack.frames) frames += frame + ";";
    EXPECT_TRUE(has_frame(stack.frames, "relay_main")) << "a relay stack stops short: " << frames;
    for (const std::string& frame : stack.frames) {
      EXPECT_NE(frame.rfind("0x", 0), 0u) << "a frame in no module: " << frames;
    }
  }
  EXPECT_GT(relay_value, 0) << "no wall samples of the relay threads";
  // A read discarded because its thread moved is not counted as a truncated stack: the
  // profile may report no more truncated stacks than it holds samples whose stack does
  // not reach the root of a thread (at exit, the main thread can be caught in code
  // without unwind tables). Before, discarded reads were counted too.
  std::string header;
  ASSERT_TRUE(our_profile_header(file, &header));
  int64_t truncated = 0;
  const size_t at = header.find(" stacks truncated");
  if (at != std::string::npos) {
    const size_t start = header.rfind(' ', at - 1) + 1;
    truncated = std::stoll(header.substr(start, at - start));
  }
  std::vector<Stack> counts;
  ASSERT_TRUE(our_collapsed(file, "samples", false, &counts));
  int64_t unrooted = 0;
  for (const Stack& stack : counts) {
    if (stack.frames.empty() || (stack.frames[0] != "__clone3" && stack.frames[0] != "_start")) {
      unrooted += stack.value;
    }
  }
  EXPECT_LE(truncated, unrooted) << header;

  std::vector<Trace> traces;
  ASSERT_TRUE(pprof_traces(file, "wall", &traces));
  int64_t pprof_relay_traces = 0;
  for (const Trace& trace : traces) {
    const auto thread = trace.labels.find("thread");
    if (thread == trace.labels.end() || thread->second != "relay") continue;
    ++pprof_relay_traces;
    EXPECT_TRUE(has_frame(trace.frames, "relay_main")) << "pprof: a relay stack stops short";
  }
  EXPECT_GT(pprof_relay_traces, 0);
}

// ------------------------------------------------------- more threads than ticks allow

// 150 idle threads at 1000 Hz: a tick cannot visit them all in 1 ms within the sampler's
// CPU budget, so ticks come late (and the profile says so). Each tick counts the time
// since the previous one, so the waiters' wall total is still the sum of their lifetimes,
// which the fixture measured. (Before, each late tick counted one period: the total was
// a few percent of the truth, with no warning.)
TEST(WallIdlePool, TotalsStayTrueWhenTicksComeLate) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult run =
      run_profiled({"--wall=1000", "-q", "-o", dir / "prof"}, {fixture_path("idle_pool"), "150", "3"});
  ASSERT_EQ(run.exit_code(), 0) << run.describe();
  int64_t lifetimes = 0;
  ASSERT_TRUE(fixture_int(fixture_fields(run.out, "waiters="), "waiter_lifetime_ns", &lifetimes))
      << run.describe();
  const std::string file = dir / "prof/wall.pb.gz";

  std::string header;
  ASSERT_TRUE(our_profile_header(file, &header));
  EXPECT_NE(header.find("wall-clock ticks came late"), std::string::npos)
      << "the sampler kept up with 150 threads at 1000 Hz, so this tested nothing:\n" << header;

  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(file, "wall", true, &stacks));
  double waiters = 0;
  for (const Stack& stack : stacks) {
    if (stack.thread != "waiter") continue;
    waiters += double(stack.value);
    EXPECT_TRUE(has_frame(stack.frames, "waiter_main")) << "a waiter's stack stops short";
  }
  EXPECT_NEAR(waiters, double(lifetimes), 0.10 * double(lifetimes));

  std::vector<Trace> traces;
  ASSERT_TRUE(pprof_traces(file, "wall", &traces));
  double pprof_waiters = 0;
  for (const Trace& trace : traces) {
    const auto thread = trace.labels.find("thread");
    if (thread != trace.labels.end() && thread->second == "waiter") pprof_waiters += trace.value;
  }
  EXPECT_NEAR(pprof_waiters, double(lifetimes), 0.10 * double(lifetimes));
}

}  // namespace
}  // namespace cxxprof_test
