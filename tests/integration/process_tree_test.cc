// Every process of a tree gets its own profile (DESIGN.md §2.5, §4): a forked child that
// never calls exec re-arms its timers and writes DIR/cpu.<pid>.pb.gz; a child started
// through system() (fork, exec of a shell, exec of the program) too; --no-follow keeps
// only the launched process.
#include <gtest/gtest.h>

#include <dirent.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/report_parsers.h"
#include "tests/integration/reports.h"
#include "tests/integration/stack_queries.h"

namespace cxxprof_test {
namespace {

constexpr int kBurnMs = 400;

// role -> pid, from the fixture's "pid=N role=R burned_ms=M" lines.
std::map<std::string, std::string> roles(const std::string& out) {
  std::map<std::string, std::string> result;
  std::regex line("pid=(\\d+) role=(\\w+) burned_ms=\\d+");
  for (std::sregex_iterator it(out.begin(), out.end(), line), end; it != end; ++it) {
    result[(*it)[2]] = (*it)[1];
  }
  return result;
}

std::vector<std::string> profiles_in(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 6 && name.ends_with(".pb.gz")) names.push_back(name);
    }
    closedir(d);
  }
  return names;
}

// CPU ns of samples with `function` on the stack (its cumulative value) in `file`.
int64_t cum_cpu(const std::string& file, const std::string& function) {
  std::vector<Stack> stacks;
  EXPECT_TRUE(our_collapsed(file, "cpu", false, &stacks));
  int64_t total = 0;
  for (const Stack& s : stacks) {
    if (has_frame(s.frames, function)) total += s.value;
  }
  return total;
}

TEST(ProcessTree, ForkedChildWithoutExecWritesItsOwnProfile) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_profiled({"--cpu", "-o", dir / "prof"},
                                       {fixture_path("process_tree"), "--fork", std::to_string(kBurnMs)});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  auto pids = roles(r.out);
  ASSERT_TRUE(pids.count("child") && pids.count("parent")) << r.out;
  const std::string child_profile = dir / ("prof/cpu." + pids["child"] + ".pb.gz");
  ASSERT_TRUE(path_exists(child_profile)) << r.describe();
  // The child's CPU is in its own profile, within ±25% (10 ms ticks, 400 ms burned),
  // and none of it in the parent's.
  const double child = double(cum_cpu(child_profile, "child_burn"));
  EXPECT_GT(child, 0.75 * kBurnMs * 1e6);
  EXPECT_LT(child, 1.25 * kBurnMs * 1e6);
  EXPECT_EQ(cum_cpu(child_profile, "parent_burn"), 0);
  EXPECT_EQ(cum_cpu(dir / "prof/cpu.pb.gz", "child_burn"), 0);
  EXPECT_GT(double(cum_cpu(dir / "prof/cpu.pb.gz", "parent_burn")), 0.75 * kBurnMs * 1e6);
}

TEST(ProcessTree, ChildStartedThroughSystemIsProfiled) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_profiled({"--cpu", "-o", dir / "prof"},
                                       {fixture_path("process_tree"), "--spawn", std::to_string(kBurnMs)});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  auto pids = roles(r.out);
  ASSERT_TRUE(pids.count("leaf")) << r.out;
  const std::string leaf_profile = dir / ("prof/cpu." + pids["leaf"] + ".pb.gz");
  ASSERT_TRUE(path_exists(leaf_profile)) << r.describe();
  const double leaf = double(cum_cpu(leaf_profile, "leaf_burn"));
  EXPECT_GT(leaf, 0.75 * kBurnMs * 1e6);
  EXPECT_LT(leaf, 1.25 * kBurnMs * 1e6);
  // pprof reads a descendant's profile as well.
  TopTable top;
  ASSERT_TRUE(pprof_top(leaf_profile, "cpu", &top));
  EXPECT_GT(top_cum(top, "leaf_burn"), 0);
}

TEST(ProcessTree, NoFollowProfilesOnlyTheLaunchedProcess) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r =
      run_profiled({"--cpu", "--no-follow", "-o", dir / "prof"},
                   {fixture_path("process_tree"), "--spawn", std::to_string(kBurnMs)});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_EQ(profiles_in(dir / "prof"), std::vector<std::string>{"cpu.pb.gz"});
  EXPECT_GT(cum_cpu(dir / "prof/cpu.pb.gz", "parent_burn"), 0);
}

}  // namespace
}  // namespace cxxprof_test
