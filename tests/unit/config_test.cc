// common/config: the one option grammar shared by cxxprof-run and the injected library.
#include "common/config.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace cxxprof {
namespace {

// config_from_environment takes a plain function pointer: tests fill this table.
std::map<std::string, std::string> g_environment;

const char* lookup(const char* name) {
  auto it = g_environment.find(name);
  return it == g_environment.end() ? nullptr : it->second.c_str();
}

void collect(void* context, const char* line) {
  static_cast<std::vector<std::string>*>(context)->push_back(line);
}

Config fresh() {
  Config config;
  config_init(&config);
  return config;
}

struct Applied {
  bool ok;
  std::string error;
  Config config;
};

Applied apply(OptionId id, const char* value) {
  Applied result{false, "", fresh()};
  char error[256];
  result.ok = config_apply(&result.config, id, value, error, sizeof(error));
  if (!result.ok) result.error = error;
  return result;
}

Config from_environment(std::map<std::string, std::string> environment,
                        std::vector<std::string>* warnings = nullptr) {
  g_environment = std::move(environment);
  Config config = fresh();
  std::vector<std::string> ignored;
  config_from_environment(&config, lookup, collect, warnings ? warnings : &ignored);
  return config;
}

TEST(ConfigTable, NamesAreUniqueAndDefaultsInRange) {
  size_t count = 0;
  const OptionSpec* specs = option_specs(&count);
  ASSERT_EQ(count, size_t(OptionId::kCount));
  std::set<std::string> long_names, env_names;
  for (size_t i = 0; i < count; ++i) {
    const OptionSpec& spec = specs[i];
    EXPECT_EQ(&option_spec(spec.id), &spec);
    EXPECT_TRUE(long_names.insert(spec.long_name).second) << spec.long_name;
    EXPECT_TRUE(env_names.insert(spec.env_name).second) << spec.env_name;
    EXPECT_EQ(std::strncmp(spec.env_name, "CXXPROF_", 8), 0) << spec.env_name;
    EXPECT_NE(spec.help, nullptr);
    if (spec.kind == ValueKind::kNumber) {
      EXPECT_GE(spec.default_value, spec.min_value) << spec.long_name;
      EXPECT_LE(spec.default_value, spec.max_value) << spec.long_name;
      EXPECT_GE(spec.min_value, 1u) << "0 means off, so it cannot be a value: " << spec.long_name;
    }
  }
}

TEST(ConfigTable, LookupByName) {
  ASSERT_NE(find_option_by_long_name("cpu", 3), nullptr);
  EXPECT_EQ(find_option_by_long_name("cpu", 3)->id, OptionId::kCpu);
  EXPECT_EQ(find_option_by_long_name("no-follow", 9)->id, OptionId::kNoFollow);
  EXPECT_EQ(find_option_by_long_name("cpuX", 3)->id, OptionId::kCpu);  // length-delimited
  EXPECT_EQ(find_option_by_long_name("cp", 2), nullptr);  // no abbreviations
  EXPECT_EQ(find_option_by_long_name("cpus", 4), nullptr);
  ASSERT_NE(find_option_by_short_name('o'), nullptr);
  EXPECT_EQ(find_option_by_short_name('o')->id, OptionId::kOutput);
  EXPECT_EQ(find_option_by_short_name('x'), nullptr);
  EXPECT_EQ(find_option_by_short_name(0), nullptr);
}

TEST(ConfigInit, EverythingOffFollowingChildren) {
  Config config = fresh();
  EXPECT_FALSE(config_any_profile(config));
  EXPECT_TRUE(config.follow_children);
  EXPECT_STREQ(config.output_dir, "");
}

struct RangeCase {
  OptionId id;
  uint64_t Config::*field64;
  uint32_t Config::*field32;
  uint64_t min, max, default_value;
};

uint64_t read_field(const Config& config, const RangeCase& c) {
  return c.field64 ? config.*(c.field64) : config.*(c.field32);
}

TEST(ConfigApply, EveryNumberOptionChecksItsRange) {
  constexpr uint64_t kMaxU32 = 0xffffffffu;
  constexpr uint64_t kMaxU64 = ~uint64_t(0);
  const RangeCase cases[] = {
      {OptionId::kCpu, nullptr, &Config::cpu_hz, 1, 10000, 100},
      {OptionId::kWall, nullptr, &Config::wall_hz, 1, 1000, 100},
      {OptionId::kHeap, &Config::heap_rate, nullptr, 1, kMaxU64, 524288},
      {OptionId::kMutex, &Config::mutex_fraction, nullptr, 1, kMaxU32, 1},
      {OptionId::kBlock, &Config::block_rate, nullptr, 1, kMaxU64, 1},
      {OptionId::kIo, &Config::io_rate, nullptr, 1, kMaxU64, kDefaultIoRateNs},
  };
  for (const RangeCase& c : cases) {
    const char* name = option_spec(c.id).long_name;
    SCOPED_TRACE(name);
    Applied defaulted = apply(c.id, nullptr);
    ASSERT_TRUE(defaulted.ok) << defaulted.error;
    EXPECT_EQ(read_field(defaulted.config, c), c.default_value);

    Applied low = apply(c.id, std::to_string(c.min).c_str());
    ASSERT_TRUE(low.ok) << low.error;
    EXPECT_EQ(read_field(low.config, c), c.min);
    Applied high = apply(c.id, std::to_string(c.max).c_str());
    ASSERT_TRUE(high.ok) << high.error;
    EXPECT_EQ(read_field(high.config, c), c.max);

    Applied zero = apply(c.id, "0");
    EXPECT_FALSE(zero.ok);
    EXPECT_EQ(zero.error, std::string("--") + name + "=0 is out of range (" +
                              std::to_string(c.min) + ".." + std::to_string(c.max) + ")");
    EXPECT_FALSE(config_any_profile(zero.config)) << "config unchanged on error";
    if (c.max != kMaxU64) {
      Applied above = apply(c.id, std::to_string(c.max + 1).c_str());
      EXPECT_FALSE(above.ok);
      EXPECT_NE(above.error.find("out of range"), std::string::npos) << above.error;
    }
    for (const char* bad : {"", "abc", "-5", "+5", " 5", "5 ", "1e3", "0x10", "12abc",
                            "99999999999999999999999"}) {
      Applied result = apply(c.id, bad);
      EXPECT_FALSE(result.ok) << "'" << bad << "'";
      EXPECT_EQ(result.error, std::string("--") + name + ": '" + bad +
                                  "' is not a whole number (expected " +
                                  option_spec(c.id).value_name + ")");
    }
  }
}

TEST(ConfigApply, NoFollowIsAFlag) {
  Applied plain = apply(OptionId::kNoFollow, nullptr);
  ASSERT_TRUE(plain.ok);
  EXPECT_FALSE(plain.config.follow_children);
  EXPECT_TRUE(apply(OptionId::kNoFollow, "1").ok);
  EXPECT_TRUE(apply(OptionId::kNoFollow, "").ok);
  Applied bad = apply(OptionId::kNoFollow, "yes");
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.error, "--no-follow takes no value");
  EXPECT_TRUE(bad.config.follow_children);
}

TEST(ConfigApply, OutputNeedsAPathThatFits) {
  Applied ok = apply(OptionId::kOutput, "some/dir");
  ASSERT_TRUE(ok.ok);
  EXPECT_STREQ(ok.config.output_dir, "some/dir");
  EXPECT_EQ(apply(OptionId::kOutput, nullptr).error, "--output needs a directory");
  EXPECT_EQ(apply(OptionId::kOutput, "").error, "--output needs a directory");
  std::string longest(kMaxPath - 1, 'd');
  EXPECT_TRUE(apply(OptionId::kOutput, longest.c_str()).ok);
  std::string too_long(kMaxPath, 'd');
  Applied bad = apply(OptionId::kOutput, too_long.c_str());
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.error, "--output: path too long");
  EXPECT_STREQ(bad.config.output_dir, "");
}

TEST(ConfigApply, ErrorIsTruncatedToTheBuffer) {
  Config config = fresh();
  char error[8];
  EXPECT_FALSE(config_apply(&config, OptionId::kCpu, "abcdefghijk", error, sizeof(error)));
  EXPECT_EQ(std::strlen(error), sizeof(error) - 1);
}

TEST(ConfigEnvironment, NothingSetMeansCpuAtTheDefaultRate) {
  std::vector<std::string> warnings;
  Config config = from_environment({}, &warnings);
  EXPECT_EQ(config.cpu_hz, kDefaultCpuHz);
  EXPECT_EQ(config.wall_hz, 0u);
  EXPECT_EQ(config.heap_rate, 0u);
  EXPECT_TRUE(config.follow_children);
  EXPECT_TRUE(warnings.empty());
}

TEST(ConfigEnvironment, AnyProfileVariableReplacesTheDefault) {
  Config wall = from_environment({{"CXXPROF_WALL", "50"}});
  EXPECT_EQ(wall.cpu_hz, 0u);
  EXPECT_EQ(wall.wall_hz, 50u);
  Config off = from_environment({{"CXXPROF_CPU", "0"}});
  EXPECT_FALSE(config_any_profile(off));
  Config empty = from_environment({{"CXXPROF_CPU", ""}});
  EXPECT_EQ(empty.cpu_hz, 100u) << "an empty value means the option's default";
  Config heap = from_environment({{"CXXPROF_HEAP", ""}, {"CXXPROF_CPU", "250"}});
  EXPECT_EQ(heap.heap_rate, 524288u);
  EXPECT_EQ(heap.cpu_hz, 250u);
  // Non-profile variables leave the implicit CPU default in place.
  Config output_only = from_environment({{"CXXPROF_OUTPUT", "/tmp/x"}, {"CXXPROF_NO_FOLLOW", "1"}});
  EXPECT_EQ(output_only.cpu_hz, kDefaultCpuHz);
  EXPECT_STREQ(output_only.output_dir, "/tmp/x");
  EXPECT_FALSE(output_only.follow_children);
}

TEST(ConfigEnvironment, BadValuesWarnAndLeaveThatOptionOff) {
  std::vector<std::string> warnings;
  Config config = from_environment(
      {{"CXXPROF_CPU", "fast"}, {"CXXPROF_WALL", "5000"}, {"CXXPROF_MUTEX", "3"},
       {"CXXPROF_NO_FOLLOW", "please"}},
      &warnings);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0], "CXXPROF_CPU: --cpu: 'fast' is not a whole number (expected HZ); ignored");
  EXPECT_EQ(warnings[1], "CXXPROF_WALL: --wall=5000 is out of range (1..1000); ignored");
  EXPECT_EQ(warnings[2], "CXXPROF_NO_FOLLOW: --no-follow takes no value; ignored");
  EXPECT_EQ(config.cpu_hz, 0u);
  EXPECT_EQ(config.wall_hz, 0u);
  EXPECT_EQ(config.mutex_fraction, 3u) << "the other variables still apply";
  EXPECT_TRUE(config.follow_children);
}

TEST(ConfigEnvironment, NoFollowZeroMeansFollow) {
  EXPECT_TRUE(from_environment({{"CXXPROF_NO_FOLLOW", "0"}}).follow_children);
  EXPECT_FALSE(from_environment({{"CXXPROF_NO_FOLLOW", "1"}}).follow_children);
  EXPECT_FALSE(from_environment({{"CXXPROF_NO_FOLLOW", ""}}).follow_children);
}

TEST(ConfigEnvironment, EnvValuesRoundTrip) {
  Config original = fresh();
  std::strcpy(original.output_dir, "/var/tmp/profiles of mine");
  original.cpu_hz = 997;
  original.wall_hz = 0;
  original.heap_rate = 1;
  original.mutex_fraction = 0xffffffffu;
  original.block_rate = ~uint64_t(0);
  original.io_rate = 0;
  original.follow_children = false;

  std::map<std::string, std::string> environment;
  size_t count = 0;
  const OptionSpec* specs = option_specs(&count);
  for (size_t i = 0; i < count; ++i) {
    char value[kMaxPath];
    if (config_env_value(original, specs[i].id, value, sizeof(value))) {
      environment[specs[i].env_name] = value;
    }
  }
  EXPECT_EQ(environment["CXXPROF_WALL"], "0") << "off is written explicitly";
  EXPECT_EQ(environment["CXXPROF_NO_FOLLOW"], "1");
  std::vector<std::string> warnings;
  Config copy = from_environment(environment, &warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(std::memcmp(&copy, &original, sizeof(Config)), 0);
}

TEST(ConfigEnvironment, DefaultsNeedNoVariable) {
  Config config = fresh();
  char value[64];
  EXPECT_FALSE(config_env_value(config, OptionId::kOutput, value, sizeof(value)));
  EXPECT_FALSE(config_env_value(config, OptionId::kNoFollow, value, sizeof(value)));
  ASSERT_TRUE(config_env_value(config, OptionId::kCpu, value, sizeof(value)));
  EXPECT_STREQ(value, "0");
}

}  // namespace
}  // namespace cxxprof
