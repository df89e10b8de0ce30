// Programs that are hard on a profiler run exactly as without it (same output, same exit
// status), under the CPU and wall profilers together, and still leave a profile
// (issue 7: hostile programs).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/all_profilers.h"
#include "tests/integration/harness.h"
#include "tests/integration/report_parsers.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

class HostileProgram : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(HostileProgram, RunsExactlyAsWithoutTheProfiler) {
  ASSERT_TRUE(profiler_built());
  std::vector<std::string> program = {fixture_path("hostile")};
  for (const std::string& arg : GetParam()) program.push_back(arg);
  const CommandResult plain = run_command(program);
  ASSERT_FALSE(plain.timed_out) << plain.describe();
  TempDir dir;
  // Under every profiler at once: each one's interposers meet the hostile behaviour.
  std::vector<std::string> options = every_profiler();
  options.insert(options.end(), {"-q", "-o", dir / "prof"});
  const CommandResult profiled = run_profiled(options, program);
  EXPECT_EQ(profiled.out, plain.out) << profiled.describe();
  EXPECT_EQ(profiled.err, plain.err) << profiled.describe();
  const int expected = plain.exited() ? plain.exit_code() : 128 + plain.term_signal();
  EXPECT_EQ(profiled.exit_code(), expected) << plain.describe() << "\n" << profiled.describe();
  EveryProfile profiles;
  EXPECT_TRUE(read_every_profile(dir / "prof", &profiles)) << profiled.describe();
  EXPECT_TRUE(no_profiler_threads(dir / "prof"));
}

INSTANTIATE_TEST_SUITE_P(
    Modes, HostileProgram,
    ::testing::Values(std::vector<std::string>{"--thread-churn", "400"},
                      std::vector<std::string>{"--exceptions", "2000"},
                      std::vector<std::string>{"--exit-from-thread"},
                      std::vector<std::string>{"--close-all"},
                      std::vector<std::string>{"--block-signals"}));

TEST(HostileProgramWarnings, ThreadThatBlockedSigprofIsReported) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r =
      run_profiled({"--cpu", "-o", dir / "prof"}, {fixture_path("hostile"), "--block-signals"});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_NE(r.err.find("blocked SIGPROF"), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace cxxprof_test
