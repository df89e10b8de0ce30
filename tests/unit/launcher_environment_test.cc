// The profiled program's environment: LD_PRELOAD, the CXXPROF_* variables that reproduce
// the launcher's Config in the target, and the child-filled CXXPROF_ROOT_PID.
#include "launcher/child_environment.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace cxxprof {
namespace {

const std::string kLibrary = "/opt/cxxprof/lib/cxxprof/libcxxprof.so";

std::map<std::string, std::string> as_map(const std::vector<std::string>& environment) {
  std::map<std::string, std::string> map;
  for (const std::string& entry : environment) {
    size_t equals = entry.find('=');
    EXPECT_TRUE(map.emplace(entry.substr(0, equals), entry.substr(equals + 1)).second)
        << "duplicate " << entry;
  }
  return map;
}

std::map<std::string, std::string> g_child_environment;
const char* child_lookup(const char* name) {
  auto it = g_child_environment.find(name);
  return it == g_child_environment.end() ? nullptr : it->second.c_str();
}
void collect(void* context, const char* line) {
  static_cast<std::vector<std::string>*>(context)->push_back(line);
}

Config sample_config() {
  Config config;
  config_init(&config);
  config.cpu_hz = 250;
  config.wall_hz = 17;
  config.follow_children = false;
  return config;
}

TEST(LauncherLdPreload, PrependsToTheUsersEntries) {
  EXPECT_EQ(prepend_to_ld_preload(kLibrary, nullptr), kLibrary);
  EXPECT_EQ(prepend_to_ld_preload(kLibrary, ""), kLibrary);
  EXPECT_EQ(prepend_to_ld_preload(kLibrary, "/usr/lib/libjemalloc.so.2"),
            kLibrary + ":/usr/lib/libjemalloc.so.2");
  EXPECT_EQ(prepend_to_ld_preload(kLibrary, "liba.so libb.so:libc.so  :"),
            kLibrary + ":liba.so:libb.so:libc.so");
  EXPECT_EQ(prepend_to_ld_preload(kLibrary, (kLibrary + " liba.so").c_str()), kLibrary + ":liba.so")
      << "a nested run lists the library once";
}

TEST(LauncherChildEnvironment, SetsPreloadAndOptionVariables) {
  std::vector<std::string> parent = {"HOME=/root", "LD_PRELOAD=libuser.so",
                                     "CXXDEBUG=schedtrace=1000", "CXXPROF_CPU=9",
                                     "CXXPROF_NO_FOLLOW=0", "CXXPROF_ROOT_PID=77",
                                     "CXXPROF_LAUNCHER=1", "PATH=/bin"};
  std::vector<std::string> child =
      build_child_environment(parent, sample_config(), kLibrary, "/abs/out", 4242);
  auto map = as_map(child);
  EXPECT_EQ(map["HOME"], "/root");
  EXPECT_EQ(map["PATH"], "/bin");
  EXPECT_EQ(map["CXXDEBUG"], "schedtrace=1000") << "passed through untouched";
  EXPECT_EQ(map["LD_PRELOAD"], kLibrary + ":libuser.so");
  EXPECT_EQ(map["CXXPROF_OUTPUT"], "/abs/out");
  EXPECT_EQ(map["CXXPROF_LAUNCHER"], "4242");
  EXPECT_EQ(map["CXXPROF_CPU"], "250");
  EXPECT_EQ(map["CXXPROF_WALL"], "17");
  EXPECT_EQ(map["CXXPROF_HEAP"], "0") << "off is explicit, whatever the parent had";
  EXPECT_EQ(map["CXXPROF_NO_FOLLOW"], "1");
  EXPECT_EQ(map.count("CXXPROF_ROOT_PID"), 0u) << "only the child knows it";
  // The order of the parent's variables is kept.
  EXPECT_EQ(child[0], "HOME=/root");
}

TEST(LauncherChildEnvironment, FollowingChildrenRemovesNoFollow) {
  Config config = sample_config();
  config.follow_children = true;
  auto map = as_map(build_child_environment({"CXXPROF_NO_FOLLOW=1"}, config, kLibrary, "/o", 1));
  EXPECT_EQ(map.count("CXXPROF_NO_FOLLOW"), 0u);
  EXPECT_EQ(map["LD_PRELOAD"], kLibrary);
}

TEST(LauncherChildEnvironment, DuplicateVariablesCollapse) {
  auto map = as_map(build_child_environment({"CXXPROF_CPU=1", "CXXPROF_CPU=2", "LD_PRELOAD=a.so"},
                                            sample_config(), kLibrary, "/o", 1));
  EXPECT_EQ(map["CXXPROF_CPU"], "250");
}

TEST(LauncherChildEnvironment, TheTargetReadsBackTheSameConfig) {
  Config config;
  config_init(&config);
  config.cpu_hz = 1234;
  config.wall_hz = 0;
  config.follow_children = false;
  std::vector<std::string> child = build_child_environment(
      {"CXXPROF_WALL=99"}, config, kLibrary, "/abs/dir with space", 1);
  g_child_environment = as_map(child);
  Config read_back;
  config_init(&read_back);
  std::vector<std::string> warnings;
  EXPECT_EQ(config_from_environment(&read_back, child_lookup, collect, &warnings), 0);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(read_back.cpu_hz, 1234u);
  EXPECT_EQ(read_back.wall_hz, 0u);
  EXPECT_EQ(read_back.heap_rate, 0u);
  EXPECT_FALSE(read_back.follow_children);
  EXPECT_STREQ(read_back.output_dir, "/abs/dir with space");
}

TEST(LauncherEnvironmentBlock, ChildFillsInItsPid) {
  EnvironmentBlock block({"A=1", "CXXPROF_ROOT_PID=stale", "B=2"});
  block.set_root_pid(1234567);
  std::vector<std::string> entries;
  for (char* const* entry = block.envp(); *entry != nullptr; ++entry) entries.emplace_back(*entry);
  EXPECT_EQ(entries, (std::vector<std::string>{"A=1", "B=2", "CXXPROF_ROOT_PID=1234567"}));
  block.set_root_pid(7);
  EXPECT_STREQ(block.envp()[2], "CXXPROF_ROOT_PID=7");
}

TEST(LauncherEnvironmentBlock, CurrentEnvironmentMatchesEnviron) {
  ::setenv("CXXPROF_TEST_MARKER", "x=y", 1);
  auto map = as_map(current_environment());
  EXPECT_EQ(map["CXXPROF_TEST_MARKER"], "x=y");
  ::unsetenv("CXXPROF_TEST_MARKER");
}

}  // namespace
}  // namespace cxxprof
