// The heap profile against known truth (tests/fixtures/heap_workload.h): functions that
// keep known odd byte counts alive with every interposed allocation function, a burst
// that makes the peak, a thread that churns a known total. Checked with our reader and
// with go tool pprof -sample_index=...:
//   - RATE=1: every figure of every function to the byte and to the object;
//   - the default rate: the large figures within ±25% (a few hundred samples each: the
//     bound is 4-5 standard errors), the churn's in-use exactly 0;
//   - heap_peak.pb.gz: the burst's owner on top, its bytes within the snapshot margin.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/heap_reports.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

const std::vector<std::string> kSites = {"keep_small", "keep_large",   "keep_calloc", "keep_realloc",
                                         "keep_aligned", "peak_burst", "churn"};

struct HeapRun {
  std::unique_ptr<TempDir> dir;
  CommandResult result;
  std::map<std::string, HeapTruth> truth;
  int64_t peak_burst = 0;
  int64_t peak_total = 0;

  std::string file(const std::string& name) const { return *dir / ("prof/" + name); }
};

std::unique_ptr<HeapRun> run_truth_fixture(const std::string& heap_option, const std::string& scale) {
  auto run = std::make_unique<HeapRun>();
  run->dir = std::make_unique<TempDir>();
  if (!profiler_built()) return run;
  run->result = run_profiled({heap_option, "-o", *run->dir / "prof"}, {fixture_path("heap_truth"), scale});
  run->truth = heap_truth_lines(run->result.out);
  const auto peak = fixture_fields(run->result.out, "peak ");
  fixture_int(peak, "inuse_bytes", &run->peak_burst);
  fixture_int(peak, "total_inuse_bytes", &run->peak_total);
  return run;
}

::testing::AssertionResult usable(const HeapRun& run) {
  auto built = profiler_built();
  if (!built) return built;
  if (run.result.exit_code() != 0) return ::testing::AssertionFailure() << run.result.describe();
  if (run.truth.size() != kSites.size() || run.peak_total == 0) {
    return ::testing::AssertionFailure() << "fixture output lacks its truth lines\n" << run.result.describe();
  }
  return ::testing::AssertionSuccess();
}

// ------------------------------------------------------------------------ RATE=1

class HeapRateOne : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { run_ = run_truth_fixture("--heap=1", "0.1"); }
  static void TearDownTestSuite() { run_.reset(); }
  void SetUp() override { ASSERT_TRUE(usable(*run_)); }
  static std::unique_ptr<HeapRun> run_;
};
std::unique_ptr<HeapRun> HeapRateOne::run_;

TEST_F(HeapRateOne, EveryFigureMatchesToTheByteWithOurReader) {
  for (const std::string& type : heap_sample_types()) {
    std::map<std::string, int64_t> totals;
    ASSERT_TRUE(our_function_totals(run_->file("heap.pb.gz"), type, &totals));
    for (const std::string& site : kSites) {
      EXPECT_EQ(totals[site], run_->truth.at(site).value(type)) << site << " " << type;
    }
  }
}

TEST_F(HeapRateOne, EveryFigureMatchesToTheByteWithPprof) {
  for (const std::string& type : heap_sample_types()) {
    std::map<std::string, int64_t> totals;
    ASSERT_TRUE(pprof_function_totals(run_->file("heap.pb.gz"), type, &totals));
    for (const std::string& site : kSites) {
      EXPECT_EQ(totals[site], run_->truth.at(site).value(type)) << site << " " << type;
    }
  }
}

TEST_F(HeapRateOne, ProfileDescribesItselfAsGoHeapProfiles) {
  const CommandResult dump = run_report_tool({"dump", run_->file("heap.pb.gz")});
  ASSERT_EQ(dump.exit_code(), 0) << dump.describe();
  EXPECT_NE(dump.out.find("Sample types: alloc_objects/count alloc_space/bytes inuse_objects/count "
                          "inuse_space/bytes"),
            std::string::npos)
      << dump.out.substr(0, 400);
  EXPECT_NE(dump.out.find("Default sample type: inuse_space"), std::string::npos);
  EXPECT_NE(dump.out.find("Period: 1 space/bytes"), std::string::npos);
  EXPECT_NE(dump.out.find("bytes=1001"), std::string::npos) << "numeric label bytes";
  EXPECT_NE(dump.out.find("bytes=5000003"), std::string::npos) << "large sizes: exact average";
}

TEST_F(HeapRateOne, PeakShowsTheBurstWithinTheSnapshotMargin) {
  for (const std::string reader : {"ours", "pprof"}) {
    std::map<std::string, int64_t> totals;
    if (reader == "ours") {
      ASSERT_TRUE(our_function_totals(run_->file("heap_peak.pb.gz"), "inuse_space", &totals));
    } else {
      ASSERT_TRUE(pprof_function_totals(run_->file("heap_peak.pb.gz"), "inuse_space", &totals));
    }
    // The snapshot is taken within 1/32 of the largest live heap (plus the 64 KiB batches
    // of two threads' estimates), always at or before the peak's last allocation.
    const double margin = double(run_->peak_total) / 32 + 2 * 65536 + 1048579;
    EXPECT_LE(totals["peak_burst"], run_->peak_burst) << reader;
    EXPECT_GE(double(totals["peak_burst"]), double(run_->peak_burst) - margin) << reader;
    EXPECT_EQ(totals["keep_small"], run_->truth.at("keep_small").inuse_bytes)
        << reader << ": live before the peak, the same at the peak";
    EXPECT_EQ(totals["churn"], 0) << reader << ": the churn came after the peak";
  }
  std::string top;
  ASSERT_TRUE(pprof_top_function(run_->file("heap_peak.pb.gz"), "inuse_space", &top));
  EXPECT_EQ(top, "peak_burst");
}

// ------------------------------------------------------------------- default rate

class HeapDefaultRate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { run_ = run_truth_fixture("--heap", "1"); }
  static void TearDownTestSuite() { run_.reset(); }
  void SetUp() override { ASSERT_TRUE(usable(*run_)); }
  static std::unique_ptr<HeapRun> run_;

  static void expect_within(const std::map<std::string, int64_t>& totals, const std::string& site,
                            const std::string& type, const std::string& reader) {
    const double truth = double(run_->truth.at(site).value(type));
    const auto it = totals.find(site);
    const double seen = it == totals.end() ? 0 : double(it->second);
    EXPECT_NEAR(seen, truth, 0.25 * truth) << reader << ": " << site << " " << type;
  }
};
std::unique_ptr<HeapRun> HeapDefaultRate::run_;

TEST_F(HeapDefaultRate, LargeFiguresWithinAQuarterAndChurnNotInUse) {
  for (const std::string reader : {"ours", "pprof"}) {
    for (const std::string type : {"alloc_space", "inuse_space", "alloc_objects", "inuse_objects"}) {
      std::map<std::string, int64_t> totals;
      if (reader == "ours") {
        ASSERT_TRUE(our_function_totals(run_->file("heap.pb.gz"), type, &totals));
      } else {
        ASSERT_TRUE(pprof_function_totals(run_->file("heap.pb.gz"), type, &totals));
      }
      expect_within(totals, "keep_small", type, reader);
      expect_within(totals, "keep_large", type, reader);
      if (type.rfind("alloc", 0) == 0) {
        expect_within(totals, "churn", type, reader);
        expect_within(totals, "peak_burst", type, reader);
      } else {
        EXPECT_EQ(totals["churn"], 0) << reader << ": everything churned was freed";
        EXPECT_EQ(totals["peak_burst"], 0) << reader << ": the burst was freed";
      }
    }
  }
}

TEST_F(HeapDefaultRate, PeakOwnerOnTopWithinAQuarter) {
  std::map<std::string, int64_t> ours, theirs;
  ASSERT_TRUE(our_function_totals(run_->file("heap_peak.pb.gz"), "inuse_space", &ours));
  ASSERT_TRUE(pprof_function_totals(run_->file("heap_peak.pb.gz"), "inuse_space", &theirs));
  for (const auto* totals : {&ours, &theirs}) {
    const double truth = double(run_->peak_burst);
    EXPECT_NEAR(double(totals->count("peak_burst") ? totals->at("peak_burst") : 0), truth, 0.25 * truth);
  }
  std::string top;
  ASSERT_TRUE(pprof_top_function(run_->file("heap_peak.pb.gz"), "inuse_space", &top));
  EXPECT_EQ(top, "peak_burst");
  const CommandResult dump = run_report_tool({"dump", run_->file("heap_peak.pb.gz")});
  EXPECT_NE(dump.out.find("Period: 524288 space/bytes"), std::string::npos) << dump.out.substr(0, 600);
  EXPECT_NE(dump.out.find("heap peak: about"), std::string::npos) << dump.out.substr(0, 600);
}

}  // namespace
}  // namespace cxxprof_test
