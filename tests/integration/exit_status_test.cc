// cxxprof-run is transparent about how the program ended: it exits with the program's
// status (128+N for a death by signal N), still writes the profile however the program
// ended, and forwards SIGINT/SIGTERM/SIGHUP to it (DESIGN.md §4, §2.7).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/integration/all_profilers.h"
#include "tests/integration/harness.h"
#include "tests/integration/reports.h"
#include "tests/integration/stack_queries.h"

namespace cxxprof_test {
namespace {

// The profile of a run of exit_code that burned CPU in burn_before_exit first must
// exist, be readable by both readers, and show that function.
void expect_profile_with_burn(const std::string& profile) {
  ASSERT_TRUE(path_exists(profile)) << profile << " not written";
  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(profile, "cpu", false, &stacks));
  int64_t burn = 0;
  for (const auto& s : stacks) {
    if (has_frame(s.frames, "burn_before_exit")) burn += s.value;
  }
  EXPECT_GT(burn, 0) << "burn_before_exit missing from the profile";
  TopTable top;
  ASSERT_TRUE(pprof_top(profile, "cpu", &top));
  EXPECT_GT(top_cum(top, "burn_before_exit"), 0);
}

struct Ending {
  std::vector<std::string> args;  // after "exit_code --burn 300"
  int launcher_status;
};

void PrintTo(const Ending& e, std::ostream* os) {
  for (const auto& a : e.args) *os << a << ' ';
  *os << "-> " << e.launcher_status;
}

class ExitStatusTest : public ::testing::TestWithParam<Ending> {};

TEST_P(ExitStatusTest, PassedThroughAndProfileWritten) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  std::vector<std::string> program{fixture_path("exit_code"), "--burn", "300"};
  program.insert(program.end(), GetParam().args.begin(), GetParam().args.end());
  // Every profiler at once: however the program ends, each profile is written.
  std::vector<std::string> options = every_profiler();
  options.insert(options.end(), {"-o", dir / "prof"});
  const CommandResult r = run_profiled(options, program);
  // Exited (not itself killed) with the status a shell would show for the program.
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_EQ(r.exit_code(), GetParam().launcher_status) << r.describe();
  EXPECT_NE(r.out.find("burn checksum="), std::string::npos) << "program output lost\n" << r.describe();
  expect_profile_with_burn(dir / "prof/cpu.pb.gz");
  EveryProfile profiles;
  EXPECT_TRUE(read_every_profile(dir / "prof", &profiles)) << r.describe();
}

INSTANTIATE_TEST_SUITE_P(Endings, ExitStatusTest,
                         ::testing::Values(Ending{{"0"}, 0}, Ending{{"3"}, 3}, Ending{{"--signal", "9"}, 128 + 9},
                                           Ending{{"--segv"}, 128 + SIGSEGV},
                                           Ending{{"--signal", "6"}, 128 + SIGABRT}));

// SIGTERM sent to cxxprof-run reaches the program, whose handler exits 0 — and then
// cxxprof-run exits 0 too, with the profile written.
TEST(SignalForwarding, SigtermReachesTheProgram) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  Process launcher({launcher_path(), "--cpu", "-o", dir / "prof", "--", fixture_path("exit_code"), "--wait-for-signal"});
  ASSERT_TRUE(launcher.wait_for_stdout("ready\n", std::chrono::seconds(30)))
      << "program never got ready\n" << launcher.wait().describe();
  ASSERT_EQ(kill(launcher.pid(), SIGTERM), 0);
  const CommandResult r = launcher.wait();
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_NE(r.out.find("got SIGTERM"), std::string::npos) << r.describe();
  EXPECT_TRUE(path_exists(dir / "prof/cpu.pb.gz")) << r.describe();
}

// SIGINT and SIGHUP are forwarded too. The program does not handle them, so it dies by
// the signal, and cxxprof-run must report that as 128+N — exiting, not dying itself.
class UnhandledSignalForwarding : public ::testing::TestWithParam<int> {};

TEST_P(UnhandledSignalForwarding, ProgramDiesAndStatusIs128PlusN) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  Process launcher({launcher_path(), "--cpu", "-o", dir / "prof", "--", fixture_path("exit_code"), "--wait-for-signal"});
  ASSERT_TRUE(launcher.wait_for_stdout("ready\n", std::chrono::seconds(30)))
      << "program never got ready\n" << launcher.wait().describe();
  ASSERT_EQ(kill(launcher.pid(), GetParam()), 0);
  const CommandResult r = launcher.wait();
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_EQ(r.exit_code(), 128 + GetParam()) << r.describe();
  EXPECT_TRUE(path_exists(dir / "prof/cpu.pb.gz")) << r.describe();
}

INSTANTIATE_TEST_SUITE_P(Signals, UnhandledSignalForwarding, ::testing::Values(SIGINT, SIGHUP));

}  // namespace
}  // namespace cxxprof_test
