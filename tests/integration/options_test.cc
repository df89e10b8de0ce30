// The launcher's command line (DESIGN.md §4). Bad command lines: one clear line on
// stderr, exit status 2, and the program not started — the program here is
// `touch MARKER`, so "not started" is checked, not assumed. An earlier run's profiles
// are never silently overwritten. -q keeps the launcher itself silent.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

struct BadCommandLine {
  const char* name;
  std::vector<std::string> options;  // "{out}" is replaced by a fresh output path
  bool missing_program = false;      // run a program that does not exist instead of touch
};

void PrintTo(const BadCommandLine& c, std::ostream* os) { *os << c.name; }

class BadOptionsTest : public ::testing::TestWithParam<BadCommandLine> {};

TEST_P(BadOptionsTest, OneLineExitTwoNotStarted) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const std::string marker = dir / "started";
  std::vector<std::string> argv{launcher_path()};
  for (const auto& option : GetParam().options) argv.push_back(option == "{out}" ? dir / "prof" : option);
  argv.push_back("--");
  if (GetParam().missing_program) {
    argv.push_back(dir / "no-such-program");
  } else {
    argv.insert(argv.end(), {"touch", marker});
  }
  const CommandResult r = run_command(argv);

  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_EQ(r.exit_code(), 2) << r.describe();
  EXPECT_FALSE(path_exists(marker)) << "the program was started\n" << r.describe();
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "want exactly one line on stderr\n" << r.describe();
  EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << r.describe();
  EXPECT_GT(r.err.size(), 10u) << "the line should say what is wrong\n" << r.describe();
}

INSTANTIATE_TEST_SUITE_P(
    CommandLines, BadOptionsTest,
    ::testing::Values(BadCommandLine{"CpuRateNotANumber", {"--cpu=abc", "-o", "{out}"}},
                      BadCommandLine{"WallRateNotANumber", {"--wall=fast", "-o", "{out}"}},
                      BadCommandLine{"UnknownOption", {"--bogus", "--cpu", "-o", "{out}"}},
                      BadCommandLine{"OutputUnderProc", {"--cpu", "-o", "/proc/x/cxxprof"}},
                      BadCommandLine{"MissingProgram", {"--cpu", "-o", "{out}"}, true}),
    [](const ::testing::TestParamInfo<BadCommandLine>& info) { return std::string(info.param.name); });

TEST(BadOptions, NoProgramAtAll) {
  ASSERT_TRUE(profiler_built());
  const CommandResult r = run_command({launcher_path(), "--cpu"});
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_EQ(r.exit_code(), 2) << r.describe();
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.describe();
}

// An output directory that already holds an earlier run's profile: refuse (exit 2, one
// line, program not started) and leave the earlier file exactly as it was.
TEST(BadOptions, OutputDirectoryWithEarlierProfiles) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const std::string out = dir / "prof";
  const std::string earlier = out + "/cpu.pb.gz";
  const std::string content = "an earlier run's profile";
  ASSERT_EQ(run_command({"mkdir", out}).exit_code(), 0);
  std::ofstream(earlier) << content;
  const std::string marker = dir / "started";

  const CommandResult r = run_command({launcher_path(), "--cpu", "-o", out, "--", "touch", marker});
  ASSERT_TRUE(r.exited()) << r.describe();
  EXPECT_EQ(r.exit_code(), 2) << r.describe();
  EXPECT_FALSE(path_exists(marker)) << "the program was started\n" << r.describe();
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.describe();
  EXPECT_EQ(read_text_file(earlier), content) << "the earlier profile was overwritten";
}

// With -q the only output is the program's own: stdout and stderr exactly as without
// the profiler, and the profile still written.
TEST(QuietOption, OnlyTheProgramsOutput) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const std::vector<std::string> program{"sh", "-c", "echo to-stdout; echo to-stderr >&2"};
  const CommandResult plain = run_command(program);
  ASSERT_EQ(plain.exit_code(), 0) << plain.describe();
  const CommandResult quiet = run_profiled({"-q", "--cpu", "-o", dir / "prof"}, program);
  ASSERT_EQ(quiet.exit_code(), 0) << quiet.describe();
  EXPECT_EQ(quiet.out, plain.out);
  EXPECT_EQ(quiet.err, plain.err);
  EXPECT_TRUE(path_exists(dir / "prof/cpu.pb.gz")) << quiet.describe();
}

}  // namespace
}  // namespace cxxprof_test
