// A program that uses SIGPROF itself behaves exactly as without the profiler (same
// output, same exit status), while the profile is still recorded (preload/program_sigprof.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/report_parsers.h"
#include "tests/integration/reports.h"
#include "tests/integration/stack_queries.h"

namespace cxxprof_test {
namespace {

class ProgramSigprof : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(ProgramSigprof, BehavesAsWithoutTheProfiler) {
  ASSERT_TRUE(profiler_built());
  std::vector<std::string> program = {fixture_path("sigprof_user")};
  for (const std::string& arg : GetParam()) program.push_back(arg);
  const CommandResult plain = run_command(program);
  TempDir dir;
  const CommandResult profiled = run_profiled({"--cpu", "--wall", "-q", "-o", dir / "prof"}, program);
  EXPECT_EQ(profiled.out, plain.out) << profiled.describe();
  // cxxprof-run exits with the program's status, 128+N when it was killed by signal N.
  const int expected = plain.exited() ? plain.exit_code() : 128 + plain.term_signal();
  EXPECT_EQ(profiled.exit_code(), expected) << plain.describe() << "\n" << profiled.describe();
  EXPECT_TRUE(path_exists(dir / "prof/cpu.pb.gz")) << profiled.describe();
}

INSTANTIATE_TEST_SUITE_P(Uses, ProgramSigprof,
                         ::testing::Values(std::vector<std::string>{"--itimer", "500"},
                                           std::vector<std::string>{"--ignore"},
                                           std::vector<std::string>{"--default"},
                                           std::vector<std::string>{"--signal-api"}));

TEST(ProgramSigprofItimer, BothProfilersSeeTheirTicks) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_profiled({"--cpu", "-o", dir / "prof"},
                                       {fixture_path("sigprof_user"), "--itimer", "500"});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_NE(r.out.find("ticks_ok=1 foreign=0 query_ok=1"), std::string::npos) << r.describe();
  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(dir / "prof/cpu.pb.gz", "cpu", false, &stacks));
  int64_t burn = 0;
  for (const Stack& s : stacks) {
    if (has_frame(s.frames, "burn_with_itimer")) burn += s.value;
  }
  EXPECT_GT(double(burn), 0.5 * 500e6) << "our own samples of the 500 ms burn";
}

}  // namespace
}  // namespace cxxprof_test
