// CXXDEBUG's settings as a user meets them: bad ones warn once and change nothing;
// CXXDEBUG with LD_PRELOAD alone records no profile; debugout=FILE takes the lines, even
// from a program that closes every descriptor; allocfreetrace's channel to the launcher
// survives that too.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/debug_lines.h"
#include "tests/integration/harness.h"
#include "tests/integration/report_parsers.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

class BadCxxdebugTest : public ::testing::TestWithParam<Injection> {};

TEST_P(BadCxxdebugTest, OneWarningPerProblemAndTheProgramRunsAsWithout) {
  ASSERT_TRUE(profiler_built());
  TempDir plain_dir, bad_dir;  // a second run never reuses the first one's output
  // A deterministic program: its output depends only on its argument.
  const std::vector<std::string> program = {fixture_path("fixed_work"), "2000000"};
  // With LD_PRELOAD alone and nothing to diagnose, the library would fall back to its
  // default CPU profile and write it into the current directory: profiles off, both runs.
  const std::vector<std::string> no_profile =
      GetParam() == Injection::kPreloadAlone ? std::vector<std::string>{"CXXPROF_CPU=0"}
                                             : std::vector<std::string>{};
  const CommandResult plain = run_with_cxxdebug(GetParam(), "", program, plain_dir, no_profile);
  const CommandResult bad = run_with_cxxdebug(GetParam(), "schedtrace=abc,bogus=1,gctrace=7",
                                              program, bad_dir, no_profile);
  ASSERT_TRUE(plain.exited()) << plain.describe();
  ASSERT_TRUE(bad.exited()) << bad.describe();
  EXPECT_EQ(bad.exit_code(), plain.exit_code());
  EXPECT_EQ(bad.out, plain.out);
  EXPECT_EQ(plain.err, "") << plain.describe();
  const std::string who = GetParam() == Injection::kLauncher ? "cxxprof-run: " : "cxxprof: ";
  const std::vector<std::string> expected = {
      who + "CXXDEBUG: schedtrace: 'abc' is not a whole number (expected MS); ignored",
      who + "CXXDEBUG: unknown setting 'bogus'; ignored",
      who + "CXXDEBUG: gctrace=7 is out of range (0..1); ignored",
  };
  EXPECT_EQ(lines_of(bad.err), expected) << bad.describe();
}

TEST_P(BadCxxdebugTest, AGoodSettingNextToABadOneStillWorks) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_with_cxxdebug(GetParam(), "bogus=1,schedtrace=50",
                                            {fixture_path("sleeper"), "2", "100"}, dir);
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_NE(r.err.find("CXXDEBUG: unknown setting 'bogus'; ignored\n"), std::string::npos) << r.err;
  EXPECT_GE(debug_lines(r.err, "SCHED").size(), 2u) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Injections, BadCxxdebugTest,
                         ::testing::Values(Injection::kLauncher, Injection::kPreloadAlone),
                         [](const ::testing::TestParamInfo<Injection>& info) {
                           return injection_name(info.param);
                         });

// LD_PRELOAD=libcxxprof.so alone means "CPU profile" — unless CXXDEBUG says what is
// wanted: then diagnostics only, and no profile directory appears.
TEST(CxxdebugAlone, PreloadWithCxxdebugRecordsNoProfile) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_with_cxxdebug(Injection::kPreloadAlone, "schedtrace=50",
                                            {fixture_path("sleeper"), "2", "100"}, dir,
                                            {"CXXPROF_OUTPUT=" + (dir / "out")});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_GE(debug_lines(r.err, "SCHED").size(), 2u) << r.err;
  EXPECT_FALSE(path_exists(dir / "out")) << "a profile was recorded\n" << r.describe();
  EXPECT_EQ(r.err.find("raw profile data"), std::string::npos) << r.err;
}

// And with a profile asked for explicitly, both.
TEST(CxxdebugAlone, PreloadWithCxxdebugAndAProfileVariableRecordsBoth) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_with_cxxdebug(Injection::kPreloadAlone, "schedtrace=50",
                                            {fixture_path("sleeper"), "2", "100"}, dir,
                                            {"CXXPROF_OUTPUT=" + (dir / "out"), "CXXPROF_CPU=100"});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_GE(debug_lines(r.err, "SCHED").size(), 2u) << r.err;
  EXPECT_TRUE(path_exists(dir / "out")) << r.describe();
}

class DebugoutTest : public ::testing::TestWithParam<Injection> {};

// hostile --close-all closes every descriptor but 1 and 2 at the start of main, then
// burns 300 ms of CPU: the file must keep receiving lines after that.
TEST_P(DebugoutTest, LinesGoToTheFileEvenAfterTheProgramClosedItsDescriptor) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const std::string file = dir / "debug.txt";
  const CommandResult r = run_with_cxxdebug(GetParam(), "schedtrace=50,debugout=" + file,
                                            {fixture_path("hostile"), "--close-all"}, dir);
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_EQ(r.out, "closed all; new file ok\n");
  EXPECT_TRUE(debug_lines(r.err, "SCHED").empty()) << r.err;
  const std::vector<DebugLine> lines = debug_lines(read_text_file(file), "SCHED");
  int late = 0;
  for (const DebugLine& line : lines) late += line.ms >= 150;  // well after the close
  EXPECT_GE(late, 2) << read_text_file(file);
}

INSTANTIATE_TEST_SUITE_P(Injections, DebugoutTest,
                         ::testing::Values(Injection::kLauncher, Injection::kPreloadAlone),
                         [](const ::testing::TestParamInfo<Injection>& info) {
                           return injection_name(info.param);
                         });

// The same program under the launcher with allocfreetrace: its connection to the
// launcher is closed by close_range; the library connects again, so the allocations
// after the close (printf's stdout buffer) are still symbolized by the launcher.
TEST(AllocFreeTraceChannel, ReconnectsAfterTheProgramClosedEveryDescriptor) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_with_cxxdebug(Injection::kLauncher, "allocfreetrace=1",
                                            {fixture_path("hostile"), "--close-all"}, dir);
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_EQ(r.out, "closed all; new file ok\n");
  EXPECT_EQ(r.err.find("module+offset"), std::string::npos) << r.err;
  bool after_close = false;
  for (const DebugLine& line : debug_lines(r.err, "ALLOC")) {
    for (const std::string& frame : line.stack) {
      if (frame.rfind("(anonymous namespace)::close_all (hostile.cc:", 0) == 0) after_close = true;
    }
  }
  EXPECT_TRUE(after_close) << "no symbolized allocation from close_all\n" << r.err;
}

}  // namespace
}  // namespace cxxprof_test
