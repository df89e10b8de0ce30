// CXXDEBUG=schedtrace=100,scheddetail=1 on tests/fixtures/sched_states, whose threads are
// known to be spinning, waiting on a condvar, sleeping and joining for a known stretch of
// time — under cxxprof-run and with LD_PRELOAD alone.
//
// The cond, sleep and join states come from the lock/sleep/join interposers (issue 4),
// through the thread activity table.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "tests/integration/debug_lines.h"
#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

constexpr int64_t kIntervalMs = 100;
constexpr char kSteadyMs[] = "1500";
// Time between the library's start (the origin of SCHED's ms) and the fixture's main()
// (the origin of its own figures): the loader, our constructor, the program's static
// initialization — a few ms; allowed up to this much on a loaded machine.
constexpr int64_t kStartSkewMs = 100;
// A SCHED line's time is taken when its tick starts; reading 4 threads' /proc files
// follows within a millisecond, or a few scheduling latencies later on a loaded machine
// (tens of ms with a handful of runnable threads per CPU): well within this.
constexpr int64_t kScanMs = 100;

struct SchedRun {
  CommandResult result;
  int64_t wall_ms = 0;
  std::map<std::string, std::string> truth;
  std::vector<SchedSnapshot> snapshots;
};

class SchedTraceTest : public ::testing::TestWithParam<Injection> {
 protected:
  static const SchedRun& run(Injection injection) {
    static std::map<Injection, std::unique_ptr<SchedRun>> runs;
    static TempDir dir;
    std::unique_ptr<SchedRun>& run = runs[injection];
    if (!run) {
      run = std::make_unique<SchedRun>();
      const auto start = std::chrono::steady_clock::now();
      run->result = run_with_cxxdebug(injection, "schedtrace=100,scheddetail=1",
                                      {fixture_path("sched_states"), kSteadyMs}, dir);
      run->wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - start).count();
      run->truth = fixture_fields(run->result.out, "steady_from_ms=");
      run->snapshots = sched_snapshots(run->result.err);
    }
    return *run;
  }

  void SetUp() override {
    ASSERT_TRUE(profiler_built());
    const SchedRun& r = run(GetParam());
    ASSERT_EQ(r.result.exit_code(), 0) << r.result.describe();
    ASSERT_FALSE(r.truth.empty()) << "no truth line\n" << r.result.describe();
    ASSERT_TRUE(fixture_int(r.truth, "steady_from_ms", &steady_from_));
    ASSERT_TRUE(fixture_int(r.truth, "steady_to_ms", &steady_to_));
    ASSERT_TRUE(fixture_int(r.truth, "total_ms", &total_ms_));
    ASSERT_FALSE(r.snapshots.empty()) << r.result.describe();
  }

  // SCHED lines whose moment certainly lies inside the fixture's steady window.
  std::vector<SchedSnapshot> in_window() const {
    std::vector<SchedSnapshot> inside;
    for (const SchedSnapshot& s : run(GetParam()).snapshots) {
      if (s.sched.ms >= steady_from_ + kStartSkewMs && s.sched.ms + kScanMs <= steady_to_) {
        inside.push_back(s);
      }
    }
    return inside;
  }

  int64_t steady_from_ = 0;
  int64_t steady_to_ = 0;
  int64_t total_ms_ = 0;
};

TEST_P(SchedTraceTest, OneLineEveryIntervalNeverEarly) {
  const SchedRun& r = run(GetParam());
  const auto& snapshots = r.snapshots;
  // The timer runs on a fixed schedule from the library's start: the k-th line comes at
  // k intervals or later, never earlier; a tick more than an interval late is skipped, so
  // a line can also be late by less than one interval only (relative to its slot).
  int64_t slot = 0;
  for (size_t i = 0; i < snapshots.size(); ++i) {
    const int64_t ms = snapshots[i].sched.ms;
    EXPECT_GE(ms, slot + kIntervalMs) << snapshots[i].sched.text;
    slot = ms / kIntervalMs * kIntervalMs;
  }
  // Lines are written while the process lives: at most one per interval of the run's
  // wall time (which includes the launcher around it). At least one per interval of the
  // fixture's own run time (main() to its last line), less one for the last tick, which
  // may race with the exit, and one tick that a stall of a whole interval may skip.
  const int64_t at_most = r.wall_ms / kIntervalMs;
  const int64_t at_least = total_ms_ / kIntervalMs - 2;
  EXPECT_LE(int64_t(snapshots.size()), at_most) << r.result.err;
  EXPECT_GE(int64_t(snapshots.size()), at_least) << r.result.err;
}

TEST_P(SchedTraceTest, CountsTheKnownStatesThroughoutTheWindow) {
  const auto inside = in_window();
  // The window is ~1500 ms: a dozen lines at least are checked.
  ASSERT_GE(int64_t(inside.size()), (steady_to_ - steady_from_ - kStartSkewMs - kScanMs) / kIntervalMs - 2)
      << run(GetParam()).result.err;
  for (const SchedSnapshot& s : inside) {
    const DebugLine& line = s.sched;
    SCOPED_TRACE(line.text);
    EXPECT_EQ(line.number("threads"), 4);  // main, waiter, dozer, spinner; not ours
    // Whether the spinner holds a CPU at that instant depends on the machine's load.
    EXPECT_EQ(line.number("running") + line.number("runnable"), 1);
    EXPECT_EQ(line.number("cond"), 1);
    EXPECT_EQ(line.number("sleep"), 1);
    EXPECT_EQ(line.number("join"), 1);
    for (const char* none : {"mutex", "rwlock", "sem", "barrier", "io", "other"}) {
      EXPECT_EQ(line.number(none), 0) << none;
    }
    // CPU used in the interval: the spinner's share of an interval, at most all of it
    // (plus the other threads' crumbs); ms with one decimal.
    EXPECT_NE(line.field("cpu").find("ms"), std::string::npos);
    EXPECT_GE(line.number("vcsw"), 0);
    EXPECT_GE(line.number("ivcsw"), 0);
  }
}

TEST_P(SchedTraceTest, DetailNamesEachThreadAndWhatItWaitsOn) {
  const SchedRun& r = run(GetParam());
  const std::string cond = r.truth.at("cond");
  for (const SchedSnapshot& s : in_window()) {
    SCOPED_TRACE(s.sched.text);
    ASSERT_EQ(s.threads.size(), 4u);
    std::map<std::string, DebugLine> by_name;
    for (const DebugLine& t : s.threads) by_name[t.field("name")] = t;
    ASSERT_EQ(by_name.size(), 4u);

    const DebugLine& waiter = by_name["waiter"];
    EXPECT_EQ(waiter.field("state"), "cond") << waiter.text;
    EXPECT_EQ(waiter.field("kstate"), "S") << waiter.text;
    EXPECT_EQ(waiter.field("blocked"), "pthread_cond_wait") << waiter.text;
    EXPECT_EQ(waiter.field("object"), cond) << waiter.text;
    // Waiting since before the window began (the fixture waits 50 ms before starting the
    // spinner), and not longer than the process has existed.
    const std::string waited = waiter.field("for");
    ASSERT_TRUE(waited.size() > 2 && waited.substr(waited.size() - 2) == "ms") << waiter.text;
    const int64_t waited_ms = std::stoll(waited.substr(0, waited.size() - 2));
    EXPECT_GE(waited_ms, s.sched.ms - kStartSkewMs - steady_from_) << waiter.text;
    EXPECT_LE(waited_ms, s.sched.ms) << waiter.text;

    const DebugLine& dozer = by_name["dozer"];
    EXPECT_EQ(dozer.field("state"), "sleep") << dozer.text;
    EXPECT_EQ(dozer.field("blocked"), "nanosleep") << dozer.text;

    const DebugLine& main_thread = by_name["sched_states"];
    EXPECT_EQ(main_thread.field("state"), "join") << main_thread.text;
    EXPECT_EQ(main_thread.field("blocked"), "pthread_join") << main_thread.text;

    const DebugLine& spinner = by_name["spinner"];
    EXPECT_TRUE(spinner.field("state") == "running" || spinner.field("state") == "runnable")
        << spinner.text;
    EXPECT_EQ(spinner.field("kstate"), "R") << spinner.text;
    EXPECT_EQ(spinner.field("blocked"), "") << spinner.text;

    for (const DebugLine& t : s.threads) {
      EXPECT_GT(t.number("tid"), 0) << t.text;
      EXPECT_GE(t.number("lastcpu"), 0) << t.text;
      EXPECT_NE(t.field("cputime").find("ms"), std::string::npos) << t.text;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Injections, SchedTraceTest,
                         ::testing::Values(Injection::kLauncher, Injection::kPreloadAlone),
                         [](const ::testing::TestParamInfo<Injection>& info) {
                           return injection_name(info.param);
                         });

}  // namespace
}  // namespace cxxprof_test
