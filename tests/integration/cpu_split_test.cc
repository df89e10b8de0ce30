// CPU profile of tests/fixtures/cpu_split: two named threads burn CPU 3:1 in burn_heavy
// and burn_light, and print what they measured. The profile must agree with that truth,
// read by our reader and by `go tool pprof`, with whole stacks and the right thread labels.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/reports.h"
#include "tests/integration/stack_queries.h"

namespace cxxprof_test {
namespace {

constexpr int kThreads = 2;
const char* const kThreadNames[kThreads] = {"worker-1", "worker-2"};

struct Truth {
  int64_t heavy_ns = 0;
  int64_t light_ns = 0;
  int64_t process_cpu_ns = 0;
  std::map<std::string, int64_t> thread_cpu_ns;
  double heavy_share() const { return double(heavy_ns) / double(heavy_ns + light_ns); }
};

class CpuSplitTest : public ::testing::Test {
 protected:
  // One profiled run (2 threads × 2 s of CPU) serves every test of the suite.
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    if (!profiler_built()) return;
    run_ = std::make_unique<CommandResult>(
        run_profiled({"--cpu", "-o", *dir_ / "prof"}, {fixture_path("cpu_split"), "2", std::to_string(kThreads)}));
    const auto total = fixture_fields(run_->out, "total ");
    truth_ok_ = fixture_int(total, "burn_heavy_ns", &truth_.heavy_ns) &&
                fixture_int(total, "burn_light_ns", &truth_.light_ns) &&
                fixture_int(fixture_fields(run_->out, "process_cpu_ns="), "process_cpu_ns", &truth_.process_cpu_ns);
    for (const char* name : kThreadNames) {
      int64_t ns = 0;
      truth_ok_ = truth_ok_ && fixture_int(fixture_fields(run_->out, std::string("thread=") + name + " "),
                                           "thread_cpu_ns", &ns);
      truth_.thread_cpu_ns[name] = ns;
    }
  }
  static void TearDownTestSuite() {
    run_.reset();
    dir_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(profiler_built());
    ASSERT_EQ(run_->exit_code(), 0) << run_->describe();
    ASSERT_TRUE(truth_ok_) << "fixture output lacks its truth lines\n" << run_->describe();
    ASSERT_TRUE(path_exists(profile())) << profile() << " not written\n" << run_->describe();
  }

  static std::string profile() { return *dir_ / "prof/cpu.pb.gz"; }

  static std::unique_ptr<TempDir> dir_;
  static std::unique_ptr<CommandResult> run_;
  static Truth truth_;
  static bool truth_ok_;
};

std::unique_ptr<TempDir> CpuSplitTest::dir_;
std::unique_ptr<CommandResult> CpuSplitTest::run_;
Truth CpuSplitTest::truth_;
bool CpuSplitTest::truth_ok_ = false;

// The fixture's own measurement must be the 3:1 it promises, or nothing below means much.
TEST_F(CpuSplitTest, FixtureMeasuredThreeToOne) { EXPECT_NEAR(truth_.heavy_share(), 0.75, 0.005); }

TEST_F(CpuSplitTest, OurTopShowsTheSplit) {
  TopTable top;
  ASSERT_TRUE(our_top(profile(), "cpu", &top));
  const double heavy = top_flat(top, "burn_heavy");
  const double light = top_flat(top, "burn_light");
  ASSERT_GT(heavy + light, 0) << "neither burn_heavy nor burn_light in `cxxprof top`";
  EXPECT_NEAR(heavy / (heavy + light), truth_.heavy_share(), 0.03)
      << "burn_heavy flat " << heavy << ", burn_light flat " << light;
}

TEST_F(CpuSplitTest, OurCollapsedShowsTheSplit) {
  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(profile(), "cpu", false, &stacks));
  int64_t heavy = 0;
  int64_t light = 0;
  for (const auto& s : stacks) {
    if (leaf_is(s.frames, "burn_heavy")) heavy += s.value;
    if (leaf_is(s.frames, "burn_light")) light += s.value;
  }
  ASSERT_GT(heavy + light, 0);
  EXPECT_NEAR(double(heavy) / double(heavy + light), truth_.heavy_share(), 0.03);
}

TEST_F(CpuSplitTest, PprofShowsTheSplitAsDefaultSampleType) {
  TopTable top;
  std::string report;
  ASSERT_TRUE(pprof_top(profile(), "", &top, &report));  // no -sample_index: the default
  EXPECT_NE(report.find("Type: cpu\n"), std::string::npos) << "default sample type is not cpu:\n" << report;
  const double heavy = top_flat(top, "burn_heavy");
  const double light = top_flat(top, "burn_light");
  ASSERT_GT(heavy + light, 0) << report;
  EXPECT_NEAR(heavy / (heavy + light), truth_.heavy_share(), 0.03) << report;
}

TEST_F(CpuSplitTest, TotalCpuMatchesTheProcessCpuTime) {
  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(profile(), "cpu", false, &stacks));
  const double ours = double(total_value(stacks));
  EXPECT_NEAR(ours, double(truth_.process_cpu_ns), 0.10 * double(truth_.process_cpu_ns))
      << "profile total " << ours << " ns, process CPU " << truth_.process_cpu_ns << " ns";

  // pprof reads the same total from the same file.
  TopTable top;
  ASSERT_TRUE(pprof_top(profile(), "cpu", &top));
  EXPECT_NEAR(top.total, ours, 0.001 * ours);
}

TEST_F(CpuSplitTest, StacksReachTheThreadEntryThroughTheCallChain) {
  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(profile(), "cpu", false, &stacks));
  int burn_stacks = 0;
  for (const auto& s : stacks) {
    for (const char* leaf : {"burn_heavy", "burn_light"}) {
      if (!has_frame(s.frames, leaf)) continue;
      ++burn_stacks;
      EXPECT_TRUE(ends_with_chain(s.frames, {"worker_main", "run_phase", leaf})) << folded(s.frames);
      EXPECT_TRUE(rooted_at_thread_entry(s.frames)) << folded(s.frames);
    }
  }
  EXPECT_GT(burn_stacks, 0);
}

TEST_F(CpuSplitTest, PprofTracesReachTheThreadEntry) {
  std::vector<Trace> traces;
  ASSERT_TRUE(pprof_traces(profile(), "cpu", &traces));
  int burn_traces = 0;
  for (const auto& t : traces) {
    if (!has_frame(t.frames, "burn_heavy")) continue;
    ++burn_traces;
    EXPECT_TRUE(ends_with_chain(t.frames, {"worker_main", "run_phase", "burn_heavy"})) << folded(t.frames);
    EXPECT_TRUE(rooted_at_thread_entry(t.frames)) << folded(t.frames);
    const auto thread = t.labels.find("thread");
    ASSERT_NE(thread, t.labels.end()) << folded(t.frames);
    EXPECT_TRUE(thread->second == kThreadNames[0] || thread->second == kThreadNames[1]) << thread->second;
  }
  EXPECT_GT(burn_traces, 0);
}

// Each worker's samples carry its name, and add up to the CPU that thread measured.
TEST_F(CpuSplitTest, ThreadLabelsAreTheNamesSet) {
  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(profile(), "cpu", true, &stacks));
  std::map<std::string, int64_t> per_thread;
  for (const auto& s : stacks) {
    if (has_frame(s.frames, "worker_main")) per_thread[s.thread] += s.value;
  }
  for (const char* name : kThreadNames) {
    const double truth = double(truth_.thread_cpu_ns[name]);
    EXPECT_NEAR(double(per_thread[name]), truth, 0.10 * truth) << "thread " << name;
    per_thread.erase(name);
  }
  for (const auto& [thread, value] : per_thread) {
    ADD_FAILURE() << "worker_main samples labelled thread '" << thread << "' (" << value << " ns)";
  }
}

TEST_F(CpuSplitTest, PprofSeesTheThreadLabels) {
  std::map<std::string, double> amounts;
  ASSERT_TRUE(pprof_tags(profile(), "thread", &amounts));
  for (const char* name : kThreadNames) {
    EXPECT_GT(amounts[name], 0) << "no samples labelled thread=" << name;
  }
}

}  // namespace
}  // namespace cxxprof_test
