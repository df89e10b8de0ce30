// common/debug_options: CXXDEBUG's grammar (GODEBUG's: comma-separated name=value),
// sharing the value parser with the CXXPROF_* options.
#include "common/debug_options.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace cxxprof {
namespace {

void collect(void* context, const char* line) {
  static_cast<std::vector<std::string>*>(context)->push_back(line);
}

struct Parsed {
  DebugOptions options;
  std::vector<std::string> warnings;
};

Parsed parse(const char* text) {
  Parsed parsed;
  debug_options_init(&parsed.options);
  int count = debug_options_parse(text, &parsed.options, collect, &parsed.warnings);
  EXPECT_EQ(count, int(parsed.warnings.size()));
  return parsed;
}

TEST(DebugOptionsTable, EveryNameOnceAndDocumented) {
  size_t count = 0;
  const DebugSpec* specs = debug_specs(&count);
  ASSERT_EQ(count, size_t(DebugId::kCount));
  std::set<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    EXPECT_EQ(size_t(specs[i].id), i) << specs[i].name;
    EXPECT_TRUE(names.insert(specs[i].name).second) << specs[i].name;
    EXPECT_GT(std::string(specs[i].help).size(), 10u) << specs[i].name;
  }
}

TEST(DebugOptions, UnsetOrEmptyMeansNothingAndNoWarning) {
  for (const char* text : {static_cast<const char*>(nullptr), "", ",", ",,,"}) {
    Parsed parsed = parse(text);
    EXPECT_FALSE(debug_options_any(parsed.options)) << (text ? text : "(unset)");
    EXPECT_TRUE(parsed.warnings.empty()) << parsed.warnings[0];
  }
}

TEST(DebugOptions, EverySettingTogether) {
  Parsed parsed =
      parse("schedtrace=1000,scheddetail=1,gctrace=1,allocfreetrace=1,debugout=/tmp/d.txt");
  EXPECT_TRUE(parsed.warnings.empty()) << parsed.warnings[0];
  EXPECT_EQ(parsed.options.schedtrace_ms, 1000u);
  EXPECT_TRUE(parsed.options.scheddetail);
  EXPECT_TRUE(parsed.options.heaptrace);
  EXPECT_TRUE(parsed.options.allocfreetrace);
  EXPECT_STREQ(parsed.options.debugout, "/tmp/d.txt");
  EXPECT_TRUE(debug_options_any(parsed.options));
}

TEST(DebugOptions, HeaptraceIsGctrace) {
  EXPECT_TRUE(parse("heaptrace=1").options.heaptrace);
  EXPECT_FALSE(parse("gctrace=1,heaptrace=0").options.heaptrace);  // the last one wins
}

TEST(DebugOptions, LastSettingOfANameWins) {
  EXPECT_EQ(parse("schedtrace=10,schedtrace=250").options.schedtrace_ms, 250u);
  EXPECT_EQ(parse("schedtrace=10,schedtrace=0").options.schedtrace_ms, 0u);
}

TEST(DebugOptions, ZeroSwitchesOff) {
  Parsed parsed = parse("schedtrace=0,gctrace=0,allocfreetrace=0");
  EXPECT_TRUE(parsed.warnings.empty());
  EXPECT_FALSE(debug_options_any(parsed.options));
}

TEST(DebugOptions, DebugoutAloneSwitchesNothingOn) {
  Parsed parsed = parse("debugout=/tmp/x");
  EXPECT_TRUE(parsed.warnings.empty());
  EXPECT_FALSE(debug_options_any(parsed.options));
}

struct BadSetting {
  const char* text;
  const char* expected;  // the whole warning line
};

class BadDebugSetting : public ::testing::TestWithParam<BadSetting> {};

TEST_P(BadDebugSetting, OneLineNamingTheProblemAndTheRestStillApplies) {
  // Surrounded by good settings: they apply whatever the bad one is.
  std::string text = std::string("gctrace=1,") + GetParam().text + ",allocfreetrace=1";
  Parsed parsed = parse(text.c_str());
  ASSERT_EQ(parsed.warnings.size(), 1u) << text;
  EXPECT_EQ(parsed.warnings[0], GetParam().expected);
  EXPECT_TRUE(parsed.options.heaptrace);
  EXPECT_TRUE(parsed.options.allocfreetrace);
  EXPECT_EQ(parsed.options.schedtrace_ms, 0u);
  EXPECT_FALSE(parsed.options.scheddetail);
}

INSTANTIATE_TEST_SUITE_P(
    Settings, BadDebugSetting,
    ::testing::Values(
        BadSetting{"bogus=1", "CXXDEBUG: unknown setting 'bogus'; ignored"},
        BadSetting{"schedtrace=1s",
                   "CXXDEBUG: schedtrace: '1s' is not a whole number (expected MS); ignored"},
        BadSetting{"schedtrace=", "CXXDEBUG: schedtrace: '' is not a whole number (expected MS); ignored"},
        BadSetting{"schedtrace=-5",
                   "CXXDEBUG: schedtrace: '-5' is not a whole number (expected MS); ignored"},
        BadSetting{"schedtrace=86400001",
                   "CXXDEBUG: schedtrace=86400001 is out of range (0..86400000); ignored"},
        BadSetting{"scheddetail=2", "CXXDEBUG: scheddetail=2 is out of range (0..1); ignored"},
        BadSetting{"schedtrace", "CXXDEBUG: 'schedtrace' needs a value (schedtrace=MS); ignored"},
        BadSetting{"GCTRACE=1", "CXXDEBUG: unknown setting 'GCTRACE'; ignored"},
        BadSetting{" schedtrace=5", "CXXDEBUG: unknown setting ' schedtrace'; ignored"},
        BadSetting{"debugout=", "CXXDEBUG: debugout needs a file name; ignored"},
        BadSetting{"scheddetail=1",
                   "CXXDEBUG: scheddetail=1 needs schedtrace=MS; ignored"}));

TEST(DebugOptions, EveryProblemItsOwnLine) {
  Parsed parsed = parse("schedtrace=abc,bogus=1,gctrace=7");
  ASSERT_EQ(parsed.warnings.size(), 3u);
  EXPECT_EQ(parsed.warnings[0],
            "CXXDEBUG: schedtrace: 'abc' is not a whole number (expected MS); ignored");
  EXPECT_EQ(parsed.warnings[1], "CXXDEBUG: unknown setting 'bogus'; ignored");
  EXPECT_EQ(parsed.warnings[2], "CXXDEBUG: gctrace=7 is out of range (0..1); ignored");
  EXPECT_FALSE(debug_options_any(parsed.options));
}

TEST(DebugOptions, SchedDetailAfterSchedTraceOrBefore) {
  EXPECT_TRUE(parse("scheddetail=1,schedtrace=100").options.scheddetail);
  EXPECT_TRUE(parse("schedtrace=100,scheddetail=1").options.scheddetail);
}

TEST(DebugOptions, TooLongASettingIsRefusedWithoutOverflow) {
  std::string path(kMaxPath + 100, 'x');
  std::string text = "debugout=/" + path + ",gctrace=1";
  Parsed parsed = parse(text.c_str());
  ASSERT_EQ(parsed.warnings.size(), 1u);
  EXPECT_NE(parsed.warnings[0].find("too long"), std::string::npos) << parsed.warnings[0];
  EXPECT_STREQ(parsed.options.debugout, "");
  EXPECT_TRUE(parsed.options.heaptrace);
}

// The value grammar is the CXXPROF_* options' own: same function, same wording.
TEST(OptionNumberGrammar, SharedWithTheCommandLine) {
  char error[256];
  uint64_t n = 0;
  EXPECT_TRUE(parse_option_number("--cpu", "250", "HZ", 1, 10000, &n, error, sizeof(error)));
  EXPECT_EQ(n, 250u);
  EXPECT_FALSE(parse_option_number("--cpu", "0x10", "HZ", 1, 10000, &n, error, sizeof(error)));
  EXPECT_STREQ(error, "--cpu: '0x10' is not a whole number (expected HZ)");
  EXPECT_FALSE(parse_option_number("--cpu", "0", "HZ", 1, 10000, &n, error, sizeof(error)));
  EXPECT_STREQ(error, "--cpu=0 is out of range (1..10000)");
  EXPECT_EQ(n, 250u);  // unchanged on error
  Config config;
  config_init(&config);
  EXPECT_FALSE(config_apply(&config, OptionId::kCpu, "0x10", error, sizeof(error)));
  EXPECT_STREQ(error, "--cpu: '0x10' is not a whole number (expected HZ)");
}

}  // namespace
}  // namespace cxxprof

namespace cxxprof {
namespace {

const char* only_cpu_set(const char* name) {
  return std::string(name) == "CXXPROF_CPU" ? "0" : nullptr;
}
const char* only_output_set(const char* name) {
  return std::string(name) == "CXXPROF_OUTPUT" ? "/tmp/p" : nullptr;
}
const char* nothing_set(const char*) { return nullptr; }

// With LD_PRELOAD alone, CXXDEBUG without any profile variable means diagnostics only:
// the library asks this to decide (preload/library_init.cc).
TEST(ProfileVariables, AnyProfileVariableEvenZeroCountsButNotTheOutput) {
  EXPECT_TRUE(config_profile_variable_set(only_cpu_set));
  EXPECT_FALSE(config_profile_variable_set(only_output_set));
  EXPECT_FALSE(config_profile_variable_set(nothing_set));
}

}  // namespace
}  // namespace cxxprof
