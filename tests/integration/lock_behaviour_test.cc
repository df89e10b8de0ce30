// Programs behave exactly as without the profiler when their locks, condvars, semaphores,
// joins and sleeps are interposed:
//  - lock_semantics: every return value and errno, in the cases a wrapper could get wrong
//    (error-checking, recursive and robust mutexes, deadlines glibc rejects up front,
//    timeouts), the same output as the plain run;
//  - cond_versions: condvars used through glibc's current (GLIBC_2.3.2) and compatibility
//    (GLIBC_2.2.5) symbol versions both bind to the profiler, and both still work;
//  - cancel_waits: threads cancelled inside wrapped waits unwind cleanly, their cleanup
//    handlers' own waits are profiled, and the wait up to the cancellation is recorded.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/lock_samples.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

TEST(LockSemantics, ResultsAndErrnoAreGlibcsOwn) {
  ASSERT_TRUE(profiler_built());
  const CommandResult plain = run_command({fixture_path("lock_semantics")});
  ASSERT_EQ(plain.exit_code(), 0) << plain.describe();
  ASSERT_NE(plain.out.find("checks="), std::string::npos) << plain.describe();
  // Both profiles on; profiles on with sampling; only the CPU profile (the interposers are
  // there but idle).
  for (const std::vector<std::string>& options :
       {std::vector<std::string>{"--mutex", "--block"}, {"--mutex=7", "--block=100000"}, {"--cpu"}}) {
    SCOPED_TRACE(options.front());
    TempDir dir;
    std::vector<std::string> with_dir = options;
    with_dir.insert(with_dir.end(), {"-o", dir / "prof"});
    const CommandResult profiled = run_profiled(with_dir, {fixture_path("lock_semantics")});
    ASSERT_EQ(profiled.exit_code(), 0) << profiled.describe();
    EXPECT_EQ(profiled.out, plain.out);
  }
}

TEST(CondVersions, BothSymbolVersionsBindToTheProfilerAndStillWork) {
  ASSERT_TRUE(profiler_built());
  const CommandResult plain = run_command({fixture_path("cond_versions")});
  ASSERT_EQ(plain.exit_code(), 0) << plain.describe();
  TempDir dir;
  const CommandResult profiled =
      run_profiled({"--mutex", "--block", "-o", dir / "prof"}, {fixture_path("cond_versions")});
  ASSERT_EQ(profiled.exit_code(), 0) << profiled.describe();
  EXPECT_EQ(first_line(profiled.out), first_line(plain.out));
  EXPECT_EQ(first_line(profiled.out), "current_abi=woken old_abi=woken");

  const auto fields = fixture_fields(profiled.out, "current_abi_wait_ns=");
  int64_t current_ns = 0, old_ns = 0;
  ASSERT_TRUE(fixture_int(fields, "current_abi_wait_ns", &current_ns)) << profiled.describe();
  ASSERT_TRUE(fixture_int(fields, "old_abi_wait_ns", &old_ns)) << profiled.describe();
  for (bool ours : {true, false}) {
    SCOPED_TRACE(ours ? "our reader" : "go tool pprof");
    std::vector<LockSample> samples;
    ASSERT_TRUE(ours ? our_lock_samples(dir / "prof/block.pb.gz", &samples)
                     : pprof_lock_samples(dir / "prof/block.pb.gz", &samples));
    // A wait seen at all proves the reference bound to our definition.
    const LockTotals current = lock_totals(samples, "wait_with_current_abi", "cond");
    EXPECT_NEAR(current.delay, double(current_ns), 0.10 * double(current_ns)) << describe(samples);
    const LockTotals old = lock_totals(samples, "wait_with_old_abi", "cond");
    EXPECT_NEAR(old.delay, double(old_ns), 0.10 * double(old_ns)) << describe(samples);
    EXPECT_GE(old.contentions, 2) << "the timed wait and the wait";
  }
}

class CancelWaitsTest : public ::testing::Test {
 protected:
  static constexpr const char* kKinds[4] = {"cond", "sem", "sleep", "join"};

  static int64_t cleanup_sleep_ns(const std::string& out, const std::string& kind) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("kind=" + kind + " ", 0) != 0) continue;
      int64_t value = 0;
      if (fixture_int(fixture_fields(line, "kind="), "cleanup_sleep_ns", &value)) return value;
    }
    return -1;
  }
};

TEST_F(CancelWaitsTest, CancelledWaitsLeaveNothingBehind) {
  ASSERT_TRUE(profiler_built());
  const CommandResult plain = run_command({fixture_path("cancel_waits")});
  ASSERT_EQ(plain.exit_code(), 0) << plain.describe();
  TempDir dir;
  const CommandResult profiled =
      run_profiled({"--mutex", "--block", "-o", dir / "prof"}, {fixture_path("cancel_waits")});
  ASSERT_EQ(profiled.exit_code(), 0) << profiled.describe();
  EXPECT_EQ(first_line(profiled.out), "cancelled=4 results_ok=1");
  EXPECT_EQ(first_line(profiled.out), first_line(plain.out));

  for (bool ours : {true, false}) {
    SCOPED_TRACE(ours ? "our reader" : "go tool pprof");
    std::vector<LockSample> samples;
    ASSERT_TRUE(ours ? our_lock_samples(dir / "prof/block.pb.gz", &samples)
                     : pprof_lock_samples(dir / "prof/block.pb.gz", &samples));
    for (const char* kind : kKinds) {
      SCOPED_TRACE(kind);
      // The cleanup handler's sleep, after the unwinding through our wrapper: recorded,
      // so the thread was no longer "inside" an interposer.
      const double truth = double(cleanup_sleep_ns(profiled.out, kind));
      ASSERT_GT(truth, 0) << profiled.describe();
      const LockTotals cleanup = lock_totals(samples, std::string("after_cancel_") + kind, "sleep");
      EXPECT_EQ(cleanup.contentions, 1) << describe(samples);
      EXPECT_NEAR(cleanup.delay, truth, 0.05 * truth) << describe(samples);
      // The cancelled wait itself, up to the cancellation (about 150 ms after the thread
      // began to wait), under the function that waited.
      const std::string function = std::string("cancelled_in_") + kind;
      const std::string reason = std::string(kind) == "join" ? "join" : kind;
      double cancelled = lock_totals(samples, function, reason).delay;
      if (reason == "sleep") cancelled -= cleanup.delay;  // the handler runs on this stack too
      EXPECT_GE(cancelled, 140e6) << describe(samples);
      EXPECT_LT(cancelled, 10e9) << describe(samples);
    }
  }
}

}  // namespace
}  // namespace cxxprof_test
