// The stress fixture (tests/fixtures/stress.cc: eight threads hammering malloc/free,
// mutexes, condition variables and I/O) under every profiler at once, twice (issue 7):
//   - for 10 s at the default rates;
//   - for a fixed number of rounds with every allocation and every I/O call recorded
//     (--heap=1 --io=1), where the fixture's own counts are the exact truth.
// Each run must end (the harness timeout catches a deadlock) with status 0 and the same
// stdout as an unprofiled run of the same number of rounds, write every profile readable
// by both readers, and lose nothing it does not report: what the fixture counted is in
// the profiles, short by at most the samples the profiles say were lost (and exactly
// equal when they report none).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/all_profilers.h"
#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/heap_reports.h"
#include "tests/integration/io_samples.h"
#include "tests/integration/lock_samples.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

struct StressRun {
  std::unique_ptr<TempDir> dir = std::make_unique<TempDir>();
  CommandResult profiled;
  CommandResult plain;
  int64_t rounds = 0;
  ::testing::AssertionResult readable = ::testing::AssertionFailure() << "not run";
  ::testing::AssertionResult only_program_threads = ::testing::AssertionFailure() << "not run";
  ::testing::AssertionResult placed_frames = ::testing::AssertionFailure() << "not run";
  int64_t lost = 0;  // samples the profiles report as dropped or without a stack
  std::string profiles() const { return *dir / "prof"; }
  std::string file(const std::string& name) const { return profiles() + "/" + name; }
};

// Runs the fixture under `profilers` for `amount` (seconds=S or rounds=R), then
// unprofiled for the same number of rounds, and reads every profile. What went wrong is
// reported by every test of the suite (its SetUp: expect_ran_like_unprofiled).
std::unique_ptr<StressRun> run_stress(const std::vector<std::string>& profilers, const std::string& amount) {
  auto run = std::make_unique<StressRun>();
  if (!profiler_built()) return run;
  std::vector<std::string> options = profilers;
  options.insert(options.end(), {"-q", "-o", run->profiles()});
  run->profiled = run_profiled(options, {fixture_path("stress"), amount, run->dir->path()});
  if (run->profiled.exit_code() != 0 ||
      !fixture_int(fixture_fields(run->profiled.out, "rounds="), "rounds", &run->rounds)) {
    return run;
  }
  run->plain =
      run_command({fixture_path("stress"), "rounds=" + std::to_string(run->rounds), run->dir->path()});
  EveryProfile tables;
  run->readable = read_every_profile(run->profiles(), &tables);
  if (!run->readable) return run;
  run->only_program_threads = no_profiler_threads(run->profiles());
  run->placed_frames = no_bare_addresses(tables);
  run->readable = reported_lost_samples(run->file("heap.pb.gz"), &run->lost);
  return run;
}

void expect_ran_like_unprofiled(const StressRun& run) {
  ASSERT_TRUE(profiler_built());
  ASSERT_EQ(run.profiled.exit_code(), 0) << run.profiled.describe();
  ASSERT_GT(run.rounds, 0) << run.profiled.describe();
  ASSERT_EQ(run.plain.exit_code(), 0) << run.plain.describe();
  EXPECT_EQ(run.profiled.out, run.plain.out) << "the fixture's output changed under the profiler";
  ASSERT_TRUE(run.readable);
  EXPECT_TRUE(run.only_program_threads);
  EXPECT_TRUE(run.placed_frames);
}

// `counted` of something the fixture did `truth` times: all of it, unless the profiles
// report lost samples, and then short by no more than those.
void expect_counted(double counted, int64_t truth, int64_t lost, const std::string& what) {
  if (lost == 0) {
    EXPECT_EQ(counted, double(truth)) << what << " (no sample reported lost)";
  } else {
    EXPECT_LE(counted, double(truth)) << what;
    EXPECT_GE(counted, double(truth - lost)) << what << " (" << lost << " samples reported lost)";
  }
}

// Every pthread_cond_wait the fixture made is a block-profile event (--block's default
// rate 1 records them all), under wait_turn, reason cond.
void expect_every_condition_wait(const StressRun& run) {
  int64_t waits = 0;
  ASSERT_TRUE(fixture_int(fixture_fields(run.profiled.err, "cond site=wait_turn"), "waits", &waits))
      << run.profiled.describe();
  ASSERT_GT(waits, 0);
  for (auto reader : {&our_lock_samples, &pprof_lock_samples}) {
    std::vector<LockSample> samples;
    ASSERT_TRUE(reader(run.file("block.pb.gz"), &samples));
    expect_counted(lock_totals(samples, "wait_turn", "cond").contentions, waits, run.lost, "condition waits");
  }
}

// Every block the workload allocated was freed: nothing of churn_memory is in use at the
// end, whatever the sampling rate.
void expect_nothing_left_in_use(const StressRun& run) {
  for (auto totals_of : {&our_function_totals, &pprof_function_totals}) {
    for (const char* type : {"inuse_objects", "inuse_space"}) {
      std::map<std::string, int64_t> totals;
      ASSERT_TRUE(totals_of(run.file("heap.pb.gz"), type, &totals));
      EXPECT_EQ(totals["churn_memory"], 0) << type;
    }
  }
}

// ------------------------------------------------------------------ default rates, 10 s

class StressDefaultRates : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { run_ = run_stress(every_profiler(), "seconds=10"); }
  static void TearDownTestSuite() { run_.reset(); }
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(expect_ran_like_unprofiled(*run_)); }
  static std::unique_ptr<StressRun> run_;
};
std::unique_ptr<StressRun> StressDefaultRates::run_;

// (SetUp checks the run itself for every test of the suite.)
TEST_F(StressDefaultRates, CpuProfileNamesWhereTheThreadsWork) {
  for (const char* function : {"churn_memory", "wait_turn"}) {
    Share share;
    ASSERT_TRUE(share_with_frame(
        run_->file("cpu.pb.gz"), "cpu", [function](const std::string& f) { return f == function; }, &share));
    EXPECT_GT(share.ours, 0) << function;
    EXPECT_GT(share.pprof, 0) << function;
  }
}

TEST_F(StressDefaultRates, EveryConditionWaitIsInTheBlockProfile) { expect_every_condition_wait(*run_); }

TEST_F(StressDefaultRates, NothingOfTheWorkloadIsLeftInUse) { expect_nothing_left_in_use(*run_); }

// ---------------------------------------------- every allocation and I/O call recorded

class StressEveryEvent : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<std::string> profilers = every_profiler_all_io();
    for (std::string& option : profilers) {
      if (option == "--heap") option = "--heap=1";
    }
    run_ = run_stress(profilers, "rounds=4000");
  }
  static void TearDownTestSuite() { run_.reset(); }
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(expect_ran_like_unprofiled(*run_)); }
  static std::unique_ptr<StressRun> run_;
};
std::unique_ptr<StressRun> StressEveryEvent::run_;

TEST_F(StressEveryEvent, EveryAllocationIsInTheHeapProfile) {
  const auto truth = fixture_fields(run_->profiled.out, "heap site=churn_memory");
  int64_t objects = 0, bytes = 0;
  ASSERT_TRUE(fixture_int(truth, "alloc_objects", &objects) && fixture_int(truth, "alloc_bytes", &bytes))
      << run_->profiled.out;
  for (auto totals_of : {&our_function_totals, &pprof_function_totals}) {
    std::map<std::string, int64_t> counted;
    ASSERT_TRUE(totals_of(run_->file("heap.pb.gz"), "alloc_objects", &counted));
    expect_counted(double(counted["churn_memory"]), objects, run_->lost, "allocations");
    ASSERT_TRUE(totals_of(run_->file("heap.pb.gz"), "alloc_space", &counted));
    if (run_->lost == 0) {
      EXPECT_EQ(counted["churn_memory"], bytes) << "bytes allocated";
    } else {
      EXPECT_LE(counted["churn_memory"], bytes) << "bytes allocated";
    }
  }
  expect_nothing_left_in_use(*run_);
}

TEST_F(StressEveryEvent, EveryIoCallIsInTheIoProfile) {
  struct Site {
    const char* function;
    const char* op;
  };
  for (const Site site : {Site{"write_null", "write"}, Site{"pipe_round_trip", "write"},
                          Site{"pipe_round_trip", "read"}, Site{"read_file", "pread"}}) {
    const std::string what = std::string(site.function) + " " + site.op;
    const auto truth =
        fixture_fields(run_->profiled.out, "io site=" + std::string(site.function) + " op=" + site.op);
    int64_t calls = 0, bytes = 0;
    ASSERT_TRUE(fixture_int(truth, "calls", &calls) && fixture_int(truth, "bytes", &bytes))
        << run_->profiled.out;
    for (auto reader : {&our_io_samples, &pprof_io_samples}) {
      std::vector<IoSample> samples;
      ASSERT_TRUE(reader(run_->file("io.pb.gz"), &samples));
      const IoTotals totals = io_totals(samples, site.function, site.op);
      expect_counted(totals.calls, calls, run_->lost, what + " calls");
      if (run_->lost == 0) {
        EXPECT_EQ(totals.bytes, double(bytes)) << what << " bytes";
      } else {
        EXPECT_LE(totals.bytes, double(bytes)) << what << " bytes";
      }
    }
  }
}

TEST_F(StressEveryEvent, EveryConditionWaitIsInTheBlockProfile) { expect_every_condition_wait(*run_); }

}  // namespace
}  // namespace cxxprof_test
