// cxxprof-run's command line: every option form, where parsing stops, how the
// environment's CXXPROF_* defaults combine with it, and the error lines.
#include "launcher/command_line.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace cxxprof {
namespace {

std::map<std::string, std::string> g_environment;

const char* lookup(const char* name) {
  auto it = g_environment.find(name);
  return it == g_environment.end() ? nullptr : it->second.c_str();
}

class LauncherCommandLine : public ::testing::Test {
 protected:
  void SetUp() override { g_environment.clear(); }

  LaunchOptions parse_ok(std::vector<std::string> args) {
    LaunchOptions options;
    std::string error;
    EXPECT_TRUE(parse_command_line(args, lookup, &options, &error)) << error;
    return options;
  }

  std::string parse_error(std::vector<std::string> args) {
    LaunchOptions options;
    std::string error;
    EXPECT_FALSE(parse_command_line(args, lookup, &options, &error));
    return error;
  }
};

using Args = std::vector<std::string>;

TEST_F(LauncherCommandLine, NoProfileOptionMeansCpuAtTheDefaultRate) {
  LaunchOptions options = parse_ok({"./app"});
  EXPECT_EQ(options.action, LaunchOptions::Action::kRun);
  EXPECT_EQ(options.config.cpu_hz, kDefaultCpuHz);
  EXPECT_EQ(options.config.wall_hz, 0u);
  EXPECT_TRUE(options.config.follow_children);
  EXPECT_STREQ(options.config.output_dir, "");
  EXPECT_FALSE(options.keep_raw);
  EXPECT_FALSE(options.quiet);
  EXPECT_EQ(options.program, Args({"./app"}));
}

TEST_F(LauncherCommandLine, OptionalValuesOnlyWithEquals) {
  LaunchOptions options = parse_ok({"--cpu", "./app", "arg"});
  EXPECT_EQ(options.config.cpu_hz, 100u);
  EXPECT_EQ(options.program, Args({"./app", "arg"}));

  options = parse_ok({"--cpu=250", "--wall=40", "./app"});
  EXPECT_EQ(options.config.cpu_hz, 250u);
  EXPECT_EQ(options.config.wall_hz, 40u);

  options = parse_ok({"--wall", "./app"});
  EXPECT_EQ(options.config.cpu_hz, 0u) << "--wall alone is the wall profile alone";
  EXPECT_EQ(options.config.wall_hz, 100u);
}

TEST_F(LauncherCommandLine, OutputInEveryForm) {
  for (const Args& args : {Args{"-o", "d", "x"}, Args{"-od", "x"}, Args{"--output", "d", "x"},
                           Args{"--output=d", "x"}}) {
    LaunchOptions options = parse_ok(args);
    EXPECT_STREQ(options.config.output_dir, "d");
    EXPECT_EQ(options.program, Args({"x"}));
  }
  EXPECT_EQ(parse_error({"-o"}), "--output needs a directory");
  EXPECT_EQ(parse_error({"--output"}), "--output needs a directory");
  EXPECT_EQ(parse_error({"--output=", "x"}), "--output needs a directory");
}

TEST_F(LauncherCommandLine, ShortFlagsBundle) {
  LaunchOptions options = parse_ok({"-qo", "dir", "x"});
  EXPECT_TRUE(options.quiet);
  EXPECT_STREQ(options.config.output_dir, "dir");
  options = parse_ok({"-qodir", "x"});
  EXPECT_STREQ(options.config.output_dir, "dir");
}

TEST_F(LauncherCommandLine, LauncherFlags) {
  LaunchOptions options = parse_ok({"--keep-raw", "--quiet", "--no-follow", "x"});
  EXPECT_TRUE(options.keep_raw);
  EXPECT_TRUE(options.quiet);
  EXPECT_FALSE(options.config.follow_children);
  EXPECT_TRUE(parse_ok({"-q", "x"}).quiet);
  EXPECT_EQ(parse_error({"--quiet=yes", "x"}), "--quiet takes no value");
  EXPECT_EQ(parse_error({"--no-follow=yes", "x"}), "--no-follow takes no value");
}

TEST_F(LauncherCommandLine, HelpAndVersionNeedNoProgram) {
  EXPECT_EQ(parse_ok({"--help"}).action, LaunchOptions::Action::kHelp);
  EXPECT_EQ(parse_ok({"-h"}).action, LaunchOptions::Action::kHelp);
  EXPECT_EQ(parse_ok({"--cpu", "-h", "--bogus"}).action, LaunchOptions::Action::kHelp);
  EXPECT_EQ(parse_ok({"--version"}).action, LaunchOptions::Action::kVersion);
  // After the program name, -h belongs to the program.
  LaunchOptions options = parse_ok({"./app", "-h"});
  EXPECT_EQ(options.action, LaunchOptions::Action::kRun);
  EXPECT_EQ(options.program, Args({"./app", "-h"}));
}

TEST_F(LauncherCommandLine, ParsingStopsAtTheProgramOrDoubleDash) {
  LaunchOptions options = parse_ok({"--cpu=10", "./app", "--wall", "-o", "x", "--", "--heap"});
  EXPECT_EQ(options.config.wall_hz, 0u);
  EXPECT_STREQ(options.config.output_dir, "");
  EXPECT_EQ(options.program, Args({"./app", "--wall", "-o", "x", "--", "--heap"}));

  options = parse_ok({"--wall", "--", "--weird-program-name", "--cpu"});
  EXPECT_EQ(options.program, Args({"--weird-program-name", "--cpu"}));
  EXPECT_EQ(options.config.cpu_hz, 0u);

  options = parse_ok({"-", "a"});
  EXPECT_EQ(options.program, Args({"-", "a"})) << "'-' alone is an operand";
}

TEST_F(LauncherCommandLine, MissingProgram) {
  std::string expected = "no program given (usage: cxxprof-run [options] [--] PROGRAM [ARGS...])";
  EXPECT_EQ(parse_error({}), expected);
  EXPECT_EQ(parse_error({"--cpu"}), expected);
  EXPECT_EQ(parse_error({"--cpu", "--"}), expected);
}

TEST_F(LauncherCommandLine, BadValuesComeFromTheSharedParser) {
  EXPECT_EQ(parse_error({"--cpu=0", "x"}), "--cpu=0 is out of range (1..10000)");
  EXPECT_EQ(parse_error({"--cpu=fast", "x"}),
            "--cpu: 'fast' is not a whole number (expected HZ)");
  EXPECT_EQ(parse_error({"--wall=1001", "x"}), "--wall=1001 is out of range (1..1000)");
  EXPECT_EQ(parse_error({"--cpu=", "x"}), "--cpu: '' is not a whole number (expected HZ)");
}

TEST_F(LauncherCommandLine, UnknownOptions) {
  EXPECT_EQ(parse_error({"--bogus", "x"}), "unknown option --bogus (see cxxprof-run --help)");
  EXPECT_EQ(parse_error({"--bogus=1", "x"}), "unknown option --bogus (see cxxprof-run --help)");
  EXPECT_EQ(parse_error({"-x", "prog"}), "unknown option -x (see cxxprof-run --help)");
  EXPECT_EQ(parse_error({"--cp", "x"}), "unknown option --cp (see cxxprof-run --help)")
      << "no abbreviations: they would change meaning as options are added";
}

TEST_F(LauncherCommandLine, IoProfile) {
  LaunchOptions options = parse_ok({"--io", "x"});
  EXPECT_EQ(options.config.io_rate, kDefaultIoRateNs) << "default: Go's rule at 1 ms";
  EXPECT_EQ(options.config.cpu_hz, 0u) << "a profile was asked for: no implicit CPU profile";
  EXPECT_EQ(parse_ok({"--io=1", "x"}).config.io_rate, 1u) << "every call";
  EXPECT_EQ(parse_error({"--io=0", "x"}), "--io=0 is out of range (1..18446744073709551615)");
  g_environment = {{"CXXPROF_IO", "5000"}};
  EXPECT_EQ(parse_ok({"x"}).config.io_rate, 5000u);
}

TEST_F(LauncherCommandLine, HeapProfile) {
  LaunchOptions options = parse_ok({"--heap", "x"});
  EXPECT_EQ(options.config.heap_rate, 524288u) << "default: Go's 512 KiB mean interval";
  EXPECT_EQ(options.config.cpu_hz, 0u) << "a profile was asked for: no implicit CPU profile";
  EXPECT_EQ(parse_ok({"--heap=1", "x"}).config.heap_rate, 1u) << "1: every allocation";
  EXPECT_EQ(parse_ok({"--heap=4096", "--cpu", "x"}).config.heap_rate, 4096u);
  EXPECT_EQ(parse_error({"--heap=0", "x"}).find("--heap"), 0u) << "0 is not a rate";
}

TEST_F(LauncherCommandLine, MutexAndBlockProfiles) {
  LaunchOptions options = parse_ok({"--mutex", "--block", "x"});
  EXPECT_EQ(options.config.mutex_fraction, 1u) << "default: every contention event";
  EXPECT_EQ(options.config.block_rate, 1u) << "default: every blocking event";
  EXPECT_EQ(options.config.cpu_hz, 0u) << "a profile was asked for: no implicit CPU profile";
  options = parse_ok({"--mutex=5", "--block=10000", "x"});
  EXPECT_EQ(options.config.mutex_fraction, 5u);
  EXPECT_EQ(options.config.block_rate, 10000u);
  EXPECT_EQ(parse_error({"--mutex=0", "x"}), "--mutex=0 is out of range (1..4294967295)");
  EXPECT_EQ(parse_error({"--block=0", "x"}), "--block=0 is out of range (1..18446744073709551615)");

  g_environment = {{"CXXPROF_MUTEX", "3"}, {"CXXPROF_BLOCK", ""}};
  options = parse_ok({"x"});
  EXPECT_EQ(options.config.mutex_fraction, 3u);
  EXPECT_EQ(options.config.block_rate, 1u) << "an empty value means the default";
  EXPECT_TRUE(options.warnings.empty());
}

TEST_F(LauncherCommandLine, BareNumberAfterAnOptionalValueOptionIsCaught) {
  EXPECT_EQ(parse_error({"--cpu", "200", "./app"}),
            "'200' after --cpu is taken as the program; write --cpu=200 to set the value");
  // With "--" the user says it is a program.
  EXPECT_EQ(parse_ok({"--cpu", "--", "200"}).program, Args({"200"}));
  EXPECT_EQ(parse_ok({"--cpu=5", "200"}).program, Args({"200"}));
}

TEST_F(LauncherCommandLine, EnvironmentGivesDefaultsTheCommandLineOverrides) {
  g_environment = {{"CXXPROF_CPU", "300"}, {"CXXPROF_OUTPUT", "envdir"}, {"CXXPROF_NO_FOLLOW", "1"}};
  LaunchOptions options = parse_ok({"x"});
  EXPECT_EQ(options.config.cpu_hz, 300u);
  EXPECT_STREQ(options.config.output_dir, "envdir");
  EXPECT_FALSE(options.config.follow_children);

  options = parse_ok({"--cpu=50", "-o", "cli", "--wall", "x"});
  EXPECT_EQ(options.config.cpu_hz, 50u);
  EXPECT_EQ(options.config.wall_hz, 100u);
  EXPECT_STREQ(options.config.output_dir, "cli");
  EXPECT_TRUE(options.warnings.empty());
}

TEST_F(LauncherCommandLine, EnvironmentProfileVariablesPerOption) {
  g_environment = {{"CXXPROF_WALL", "20"}};
  LaunchOptions options = parse_ok({"x"});
  EXPECT_EQ(options.config.cpu_hz, 0u);
  EXPECT_EQ(options.config.wall_hz, 20u);
  options = parse_ok({"--cpu", "x"});
  EXPECT_EQ(options.config.cpu_hz, 100u);
  EXPECT_EQ(options.config.wall_hz, 20u);

  g_environment = {{"CXXPROF_CPU", "0"}};
  EXPECT_EQ(parse_ok({"--wall", "x"}).config.cpu_hz, 0u);
  EXPECT_EQ(parse_ok({"x"}).config.cpu_hz, kDefaultCpuHz) << "nothing at all: CPU";
}

TEST_F(LauncherCommandLine, BadEnvironmentValuesWarn) {
  g_environment = {{"CXXPROF_CPU", "lots"}, {"CXXPROF_HEAP", "4k"}};
  LaunchOptions options = parse_ok({"x"});
  ASSERT_EQ(options.warnings.size(), 2u);
  EXPECT_EQ(options.warnings[0],
            "CXXPROF_CPU: --cpu: 'lots' is not a whole number (expected HZ); ignored");
  EXPECT_EQ(options.warnings[1],
            "CXXPROF_HEAP: --heap: '4k' is not a whole number (expected RATE); ignored");
  EXPECT_EQ(options.config.heap_rate, 0u);
  EXPECT_EQ(options.config.cpu_hz, kDefaultCpuHz) << "nothing valid is left: the default";
}

TEST_F(LauncherCommandLine, UsageListsEveryOption) {
  std::string usage = usage_text();
  size_t count = 0;
  const OptionSpec* specs = option_specs(&count);
  for (size_t i = 0; i < count; ++i) {
    EXPECT_NE(usage.find(std::string("--") + specs[i].long_name), std::string::npos)
        << specs[i].long_name;
  }
  for (const char* flag : {"--keep-raw", "--quiet", "--help", "--version", "-o, --output DIR",
                           "--cpu[=HZ]"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(version_text().rfind("cxxprof-run ", 0), 0u);
}

}  // namespace
}  // namespace cxxprof
