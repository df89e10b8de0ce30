// Code the profiler did not see at start-up: a library dlopened (and dlclosed) after the
// constructor ran, and a thread that existed before it. Both must be in the profile, with
// names — the first through the service thread's module rescans, the second through the
// CPU timers armed for threads found in /proc/self/task.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/report_parsers.h"
#include "tests/integration/reports.h"
#include "tests/integration/stack_queries.h"

namespace cxxprof_test {
namespace {

int64_t value_with_leaf(const std::vector<Stack>& stacks, const std::string& leaf) {
  int64_t total = 0;
  for (const Stack& s : stacks) {
    if (leaf_is(s.frames, leaf)) total += s.value;
  }
  return total;
}

TEST(LoadedLate, DlopenedAndDlclosedLibraryIsNamed) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r =
      run_profiled({"--cpu", "-o", dir / "prof"}, {fixture_path("dlopen_host"), "800"});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  ASSERT_NE(r.out.find("was unloaded"), std::string::npos) << r.describe();
  const std::string profile = dir / "prof/cpu.pb.gz";

  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(profile, "cpu", false, &stacks));
  const double total = double(total_value(stacks));
  ASSERT_GT(total, 0);
  // ~800 of ~1000 ms are in the plugin.
  const double in_plugin = double(value_with_leaf(stacks, "plugin_burn"));
  EXPECT_GT(in_plugin / total, 0.6) << "plugin_burn share " << in_plugin / total;
  // The unwinder locates the plugin from its first sample on (no rescan to wait for), so
  // every one of them has the whole chain down to main.
  for (const Stack& s : stacks) {
    if (leaf_is(s.frames, "plugin_burn")) {
      EXPECT_TRUE(ends_with_chain(s.frames, {"main", "run_plugin", "plugin_burn"}))
          << folded(s.frames);
    }
  }
  TopTable top;
  ASSERT_TRUE(pprof_top(profile, "cpu", &top));
  bool named_by_pprof = false;
  for (const TopRow& row : top.rows) named_by_pprof |= base_name(row.name) == "plugin_burn";
  EXPECT_TRUE(named_by_pprof);
}

TEST(LoadedLate, ThreadStartedBeforeTheProfilerIsSampled) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  CommandOptions options;
  // cxxprof-run prepends its library: LD_PRELOAD="libcxxprof.so libearly_thread.so", and
  // the loader runs the later preload's constructor first.
  options.set_env = {"LD_PRELOAD=" + fixture_path("libearly_thread.so"), "EARLY_BURN_MS=600"};
  const CommandResult r = run_profiled({"--cpu", "-o", dir / "prof"},
                                       {fixture_path("exit_code"), "0"}, options);
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  const std::string profile = dir / "prof/cpu.pb.gz";

  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(profile, "cpu", true, &stacks));
  int64_t early = 0;
  for (const Stack& s : stacks) {
    if (s.thread == "early-thread" && leaf_is(s.frames, "early_thread_burn")) early += s.value;
  }
  // 600 ms of CPU at 100 Hz: ~60 samples worth 10 ms each. Within ±25% (the thread's
  // first expiry is random and it starts before the timer exists).
  EXPECT_GT(double(early), 0.75 * 600e6) << "early-thread CPU seen: " << early << " ns";
  EXPECT_LT(double(early), 1.25 * 600e6) << "early-thread CPU seen: " << early << " ns";
}

}  // namespace
}  // namespace cxxprof_test
